//! `completions` and `man`: shell completion scripts and man pages, generated
//! from the same clap definitions as `--help`, so they never drift from it.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::ExitStatus;
use crate::output::Console;

/// Print the completion script for a shell.
pub(crate) fn completions(
    args: &CompletionsArgs,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    clap_complete::generate(
        args.shell,
        &mut Cli::command(),
        "s3-credentials",
        console.out,
    );
    Ok(ExitStatus::Success)
}

/// Print the main man page, or a subcommand's.
pub(crate) fn man(args: &ManArgs, console: &mut Console<'_>) -> anyhow::Result<ExitStatus> {
    let command = Cli::command();
    let page = match &args.command {
        None => command,
        Some(name) => {
            let sub = crate::settings::names::man_command(name)?;
            // The page's title names the full command, e.g. `s3-credentials-create`.
            sub.display_name(format!("s3-credentials-{name}"))
                .bin_name(format!("s3-credentials {name}"))
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    clap_mangen::Man::new(page).render(console.out)?;
    Ok(ExitStatus::Success)
}
