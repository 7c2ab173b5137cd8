//! Exit codes, the errors code branches on, and AWS SDK errors turned into one
//! line a person can act on.
//!
//! Commands use `anyhow` with context. Two error types are typed because the
//! top level or a command branches on them: [`UsageError`] (exit 2) and
//! [`AwsError`] (not found, access denied, could not connect).

mod render;

pub use render::{error_text, failure_text, usage_error, warning_text};

use std::error::Error as StdError;
use std::fmt;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything asked for was done.
    Success,
    /// An AWS call or a local operation failed (exit 1).
    Failure,
    /// The command line was wrong (exit 2).
    Usage,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => Self::SUCCESS,
            ExitStatus::Failure => Self::from(1),
            ExitStatus::Usage => Self::from(2),
        }
    }
}

/// A bad flag, value or file given on the command line: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl UsageError {
    /// A usage error from anything printable.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// What kind of failure an AWS call ran into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsFailure {
    /// AWS answered with an error.
    Service {
        /// HTTP status of the answer.
        status: u16,
        /// The AWS error code, such as `NoSuchEntity`, when one could be read.
        code: Option<String>,
        /// The AWS error message, when there was one.
        message: Option<String>,
    },
    /// No connection could be made, or it broke before an answer came.
    Connect {
        /// The innermost cause, e.g. `Connection refused (os error 111)`.
        detail: String,
    },
    /// The connection was made but no response came within the read timeout.
    NoResponse {
        /// The timeout, as the SDK printed it (`2s`).
        after: String,
    },
    /// No credentials could be found or loaded.
    Credentials {
        /// No source had any credentials (rather than one failing to load them).
        missing: bool,
        /// What was wrong and what to do.
        detail: String,
    },
    /// Anything else, such as a request that could not be built.
    Other {
        /// The whole cause chain on one line.
        detail: String,
    },
}

/// A failed AWS call, named by its operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// The API operation, e.g. `ListUsers`.
    pub operation: &'static str,
    /// What went wrong.
    pub failure: AwsFailure,
    /// The endpoint the call went to, filled in by [`crate::aws::Clients::explain`].
    pub endpoint: Option<String>,
    /// The profile credentials were looked up in, filled in the same way.
    pub profile: Option<String>,
}

impl AwsError {
    /// Whether the call may have been carried out although it failed: no
    /// answer came (a timeout, a broken connection) or a `5xx`. An answer
    /// `4xx` means AWS refused it, and missing credentials kept it from
    /// being sent.
    pub fn outcome_unknown(&self) -> bool {
        match &self.failure {
            AwsFailure::Service { status, .. } => *status >= 500,
            AwsFailure::Credentials { .. } => false,
            AwsFailure::Connect { .. }
            | AwsFailure::NoResponse { .. }
            | AwsFailure::Other { .. } => true,
        }
    }

