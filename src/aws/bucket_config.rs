//! S3 bucket configuration, shared by the bucket commands: finding a bucket
//! and its region, saying plainly what an S3 error about a bucket means, and
//! reading the configuration documents (ACL, bucket policy and its status,
//! public access block, CORS rules, website) as JSON, keyed as the S3 API
//! documents them.
//!
//! "Not configured" is an answer, not a failure: the readers return `None`
//! for it, and an error only for calls that really failed.

use aws_sdk_s3::config::Region;
use aws_sdk_s3::types::{
    CorsRule, Grant, Grantee, Owner, PublicAccessBlockConfiguration, RoutingRule,
};
use serde_json::Value;

use crate::aws::Clients;
use crate::aws::region::REGION_HEADER;
use crate::error::{AwsError, AwsResultExt};
use crate::output::Object;

/// Regions whose website endpoint is `s3-website-REGION` (with a dash); the
/// others use `s3-website.REGION`
/// (<https://docs.aws.amazon.com/general/latest/gr/s3.html#s3_website_region_endpoints>).
const DASH_WEBSITE_REGIONS: [&str; 9] = [
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "eu-west-1",
    "sa-east-1",
    "us-gov-west-1",
];

/// A bucket that exists, with an S3 client for its region.
#[derive(Debug, Clone)]
pub struct Bucket {
    /// The bucket's name.
    pub name: String,
    /// The region the bucket lives in.
    pub region: String,
    /// A client that signs for that region.
    pub s3: aws_sdk_s3::Client,
}

impl Bucket {
    /// Find `name` with one `HeadBucket` call and make a client for its region.
    ///
    /// The S3 client follows redirects to the bucket's region by itself (see
    /// [`crate::aws::region`]); the region is kept here for what is built
    /// from it, such as website addresses. A missing bucket is an error. Access denied is not: the caller may be
    /// allowed the calls that follow, which then report what is denied.
    pub async fn locate(clients: &Clients, name: &str) -> anyhow::Result<Self> {
        let result = clients.s3.head_bucket().bucket(name).send().await;
        let region = match &result {
            Ok(output) => output.bucket_region().map(str::to_owned),
            Err(error) => error
                .raw_response()
                .and_then(|response| response.headers().get(REGION_HEADER))
                .map(str::to_owned),
        };
        if let Err(error) = result {
            let error = AwsError::from_sdk("HeadBucket", &error);
            let usable =
                error.is_access_denied() || (region.is_some() && error.status() != Some(404));
            if !usable {
                return Err(bucket_error(error, name));
            }
        }
        let region = region
            .or_else(|| clients.regions.get(name))
            .unwrap_or_else(|| clients.region.clone());
        Ok(Self::in_region(clients, name, region))
    }

    /// A bucket known to be in `region`, without asking S3.
    pub fn in_region(clients: &Clients, name: &str, region: String) -> Self {
        clients.regions.record(name, &region);
        let s3 = if region == clients.region {
            clients.s3.clone()
        } else {
            let config = clients
                .s3
                .config()
                .to_builder()
                .region(Region::new(region.clone()))
                .build();
            aws_sdk_s3::Client::from_conf(config)
        };
        Self {
            name: name.to_owned(),
            region,
            s3,
        }
    }

    /// Turn an error of a call on this bucket into a readable one.
    pub fn error(&self, error: AwsError) -> anyhow::Error {
        bucket_error(error, &self.name)
    }

    /// The bucket's ACL: `Owner` and `Grants`.
    pub async fn acl(&self) -> anyhow::Result<Value> {
        let acl = self.s3.get_bucket_acl().bucket(&self.name).send().await;
        let acl = acl.aws("GetBucketAcl").map_err(|e| self.error(e))?;
        Ok(Object::new()
            .with_opt("Owner", acl.owner().map(owner_json))
            .with(
                "Grants",
                acl.grants().iter().map(grant_json).collect::<Vec<_>>(),
            )
            .into())
    }

    /// The bucket policy, `None` when the bucket has none.
    pub async fn policy(&self) -> anyhow::Result<Option<Value>> {
        let policy = self.s3.get_bucket_policy().bucket(&self.name).send().await;
        let Some(policy) =
            self.unless_unset(policy.aws("GetBucketPolicy"), "NoSuchBucketPolicy")?
        else {
            return Ok(None);
        };
        let text = policy.policy().unwrap_or_default();
        // S3 stores the policy as JSON; keep the text if it somehow is not.
        Ok(Some(
            serde_json::from_str(text).unwrap_or_else(|_| Value::from(text)),
        ))
    }

