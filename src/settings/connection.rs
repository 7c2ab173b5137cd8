//! The connection settings every AWS command shares: credentials (from
//! `--access-key`/`--secret-key` or an `--auth` file), endpoint, profile and
//! region, and the read timeout.

use std::time::Duration;

use serde_json::Value;

use super::input::OptionText;
use crate::cli::ConnectionArgs;
use crate::error::UsageError;

/// Credentials given explicitly, with `--access-key` or `--auth`.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticCredentials {
    /// The access key ID.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

// Written by hand so that a secret can never reach a log or error through `{:?}`.
impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

/// Where and as whom to connect to AWS.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// Explicit credentials; `None` uses the standard AWS chain.
    pub credentials: Option<StaticCredentials>,
    /// A custom endpoint for every service.
    pub endpoint_url: Option<String>,
    /// A named profile.
    pub profile: Option<String>,
    /// A region that overrides the environment and profile.
    pub region: Option<String>,
    /// How long a request may wait for its response to start.
    pub read_timeout: Duration,
}

/// The read timeout when none is given: long enough for any answer S3 or
/// IAM gives under load, short enough that a stuck connection ends.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

impl Connection {
    /// Check the connection options and read the `--auth` file if one was given.
    pub fn from_args(args: &ConnectionArgs) -> Result<Self, UsageError> {
        let credentials = match (&args.auth, &args.access_key, &args.secret_key) {
            (Some(path), _, _) => Some(read_auth_file(path)?),
            (None, Some(access_key_id), Some(secret_access_key)) => Some(StaticCredentials {
                access_key_id: non_empty("--access-key", access_key_id)?,
                secret_access_key: non_empty("--secret-key", secret_access_key)?,
                session_token: args.session_token.clone(),
            }),
            // clap makes each of the pair require the other.
            _ => None,
        };
        if let Some(url) = &args.endpoint_url {
            check_endpoint_url(url)?;
        }
        Ok(Self {
            credentials,
            endpoint_url: args.endpoint_url.clone(),
            profile: args.profile.clone(),
            region: args.region.clone(),
            read_timeout: args
                .read_timeout
                .as_deref()
                .map_or(Ok(DEFAULT_READ_TIMEOUT), parse_read_timeout)?,
        })
    }
}

/// `--read-timeout`: a positive number of seconds, fractions allowed.
fn parse_read_timeout(text: &str) -> Result<Duration, UsageError> {
    let invalid = || {
        UsageError::new(format!(
            "--read-timeout `{text}` is not a positive number of seconds (e.g. 60 or 2.5)"
        ))
    };
    let seconds: f64 = text.trim().parse().map_err(|_| invalid())?;
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(invalid());
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| invalid())
}

fn non_empty(flag: &str, value: &str) -> Result<String, UsageError> {
    if value.trim().is_empty() {
        return Err(UsageError(format!("{flag} cannot be empty")));
    }
    Ok(value.to_owned())
}

/// An endpoint must be an `http://` or `https://` URL with a host.
fn check_endpoint_url(url: &str) -> Result<(), UsageError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !rest.contains(' ') => Ok(()),
        _ => Err(UsageError(format!(
            "--endpoint-url `{url}` is not a URL: expected something like `http://localhost:9000`"
        ))),
    }
}

/// Read credentials from a JSON or INI file, or standard input for `-`.
pub fn read_auth_file(path: &str) -> Result<StaticCredentials, UsageError> {
    let input = OptionText::read("--auth", path, std::io::stdin())?;
    parse_auth(&input.text).map_err(|reason| input.error(reason))
}

/// Parse the text of an auth file: JSON when it starts with `{`, INI otherwise.
pub fn parse_auth(content: &str) -> Result<StaticCredentials, String> {
    let content = content.trim();
    if content.is_empty() {
        return Err("the file is empty".to_owned());
    }
    if content.starts_with('{') {
        parse_auth_json(content)
    } else {
        parse_auth_ini(content)
    }
}

fn parse_auth_json(content: &str) -> Result<StaticCredentials, String> {
    let value: Value = serde_json::from_str(content).map_err(|e| format!("not valid JSON: {e}"))?;
    let field = |key: &str| -> Result<Option<String>, String> {
        match value.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(format!("`{key}` must be a string")),
        }
    };
    let required = |key: &str| field(key)?.ok_or_else(|| format!("missing `{key}`"));
    Ok(StaticCredentials {
        access_key_id: required("AccessKeyId")?,
        secret_access_key: required("SecretAccessKey")?,
        session_token: field("SessionToken")?,
    })
}

