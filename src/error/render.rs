//! The one place that writes the `Error: ...` and `Warning: ...` prefixes:
//! a failure's whole chain on one line, a message a command composed itself
//! (one failed item of many, an interrupt), and command lines clap rejects.

use std::fmt::Display;
use std::io::{self, Write};

use super::{ExitStatus, one_line};

/// `Error: ...` for a failure: its whole context chain, on one line.
pub fn failure_text(error: &anyhow::Error) -> String {
    error_text(one_line(&format!("{error:#}")))
}

/// `Error: {message}` for a message the caller composed (already one line).
pub fn error_text(message: impl Display) -> String {
    format!("Error: {message}")
}

/// `Warning: {message}`: something the user should know that does not fail
/// the command.
pub fn warning_text(message: impl Display) -> String {
    format!("Warning: {message}")
}

/// Report a command line clap rejected as one `Error:` line (exit 2), or
/// print help and version as asked (exit 0).
pub fn usage_error(error: &clap::Error) -> ExitStatus {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // Printing help can only fail when stdout is gone.
            let _ = error.print();
            ExitStatus::Success
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            ExitStatus::Usage
        }
        _ => {
            let message = value_like_an_option(error)
                .unwrap_or_else(|| one_line_usage(&error.render().to_string()));
            let _ = writeln!(io::stderr(), "{}", error_text(message));
            ExitStatus::Usage
        }
    }
}

/// For `--prefix -x`, clap reports an unknown argument `-x` and suggests
/// `-- -x`, which would end the options: name the option instead, and the
/// `--prefix=-x` form that passes such a value.
fn value_like_an_option(error: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if error.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(value)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let words: Vec<String> = std::env::args().collect();
    let position = words.iter().position(|word| word == value)?;
    let option = words.get(position.checked_sub(1)?)?;
    let command = words.get(1)?;
    takes_value(command, option).then(|| {
        format!(
            "{option} needs a value, and `{value}` looks like an option; write `{option}={value}` \
             if it is the value; see `s3-credentials {command} --help`"
        )
    })
}

/// Whether `option` (`--prefix`, `-j`) is an option of `command` that takes a value.
fn takes_value(command: &str, option: &str) -> bool {
    use clap::CommandFactory;
    let cli = crate::cli::Cli::command();
    let Some(subcommand) = cli.find_subcommand(command) else {
        return false;
    };
    // `-x` names a short option; a word without a leading `-` (the value of
    // an earlier option, such as `1h`) names none, even though an option
    // without a short form also has no short letter to compare with.
    let short = option
        .strip_prefix('-')
        .filter(|rest| !rest.starts_with('-') && rest.chars().count() == 1)
        .and_then(|rest| rest.chars().next());
    let long = option.strip_prefix("--");
    subcommand.get_arguments().any(|arg| {
        let named = match (long, short) {
            (Some(long), _) => arg.get_long() == Some(long),
            (None, Some(letter)) => arg.get_short() == Some(letter),
            (None, None) => false,
        };
        named && arg.get_action().takes_values()
    })
}

/// Fold clap's multi-line message (error, tips, usage) into one line that
/// still says where to look for help.
fn one_line_usage(rendered: &str) -> String {
    one_line_usage_for(rendered, subcommand_in_args())
}

/// The subcommand named on this process's command line, if any: clap leaves
/// the usage line out of some errors (a bad value), and the hint should still
/// name the command.
fn subcommand_in_args() -> Option<String> {
    use clap::CommandFactory;
    let name = std::env::args().nth(1)?;
    crate::cli::Cli::command()
        .find_subcommand(&name)
        .map(|_| format!("s3-credentials {name}"))
}

fn one_line_usage_for(rendered: &str, command_in_args: Option<String>) -> String {
    let mut message = String::new();
    let mut command = command_in_args.unwrap_or_else(|| String::from("s3-credentials"));
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(first) = line.strip_prefix("error: ") {
            message.push_str(first);
        } else if let Some(tip) = line.strip_prefix("tip: ") {
            message.push_str(&format!(" ({tip})"));
        } else if let Some(usage) = line.strip_prefix("Usage: ") {
            command = usage
                .split_whitespace()
                .take_while(|word| !word.starts_with(['-', '[', '<']))
                .collect::<Vec<_>>()
                .join(" ");
        } else if !line.starts_with("For more information") {
            // The lines under the first one, such as the missing arguments.
            message.push(' ');
            message.push_str(line);
        }
    }
    format!("{message}; see `{command} --help`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_errors_become_one_line() {
        let rendered = "error: unexpected argument '--n' found\n\n  tip: a similar argument exists: '--nl'\n\n\
                        Usage: s3-credentials list-users --nl\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line_usage_for(rendered, None),
            "unexpected argument '--n' found (a similar argument exists: '--nl'); \
             see `s3-credentials list-users --help`"
        );
        let rendered = "error: the following required arguments were not provided:\n  --secret-key <SECRET>\n\n\
                        Usage: s3-credentials whoami --access-key <KEY> --secret-key <SECRET>\n\n\
                        For more information, try '--help'.\n";
        assert_eq!(
            one_line_usage_for(rendered, None),
            "the following required arguments were not provided: --secret-key <SECRET>; \
             see `s3-credentials whoami --help`"
        );
    }
}
