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

use anyhow::{Context, bail};
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumType, CompletedMultipartUpload, CompletedPart};
use futures_util::{StreamExt, TryStreamExt, stream};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::checksum::Crc;
use super::local::{part_size_for, parts};
use super::{Progress, Transfer};
use crate::error::AwsResultExt;

/// The checksum every upload carries; must match the `ChecksumAlgorithm`
/// the requests name.
const CHECKSUM: Crc = Crc::Crc32;

/// Files up to this size are read into memory whole: one read instead of a
/// stream of small ones, which matters when there are thousands of them.
const SMALL_FILE: u64 = 64 * 1024;

/// How much of a file a streamed request body reads at a time: fewer, larger
/// reads cost less CPU, which the server on the same machine needs too.
const READ_BUFFER: usize = 256 * 1024;

/// S3 takes at most this many parts; standard input, whose length is not
/// known in advance, is cut into parts of the configured size.
const MAX_PARTS: i32 = 10_000;

/// How many parts of standard input may be held in memory at once.
const STDIN_PARTS_IN_FLIGHT: usize = 4;

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
/// it is larger than the run's whole-file limit.
pub(crate) async fn upload_file(
    transfer: &Transfer,
    path: &Path,
    size: u64,
    target: &Target,
    progress: &Progress,
) -> anyhow::Result<()> {
    if size > transfer.whole_file_limit {
        return upload_parts(transfer, path, size, target, progress).await;
    }
    if size <= SMALL_FILE {
        let _permit = transfer.permit().await?;
        // Read on the async worker itself: a read this small from the page
        // cache takes microseconds, and handing it to the blocking pool cost
        // two thread wake-ups per file, some 6% of a run of 2,000 small files.
        let bytes =
            std::fs::read(path).with_context(|| format!("could not read `{}`", path.display()))?;
        put(transfer, target, ByteStream::from(bytes)).await?;
        progress.advance(size);
    } else {
        let _permit = transfer.stream_permit().await?;
        let body = file_body(path, 0, size).await?;
        put(transfer, target, progress.track(body)).await?;
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

/// One `PutObject`, checksummed.
async fn put(transfer: &Transfer, target: &Target, body: ByteStream) -> anyhow::Result<()> {
    transfer
        .s3
        .put_object()
        .bucket(&transfer.bucket)
        .key(&target.key)
        .set_content_type(target.content_type.clone())
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .body(body)
        .send()
        .await
        .aws("PutObject")?;
    Ok(())
}

/// A part S3 has accepted.
struct DonePart {
    number: i32,
    length: u64,
    e_tag: Option<String>,
    crc: Option<u64>,
}

/// Upload a large file in parts, as many at once as the request limit allows.
async fn upload_parts(
    transfer: &Transfer,
    path: &Path,
    size: u64,
    target: &Target,
    progress: &Progress,
) -> anyhow::Result<()> {
    let ranges = parts(size, part_size_for(size, transfer.part_size));
    let upload = Multipart::start(transfer, target).await?;
    let started = &upload;
    let sent = stream::iter(ranges.into_iter().zip(1..))
        .map(|((offset, length), number)| async move {
            let _permit = transfer.stream_permit().await?;
            let body = progress.track(file_body(path, offset, length).await?);
            started.send_part(number, length, body, None).await
        })
        .buffer_unordered(transfer.concurrency)
        .try_collect::<Vec<_>>()
        .await;
    upload.finish(sent, size).await
}

/// Upload standard input (or any reader) to `target` without holding more
/// than a few parts in memory: one `PutObject` when it fits in one part.
/// Returns the number of bytes uploaded.
pub(crate) async fn upload_stream(
    transfer: &Transfer,
    mut input: impl AsyncRead + Unpin,
    target: &Target,
    progress: &Progress,
) -> anyhow::Result<u64> {
    let part_size = usize::try_from(transfer.part_size).unwrap_or(usize::MAX);
    let first = read_part(&mut input, part_size).await?;
    if first.len() < part_size {
        let length = first.len() as u64;
        let _permit = transfer.permit().await?;
        put(transfer, target, ByteStream::from(first)).await?;
        progress.advance(length);
        return Ok(length);
    }
    let upload = Multipart::start(transfer, target).await?;
    let sent = send_stream_parts(transfer, &upload, first, input, progress).await;
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
    progress: &Progress,
) -> anyhow::Result<Vec<DonePart>> {
    let part_size = first.len();
    let in_flight = transfer.concurrency.clamp(1, STDIN_PARTS_IN_FLIGHT);
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
        let buffer = read_part(&mut input, part_size).await?;
        if !buffer.is_empty() {
            if number > MAX_PARTS {
                bail!(
                    "standard input is longer than S3's limit of {MAX_PARTS} parts of {} bytes; \
                     upload it from a file instead",
                    part_size
                );
            }
            next = Some(buffer);
        }
    }
    while let Some(part) = running.next().await {
        done.push(part?);
    }
    Ok(done)
}

/// Read up to `size` bytes, fewer only at the end of the input.
async fn read_part(input: &mut (impl AsyncRead + Unpin), size: usize) -> anyhow::Result<Vec<u8>> {
    let mut buffer = Vec::with_capacity(size.min(64 * 1024 * 1024));
    (&mut *input)
        .take(size as u64)
        .read_to_end(&mut buffer)
        .await
        .context("could not read standard input")?;
    Ok(buffer)
}

/// A multipart upload in progress.
struct Multipart<'a> {
    transfer: &'a Transfer,
    key: &'a str,
    upload_id: String,
}

