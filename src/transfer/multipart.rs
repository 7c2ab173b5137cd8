//! One multipart upload from start to finish: created, its parts sent, then
//! completed, or aborted when anything fails or a stop signal comes, so that
//! no parts are left stored (and billed) without an object.
//!
//! After a signal the requests that decide what is stored (create, complete,
//! abort) are still waited for, each until a deadline, so the run can say
//! what happened; parts are dropped.

use anyhow::Context;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumType, CompletedMultipartUpload, CompletedPart};

use super::Transfer;
use super::upload::{CHECKSUM, Target};
use crate::error::{AwsError, AwsResultExt};
use crate::signals::{Interrupted, StopWatch};

/// A part S3 has accepted.
pub(super) struct DonePart {
    pub(super) number: i32,
    pub(super) length: u64,
    e_tag: Option<String>,
    crc: Option<u64>,
}

/// A multipart upload in progress.
pub(super) struct Multipart<'a> {
    transfer: &'a Transfer,
    key: &'a str,
    upload_id: String,
    stop: &'a StopWatch,
}

impl<'a> Multipart<'a> {
    /// Start a multipart upload whose object gets a full-object CRC-32. A
    /// signal while S3 creates it still waits for its ID, to abort it.
    pub(super) async fn start(
        transfer: &'a Transfer,
        target: &'a Target,
        stop: &'a StopWatch,
    ) -> anyhow::Result<Self> {
        // A request like any other: it counts towards `-j`, and may be the
        // run's first (see `transfer::first`).
        let _permit = stop.cancel(transfer.permit()).await?;
        let request = transfer
            .s3
            .create_multipart_upload()
            .bucket(&transfer.bucket)
            .key(&target.key)
            .set_content_type(target.content_type.clone())
            .set_checksum_algorithm(transfer.checksums.send.then_some(ChecksumAlgorithm::Crc32))
            .set_checksum_type(transfer.checksums.send.then_some(ChecksumType::FullObject))
            .send();
        let created = match stop.settle(request).await {
            Some(created) => created.aws("CreateMultipartUpload")?,
            None => return Err(unanswered(stop, "CreateMultipartUpload", &target.key)),
        };
        let upload = Self {
            transfer,
            key: &target.key,
            upload_id: created.upload_id.context("S3 returned no upload ID")?,
            stop,
        };
        match stop.signal() {
            Some(signal) => Err(upload.abort(Interrupted(signal).into()).await),
            None => Ok(upload),
        }
    }

    /// Send one part. With `crc` given, S3 checks the part against it;
    /// otherwise the SDK computes the checksum as the body streams.
    pub(super) async fn send_part(
        &self,
        number: i32,
        length: u64,
        body: ByteStream,
        crc: Option<u64>,
    ) -> anyhow::Result<DonePart> {
        let send = self.transfer.checksums.send;
        let request = self
            .transfer
            .s3
            .upload_part()
            .bucket(&self.transfer.bucket)
            .key(self.key)
            .upload_id(&self.upload_id)
            .part_number(number)
            .set_checksum_algorithm(send.then_some(ChecksumAlgorithm::Crc32))
            .set_checksum_crc32(crc.filter(|_| send).map(|crc| CHECKSUM.encode(crc)))
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
    pub(super) async fn finish(
        self,
        sent: anyhow::Result<Vec<DonePart>>,
        size: u64,
    ) -> anyhow::Result<()> {
        let parts = match sent {
            Ok(parts) => parts,
            Err(error) => return Err(self.abort(error).await),
        };
        match self.stop.settle(self.complete(parts, size)).await {
            Some(Ok(())) => Ok(()),
            Some(Err(error)) => Err(self.abort(error).await),
            // Aborting now either stops the completion or finds it done.
            None => {
                let error = unanswered(self.stop, "CompleteMultipartUpload", self.key);
                Err(self.abort(error).await)
            }
        }
    }

    /// Abort the upload, and return `error`, the one that stopped it: with
    /// what is left behind when the abort fails too.
    async fn abort(&self, error: anyhow::Error) -> anyhow::Error {
        let request = self
            .transfer
            .s3
            .abort_multipart_upload()
            .bucket(&self.transfer.bucket)
            .key(self.key)
            .upload_id(&self.upload_id)
            .send();
        let failure = match tokio::time::timeout_at(self.stop.deadline(), request).await {
            Ok(Ok(_)) => return error,
            Ok(Err(failed)) => {
                let failed = AwsError::from_sdk("AbortMultipartUpload", &failed);
                // Already completed or aborted: nothing is left to pay for.
                if failed.is_not_found() {
                    return error;
                }
                failed.to_string()
            }
            Err(_) => "AbortMultipartUpload got no answer in time".to_owned(),
        };
        error.context(format!(
            "the multipart upload `{}` of `{}` could not be aborted ({}), so its parts \
             stay stored until it is",
            self.upload_id,
            self.key,
            crate::error::one_line(&failure)
        ))
    }

    async fn complete(&self, mut parts: Vec<DonePart>, size: u64) -> anyhow::Result<()> {
        // Without checksums (`when_required`), S3 checks the parts' ETags only.
        let send = self.transfer.checksums.send;
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
                    .set_checksum_crc32(part.crc.filter(|_| send).map(|crc| CHECKSUM.encode(crc)))
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
            .set_checksum_type(send.then_some(ChecksumType::FullObject))
            .set_checksum_crc32(whole.filter(|_| send))
            .mpu_object_size(i64::try_from(size).unwrap_or(i64::MAX))
            .send()
            .await
            .aws("CompleteMultipartUpload")?;
        Ok(())
    }
}

/// A request that may have stored `key` got no answer before the deadline
/// after a signal.
pub(super) fn unanswered(stop: &StopWatch, operation: &str, key: &str) -> anyhow::Error {
    let signal = stop
        .signal()
        .map_or("a stop signal", crate::signals::Stop::name);
    anyhow::anyhow!(
        "interrupted by {signal} before {operation} was answered: `{key}` may or may not be stored"
    )
}
