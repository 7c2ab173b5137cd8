//! The options of the commands that change one bucket's configuration,
//! checked before any AWS call: `set-bucket-policy`'s policy file,
//! `set-cors-policy`'s rule and `set-public-access-block`'s settings.

use std::io::Read;

use serde_json::Value;

use super::input::{OptionText, check_one_stdin_reader};
use super::json::{check_policy_document, parse_lenient_json};
use crate::cli::{SetBucketPolicyArgs, SetCorsPolicyArgs, SetPublicAccessBlockArgs};
use crate::error::UsageError;
use crate::policy::bucket_policy_allow_all_get;

/// The methods S3 accepts in a CORS rule.
const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];

/// `set-bucket-policy`: the `--policy-file` document (`stdin` serves `-`),
/// or the policy that lets anyone download the bucket's objects.
pub fn bucket_policy(args: &SetBucketPolicyArgs, stdin: impl Read) -> Result<Value, UsageError> {
    match &args.policy_file {
        Some(path) => {
            check_one_stdin_reader("--policy-file", Some(path), args.connection.auth.as_deref())?;
            read_policy_file(path, stdin)
        }
        None => Ok(bucket_policy_allow_all_get(&args.bucket)),
    }
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

/// `set-cors-policy`: the one rule the options describe, GET from any
/// origin unless told otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsSettings {
    pub methods: Vec<String>,
    pub origins: Vec<String>,
    pub headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age_seconds: Option<i32>,
}

impl CorsSettings {
    /// Check the methods, the wildcards and the maximum age.
    pub fn from_args(args: &SetCorsPolicyArgs) -> Result<Self, UsageError> {
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
        let max_age_seconds = args
            .max_age_seconds
            .map(|seconds| {
                i32::try_from(seconds).map_err(|_| {
                    UsageError::new(format!("--max-age-seconds {seconds} is too large"))
                })
            })
            .transpose()?;
        Ok(Self {
            methods,
            origins,
            headers: check_wildcards("--allowed-header", &args.allowed_headers)?,
            expose_headers: check_wildcards("--expose-header", &args.expose_headers)?,
            max_age_seconds,
        })
    }
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

/// `set-public-access-block`: the four settings (block public ACLs, ignore
/// public ACLs, block public policy, restrict public buckets), each `None`
/// when the command line leaves it alone; `--allow-public-access` turns all
/// four off.
pub fn public_access_changes(args: &SetPublicAccessBlockArgs) -> [Option<bool>; 4] {
    if args.allow_public_access {
        return [Some(false); 4];
    }
    [
        args.block_public_acls,
        args.ignore_public_acls,
        args.block_public_policy,
        args.restrict_public_buckets,
    ]
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
