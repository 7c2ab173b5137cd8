//! Downloads: small objects in one verified request, large ones in parallel
//! ranges checked against the object's full CRC. A file is written under a
//! temporary name beside its destination ([`super::temp_file`]) and renamed
//! only when complete and verified, so no partial file carries the real name.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumMode;
use tokio::task::JoinSet;

use super::checksum::{Crc, Expected, composite_of};
use super::local::{part_size_for, parts};
use super::temp_file::{Dest, Reopen, TempFile};
use super::writer::PositionalWriter;
use super::{Progress, Transfer};
use crate::error::{AwsError, AwsResultExt};

/// Objects up to this size are received into memory and written in one go.
const SMALL_OBJECT: u64 = 64 * 1024;

/// What one download did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Downloaded {
    /// The bytes written.
    pub(crate) bytes: u64,
    /// The algorithm of the composite checksum the object carries when that
    /// is all it carries: the bytes could not be checked against it.
    pub(crate) composite: Option<&'static str>,
}

impl Downloaded {
    fn new(bytes: u64, composite: Option<&'static str>) -> Self {
        Self { bytes, composite }
    }

    /// The warning to print when the download could not be checked.
    pub(crate) fn unchecked_note(&self, key: &str) -> Option<String> {
        self.composite.map(|name| {
            crate::error::warning_text(format_args!(
                "`{}` was not checked: it has only a composite {name} checksum \
                 (of its uploaded parts), not one of the whole object",
                crate::output::printable(key)
            ))
        })
    }
}

/// Download `key` to `dest`; `size` is its size when a listing said so.
/// Unless `replace` is set, a file that appears at `dest` meanwhile is
/// left as it is and the download fails.
pub(crate) async fn download_file(
    transfer: &Arc<Transfer>,
    key: &str,
    dest: &Path,
    size: Option<u64>,
    progress: &Progress,
    replace: bool,
) -> anyhow::Result<Downloaded> {
    let dest = Dest {
        path: dest,
        replace,
    };
    if size.is_some_and(|size| size <= SMALL_OBJECT) {
        return download_small(transfer, key, dest, progress).await;
    }
    if size.is_some_and(|size| size <= transfer.part_size) {
        return download_whole(transfer, key, dest, progress).await;
    }
    let head = head(transfer, key).await?;
    let actual = u64::try_from(head.content_length().unwrap_or(0)).unwrap_or(0);
    if size.is_none() {
        progress.add_total(0, actual);
    }
    let expected = Expected::from_head(&head);
    if actual <= transfer.part_size || expected == Expected::Sequential {
        return download_whole(transfer, key, dest, progress).await;
    }
    let (temp, file) = TempFile::create(dest.path)?;
    file.set_len(actual).context("could not size the file")?;
    drop(file);
    let ranged = Ranged {
        transfer: Arc::clone(transfer),
        key: key.to_owned(),
        e_tag: head.e_tag().map(str::to_owned),
        crc: match expected {
            Expected::Crc(crc, _) => Some(crc),
            _ => None,
        },
        progress: progress.clone(),
        file: temp.reopener(),
    };
    let received = ranged.fetch_all(actual).await?;
    verify(&expected, received)?;
    temp.commit(dest)?;
    let composite = match expected {
        Expected::Composite(name) => Some(name),
        _ => None,
    };
    Ok(Downloaded::new(actual, composite))
}

/// `HeadObject` with checksum mode on: the size, the ETag, and the checksum
/// the object was stored with.
async fn head(transfer: &Transfer, key: &str) -> anyhow::Result<HeadObjectOutput> {
    let _permit = transfer.permit().await?;
    Ok(transfer
        .s3
        .head_object()
        .bucket(&transfer.bucket)
        .key(key)
        .set_checksum_mode(transfer.checksums.ask.then_some(ChecksumMode::Enabled))
        .send()
        .await
        .aws("HeadObject")?)
}

/// Check the ranges' CRCs, combined, against the object's full CRC.
fn verify(expected: &Expected, received: Vec<(u64, u64)>) -> anyhow::Result<()> {
    if let Expected::Crc(crc, value) = *expected {
        let got = crc.combine(received);
        if got != value {
            bail!(
                "the downloaded data does not match the object's {} checksum: expected {}, got {}",
                crc.name(),
                crc.encode(value),
                crc.encode(got)
            );
        }
    }
    Ok(())
}

