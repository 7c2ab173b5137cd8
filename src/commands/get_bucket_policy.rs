//! `get-bucket-policy`: a bucket's policy as JSON.

use crate::aws::Clients;
use crate::aws::bucket_config::Bucket;
use crate::cli::BucketArgs;
use crate::error::ExitStatus;
use crate::output::{Console, to_pretty_json};

/// Print the bucket policy; a bucket without one is an error (exit 1).
pub(crate) async fn run(
    args: &BucketArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let bucket = Bucket::locate(clients, &args.bucket).await?;
    let Some(policy) = bucket.policy().await? else {
        anyhow::bail!(
            "bucket `{}` has no bucket policy; set one with `s3-credentials set-bucket-policy {}`",
            bucket.name,
            bucket.name
        );
    };
    writeln!(console.out, "{}", to_pretty_json(&policy))?;
    Ok(ExitStatus::Success)
}
