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
pub(crate) mod destination;
pub(crate) mod download;
mod first;
pub(crate) mod key_walk;
pub(crate) mod listing;
pub(crate) mod local;
mod multipart;
mod progress;
mod temp_file;
pub(crate) mod upload;
pub(crate) mod walk;
mod writer;

use std::future::Future;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use tokio::sync::{Mutex, Semaphore, SemaphorePermit};

use crate::aws::Clients;
use crate::settings::TransferConfig;

pub(crate) use checksum::Checksums;
use first::FirstRequest;
pub(crate) use progress::Progress;

/// Objects larger than this move in parts of this size, several at once: large
/// enough that per-request costs vanish, small enough that a 64 MiB file still
/// splits across 8 connections.
pub(crate) const DEFAULT_PART_SIZE: u64 = 8 * 1024 * 1024;

/// At most this many requests stream bodies at once. Each holds a few
/// hundred KiB of buffers; on these machines 16 streams already saturate a
/// local server, and real S3 connections are faster each, not fewer.
const MAX_STREAMS: usize = 16;

/// An upload run whose files could keep this many connections (or `-j`, if
/// lower) busy on their own sends its large files whole, up to
/// [`MAX_WHOLE_FILE`]: see [`Transfer::for_uploads`].
const BUSY_STREAMS: usize = MAX_STREAMS / 2;

/// The largest file sent in one request when parts would add no speed: a
/// failed request resends at most this much.
const MAX_WHOLE_FILE: u64 = 64 * 1024 * 1024;

/// What every transfer task needs: where to, and the shared request limit.
#[derive(Debug)]
pub(crate) struct Transfer {
    /// The S3 client; cloning it shares its connection pool.
    pub(crate) s3: aws_sdk_s3::Client,
    /// The bucket every request goes to.
    pub(crate) bucket: String,
    /// The part size of multipart transfers.
    pub(crate) part_size: u64,
    /// Files larger than this go up in parts.
    pub(crate) whole_file_limit: u64,
    /// How many requests may run at once.
    pub(crate) concurrency: usize,
    /// Which checksums to send and ask for.
    pub(crate) checksums: Checksums,
    requests: Semaphore,
    streams: Semaphore,
    /// Held by the run's first request until it is answered: see [`FirstRequest`].
    first: Mutex<()>,
    /// Whether a request of this run has been answered.
    answered: AtomicBool,
}

/// The right to send one request; dropping it frees the slot.
pub(crate) struct Slot<'a> {
    _first: Option<FirstRequest<'a>>,
    _stream: Option<SemaphorePermit<'a>>,
    _request: SemaphorePermit<'a>,
}

impl Transfer {
    /// Settings for transfers to or from `bucket`.
    pub(crate) fn new(clients: &Clients, bucket: &str, config: TransferConfig) -> Self {
        let concurrency = fit_open_files(config.concurrency, raise_open_file_limit());
        let part_size = config.part_size;
        // A bucket whose region this run already learned needs no first
        // request alone.
        let answered = clients.regions.get(bucket).is_some();
        Self {
            s3: clients.s3.clone(),
            bucket: bucket.to_owned(),
            part_size,
            whole_file_limit: part_size,
            concurrency,
            checksums: Checksums::of(&clients.s3),
            requests: Semaphore::new(concurrency),
            streams: Semaphore::new(concurrency.min(MAX_STREAMS)),
            first: Mutex::new(()),
            answered: AtomicBool::new(answered),
        }
    }

    /// Settings for a run that uploads files of `total` bytes in all.
    ///
    /// Parts exist to spread one file over several connections. When the
    /// run's files add up to enough that each of [`BUSY_STREAMS`] connections
    /// gets a whole file of its own, splitting files only adds requests (and,
    /// on servers that assemble parts by copying them, work), so files up to
    /// that share, at most [`MAX_WHOLE_FILE`], go whole. A lone large file,
    /// or a few, still go up in parallel parts.
    pub(crate) fn for_uploads(mut self, total: u64) -> Self {
        self.whole_file_limit = whole_file_limit(total, self.part_size, self.concurrency);
        self
    }

    /// Wait for a free slot for a request whose body is small or in memory.
    pub(crate) async fn permit(&self) -> anyhow::Result<Slot<'_>> {
        Ok(Slot {
            _first: self.first_request().await,
            _stream: None,
            _request: acquire(&self.requests).await?,
        })
    }

    /// Wait for a free slot for a request that streams its body.
    pub(crate) async fn stream_permit(&self) -> anyhow::Result<Slot<'_>> {
        let first = self.first_request().await;
        // The stream permit first, so no request slot is held while waiting.
        let stream = acquire(&self.streams).await?;
        Ok(Slot {
            _first: first,
            _stream: Some(stream),
            _request: acquire(&self.requests).await?,
        })
    }
}

