//! `set-cors-policy`: replace a bucket's CORS rules with one rule built from
//! the options, `set-by-s3-credentials`.

use aws_sdk_s3::types::{CorsConfiguration, CorsRule};

use crate::aws::Clients;
use crate::aws::bucket_config::{Bucket, cors_rules_json};
use crate::cli::SetCorsPolicyArgs;
use crate::error::{AwsResultExt, ExitStatus, UsageError};
use crate::output::{Console, to_pretty_json};
use crate::settings::bucket::CorsSettings;

/// The ID of the rule this command writes, as the original tool names it.
const RULE_ID: &str = "set-by-s3-credentials";

/// Check the options, then put the rule and print it on stderr.
pub(crate) async fn run(
    args: &SetCorsPolicyArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let rule = cors_rule(args)?;
    let printed = cors_rules_json(std::slice::from_ref(&rule));
    let bucket = Bucket::locate(clients, &args.bucket).await?;
    let configuration = CorsConfiguration::builder().cors_rules(rule).build()?;
    bucket
        .s3
        .put_bucket_cors()
        .bucket(&bucket.name)
        .cors_configuration(configuration)
        .send()
        .await
        .aws("PutBucketCors")
        .map_err(|error| bucket.error(error))?;
    console.log(&format!("Set CORS policy of bucket `{}` to:", bucket.name))?;
    console.log(&to_pretty_json(&printed))?;
    Ok(ExitStatus::Success)
}

/// The rule the checked options describe.
fn cors_rule(args: &SetCorsPolicyArgs) -> Result<CorsRule, UsageError> {
    let settings = CorsSettings::from_args(args)?;
    CorsRule::builder()
        .id(RULE_ID)
        .set_allowed_methods(Some(settings.methods))
        .set_allowed_origins(Some(settings.origins))
        .set_allowed_headers(Some(settings.headers))
        .set_expose_headers(Some(settings.expose_headers))
        .set_max_age_seconds(settings.max_age_seconds)
        .build()
        .map_err(|error| UsageError::new(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ConnectionArgs;

    fn args(methods: &[&str], origins: &[&str]) -> SetCorsPolicyArgs {
        SetCorsPolicyArgs {
            bucket: "b".into(),
            allowed_methods: methods.iter().map(|m| (*m).to_owned()).collect(),
            allowed_headers: Vec::new(),
            allowed_origins: origins.iter().map(|o| (*o).to_owned()).collect(),
            expose_headers: Vec::new(),
            max_age_seconds: None,
            help: None,
            connection: ConnectionArgs::default(),
        }
    }

    #[test]
    fn defaults_to_get_from_anywhere() {
        let rule = cors_rule(&args(&[], &[])).unwrap();
        assert_eq!(rule.id(), Some(RULE_ID));
        assert_eq!(rule.allowed_methods(), ["GET"]);
        assert_eq!(rule.allowed_origins(), ["*"]);
    }

    #[test]
    fn methods_are_capitalised_and_checked() {
        let rule = cors_rule(&args(&["get", "Put"], &[])).unwrap();
        assert_eq!(rule.allowed_methods(), ["GET", "PUT"]);
        assert_eq!(
            cors_rule(&args(&["PATCH"], &[])).unwrap_err().to_string(),
            "--allowed-method `PATCH` is not one S3 supports: use GET, PUT, POST, DELETE or HEAD"
        );
    }

    #[test]
    fn origins_allow_one_wildcard() {
        assert!(cors_rule(&args(&[], &["https://*.example.com"])).is_ok());
        assert_eq!(
            cors_rule(&args(&[], &["https://*.*.com"]))
                .unwrap_err()
                .to_string(),
            "--allowed-origin `https://*.*.com` has more than one `*`; S3 allows one wildcard per value"
        );
    }
}