impl<'a> Multipart<'a> {
    /// Start a multipart upload whose object gets a full-object CRC-64/NVME.
    async fn start(transfer: &'a Transfer, target: &'a Target) -> anyhow::Result<Self> {
        let created = transfer
            .s3
            .create_multipart_upload()
            .bucket(&transfer.bucket)
            .key(&target.key)
            .set_content_type(target.content_type.clone())
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .checksum_type(ChecksumType::FullObject)
            .send()
            .await
            .aws("CreateMultipartUpload")?;
        Ok(Self {
            transfer,
            key: &target.key,
            upload_id: created.upload_id.context("S3 returned no upload ID")?,
        })
    }

    /// Send one part. With `crc` given, S3 checks the part against it;
    /// otherwise the SDK computes the checksum as the body streams.
    async fn send_part(
        &self,
        number: i32,
        length: u64,
        body: ByteStream,
        crc: Option<u64>,
    ) -> anyhow::Result<DonePart> {
        let request = self
            .transfer
            .s3
            .upload_part()
            .bucket(&self.transfer.bucket)
            .key(self.key)
            .upload_id(&self.upload_id)
            .part_number(number)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .set_checksum_crc32(crc.map(|crc| CHECKSUM.encode(crc)))
            .body(body);
        let sent = request.send().await.aws("UploadPart")?;
        let returned = sent.checksum_crc32().and_then(|text| CHECKSUM.decode(text));
        Ok(DonePart {
            number,
            length,
            e_tag: sent.e_tag,
            crc: crc.or(returned),
        })
    }

    /// Complete the upload when every part went up, abort it otherwise so no
    /// stray parts are left to pay for.
    async fn finish(self, sent: anyhow::Result<Vec<DonePart>>, size: u64) -> anyhow::Result<()> {
        let result = match sent {
            Ok(parts) => self.complete(parts, size).await,
            Err(error) => Err(error),
        };
        if result.is_err() {
            // Best effort: the error worth reporting is the one that stopped us.
            let _ = self
                .transfer
                .s3
                .abort_multipart_upload()
                .bucket(&self.transfer.bucket)
                .key(self.key)
                .upload_id(&self.upload_id)
                .send()
                .await;
        }
        result
    }

    async fn complete(&self, mut parts: Vec<DonePart>, size: u64) -> anyhow::Result<()> {
        parts.sort_by_key(|part| part.number);
        // The whole file's checksum, when every part's is known, lets S3
        // check the assembled object end to end.
        let crcs: Option<Vec<(u64, u64)>> = parts
            .iter()
            .map(|part| part.crc.map(|crc| (crc, part.length)))
            .collect();
        let whole = crcs.map(|crcs| CHECKSUM.encode(CHECKSUM.combine(crcs)));
        let completed = parts
            .into_iter()
            .map(|part| {
                CompletedPart::builder()
                    .part_number(part.number)
                    .set_e_tag(part.e_tag)
                    .set_checksum_crc32(part.crc.map(|crc| CHECKSUM.encode(crc)))
                    .build()
            })
            .collect();
        self.transfer
            .s3
            .complete_multipart_upload()
            .bucket(&self.transfer.bucket)
            .key(self.key)
            .upload_id(&self.upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(completed))
                    .build(),
            )
            .checksum_type(ChecksumType::FullObject)
            .set_checksum_crc32(whole)
            .mpu_object_size(i64::try_from(size).unwrap_or(i64::MAX))
            .send()
            .await
            .aws("CompleteMultipartUpload")?;
        Ok(())
    }
}
