//! `localserver`'s options, checked before any AWS call: the access and its
//! session policy, the session name and duration, and the token clients must
//! send (`--token-file`, `--generate-token`).

use serde_json::Value;

use super::Access;
use super::duration::duration_option;
use super::input::OptionText;
use super::names::role_session_name;
use crate::cli::LocalserverArgs;
use crate::error::UsageError;
use crate::policy::Permission;

/// Where the token clients must send comes from.
pub enum Token {
    /// No token: anyone who can connect gets credentials.
    None,
    /// Read from `--token-file`.
    File(String),
    /// Made up at start (`--generate-token`) and printed on stdout.
    Generated(String),
}

impl Token {
    pub fn value(&self) -> Option<String> {
        match self {
            Self::None => None,
            Self::File(token) | Self::Generated(token) => Some(token.clone()),
        }
    }
}

/// The checked options.
pub struct Settings {
    /// The checked access options, for their warnings.
    pub access: Access,
    pub permission: Permission,
    pub policy: Value,
    pub session_name: String,
    pub duration_seconds: i32,
    pub token: Token,
}

impl Settings {
    /// Check every option before any AWS call.
    pub fn from_args(args: &LocalserverArgs) -> Result<Self, UsageError> {
        let buckets = [args.bucket.clone()];
        let access = Access::from_args(&args.access, &buckets)?;
        let seconds = duration_option(&args.duration)?;
        let custom = !access.statements.is_empty();
        Ok(Self {
            permission: access.permission,
            policy: access.session_policy(&buckets, None)?,
            session_name: role_session_name(access.permission.label(custom), &buckets),
            duration_seconds: i32::try_from(seconds).unwrap_or(i32::MAX),
            token: read_token(args)?,
            access,
        })
    }
}

/// The token from `--token-file`, or a new one for `--generate-token`.
fn read_token(args: &LocalserverArgs) -> Result<Token, UsageError> {
    if let Some(path) = &args.token_file {
        let input = OptionText::read_file("--token-file", path)?;
        return token_from_file(&input.text)
            .map(|token| Token::File(token.to_owned()))
            .map_err(|problem| UsageError::new(format!("--token-file `{path}` {problem}")));
    }
    if args.generate_token {
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| UsageError::new(format!("could not generate a token: {e}")))?;
        return Ok(Token::Generated(
            bytes.iter().map(|byte| format!("{byte:02x}")).collect(),
        ));
    }
    Ok(Token::None)
}

/// The token in a `--token-file`'s text: one trailing newline (`\n` or
/// `\r\n`, as editors and `echo` leave) is not part of it. Anything else a
/// client could not send as the `Authorization` header is refused, rather
/// than trimmed into a token that differs from what SDKs read from the file.
fn token_from_file(text: &str) -> Result<&str, &'static str> {
    let token = text.strip_suffix('\n').unwrap_or(text);
    let token = token.strip_suffix('\r').unwrap_or(token);
    if token.is_empty() {
        return Err("is empty");
    }
    if token.contains(['\n', '\r']) {
        return Err("must hold the token on one line");
    }
    if token.chars().any(char::is_control) {
        return Err("holds control characters, which no client can send in a header");
    }
    if token.starts_with(char::is_whitespace) || token.ends_with(char::is_whitespace) {
        return Err("has spaces around the token, which HTTP clients drop when sending it");
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_lose_one_trailing_newline_and_nothing_else() {
        assert_eq!(token_from_file("abc"), Ok("abc"));
        assert_eq!(token_from_file("abc\n"), Ok("abc"));
        assert_eq!(token_from_file("abc\r\n"), Ok("abc"));
        assert_eq!(token_from_file("Bearer abc\n"), Ok("Bearer abc"));
        assert_eq!(token_from_file("\n"), Err("is empty"));
        assert_eq!(token_from_file(""), Err("is empty"));
        assert_eq!(
            token_from_file("abc\n\n"),
            Err("must hold the token on one line")
        );
        assert_eq!(
            token_from_file("one\ntwo\n"),
            Err("must hold the token on one line")
        );
        assert!(token_from_file("a\tb").is_err());
        assert!(token_from_file(" abc\n").is_err());
        assert!(token_from_file("abc \n").is_err());
    }
}
