//! `presign`: a URL that downloads or uploads one object for a while,
//! signed with the caller's credentials (SigV4 query-string signing).

use std::time::{Duration, SystemTime};

use anyhow::Context;
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use time::OffsetDateTime;

use crate::aws::Clients;
use crate::aws::bucket_config::Bucket;
use crate::cli::{PresignArgs, PresignMethod};
use crate::error::{AwsResultExt, ExitStatus};
use crate::output::Console;
use crate::settings::dates::{format_utc, presign_expires_option};

/// Print the URL on stdout. The bucket's region is found first, so the URL
/// is signed for the region that will check it.
pub(crate) async fn run(
    args: &PresignArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let lifetime = presign_expires_option(&args.expires)?;
    let bucket = Bucket::locate(clients, &args.bucket).await?;
    let signed = sign(&bucket, &args.key, args.method, lifetime).await?;
    if let Some(warning) = outlived_credentials(clients, lifetime).await {
        console.log(&warning)?;
    }
    writeln!(console.out, "{}", signed.uri())?;
    Ok(ExitStatus::Success)
}

/// Sign one request for `key`, valid for `lifetime` from now. The SDK signs
/// only the `Host` header into the URL (no checksum, no content type), so a
/// `PUT` URL takes any body.
async fn sign(
    bucket: &Bucket,
    key: &str,
    method: PresignMethod,
    lifetime: Duration,
) -> anyhow::Result<PresignedRequest> {
    let config = PresigningConfig::expires_in(lifetime).context("could not sign the URL")?;
    let signed = match method {
        PresignMethod::Get => bucket
            .s3
            .get_object()
            .bucket(&bucket.name)
            .key(key)
            .presigned(config)
            .await
            .aws("GetObject")?,
        PresignMethod::Put => bucket
            .s3
            .put_object()
            .bucket(&bucket.name)
            .key(key)
            .presigned(config)
            .await
            .aws("PutObject")?,
    };
    Ok(signed)
}

/// A warning when the signing credentials end before the URL would: S3
/// refuses a URL once the credentials that signed it have expired, whatever
/// `X-Amz-Expires` says.
async fn outlived_credentials(clients: &Clients, lifetime: Duration) -> Option<String> {
    let expiry = clients.credentials_expiry().await?;
    if expiry >= SystemTime::now() + lifetime {
        return None;
    }
    let expiry = OffsetDateTime::from(expiry).replace_nanosecond(0).ok()?;
    Some(crate::error::warning_text(format_args!(
        "the credentials that signed this URL expire at {}, before the URL does; \
         it stops working then",
        format_utc(expiry)
    )))
}
