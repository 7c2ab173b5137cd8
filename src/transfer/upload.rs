//! Uploads: one request for small files, parallel multipart for large ones,
//! and standard input streamed in parts. Every request carries a CRC-32
//! checksum that S3 checks, and a multipart upload asks for a full-object
//! CRC-32 (not the composite checksum of checksums), stating it whenever
//! each part's CRC is known, so S3 checks the assembled object too.
//!
//! CRC-32 rather than CRC-64/NVME: both are full-object checksums on S3,
//! but emulators and S3-compatible servers support CRC-32 more widely (moto
//! computes CRC-64/NVME for multipart objects only with an optional library).

use std::path::Path;

use anyhow::Context;
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::ChecksumAlgorithm;
use futures_util::{StreamExt, TryStreamExt, stream};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::checksum::Crc;
use super::local::{part_size_for, parts};
use super::multipart::{DonePart, Multipart, unanswered};
use super::{Progress, Transfer};
use crate::error::AwsResultExt;
use crate::signals::StopWatch;

/// The checksum every upload carries; must match the `ChecksumAlgorithm`
/// the requests name.
pub(super) const CHECKSUM: Crc = Crc::Crc32;

/// Files up to this size are read into memory whole: one read instead of a
/// stream of small ones, which matters when there are thousands of them.
const SMALL_FILE: u64 = 64 * 1024;

/// How much of a file a streamed request body reads at a time: fewer, larger
/// reads cost less CPU, which the server on the same machine needs too.
const READ_BUFFER: usize = 256 * 1024;

/// S3 takes at most this many parts; an input whose length is not known in
/// advance (standard input, a pipe, a FIFO, a device) is cut into parts of
/// the configured size.
const MAX_PARTS: i32 = 10_000;

/// How many parts of such an input may be held in memory at once: at least
/// this many, and as many more as fit in [`STREAM_MEMORY`] (small parts
/// would otherwise leave the connections idle).
const STREAM_PARTS_IN_FLIGHT: usize = 4;

/// The memory parts of an input of unknown size may take together, when
/// more than [`STREAM_PARTS_IN_FLIGHT`] parts fit in it.
const STREAM_MEMORY: usize = 16 * 1024 * 1024;

/// What to store the object as.
#[derive(Debug, Clone, Default)]
pub(crate) struct Target {
    /// The key.
    pub(crate) key: String,
    /// The Content-Type, when one is known.
    pub(crate) content_type: Option<String>,
}

/// The Content-Type for a file: the one given, else guessed from the extension.
pub(crate) fn content_type(path: &Path, given: Option<&str>) -> Option<String> {
    given
        .map(str::to_owned)
        .or_else(|| mime_guess::from_path(path).first_raw().map(str::to_owned))
}

/// Upload the file at `path`, `size` bytes long, to `target`: in parts when
/// it is larger than the run's whole-file limit. Once `stop` has fired no
/// request starts; one already sent is waited for (see [`StopWatch::settle`]).
pub(crate) async fn upload_file(
    transfer: &Transfer,
    path: &Path,
    size: u64,
    target: &Target,
    progress: &Progress,
    stop: &StopWatch,
) -> anyhow::Result<()> {
    if size > transfer.whole_file_limit {
        return upload_parts(transfer, path, size, target, progress, stop).await;
    }
    if size <= SMALL_FILE {
        let _permit = stop.cancel(transfer.permit()).await?;
        // Read on the async worker itself: a read this small from the page
        // cache takes microseconds, and handing it to the blocking pool cost
        // two thread wake-ups per file, some 6% of a run of 2,000 small files.
        let bytes =
            std::fs::read(path).with_context(|| format!("could not read `{}`", path.display()))?;
        put(transfer, target, ByteStream::from(bytes), stop).await?;
        progress.advance(size);
    } else {
        let _permit = stop.cancel(transfer.stream_permit()).await?;
        let body = file_body(path, 0, size).await?;
        put(transfer, target, progress.track(body), stop).await?;
    }
    Ok(())
}

/// A request body reading `length` bytes of a file from `offset`. The SDK can
/// read it again if the request is retried.
async fn file_body(path: &Path, offset: u64, length: u64) -> anyhow::Result<ByteStream> {
    ByteStream::read_from()
        .path(path)
        .offset(offset)
        .length(Length::Exact(length))
        .buffer_size(READ_BUFFER)
        .build()
        .await
        .with_context(|| format!("could not read `{}`", path.display()))
}

/// One `PutObject`, checksummed; after a signal its answer is still waited
/// for, until the deadline, so the run knows whether it stored the object.
async fn put(
    transfer: &Transfer,
    target: &Target,
    body: ByteStream,
    stop: &StopWatch,
) -> anyhow::Result<()> {
    let request = transfer
        .s3
        .put_object()
        .bucket(&transfer.bucket)
        .key(&target.key)
        .set_content_type(target.content_type.clone())
        .set_checksum_algorithm(transfer.checksums.send.then_some(ChecksumAlgorithm::Crc32))
        .body(body)
        .send();
    match stop.settle(request).await {
        Some(result) => result.aws("PutObject").map(drop).map_err(Into::into),
        None => Err(unanswered(stop, "PutObject", &target.key)),
    }
}