    /// Whether the bucket policy makes the bucket public: `{"IsPublic": …}`,
    /// `None` when there is no bucket policy.
    pub async fn policy_status(&self) -> anyhow::Result<Option<Value>> {
        let status = self.s3.get_bucket_policy_status().bucket(&self.name).send();
        let status = status.await.aws("GetBucketPolicyStatus");
        let status = self.unless_unset(status, "NoSuchBucketPolicy")?;
        Ok(status.map(|status| {
            Object::new()
                .with_opt(
                    "IsPublic",
                    status.policy_status().and_then(|s| s.is_public()),
                )
                .into()
        }))
    }

    /// The public access block settings, `None` when none are set.
    pub async fn public_access_block(
        &self,
    ) -> anyhow::Result<Option<PublicAccessBlockConfiguration>> {
        let block = self.s3.get_public_access_block().bucket(&self.name).send();
        let block = block.await.aws("GetPublicAccessBlock");
        let block = self.unless_unset(block, "NoSuchPublicAccessBlockConfiguration")?;
        Ok(block.and_then(|b| b.public_access_block_configuration))
    }

    /// The CORS rules, `None` when there are none.
    pub async fn cors_rules(&self) -> anyhow::Result<Option<Value>> {
        let cors = self.s3.get_bucket_cors().bucket(&self.name).send().await;
        let cors = self.unless_unset(cors.aws("GetBucketCors"), "NoSuchCORSConfiguration")?;
        Ok(cors.map(|cors| cors_rules_json(cors.cors_rules())))
    }

    /// The website configuration with the website's `url`, `None` when the
    /// bucket is not a website.
    pub async fn website(&self) -> anyhow::Result<Option<Value>> {
        let website = self.s3.get_bucket_website().bucket(&self.name).send();
        let website = website.await.aws("GetBucketWebsite");
        let Some(website) = self.unless_unset(website, "NoSuchWebsiteConfiguration")? else {
            return Ok(None);
        };
        let object = Object::new()
            .with_opt(
                "RedirectAllRequestsTo",
                website.redirect_all_requests_to().map(|to| {
                    Value::from(
                        Object::new()
                            .with("HostName", to.host_name())
                            .with_opt("Protocol", to.protocol().map(|p| p.as_str())),
                    )
                }),
            )
            .with_opt(
                "IndexDocument",
                website
                    .index_document()
                    .map(|index| serde_json::json!({"Suffix": index.suffix()})),
            )
            .with_opt(
                "ErrorDocument",
                website
                    .error_document()
                    .map(|error| serde_json::json!({"Key": error.key()})),
            )
            .with_opt(
                "RoutingRules",
                non_empty(website.routing_rules().iter().map(routing_rule_json)),
            )
            .with("url", website_url(&self.name, &self.region));
        Ok(Some(object.into()))
    }

    /// The region `GetBucketLocation` names: none means `us-east-1`, and the
    /// legacy `EU` means `eu-west-1`.
    pub async fn location(&self) -> anyhow::Result<String> {
        let location = self.s3.get_bucket_location().bucket(&self.name).send();
        let location = location.await.aws("GetBucketLocation");
        let location = location.map_err(|e| self.error(e))?;
        Ok(match location.location_constraint().map(|l| l.as_str()) {
            None | Some("") => "us-east-1".to_owned(),
            Some("EU") => "eu-west-1".to_owned(),
            Some(region) => region.to_owned(),
        })
    }

    /// `None` when the call failed only because the configuration is not set.
    fn unless_unset<T>(
        &self,
        result: Result<T, AwsError>,
        unset_code: &str,
    ) -> anyhow::Result<Option<T>> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(error) if error.code() == Some(unset_code) => Ok(None),
            Err(error) => Err(self.error(error)),
        }
    }
}

/// Say that a bucket does not exist, or that access to it was denied, in
/// those words; other errors keep their AWS detail, prefixed with the bucket.
pub fn bucket_error(error: AwsError, bucket: &str) -> anyhow::Error {
    let missing = error.code() == Some("NoSuchBucket")
        || (error.status() == Some(404) && matches!(error.code(), None | Some("NotFound")));
    if missing {
        anyhow::anyhow!("bucket `{bucket}` does not exist")
    } else if error.is_access_denied() {
        anyhow::Error::new(error).context(format!("access denied to bucket `{bucket}`"))
    } else {
        anyhow::Error::new(error).context(format!("bucket `{bucket}`"))
    }
}

/// The address of a bucket's static website.
pub fn website_url(bucket: &str, region: &str) -> String {
    let separator = if DASH_WEBSITE_REGIONS.contains(&region) {
        '-'
    } else {
        '.'
    };
    format!("http://{bucket}.s3-website{separator}{region}.amazonaws.com/")
}

/// Public access block settings as JSON, with all four keys S3 returns.
pub fn public_access_block_json(block: &PublicAccessBlockConfiguration) -> Value {
    Object::new()
        .with_opt("BlockPublicAcls", block.block_public_acls())
        .with_opt("IgnorePublicAcls", block.ignore_public_acls())
        .with_opt("BlockPublicPolicy", block.block_public_policy())
        .with_opt("RestrictPublicBuckets", block.restrict_public_buckets())
        .into()
}

