//! `set-cors-policy`: replace a bucket's CORS rules with one rule built from
//! the options, `set-by-s3-credentials`.

use aws_sdk_s3::types::{CorsConfiguration, CorsRule};

use crate::aws::Clients;
use crate::aws::bucket_config::{Bucket, cors_rules_json};
use crate::cli::SetCorsPolicyArgs;
use crate::error::{AwsResultExt, ExitStatus, UsageError};
use crate::output::{Console, to_pretty_json};

/// The ID of the rule this command writes, as the original tool names it.
const RULE_ID: &str = "set-by-s3-credentials";

/// The methods S3 accepts in a CORS rule.
const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];

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

/// The rule the options describe: GET from any origin unless told otherwise.
fn cors_rule(args: &SetCorsPolicyArgs) -> Result<CorsRule, UsageError> {
    let methods = if args.allowed_methods.is_empty() {
        vec!["GET".to_owned()]
    } else {
        args.allowed_methods
            .iter()
            .map(|method| check_method(method))
            .collect::<Result<_, _>>()?
    };
    let origins = if args.allowed_origins.is_empty() {
        vec!["*".to_owned()]
    } else {
        check_wildcards("--allowed-origin", &args.allowed_origins)?
    };
    let headers = check_wildcards("--allowed-header", &args.allowed_headers)?;
    let expose = check_wildcards("--expose-header", &args.expose_headers)?;
    let max_age = args
        .max_age_seconds
        .map(|seconds| {
            i32::try_from(seconds)
                .map_err(|_| UsageError::new(format!("--max-age-seconds {seconds} is too large")))
        })
        .transpose()?;
    CorsRule::builder()
        .id(RULE_ID)
        .set_allowed_methods(Some(methods))
        .set_allowed_origins(Some(origins))
        .set_allowed_headers(Some(headers))
        .set_expose_headers(Some(expose))
        .set_max_age_seconds(max_age)
        .build()
        .map_err(|error| UsageError::new(error.to_string()))
}

/// A method S3 accepts, in capitals.
fn check_method(method: &str) -> Result<String, UsageError> {
    let upper = method.to_ascii_uppercase();
    if METHODS.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(UsageError::new(format!(
            "--allowed-method `{method}` is not one S3 supports: use GET, PUT, POST, DELETE or HEAD"
        )))
    }
}

/// Values that are not empty and have at most one `*`, as S3 requires.
fn check_wildcards(flag: &str, values: &[String]) -> Result<Vec<String>, UsageError> {
    for value in values {
        if value.trim().is_empty() {
            return Err(UsageError::new(format!("{flag} cannot be empty")));
        }
        if value.matches('*').count() > 1 {
            return Err(UsageError::new(format!(
                "{flag} `{value}` has more than one `*`; S3 allows one wildcard per value"
            )));
        }
    }
    Ok(values.to_vec())
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
