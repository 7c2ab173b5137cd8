//! Every S3 request on a bucket goes to the bucket's region.
//!
//! S3 answers a request signed for another region than the bucket's with
//! `301 PermanentRedirect` (or `307`), or on a regional endpoint with
//! `400 AuthorizationHeaderMalformed`, and names the right region in the
//! `x-amz-bucket-region` header or a `<Region>` element of the error body.
//! boto3 follows these answers; the Rust SDK does not. This module teaches
//! the S3 client to: [`BucketRegions`] is an interceptor and a retry
//! classifier, installed on the client by [`crate::aws::Clients`], sharing one
//! cache of the regions learned in this run.
//!
//! - Before each attempt, a request for a bucket whose region is known is
//!   resolved (endpoint and signing region) for that region.
//! - After an attempt answered with a redirect naming another region than
//!   the one signed for, that region is recorded and the attempt is retried
//!   at once (no back-off): once the region is known, the retry goes there.
//!
//! A bucket in the configured region costs nothing: no request is added.
//! Any credentials work, also keys that may not call `HeadBucket` or
//! `GetBucketLocation`, since the region comes from the redirect itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_sdk_s3::config::endpoint::Params;
use aws_sdk_s3::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextMut,
};
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::endpoint::EndpointResolverParams;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_types::retry::ErrorKind;

/// The response header in which S3 names a bucket's region.
pub const REGION_HEADER: &str = "x-amz-bucket-region";

/// The regions learned in this run, by bucket name; shared by every clone of
/// the S3 client (and of clients made from its configuration).
#[derive(Debug, Clone, Default)]
pub struct BucketRegions {
    learned: Arc<Mutex<HashMap<String, String>>>,
}

/// Put on a response that redirected to the bucket's region, so the retry
/// classifier (which sees only the response) knows to retry.
#[derive(Debug, Clone)]
struct Redirected;

impl BucketRegions {
    /// The region learned for `bucket`, if any.
    pub fn get(&self, bucket: &str) -> Option<String> {
        let learned = self.learned.lock().unwrap_or_else(PoisonError::into_inner);
        learned.get(bucket).cloned()
    }

    /// Remember that `bucket` lives in `region`.
    pub fn record(&self, bucket: &str, region: &str) {
        let mut learned = self.learned.lock().unwrap_or_else(PoisonError::into_inner);
        learned.insert(bucket.to_owned(), region.to_owned());
    }
}

impl Intercept for BucketRegions {
    fn name(&self) -> &'static str {
        "BucketRegions"
    }

    /// Send the attempt to the bucket's region when it is known.
    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(resolver) = cfg.get_mut_from_interceptor_state::<EndpointResolverParams>() else {
            return Ok(());
        };
        let Some(params) = resolver.get::<Params>() else {
            return Ok(());
        };
        let Some(region) = params.bucket().and_then(|bucket| self.get(bucket)) else {
            return Ok(());
        };
        if params.region() != Some(region.as_str()) {
            let params = with_region(params, region)?;
            *resolver = EndpointResolverParams::new(params);
        }
        Ok(())
    }

    /// Learn the bucket's region from a redirect, and mark the response for
    /// the retry classifier.
    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(params) = cfg
            .load::<EndpointResolverParams>()
            .and_then(|resolver| resolver.get::<Params>())
        else {
            return Ok(());
        };
        let (Some(bucket), Some(signed)) = (params.bucket(), params.region()) else {
            return Ok(());
        };
        let Some(response) = context.response_mut() else {
            return Ok(());
        };
        if let Some(region) = redirect_region(response).filter(|region| region != signed) {
            self.record(bucket, &region);
            response.add_extension(Redirected);
        }
        Ok(())
    }
}

impl ClassifyRetry for BucketRegions {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let redirected = ctx
            .response()
            .is_some_and(|response| response.extension::<Redirected>().is_some());
        if redirected {
            // The next attempt goes to the right region: no reason to wait.
            RetryAction::retryable_error_with_explicit_delay(
                ErrorKind::TransientError,
                Duration::ZERO,
            )
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "BucketRegions"
    }