/// `GetObject` of the whole object with checksum mode on: the SDK checks the
/// body against the object's full checksum as it streams.
async fn get_whole(transfer: &Transfer, key: &str) -> anyhow::Result<GetObjectOutput> {
    Ok(transfer
        .s3
        .get_object()
        .bucket(&transfer.bucket)
        .key(key)
        .set_checksum_mode(transfer.checksums.ask.then_some(ChecksumMode::Enabled))
        .send()
        .await
        .aws("GetObject")?)
}

/// Stream `key` to `out` (standard output, a device, a pipe) in one
/// verified request: a checksum mismatch ends the stream with an error.
pub(crate) async fn download_to(
    transfer: &Transfer,
    key: &str,
    out: &mut dyn Write,
    progress: &Progress,
) -> anyhow::Result<Downloaded> {
    let object = get_whole(transfer, key).await?;
    let composite = composite_of(&object);
    let expected = object.content_length();
    let mut body = object.body;
    let mut length = 0;
    while let Some(chunk) = body.try_next().await.map_err(read_error)? {
        out.write_all(&chunk)?;
        length += chunk.len() as u64;
        progress.advance(chunk.len() as u64);
    }
    out.flush()?;
    check_length(length, expected)?;
    Ok(Downloaded::new(length, composite))
}

/// A small object: received whole, then written and renamed in one step.
/// If it has grown since it was listed, it is streamed like a large one.
async fn download_small(
    transfer: &Transfer,
    key: &str,
    dest: Dest<'_>,
    progress: &Progress,
) -> anyhow::Result<Downloaded> {
    let (bytes, composite) = {
        let _permit = transfer.permit().await?;
        let object = get_whole(transfer, key).await?;
        let composite = composite_of(&object);
        let expected = object.content_length();
        let length = expected.and_then(|length| u64::try_from(length).ok());
        if length.is_none_or(|length| length > SMALL_OBJECT) {
            return stream_to_file(object, dest, progress).await;
        }
        let bytes = object
            .body
            .collect()
            .await
            .map_err(read_error)?
            .into_bytes();
        check_length(bytes.len() as u64, expected)?;
        (bytes, composite)
    };
    let size = bytes.len() as u64;
    // Written right here, not on a blocking thread: creating, writing and
    // renaming a file of at most `SMALL_OBJECT` bytes takes microseconds,
    // less than handing it to another thread and waking this task again,
    // which `spawn_blocking` costs for every file (seen with perf on 2,000
    // small files).
    let (temp, mut file) = TempFile::create(dest.path)?;
    file.write_all(&bytes).context("could not write the file")?;
    drop(file);
    temp.commit(dest)?;
    progress.advance(size);
    Ok(Downloaded::new(size, composite))
}

/// One streamed `GetObject` into a temporary file.
async fn download_whole(
    transfer: &Transfer,
    key: &str,
    dest: Dest<'_>,
    progress: &Progress,
) -> anyhow::Result<Downloaded> {
    let _permit = transfer.stream_permit().await?;
    let object = get_whole(transfer, key).await?;
    stream_to_file(object, dest, progress).await
}

/// Write a whole object's body into a temporary file, then rename it.
async fn stream_to_file(
    object: GetObjectOutput,
    dest: Dest<'_>,
    progress: &Progress,
) -> anyhow::Result<Downloaded> {
    let composite = composite_of(&object);
    let expected = object.content_length();
    let (temp, file) = TempFile::create(dest.path)?;
    let written = write_body(file, 0, object.body, None, progress).await?;
    check_length(written.length, expected)?;
    temp.commit(dest)?;
    Ok(Downloaded::new(written.length, composite))
}

/// What a body wrote: its length, and its CRC when one was asked for.
struct Written {
    length: u64,
    crc: Option<u64>,
}

/// Write `body` into `file` from `offset`, computing `crc` on the way.
async fn write_body(
    file: File,
    offset: u64,
    mut body: ByteStream,
    crc: Option<Crc>,
    progress: &Progress,
) -> anyhow::Result<Written> {
    let mut out = PositionalWriter::new(file, offset);
    let mut digest = crc.map(|crc| crc_fast::Digest::new(crc.algorithm()));
    let mut length = 0;
    while let Some(chunk) = body.try_next().await.map_err(read_error)? {
        if let Some(digest) = &mut digest {
            digest.update(&chunk);
        }
        out.write(&chunk)?;
        length += chunk.len() as u64;
        progress.advance(chunk.len() as u64);
    }
    out.finish()?;
    Ok(Written {
        length,
        crc: digest.map(|digest| digest.finalize()),
    })
}

