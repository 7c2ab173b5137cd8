//! `set-bucket-policy`: replace a bucket's policy with one read from a file,
//! or with the policy that lets anyone download its objects.

use std::io::Read;

use serde_json::Value;

use crate::aws::Clients;
use crate::aws::bucket_config::Bucket;
use crate::cli::SetBucketPolicyArgs;
use crate::error::{AwsResultExt, ExitStatus, UsageError};
use crate::output::{Console, to_pretty_json};
use crate::policy::bucket_policy_allow_all_get;
use crate::settings::input::OptionText;
use crate::settings::json::{check_policy_document, parse_lenient_json};

/// Read and check the policy, put it, and print it on stderr.
pub(crate) async fn run(
    args: &SetBucketPolicyArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let policy = match &args.policy_file {
        Some(path) => {
            if path == "-" && args.connection.auth.as_deref() == Some("-") {
                return Err(UsageError::new(
                    "--auth and --policy-file cannot both read standard input",
                )
                .into());
            }
            read_policy_file(path, std::io::stdin())?
        }
        None => bucket_policy_allow_all_get(&args.bucket),
    };
    let bucket = Bucket::locate(clients, &args.bucket).await?;
    let result = bucket
        .s3
        .put_bucket_policy()
        .bucket(&bucket.name)
        .policy(policy.to_string())
        .send()
        .await
        .aws("PutBucketPolicy");
    if let Err(error) = result {
        let denied = error.is_access_denied();
        let error = bucket.error(error);
        if denied {
            anyhow::bail!(
                "{error:#}; hint: S3 also refuses public policies while the bucket's public \
                 access block has BlockPublicPolicy on (see `s3-credentials get-public-access-block {}`)",
                bucket.name
            );
        }
        return Err(error);
    }
    console.log(&format!(
        "Set bucket policy of bucket `{}` to:",
        bucket.name
    ))?;
    console.log(&to_pretty_json(&policy))?;
    Ok(ExitStatus::Success)
}

/// Read a policy document from a file, or standard input for `-`. Trailing
/// commas are accepted (the document is sent as strict JSON); anything else
/// that is not a policy document is a usage error.
fn read_policy_file(path: &str, stdin: impl Read) -> Result<Value, UsageError> {
    let input = OptionText::read("--policy-file", path, stdin)?;
    let document = parse_lenient_json(&input.text)
        .and_then(|document| check_policy_document(&document).map(|()| document))
        .map_err(|reason| input.error(reason))?;
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_standard_input_with_trailing_commas() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",},],}"#;
        let policy = read_policy_file("-", text.as_bytes()).unwrap();
        assert_eq!(
            policy.to_string(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#
        );
    }

    #[test]
    fn says_what_is_wrong_with_the_file() {
        let error = |text: &str| {
            read_policy_file("-", text.as_bytes())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            error("{\n  \"Statement\": [}"),
            "--policy-file from standard input: invalid JSON at line 2, column 17: expected value"
        );
        assert_eq!(
            error("[]"),
            "--policy-file from standard input: a policy must be a JSON object with a `Statement` key, not an array"
        );
        assert_eq!(
            read_policy_file("/no/such/file.json", std::io::empty())
                .unwrap_err()
                .to_string(),
            "could not read --policy-file `/no/such/file.json`: no such file"
        );
    }
}