    /// Turn an SDK error into an [`AwsError`] for `operation`.
    pub fn from_sdk<E>(operation: &'static str, error: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        let failure = match error {
            SdkError::ServiceError(service) => {
                let raw = service.raw();
                let body = raw.body().bytes().unwrap_or_default();
                let err = service.err();
                AwsFailure::Service {
                    status: raw.status().as_u16(),
                    code: err
                        .code()
                        .map(str::to_owned)
                        .or_else(|| xml_tag(body, "Code")),
                    message: err
                        .message()
                        .map(str::to_owned)
                        .or_else(|| xml_tag(body, "Message")),
                }
            }
            SdkError::DispatchFailure(dispatch) => {
                dispatch_failure(error, dispatch.is_timeout(), dispatch.is_io())
            }
            SdkError::TimeoutError(_) => AwsFailure::Connect {
                detail: "timed out".to_owned(),
            },
            SdkError::ResponseError(_) => AwsFailure::Connect {
                detail: one_line(&DisplayErrorContext(error)),
            },
            _ => AwsFailure::Other {
                detail: one_line(&DisplayErrorContext(error)),
            },
        };
        Self {
            operation,
            failure,
            endpoint: None,
            profile: None,
        }
    }

    /// The HTTP status AWS answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match &self.failure {
            AwsFailure::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether AWS refused the call for lack of permission (HTTP 403).
    pub fn is_access_denied(&self) -> bool {
        self.status() == Some(403)
    }

    /// The AWS error code, if AWS answered with one.
    pub fn code(&self) -> Option<&str> {
        match &self.failure {
            AwsFailure::Service { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// True when AWS said the thing asked for does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
            || matches!(
                self.code(),
                Some("NoSuchEntity" | "NotFound" | "NoSuchBucket" | "NoSuchKey")
            )
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = self.operation;
        match &self.failure {
            AwsFailure::Service {
                status,
                code,
                message,
            } => {
                write!(f, "{op} failed: ")?;
                match (code, message) {
                    (Some(code), Some(message)) if !message.is_empty() => {
                        write!(f, "{code}: {}", one_line(message))
                    }
                    (Some(code), _) => write!(f, "{code} (HTTP {status})"),
                    (None, _) => write!(f, "HTTP {status}{}", status_meaning(*status)),
                }
            }
            AwsFailure::Connect { detail } => match &self.endpoint {
                Some(endpoint) => {
                    write!(f, "{op} failed: could not connect to {endpoint}: {detail}")
                }
                None => write!(f, "{op} failed: could not connect to AWS: {detail}"),
            },
            AwsFailure::NoResponse { after } => write!(
                f,
                "{op} failed: no response from {} within {after}: the server accepted the \
                 connection but did not answer (wait longer with --read-timeout SECONDS)",
                self.endpoint.as_deref().unwrap_or("AWS")
            ),
            AwsFailure::Credentials { missing: true, .. } if self.profile.is_some() => write!(
                f,
                "{op} failed: no AWS credentials found for profile `{}`: check that \
                 ~/.aws/credentials or ~/.aws/config defines it",
                self.profile.as_deref().unwrap_or_default()
            ),
            AwsFailure::Credentials { detail, .. } | AwsFailure::Other { detail } => {
                write!(f, "{op} failed: {detail}")
            }
        }
    }
}

impl StdError for AwsError {}

/// `.aws("Operation")` on the result of an SDK call.
pub trait AwsResultExt<T> {
    /// Turn an SDK error into an [`AwsError`] naming `operation`.
    fn aws(self, operation: &'static str) -> Result<T, AwsError>;
}

impl<T, E> AwsResultExt<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    fn aws(self, operation: &'static str) -> Result<T, AwsError> {
        self.map_err(|error| AwsError::from_sdk(operation, &error))
    }
}

/// What kind of failure a request that never got an answer ran into: no
/// credentials, a timeout (a read timeout says how long it waited), or a
/// broken connection.
fn dispatch_failure(error: &(dyn StdError + 'static), is_timeout: bool, is_io: bool) -> AwsFailure {
    if let Some(credentials) = find_cause::<CredentialsError>(error) {
        AwsFailure::Credentials {
            missing: matches!(credentials, CredentialsError::CredentialsNotLoaded(_)),
            detail: credentials_problem(credentials),
        }
    } else if is_timeout {
        read_timeout(error).map_or_else(
            || AwsFailure::Connect {
                detail: "timed out".to_owned(),
            },
            |after| AwsFailure::NoResponse { after },
        )
    } else if is_io {
        AwsFailure::Connect {
            detail: innermost_cause(error),
        }
    } else {
        AwsFailure::Other {
            detail: one_line(&DisplayErrorContext(error)),
        }
    }
}

/// A short explanation for statuses that came without an error code.
fn status_meaning(status: u16) -> &'static str {
    match status {
        400 => " (bad request)",
        401 | 403 => " (access denied: check the credentials and their permissions)",
        404 => " (not found)",
        409 => " (conflict)",
        500..=599 => " (server error)",
        _ => "",
    }
}

/// The text of the first `<tag>` element in an XML error body.
///
/// The SDK reads error codes from the body layout AWS uses; some S3/IAM
/// compatible services (moto among them) wrap it differently, and the code is
/// still worth showing.
fn xml_tag(body: &[u8], tag: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let open = format!("<{tag}>");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&format!("</{tag}>"))?;
    let value = text[start..end].trim();
    (!value.is_empty()).then(|| unescape_xml(value))
}

fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The first error of type `T` in a cause chain.
fn find_cause<'a, T: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(cause) = current {
        if let Some(found) = cause.downcast_ref::<T>() {
            return Some(found);
        }
        current = cause.source();
    }
    None
}

/// Say why credentials could not be had, and what to do when there are none.
fn credentials_problem(error: &CredentialsError) -> String {
    match error {
        CredentialsError::CredentialsNotLoaded(_) => "no AWS credentials found: set \
            `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, choose a profile with `--profile`, \
            or pass `--auth FILE` or `--access-key` and `--secret-key`"
            .to_owned(),
        _ => format!("could not load AWS credentials: {}", innermost_cause(error)),
    }
}

/// The timeout (`2s`) of an HTTP read timeout in a cause chain: the SDK's
/// connector says `HTTP read timeout occurred after 2s`.
fn read_timeout(error: &(dyn StdError + 'static)) -> Option<String> {
    let mut current = Some(error);
    while let Some(cause) = current {
        if let Some(after) = cause
            .to_string()
            .split("read timeout occurred after ")
            .nth(1)
        {
            return Some(after.trim().to_owned());
        }
        current = cause.source();
    }
    None
}

/// The deepest error in a cause chain, which for connection failures is the
/// one that says what happened (`Connection refused (os error 111)`).
fn innermost_cause(error: &(dyn StdError + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    one_line(current)
}

/// Any message folded onto one line.
pub fn one_line(message: &dyn fmt::Display) -> String {
    message
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_code_and_message_from_nested_error_bodies() {
        let body = b"<ErrorResponse><Errors><Error><Code>NoSuchEntity</Code>\
            <Message>The user with name x cannot be found.</Message></Error></Errors></ErrorResponse>";
        assert_eq!(xml_tag(body, "Code").as_deref(), Some("NoSuchEntity"));
        assert_eq!(
            xml_tag(body, "Message").as_deref(),
            Some("The user with name x cannot be found.")
        );
        assert_eq!(xml_tag(body, "Missing"), None);
        assert_eq!(xml_tag(b"<Code></Code>", "Code"), None);
        assert_eq!(
            xml_tag(b"<Code>a &amp; b</Code>", "Code").as_deref(),
            Some("a & b")
        );
    }

    #[test]
    fn renders_service_errors_with_and_without_a_code() {
        let mut error = AwsError {
            operation: "GetUser",
            failure: AwsFailure::Service {
                status: 404,
                code: Some("NoSuchEntity".into()),
                message: Some("The user\nwas not found.".into()),
            },
            endpoint: None,
            profile: None,
        };
        assert_eq!(
            error.to_string(),
            "GetUser failed: NoSuchEntity: The user was not found."
        );
        assert!(error.is_not_found());
        error.failure = AwsFailure::Service {
            status: 403,
            code: None,
            message: None,
        };
        assert_eq!(
            error.to_string(),
            "GetUser failed: HTTP 403 (access denied: check the credentials and their permissions)"
        );
        assert!(!error.is_not_found());
    }

    #[test]
    fn connection_failures_name_the_endpoint_when_known() {
        let mut error = AwsError {
            operation: "ListUsers",
            failure: AwsFailure::Connect {
                detail: "Connection refused (os error 111)".into(),
            },
            endpoint: None,
            profile: None,
        };
        assert_eq!(
            error.to_string(),
            "ListUsers failed: could not connect to AWS: Connection refused (os error 111)"
        );
        error.endpoint = Some("http://127.0.0.1:9".into());
        assert_eq!(
            error.to_string(),
            "ListUsers failed: could not connect to http://127.0.0.1:9: Connection refused (os error 111)"
        );
    }
}