    /// After the SDK's own classifiers, so a redirect is retried whatever
    /// they made of its status.
    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// The region a redirect-like answer names: `301`/`307` with the region
/// header, `400 AuthorizationHeaderMalformed` with the header or a
/// `<Region>` in the body, or `403` with the header (the caller checks that
/// it differs from the region the request was signed for).
pub fn redirect_region(response: &HttpResponse) -> Option<String> {
    let status = response.status().as_u16();
    let header = response
        .headers()
        .get(REGION_HEADER)
        .filter(|region| !region.is_empty())
        .map(str::to_owned);
    match status {
        301 | 307 | 403 => header,
        400 => {
            let body = response.body().bytes().unwrap_or_default();
            let body = String::from_utf8_lossy(body);
            // A HEAD answer has no body to name the error: trust the header.
            let malformed = body.is_empty() || body.contains("AuthorizationHeaderMalformed");
            if malformed {
                header.or_else(|| xml_element(&body, "Region"))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The text of the first `<tag>` element of an XML body.
fn xml_element(body: &str, tag: &str) -> Option<String> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + body[start..].find(&format!("</{tag}>"))?;
    let text = body[start..end].trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The same endpoint parameters for another region.
fn with_region(params: &Params, region: String) -> Result<Params, BoxError> {
    Ok(Params::builder()
        .region(region)
        .set_bucket(params.bucket().map(str::to_owned))
        .set_use_fips(params.use_fips())
        .set_use_dual_stack(params.use_dual_stack())
        .set_endpoint(params.endpoint().map(str::to_owned))
        .set_force_path_style(params.force_path_style())
        .set_accelerate(params.accelerate())
        .set_use_global_endpoint(params.use_global_endpoint())
        .set_use_object_lambda_endpoint(params.use_object_lambda_endpoint())
        .set_key(params.key().map(str::to_owned))
        .set_prefix(params.prefix().map(str::to_owned))
        .set_copy_source(params.copy_source().map(str::to_owned))
        .set_disable_access_points(params.disable_access_points())
        .set_disable_multi_region_access_points(params.disable_multi_region_access_points())
        .set_use_arn_region(params.use_arn_region())
        .set_use_s3_express_control_endpoint(params.use_s3_express_control_endpoint())
        .set_disable_s3_express_session_auth(params.disable_s3_express_session_auth())
        .build()?)
}

#[cfg(test)]
mod tests {
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn response(status: u16, header: Option<&str>, body: &str) -> HttpResponse {
        let mut response = HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body));
        if let Some(region) = header {
            response
                .headers_mut()
                .insert(REGION_HEADER, region.to_owned());
        }
        response
    }

    #[test]
    fn redirects_name_the_region_in_the_header_or_the_body() {
        let region = |status, header, body| redirect_region(&response(status, header, body));
        let moved = "<Error><Code>PermanentRedirect</Code><Endpoint>b.s3.eu-west-1.amazonaws.com</Endpoint></Error>";
        assert_eq!(
            region(301, Some("eu-west-1"), moved).as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            region(301, Some("eu-west-1"), "").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            region(307, Some("ap-south-1"), "").as_deref(),
            Some("ap-south-1")
        );
        let malformed = "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region \
            'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region></Error>";
        assert_eq!(region(400, None, malformed).as_deref(), Some("eu-west-1"));
        assert_eq!(
            region(400, Some("eu-west-2"), "").as_deref(),
            Some("eu-west-2")
        );
        assert_eq!(
            region(403, Some("eu-west-1"), "").as_deref(),
            Some("eu-west-1")
        );
    }

    #[test]
    fn other_errors_are_not_redirects() {
        let region = |status, header, body| redirect_region(&response(status, header, body));
        assert_eq!(region(301, None, ""), None);
        assert_eq!(
            region(403, None, "<Error><Code>AccessDenied</Code></Error>"),
            None
        );
        let bad = "<Error><Code>InvalidArgument</Code><Region>eu-west-1</Region></Error>";
        assert_eq!(region(400, Some("eu-west-1"), bad), None);
        assert_eq!(region(404, Some("eu-west-1"), ""), None);
        assert_eq!(region(200, Some("eu-west-1"), ""), None);
    }

    #[test]
    fn endpoint_parameters_change_only_their_region() {
        let params = Params::builder()
            .region("us-east-1")
            .bucket("b")
            .endpoint("http://127.0.0.1:9000")
            .force_path_style(true)
            .key("k")
            .use_fips(false)
            .build()
            .unwrap();
        let moved = with_region(&params, "eu-west-1".to_owned()).unwrap();
        assert_eq!(moved.region(), Some("eu-west-1"));
        let back = with_region(&moved, "us-east-1".to_owned()).unwrap();
        assert_eq!(back, params);
    }
}
