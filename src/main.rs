//! The `s3-credentials` binary: parse the command line, run, exit.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match s3_credentials::cli::Cli::try_parse() {
        Ok(cli) => s3_credentials::run(cli).into(),
        Err(error) => s3_credentials::error::usage_error(&error).into(),
    }
}
