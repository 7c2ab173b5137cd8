//! `s3-credentials`: create AWS credentials that can only access the S3
//! buckets you name, and the S3 and IAM commands that go with them.
//!
//! The binary is a thin wrapper around [`run`]; everything else lives here so
//! that it can be tested in-process.

pub mod aws;
mod bucket_config;
pub mod cli;
mod commands;
mod credential_server;
pub mod error;
mod iam;
pub mod output;
pub mod policy;
pub mod settings;
pub mod settings_create;
mod signals;
pub mod temporary;
mod transfer;

use std::io::{self, Write};

use crate::error::{ExitStatus, UsageError};

/// Run one parsed command line and report any error on stderr.
pub fn run(cli: cli::Cli) -> ExitStatus {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            report(&anyhow::Error::from(error).context("could not start the async runtime"));
            return ExitStatus::Failure;
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut err = io::stderr();
    let mut console = output::Console {
        out: &mut out,
        err: &mut err,
    };
    let result = runtime.block_on(commands::run(cli.command, &mut console));
    let result = result.and_then(|status| {
        out.flush()?;
        Ok(status)
    });
    match result {
        Ok(status) => status,
        Err(error) if is_broken_pipe(&error) => ExitStatus::Success,
        Err(error) => {
            report(&error);
            if error.downcast_ref::<UsageError>().is_some() {
                ExitStatus::Usage
            } else {
                ExitStatus::Failure
            }
        }
    }
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
            let _ = writeln!(
                io::stderr(),
                "Error: {}",
                one_line_usage(&error.render().to_string())
            );
            ExitStatus::Usage
        }
    }
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
    cli::Cli::command()
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

fn report(error: &anyhow::Error) {
    let _ = writeln!(
        io::stderr(),
        "Error: {}",
        error::one_line(&format!("{error:#}"))
    );
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|io_error| io_error.kind() == io::ErrorKind::BrokenPipe)
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