/// CORS rules as JSON, leaving out empty lists as S3 does.
pub fn cors_rules_json(rules: &[CorsRule]) -> Value {
    let strings = |list: &[String]| non_empty(list.iter().map(|s| Value::from(s.as_str())));
    rules
        .iter()
        .map(|rule| {
            Value::from(
                Object::new()
                    .with_opt("ID", rule.id())
                    .with_opt("AllowedHeaders", strings(rule.allowed_headers()))
                    .with_opt("AllowedMethods", strings(rule.allowed_methods()))
                    .with_opt("AllowedOrigins", strings(rule.allowed_origins()))
                    .with_opt("ExposeHeaders", strings(rule.expose_headers()))
                    .with_opt("MaxAgeSeconds", rule.max_age_seconds()),
            )
        })
        .collect()
}

fn owner_json(owner: &Owner) -> Value {
    Object::new()
        .with_opt("DisplayName", owner.display_name())
        .with_opt("ID", owner.id())
        .into()
}

fn grant_json(grant: &Grant) -> Value {
    Object::new()
        .with_opt("Grantee", grant.grantee().map(grantee_json))
        .with_opt("Permission", grant.permission().map(|p| p.as_str()))
        .into()
}

fn grantee_json(grantee: &Grantee) -> Value {
    Object::new()
        .with_opt("DisplayName", grantee.display_name())
        .with_opt("EmailAddress", grantee.email_address())
        .with_opt("ID", grantee.id())
        .with("Type", grantee.r#type().as_str())
        .with_opt("URI", grantee.uri())
        .into()
}

fn routing_rule_json(rule: &RoutingRule) -> Value {
    let condition = rule.condition().map(|c| {
        Value::from(
            Object::new()
                .with_opt(
                    "HttpErrorCodeReturnedEquals",
                    c.http_error_code_returned_equals(),
                )
                .with_opt("KeyPrefixEquals", c.key_prefix_equals()),
        )
    });
    let redirect = rule.redirect().map(|r| {
        Value::from(
            Object::new()
                .with_opt("HostName", r.host_name())
                .with_opt("HttpRedirectCode", r.http_redirect_code())
                .with_opt("Protocol", r.protocol().map(|p| p.as_str()))
                .with_opt("ReplaceKeyPrefixWith", r.replace_key_prefix_with())
                .with_opt("ReplaceKeyWith", r.replace_key_with()),
        )
    });
    Object::new()
        .with_opt("Condition", condition)
        .with_opt("Redirect", redirect)
        .into()
}

/// A JSON list, or `None` when it would be empty.
fn non_empty(items: impl Iterator<Item = Value>) -> Option<Value> {
    let items: Vec<Value> = items.collect();
    (!items.is_empty()).then_some(Value::Array(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AwsFailure;

    fn service_error(status: u16, code: Option<&str>) -> AwsError {
        AwsError {
            operation: "GetBucketCors",
            failure: AwsFailure::Service {
                status,
                code: code.map(str::to_owned),
                message: None,
            },
            endpoint: None,
            profile: None,
        }
    }

    #[test]
    fn missing_and_forbidden_buckets_are_said_plainly() {
        let text = |error| format!("{:#}", bucket_error(error, "b"));
        assert_eq!(
            text(service_error(404, Some("NoSuchBucket"))),
            "bucket `b` does not exist"
        );
        assert_eq!(text(service_error(404, None)), "bucket `b` does not exist");
        assert_eq!(
            text(service_error(403, Some("AccessDenied"))),
            "access denied to bucket `b`: GetBucketCors failed: AccessDenied (HTTP 403)"
        );
        assert_eq!(
            text(service_error(500, Some("InternalError"))),
            "bucket `b`: GetBucketCors failed: InternalError (HTTP 500)"
        );
    }

    #[test]
    fn website_urls_follow_the_region_endpoint_style() {
        assert_eq!(
            website_url("b", "us-east-1"),
            "http://b.s3-website-us-east-1.amazonaws.com/"
        );
        assert_eq!(
            website_url("b", "eu-west-2"),
            "http://b.s3-website.eu-west-2.amazonaws.com/"
        );
    }

    #[test]
    fn cors_rules_leave_out_empty_lists() {
        let rule = CorsRule::builder()
            .id("set-by-s3-credentials")
            .allowed_methods("GET")
            .allowed_origins("*")
            .build()
            .unwrap();
        assert_eq!(
            cors_rules_json(&[rule]).to_string(),
            r#"[{"ID":"set-by-s3-credentials","AllowedMethods":["GET"],"AllowedOrigins":["*"]}]"#
        );
    }
}