/// Upload a large file in parts, as many at once as the request limit
/// allows; a signal drops the parts and aborts the upload.
async fn upload_parts(
    transfer: &Transfer,
    path: &Path,
    size: u64,
    target: &Target,
    progress: &Progress,
    stop: &StopWatch,
) -> anyhow::Result<()> {
    let ranges = parts(size, part_size_for(size, transfer.part_size));
    let upload = Multipart::start(transfer, target, stop).await?;
    let started = &upload;
    let sending = stream::iter(ranges.into_iter().zip(1..))
        .map(|((offset, length), number)| async move {
            let _permit = transfer.stream_permit().await?;
            let body = progress.track(file_body(path, offset, length).await?);
            started.send_part(number, length, body, None).await
        })
        .buffer_unordered(transfer.concurrency)
        .try_collect::<Vec<_>>();
    let sent = stop.cancel(sending).await;
    upload.finish(sent, size).await
}

/// Where streamed data comes from, for messages: standard input or a file.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    /// `-`.
    Stdin,
    /// A FIFO, a pipe, a device: anything whose size is not known.
    Path(&'a Path),
}

impl std::fmt::Display for Source<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Stdin => f.write_str("standard input"),
            Self::Path(path) => write!(f, "`{}`", path.display()),
        }
    }
}

/// Upload `input`, of unknown length, to `target` without holding more
/// than a few parts in memory: one `PutObject` when it fits in one part.
/// Returns the number of bytes uploaded. A signal stops the reading and
/// aborts a multipart upload.
pub(crate) async fn upload_stream(
    transfer: &Transfer,
    mut input: impl AsyncRead + Unpin,
    source: Source<'_>,
    target: &Target,
    progress: &Progress,
    stop: &StopWatch,
) -> anyhow::Result<u64> {
    let part_size = usize::try_from(transfer.part_size).unwrap_or(usize::MAX);
    let first = stop
        .cancel(read_part(&mut input, part_size, source))
        .await?;
    if first.len() < part_size {
        let length = first.len() as u64;
        let _permit = stop.cancel(transfer.permit()).await?;
        put(transfer, target, ByteStream::from(first), stop).await?;
        progress.advance(length);
        return Ok(length);
    }
    let upload = Multipart::start(transfer, target, stop).await?;
    let sending = send_stream_parts(transfer, &upload, first, input, source, progress);
    let sent = stop.cancel(sending).await;
    let size = sent
        .as_ref()
        .map_or(0, |parts| parts.iter().map(|part| part.length).sum());
    upload.finish(sent, size).await?;
    Ok(size)
}

/// Read parts from `input` and send them, a few at a time.
async fn send_stream_parts(
    transfer: &Transfer,
    upload: &Multipart<'_>,
    first: Vec<u8>,
    mut input: impl AsyncRead + Unpin,
    source: Source<'_>,
    progress: &Progress,
) -> anyhow::Result<Vec<DonePart>> {
    let part_size = first.len();
    let fit = STREAM_PARTS_IN_FLIGHT.max(STREAM_MEMORY / part_size.max(1));
    let in_flight = transfer.concurrency.clamp(1, fit);
    let mut running = futures_util::stream::FuturesUnordered::new();
    let mut done = Vec::new();
    let mut next = Some(first);
    let mut number = 1;
    while let Some(buffer) = next.take() {
        while running.len() >= in_flight {
            done.push(running.next().await.context("no part running")??);
        }
        let length = buffer.len() as u64;
        // Our own CRC of the part: sent with it for S3 to check, and combined
        // into the whole object's checksum.
        let crc = crc_fast::checksum(CHECKSUM.algorithm(), &buffer);
        let this_number = number;
        running.push(async move {
            let _permit = transfer.permit().await?;
            let part = upload
                .send_part(this_number, length, ByteStream::from(buffer), Some(crc))
                .await?;
            progress.advance(length);
            Ok::<_, anyhow::Error>(part)
        });
        number += 1;
        let buffer = read_part(&mut input, part_size, source).await?;
        if !buffer.is_empty() {
            if number > MAX_PARTS {
                return Err(too_long(source, part_size));
            }
            next = Some(buffer);
        }
    }
    while let Some(part) = running.next().await {
        done.push(part?);
    }
    Ok(done)
}

/// The input goes on past S3's last part.
fn too_long(source: Source<'_>, part_size: usize) -> anyhow::Error {
    anyhow::anyhow!(
        "{source} is longer than S3's limit of {MAX_PARTS} parts of {part_size} bytes ({}); \
         nothing was stored: save it to a file and upload that instead, whose parts can be \
         larger",
        indicatif::BinaryBytes(MAX_PARTS as u64 * part_size as u64)
    )
}

/// Read up to `size` bytes, fewer only at the end of the input, into a
/// buffer of that capacity (`read_to_end` would double it to look for more).
async fn read_part(
    input: &mut (impl AsyncRead + Unpin),
    size: usize,
    source: Source<'_>,
) -> anyhow::Result<Vec<u8>> {
    let mut buffer = Vec::with_capacity(size.min(64 * 1024 * 1024));
    while buffer.len() < size {
        let room = size - buffer.len();
        let read = (&mut *input)
            .take(room as u64)
            .read_buf(&mut buffer)
            .await
            .with_context(|| format!("could not read {source}"))?;
        if read == 0 {
            break;
        }
    }
    Ok(buffer)
}
