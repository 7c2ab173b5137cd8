//! `s3-credentials`: create AWS credentials that can only access the S3
//! buckets you name, and the S3 and IAM commands that go with them.
//!
//! The binary is a thin wrapper around [`run`]; everything else lives here so
//! that it can be tested in-process.

pub mod aws;
pub mod cli;
mod commands;
mod credential_server;
pub mod error;
pub mod grant;
mod iam;
pub mod output;
pub mod policy;
pub mod settings;
mod signals;
mod stopping;
mod tally;
mod transfer;

use std::io::{self, Write};

use crate::error::{ExitStatus, UsageError};

/// How long the end of a run waits for the runtime's threads to stop.
const SHUTDOWN: std::time::Duration = std::time::Duration::from_millis(500);

/// How many worker threads the runtime starts: one fewer than the cores
/// (at least one), because the thread that runs the command is busy too. It
/// lists, checks and claims each file's path, and starts and counts the
/// transfers, while the workers run them. One busy thread more than there
/// are cores costs more than it gives: each file's task is then handed
/// between threads that take the cores from each other. On 2 cores, 2,000
/// small downloads took about 18% less CPU and 15% less time with one worker
/// than with two (see "Threads" in `docs/objects.md`).
fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().saturating_sub(1).max(1))
}

/// Run one parsed command line and report any error on stderr.
pub fn run(cli: cli::Cli) -> ExitStatus {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads())
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
    let mut err = output::Stderr;
    let mut console = output::Console {
        out: &mut out,
        err: &mut err,
    };
    let result = runtime.block_on(commands::run(cli.command, &mut console));
    // Let the workers drop what is left of the command's tasks (which
    // removes their temporary files), but do not wait long for blocking
    // reads still in the pool, such as one of standard input or of a FIFO
    // nobody writes to: dropping the runtime would wait for them forever.
    // Writes are never left behind there.
    runtime.shutdown_timeout(SHUTDOWN);
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

fn report(error: &anyhow::Error) {
    let _ = writeln!(io::stderr(), "{}", error::failure_text(error));
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|io_error| io_error.kind() == io::ErrorKind::BrokenPipe)
}
