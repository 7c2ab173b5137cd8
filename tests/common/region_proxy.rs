//! A proxy in front of moto that answers like S3 for buckets in another
//! region than the one a request is signed for. moto serves every bucket
//! whatever the signing region; S3 does not.
//!
//! The proxy knows where each bucket it was told about "lives", reads the
//! region from the request's SigV4 credential scope, and when they differ
//! answers as S3 does: `301 PermanentRedirect` with the `x-amz-bucket-region`
//! header and an XML body (`HEAD`: the header, no body), or in
//! [`Answer::Malformed`] mode `400 AuthorizationHeaderMalformed` with the
//! expected `<Region>` in the body, as regional endpoints do. Like S3,
//! `GetBucketLocation` is served from any region. Every request is recorded,
//! so tests can count them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::proxy::{Proxy, Request};

/// How the proxy says "wrong region".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `301 PermanentRedirect` with the region header (S3's global endpoint).
    Redirect,
    /// `400 AuthorizationHeaderMalformed` naming the region in the body only
    /// (`HEAD`: no body, so the header).
    Malformed,
}

/// The proxy and its map of bucket regions.
pub struct RegionProxy {
    pub proxy: Proxy,
    regions: Arc<Mutex<HashMap<String, String>>>,
}

impl RegionProxy {
    /// Start in front of `target`, answering wrong-region requests with `answer`.
    pub fn start(target: &str, answer: Answer) -> Self {
        let regions: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let known = regions.clone();
        let proxy = Proxy::with_responder(
            target,
            Arc::new(move |request| {
                let bucket = bucket_of(request)?;
                let region = known.lock().unwrap().get(&bucket).cloned()?;
                let signed = signing_region(request)?;
                let location = request.path.contains("?location");
                (signed != region && !location)
                    .then(|| wrong_region(request, answer, &bucket, &region, &signed))
            }),
        );
        Self { proxy, regions }
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &str {
        &self.proxy.endpoint
    }

    /// Say that `bucket` lives in `region`.
    pub fn place(&self, bucket: &str, region: &str) {
        self.regions
            .lock()
            .unwrap()
            .insert(bucket.to_owned(), region.to_owned());
    }

    /// Every request to `bucket` so far: `(method, path and query)`.
    pub fn requests_to(&self, bucket: &str) -> Vec<(String, String)> {
        self.proxy
            .requests()
            .iter()
            .filter(|request| bucket_of(request).as_deref() == Some(bucket))
            .map(|request| (request.method.clone(), request.path.clone()))
            .collect()
    }

    /// How many requests to `bucket` were signed for another region than its own.
    pub fn misdirected(&self, bucket: &str) -> usize {
        let region = self.regions.lock().unwrap().get(bucket).cloned();
        self.proxy
            .requests()
            .iter()
            .filter(|request| bucket_of(request).as_deref() == Some(bucket))
            .filter(|request| !request.path.contains("?location"))
            .filter(|request| signing_region(request) != region)
            .count()
    }
}

/// The bucket of a path-style S3 request, `None` for IAM/STS and `ListBuckets`.
fn bucket_of(request: &Request) -> Option<String> {
    if request.authorization.contains("/iam/") || request.authorization.contains("/sts/") {
        return None;
    }
    let path = request.path.split('?').next()?;
    let bucket = path.trim_start_matches('/').split('/').next()?;
    (!bucket.is_empty()).then(|| bucket.to_owned())
}

/// The region of the SigV4 credential scope: `Credential=KEY/DATE/REGION/s3/aws4_request`.
fn signing_region(request: &Request) -> Option<String> {
    let scope = request.authorization.split("Credential=").nth(1)?;
    scope.split('/').nth(2).map(str::to_owned)
}

/// The raw answer S3 gives to a request signed for `signed` on a bucket in `region`.
fn wrong_region(
    request: &Request,
    answer: Answer,
    bucket: &str,
    region: &str,
    signed: &str,
) -> String {
    let head = request.method == "HEAD";
    let (status, header, body) = match answer {
        Answer::Redirect => (
            "301 Moved Permanently",
            true,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect</Code>\
                 <Message>The bucket you are attempting to access must be addressed using the \
                 specified endpoint. Please send all future requests to this endpoint.</Message>\
                 <Endpoint>{bucket}.s3.{region}.amazonaws.com</Endpoint><Bucket>{bucket}</Bucket>\
                 <RequestId>0123456789ABCDEF</RequestId><HostId>test</HostId></Error>"
            ),
        ),
        Answer::Malformed => (
            "400 Bad Request",
            head,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\
                 <Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is \
                 malformed; the region '{signed}' is wrong; expecting '{region}'</Message>\
                 <Region>{region}</Region><RequestId>0123456789ABCDEF</RequestId>\
                 <HostId>test</HostId></Error>"
            ),
        ),
    };
    let body = if head { String::new() } else { body };
    let header = if header {
        format!("x-amz-bucket-region: {region}\r\n")
    } else {
        String::new()
    };
    format!(
        "HTTP/1.1 {status}\r\n{header}Content-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}
