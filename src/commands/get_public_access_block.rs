//! `get-public-access-block`: a bucket's public access block settings as JSON.

use crate::aws::Clients;
use crate::aws::bucket_config::{Bucket, public_access_block_json};
use crate::cli::BucketArgs;
use crate::error::ExitStatus;
use crate::output::{Console, to_pretty_json};

/// Print the four settings; a bucket without any is an error (exit 1).
pub(crate) async fn run(
    args: &BucketArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let bucket = Bucket::locate(clients, &args.bucket).await?;
    let Some(block) = bucket.public_access_block().await? else {
        anyhow::bail!(
            "bucket `{}` has no public access block configuration \
             (account-wide settings may still apply)",
            bucket.name
        );
    };
    writeln!(
        console.out,
        "{}",
        to_pretty_json(&public_access_block_json(&block))
    )?;
    Ok(ExitStatus::Success)
}
