//! `get-cors-policy`: a bucket's CORS rules as JSON.

use crate::aws::Clients;
use crate::aws::bucket_config::Bucket;
use crate::cli::BucketArgs;
use crate::error::ExitStatus;
use crate::output::{Console, to_pretty_json};

/// Print the CORS rules; a bucket without any is an error (exit 1).
pub(crate) async fn run(
    args: &BucketArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let bucket = Bucket::locate(clients, &args.bucket).await?;
    let Some(rules) = bucket.cors_rules().await? else {
        anyhow::bail!(
            "bucket `{}` has no CORS policy; set one with `s3-credentials set-cors-policy {}`",
            bucket.name,
            bucket.name
        );
    };
    writeln!(console.out, "{}", to_pretty_json(&rules))?;
    Ok(ExitStatus::Success)
}
