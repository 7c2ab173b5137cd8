//! The commands of the real CLI definition that tests cover by kind rather
//! than by name, so that a new command of that kind is tested without being
//! listed in each test.

use clap::CommandFactory;

/// Every command that takes one bucket and nothing else but the connection
/// options (`get-cors-policy BUCKET`, `debug-bucket BUCKET`, ...): the
/// bad-input, missing-bucket and secrets tests run each of them.
pub fn one_bucket_commands() -> Vec<String> {
    s3_credentials::cli::Cli::command()
        .get_subcommands()
        .filter(|command| {
            let own: Vec<&str> = command
                .get_arguments()
                .filter(|argument| argument.get_help_heading() != Some("AWS connection"))
                .map(|argument| argument.get_id().as_str())
                .filter(|id| !matches!(*id, "help" | "version"))
                .collect();
            own == ["bucket"]
        })
        .map(|command| command.get_name().to_owned())
        .collect()
}