/// Say what went wrong while a body was being received: the SDK reports a
/// failed checksum check as a streaming error, recognisable only by its text.
fn read_error(error: aws_sdk_s3::primitives::ByteStreamError) -> anyhow::Error {
    let error = anyhow::Error::new(error);
    let text = crate::error::one_line(&format!("{error:#}"));
    if text.contains("checksum mismatch") {
        let detail = text
            .split_once("mismatch. ")
            .map_or("", |(_, detail)| detail);
        anyhow::anyhow!("the downloaded data does not match the object's checksum: {detail}")
    } else {
        error.context("the download broke off")
    }
}

fn check_length(received: u64, expected: Option<i64>) -> anyhow::Result<()> {
    match expected.and_then(|length| u64::try_from(length).ok()) {
        Some(length) if length != received => {
            bail!("the download broke off: received {received} of {length} bytes")
        }
        _ => Ok(()),
    }
}

/// The parallel ranged download of one large object. Each range runs as a
/// task of its own, so the runtime polls it on the workers, where its
/// connection is read too: polled from the command's thread instead, every
/// piece of a body woke one thread from the other (on 2 cores, a 1 GiB
/// `get-object` took 1.49 s of CPU that way and 1.10 s this way).
struct Ranged {
    transfer: Arc<Transfer>,
    key: String,
    /// Every range must come from the same version of the object.
    e_tag: Option<String>,
    crc: Option<Crc>,
    progress: Progress,
    file: Reopen,
}

impl Ranged {
    /// Fetch every range into the file; returns `(crc, length)` of each range
    /// in order (CRCs are 0 when there is nothing to check against). Dropping
    /// the future (an interrupt, a failed range) aborts every range's task.
    async fn fetch_all(self, size: u64) -> anyhow::Result<Vec<(u64, u64)>> {
        let ranged = Arc::new(self);
        let ranges = parts(size, part_size_for(size, ranged.transfer.part_size));
        let mut received = Vec::with_capacity(ranges.len());
        let mut tasks = JoinSet::new();
        for (offset, length) in ranges {
            if tasks.len() >= ranged.transfer.concurrency {
                received.push(next_range(&mut tasks).await?);
            }
            let ranged = Arc::clone(&ranged);
            tasks.spawn(async move {
                let crc = ranged.fetch(offset, length).await?;
                Ok((offset, crc, length))
            });
        }
        while !tasks.is_empty() {
            received.push(next_range(&mut tasks).await?);
        }
        received.sort_unstable();
        Ok(received
            .into_iter()
            .map(|(_, crc, length)| (crc, length))
            .collect())
    }

    async fn fetch(&self, offset: u64, length: u64) -> anyhow::Result<u64> {
        let _permit = self.transfer.stream_permit().await?;
        let object = self
            .transfer
            .s3
            .get_object()
            .bucket(&self.transfer.bucket)
            .key(&self.key)
            .range(format!("bytes={offset}-{}", offset + length - 1))
            .set_if_match(self.e_tag.clone())
            .send()
            .await
            .aws("GetObject")
            .map_err(replaced)?;
        let file = self.file.open()?;
        let written = write_body(file, offset, object.body, self.crc, &self.progress).await?;
        check_length(written.length, i64::try_from(length).ok())?;
        Ok(written.crc.unwrap_or(0))
    }
}

/// Say so when a range finds the object replaced since the download began:
/// S3 answers `PreconditionFailed` to its `If-Match`.
fn replaced(error: AwsError) -> anyhow::Error {
    match error.code() {
        Some("PreconditionFailed") => anyhow::anyhow!(
            "the object was replaced during the download (S3 answered \
             PreconditionFailed to a range of the version it began with); \
             nothing was written"
        ),
        _ => error.into(),
    }
}

/// `(offset, crc, length)` of the next range to finish.
type Range = (u64, u64, u64);

/// Wait for the next range to finish; a range that failed fails the whole.
async fn next_range(tasks: &mut JoinSet<anyhow::Result<Range>>) -> anyhow::Result<Range> {
    tasks
        .join_next()
        .await
        .context("no range running")?
        .context("a range's task stopped")?
}

/// Say "no such key" for a download that S3 answered with "not found".
pub(crate) fn not_found(error: anyhow::Error) -> anyhow::Error {
    match error.downcast_ref::<AwsError>() {
        Some(aws) if aws.code() == Some("NoSuchBucket") => anyhow::anyhow!("no such bucket"),
        Some(aws) if aws.is_not_found() => anyhow::anyhow!("no such key"),
        _ => error,
    }
}
