//! The machinery shared by the commands that move object data: one limit on
//! concurrent requests, multipart uploads and ranged downloads of large files,
//! checksums, the progress bar, and the end-of-run summary.
//!
//! Every request of a run takes a permit from one semaphore, so `-j N` bounds
//! what is in flight however files and parts mix. Bodies stream from and to
//! disk in small buffers, so memory does not grow with file size; requests
//! that stream (parts, and objects too large to hold whole) also take one of
//! at most [`MAX_STREAMS`] stream permits, so memory does not grow with `-j`
//! either: a high `-j` is for the many small objects whose requests mostly
//! wait on the server.

mod checksum;
pub(crate) mod download;
pub(crate) mod local;
mod progress;
pub(crate) mod upload;
mod writer;

use std::future::Future;

use anyhow::Context;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::aws::Clients;
use crate::cli::TransferArgs;
use crate::error::ExitStatus;

pub(crate) use progress::Progress;

/// Objects larger than this move in parts of this size, several at once: large
/// enough that per-request costs vanish, small enough that a 64 MiB file still
/// splits across 8 connections.
pub(crate) const DEFAULT_PART_SIZE: u64 = 8 * 1024 * 1024;

/// At most this many requests stream bodies at once. Each holds a few
/// hundred KiB of buffers; on these machines 16 streams already saturate a
/// local server, and real S3 connections are faster each, not fewer.
const MAX_STREAMS: usize = 16;

/// What every transfer task needs: where to, and the shared request limit.
#[derive(Debug)]
pub(crate) struct Transfer {
    /// The S3 client; cloning it shares its connection pool.
    pub(crate) s3: aws_sdk_s3::Client,
    /// The bucket every request goes to.
    pub(crate) bucket: String,
    /// The part size of multipart transfers.
    pub(crate) part_size: u64,
    /// How many requests may run at once.
    pub(crate) concurrency: usize,
    requests: Semaphore,
    streams: Semaphore,
}

/// The right to send one request; dropping it frees the slot.
pub(crate) struct Slot<'a> {
    _stream: Option<SemaphorePermit<'a>>,
    _request: SemaphorePermit<'a>,
}

impl Transfer {
    /// Settings for transfers to or from `bucket`.
    pub(crate) fn new(clients: &Clients, bucket: &str, args: TransferArgs) -> Self {
        let concurrency = usize::from(args.concurrency);
        Self {
            s3: clients.s3.clone(),
            bucket: bucket.to_owned(),
            part_size: args.part_size.unwrap_or(DEFAULT_PART_SIZE),
            concurrency,
            requests: Semaphore::new(concurrency),
            streams: Semaphore::new(concurrency.min(MAX_STREAMS)),
        }
    }

    /// Wait for a free slot for a request whose body is small or in memory.
    pub(crate) async fn permit(&self) -> anyhow::Result<Slot<'_>> {
        Ok(Slot {
            _stream: None,
            _request: acquire(&self.requests).await?,
        })
    }

    /// Wait for a free slot for a request that streams its body.
    pub(crate) async fn stream_permit(&self) -> anyhow::Result<Slot<'_>> {
        // The stream permit first, so no request slot is held while waiting.
        let stream = acquire(&self.streams).await?;
        Ok(Slot {
            _stream: Some(stream),
            _request: acquire(&self.requests).await?,
        })
    }
}

async fn acquire(semaphore: &Semaphore) -> anyhow::Result<SemaphorePermit<'_>> {
    // The semaphores are never closed, so this only waits.
    semaphore
        .acquire()
        .await
        .context("the request limit was closed")
}

/// Counts what a multi-item command did, for its summary and exit code.
#[derive(Debug)]
pub(crate) struct Tally {
    noun: &'static str,
    done: u64,
    bytes: u64,
    failed: Vec<String>,
}

/// How many failed items the summary names before `and N more`.
const NAMED_FAILURES: usize = 10;

impl Tally {
    /// Start counting items called `noun` ("file", "object").
    pub(crate) fn new(noun: &'static str) -> Self {
        Self {
            noun,
            done: 0,
            bytes: 0,
            failed: Vec::new(),
        }
    }

    /// One item of `bytes` bytes succeeded.
    pub(crate) fn succeeded(&mut self, bytes: u64) {
        self.done += 1;
        self.bytes += bytes;
    }

    /// The item `name` failed (its error was already reported).
    pub(crate) fn failed(&mut self, name: &str) {
        self.failed.push(name.to_owned());
    }

    /// Exit 1 when anything failed.
    pub(crate) fn status(&self) -> ExitStatus {
        if self.failed.is_empty() {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        }
    }

    /// `Uploaded 3 files (12 B)`, or `Deleted 2 objects` without sizes.
    pub(crate) fn summary(&self, verb: &str, with_bytes: bool) -> String {
        let count = plural(self.done, self.noun);
        if with_bytes {
            format!("{verb} {count} ({})", indicatif::BinaryBytes(self.bytes))
        } else {
            format!("{verb} {count}")
        }
    }

    /// `Error: 2 of 5 files failed: `a`, `b`` when anything failed.
    pub(crate) fn failure_line(&self) -> Option<String> {
        if self.failed.is_empty() {
            return None;
        }
        let total = self.done + self.failed.len() as u64;
        let mut names: Vec<String> = self
            .failed
            .iter()
            .take(NAMED_FAILURES)
            .map(|name| format!("`{name}`"))
            .collect();
        if self.failed.len() > NAMED_FAILURES {
            names.push(format!("and {} more", self.failed.len() - NAMED_FAILURES));
        }
        Some(format!(
            "Error: {} of {} failed: {}",
            self.failed.len(),
            plural(total, self.noun),
            names.join(", ")
        ))
    }
}

/// `1 file`, `2 files`.
pub(crate) fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The `Error: ...` line for one failed item.
pub(crate) fn error_line(error: anyhow::Error, clients: &Clients) -> String {
    let error = clients.explain(error);
    format!("Error: {}", crate::error::one_line(&format!("{error:#}")))
}

/// Run `work` until it ends or Ctrl+C or SIGTERM comes. Then the work is
/// dropped, which cancels its tasks and removes their temporary files.
pub(crate) async fn until_interrupted<T>(
    work: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let mut stop = crate::signals::StopSignals::new()?;
    tokio::select! {
        result = work => result,
        signal = stop.wait() => Err(anyhow::anyhow!("interrupted by {}", signal.name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_count_sizes_and_name_failures() {
        let mut tally = Tally::new("file");
        tally.succeeded(1536);
        assert_eq!(
            tally.summary("Uploaded", true),
            "Uploaded 1 file (1.50 KiB)"
        );
        assert_eq!(tally.failure_line(), None);
        assert_eq!(tally.status(), ExitStatus::Success);
        for n in 0..12 {
            tally.failed(&format!("f{n}"));
        }
        assert_eq!(tally.status(), ExitStatus::Failure);
        assert_eq!(
            tally.failure_line().unwrap(),
            "Error: 12 of 13 files failed: `f0`, `f1`, `f2`, `f3`, `f4`, `f5`, `f6`, `f7`, \
             `f8`, `f9`, and 2 more"
        );
        assert_eq!(
            Tally::new("object").summary("Deleted", false),
            "Deleted 0 objects"
        );
    }
}