/// The first section with `aws_access_key_id` wins, as in the AWS CLI's files.
fn parse_auth_ini(content: &str) -> Result<StaticCredentials, String> {
    let mut sections: Vec<Vec<(String, String)>> = Vec::new();
    for (number, line) in content.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            sections.push(Vec::new());
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!(
                "line {}: expected `key = value` or a `[section]` (JSON must start with `{{`)",
                number + 1
            ));
        };
        let Some(section) = sections.last_mut() else {
            return Err(format!(
                "line {}: `{}` comes before any [section]",
                number + 1,
                key.trim()
            ));
        };
        section.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let get = |section: &[(String, String)], key: &str| {
        section
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let section = sections
        .iter()
        .find(|s| get(s, "aws_access_key_id").is_some())
        .ok_or("no section has `aws_access_key_id`")?;
    Ok(StaticCredentials {
        access_key_id: get(section, "aws_access_key_id").unwrap_or_default(),
        secret_access_key: get(section, "aws_secret_access_key")
            .ok_or("the section with `aws_access_key_id` has no `aws_secret_access_key`")?,
        session_token: get(section, "aws_session_token"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(key: &str, secret: &str, token: Option<&str>) -> StaticCredentials {
        StaticCredentials {
            access_key_id: key.into(),
            secret_access_key: secret.into(),
            session_token: token.map(Into::into),
        }
    }

    #[test]
    fn reads_create_output_json() {
        let json = r#"{
            "UserName": "s3.read-write.bucket",
            "AccessKeyId": "AKIAEXAMPLE",
            "Status": "Active",
            "SecretAccessKey": "secret",
            "CreateDate": "2021-11-03 01:38:24+00:00"
        }"#;
        assert_eq!(parse_auth(json), Ok(creds("AKIAEXAMPLE", "secret", None)));
    }

    #[test]
    fn reads_temporary_credentials_json() {
        let json = r#"{"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "SessionToken": "t"}"#;
        assert_eq!(parse_auth(json), Ok(creds("ASIA1", "s", Some("t"))));
    }

    #[test]
    fn json_errors_say_what_is_wrong() {
        assert_eq!(
            parse_auth(r#"{"AccessKeyId": "A"}"#),
            Err("missing `SecretAccessKey`".to_owned())
        );
        assert_eq!(
            parse_auth(r#"{"AccessKeyId": 5, "SecretAccessKey": "s"}"#),
            Err("`AccessKeyId` must be a string".to_owned())
        );
        assert!(
            parse_auth("{")
                .unwrap_err()
                .starts_with("not valid JSON: EOF while parsing")
        );
        assert_eq!(parse_auth("  \n"), Err("the file is empty".to_owned()));
    }

    #[test]
    fn reads_the_first_ini_section_with_a_key() {
        let ini = "# comment\n[other]\nregion = us-west-2\n\n[default]\n\
                   AWS_ACCESS_KEY_ID = AKIA2\naws_secret_access_key=s2\naws_session_token = t2\n\
                   [later]\naws_access_key_id = AKIA3\naws_secret_access_key = s3\n";
        assert_eq!(parse_auth(ini), Ok(creds("AKIA2", "s2", Some("t2"))));
    }

    #[test]
    fn ini_errors_say_what_is_wrong() {
        assert_eq!(
            parse_auth("[default]\nregion = x\n"),
            Err("no section has `aws_access_key_id`".to_owned())
        );
        assert_eq!(
            parse_auth("[default]\naws_access_key_id = A\n"),
            Err("the section with `aws_access_key_id` has no `aws_secret_access_key`".to_owned())
        );
        assert_eq!(
            parse_auth("aws_access_key_id = A\n"),
            Err("line 1: `aws_access_key_id` comes before any [section]".to_owned())
        );
        assert_eq!(
            parse_auth("[default]\nnonsense\n"),
            Err(
                "line 2: expected `key = value` or a `[section]` (JSON must start with `{`)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn debug_output_hides_secrets() {
        let text = format!("{:?}", creds("AKIA", "very-secret", Some("token-value")));
        assert!(text.contains("AKIA"));
        assert!(!text.contains("very-secret"));
        assert!(!text.contains("token-value"));
    }

    #[test]
    fn endpoint_urls_are_checked() {
        assert!(check_endpoint_url("http://localhost:9000").is_ok());
        assert!(check_endpoint_url("https://s3.example.com/").is_ok());
        for bad in ["localhost:9000", "ftp://x", "http://", "http:///x"] {
            assert!(check_endpoint_url(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Values as they appear in real credentials: no surrounding blanks,
    /// nothing that would end an INI line.
    fn token() -> impl Strategy<Value = String> {
        "[A-Za-z0-9/+=]{1,80}"
    }

    proptest! {
        #[test]
        fn any_text_gives_a_key_and_secret_or_a_one_line_error(text in "[\\[\\]{}\":=a-z_ \n]{0,300}") {
            match parse_auth(&text) {
                Ok(credentials) => {
                    prop_assert!(!credentials.access_key_id.trim().is_empty());
                    prop_assert!(!credentials.secret_access_key.trim().is_empty());
                }
                Err(error) => prop_assert!(!error.contains('\n'), "{}", error),
            }
        }

        #[test]
        fn json_credentials_round_trip(key in token(), secret in token(), session in proptest::option::of(token())) {
            let mut object = serde_json::json!({"AccessKeyId": key, "SecretAccessKey": secret});
            if let Some(session) = &session {
                object["SessionToken"] = serde_json::json!(session);
            }
            let parsed = parse_auth(&serde_json::to_string_pretty(&object).unwrap()).unwrap();
            prop_assert_eq!(parsed, StaticCredentials { access_key_id: key, secret_access_key: secret, session_token: session });
        }

        #[test]
        fn ini_credentials_round_trip(key in token(), secret in token(), session in proptest::option::of(token()), section in "[a-z]{1,10}") {
            let mut text = format!("[{section}]\naws_access_key_id = {key}\naws_secret_access_key={secret}\n");
            if let Some(session) = &session {
                text.push_str(&format!("aws_session_token = {session}\n"));
            }
            let parsed = parse_auth(&text).unwrap();
            prop_assert_eq!(parsed, StaticCredentials { access_key_id: key, secret_access_key: secret, session_token: session });
        }

        #[test]
        fn accepted_endpoints_are_http_urls_and_errors_name_the_option(url in "(https?://)?[a-z0-9 /:.]{0,40}") {
            match check_endpoint_url(&url) {
                Ok(()) => prop_assert!(url.starts_with("http://") || url.starts_with("https://"), "{}", url),
                Err(error) => prop_assert!(error.0.starts_with("--endpoint-url `"), "{}", error.0),
            }
        }
    }
}