/// See [`Transfer::for_uploads`]; never below the part size.
fn whole_file_limit(total: u64, part_size: u64, concurrency: usize) -> u64 {
    let streams = concurrency.clamp(1, BUSY_STREAMS) as u64;
    (total / streams).min(MAX_WHOLE_FILE).max(part_size)
}

/// Open files kept aside for what is not a request: standard streams, the
/// runtime's own descriptors, configuration and credential files.
const RESERVED_FILES: u64 = 32;

/// Raise this process's soft limit on open files to its hard limit, and
/// return the limit it ends with (`None` when it cannot be read).
///
/// Every request in flight can hold a connection and a file at once, and
/// many systems start programs with a soft limit far below that: 256 on
/// macOS, so `-j 128` alone could run out. Go programs, s5cmd among them, do
/// the same at start-up. The limit is only ever raised.
#[cfg(unix)]
#[allow(
    unsafe_code,
    reason = "getrlimit and setrlimit have no safe wrapper in std"
)]
fn raise_open_file_limit() -> Option<u64> {
    /// macOS refuses a soft limit above this when the hard one is unlimited.
    const OPEN_MAX: libc::rlim_t = 10_240;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    for wanted in [limit.rlim_max, limit.rlim_max.min(OPEN_MAX)] {
        if wanted <= limit.rlim_cur {
            break;
        }
        let raised = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct it is given.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = wanted;
            break;
        }
    }
    #[allow(
        clippy::useless_conversion,
        reason = "rlim_t is 32 bits on some targets"
    )]
    Some(u64::from(limit.rlim_cur))
}

#[cfg(not(unix))]
fn raise_open_file_limit() -> Option<u64> {
    None
}

/// `-j`, lowered when the open-file limit cannot give every request a
/// connection and a file: files that fail to open would fail the run, where
/// fewer requests in flight only make it slower.
fn fit_open_files(concurrency: usize, open_files: Option<u64>) -> usize {
    let Some(open_files) = open_files else {
        return concurrency;
    };
    let fits = open_files.saturating_sub(RESERVED_FILES) / 2;
    concurrency
        .min(usize::try_from(fits).unwrap_or(usize::MAX))
        .max(1)
}

async fn acquire(semaphore: &Semaphore) -> anyhow::Result<SemaphorePermit<'_>> {
    // The semaphores are never closed, so this only waits.
    semaphore
        .acquire()
        .await
        .context("the request limit was closed")
}

/// Run `work` until it ends or Ctrl+C or SIGTERM comes. Then the work is
/// dropped, which cancels its tasks and removes their temporary files; the
/// process ends soon after even if something is blocked.
pub(crate) async fn until_interrupted<T>(
    work: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let mut stop = crate::signals::StopSignals::bounded(crate::signals::GRACE)?;
    tokio::select! {
        result = work => result,
        signal = stop.wait() => Err(anyhow::anyhow!("interrupted by {}", signal.name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn large_files_go_whole_only_when_the_run_has_enough_of_them() {
        let part = 8 * MIB;
        // Eight 64 MiB files: one whole file per busy connection.
        assert_eq!(whole_file_limit(8 * 64 * MIB, part, 64), 64 * MIB);
        // Two of them: parts, so more than two connections work.
        assert_eq!(whole_file_limit(2 * 64 * MIB, part, 64), 16 * MIB);
        // One file: its share is itself over eight, below its size.
        assert_eq!(whole_file_limit(40 * MIB, part, 64), part);
        assert_eq!(whole_file_limit(1024 * MIB, part, 64), 64 * MIB);
        // Never more than 64 MiB in one request, never below the part size.
        assert_eq!(whole_file_limit(100 * 1024 * MIB, part, 64), 64 * MIB);
        assert_eq!(whole_file_limit(0, part, 64), part);
        assert_eq!(whole_file_limit(100 * MIB, 128 * MIB, 64), 128 * MIB);
        // With `-j 2` two connections are all there is to fill.
        assert_eq!(whole_file_limit(2 * 30 * MIB, part, 2), 30 * MIB);
    }

    #[test]
    fn requests_in_flight_fit_the_open_file_limit() {
        // 256, macOS's default: 112 requests with a connection and a file each.
        assert_eq!(fit_open_files(128, Some(256)), 112);
        assert_eq!(fit_open_files(64, Some(256)), 64);
        assert_eq!(fit_open_files(512, Some(1_048_576)), 512);
        // Too few for even one: one at a time, and let the error say why.
        assert_eq!(fit_open_files(128, Some(20)), 1);
        assert_eq!(fit_open_files(128, None), 128);
    }
}
