//! The one reader for options that name a file, or `-` for standard input:
//! `--auth`, `--policy`, `--policy-file` and `--token-file`. Every message
//! names the option and the file the same way.

use std::fmt::Display;
use std::io::Read;

use crate::error::UsageError;

/// The text an option named, and where it came from.
#[derive(Debug)]
pub struct OptionText {
    /// `--auth `creds.json`` or `--auth from standard input`, to start a
    /// message about the content.
    pub source: String,
    /// What was read.
    pub text: String,
}

impl OptionText {
    /// Read what `option` names: standard input for `-`, else a file.
    pub fn read(option: &str, path: &str, mut stdin: impl Read) -> Result<Self, UsageError> {
        if path != "-" {
            return Self::read_file(option, path);
        }
        let mut text = String::new();
        stdin
            .read_to_string(&mut text)
            .map_err(|e| UsageError(format!("could not read {option} from standard input: {e}")))?;
        Ok(Self {
            source: format!("{option} from standard input"),
            text,
        })
    }

    /// Read the file `option` names (for options that take only a file).
    pub fn read_file(option: &str, path: &str) -> Result<Self, UsageError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            UsageError(format!(
                "could not read {option} `{path}`: {}",
                io_reason(&e)
            ))
        })?;
        Ok(Self {
            source: format!("{option} `{path}`"),
            text,
        })
    }

    /// A usage error about the content, naming where it came from.
    pub fn error(&self, reason: impl Display) -> UsageError {
        UsageError(format!("{}: {reason}", self.source))
    }
}

/// `NotFound` reads better as a sentence than as Rust's io error text.
fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

/// Refuse `OPTION -` next to `--auth -`: standard input can be read once.
/// Every option that may read `-` is checked with this, so the message is
/// the same for all of them.
pub fn check_one_stdin_reader(
    option: &str,
    value: Option<&str>,
    auth: Option<&str>,
) -> Result<(), UsageError> {
    if value == Some("-") && auth == Some("-") {
        return Err(UsageError(format!(
            "{option} - and --auth - cannot both read standard input: put one of them in a file"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_option_and_the_source() {
        let read = OptionText::read("--auth", "-", "text".as_bytes()).unwrap();
        assert_eq!(read.text, "text");
        assert_eq!(read.error("bad").0, "--auth from standard input: bad");
        assert_eq!(
            OptionText::read("--policy-file", "/no/such/file", std::io::empty())
                .unwrap_err()
                .0,
            "could not read --policy-file `/no/such/file`: no such file"
        );
        // A file-only option reads a file called `-`.
        assert_eq!(
            OptionText::read_file("--token-file", "-").unwrap_err().0,
            "could not read --token-file `-`: no such file"
        );
    }
}
