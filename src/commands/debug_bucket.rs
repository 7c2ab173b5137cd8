//! `debug-bucket`: everything that decides who can reach a bucket, one
//! section after another. A section that cannot be read says why in its
//! place, and the others are still shown.

use serde_json::Value;

use crate::aws::Clients;
use crate::aws::bucket_config::{Bucket, public_access_block_json};
use crate::cli::BucketArgs;
use crate::error::{ExitStatus, error_text, failure_text};
use crate::output::{Console, to_pretty_json};

/// What one section found.
enum Finding {
    /// A configuration document.
    Json(Value),
    /// A plain answer, such as a region or "not configured".
    Text(String),
    /// The call failed.
    Failed(anyhow::Error),
}

impl Finding {
    /// A document, or `unset` when the bucket has none.
    fn from(result: anyhow::Result<Option<Value>>, unset: &str) -> Self {
        match result {
            Ok(Some(value)) => Self::Json(value),
            Ok(None) => Self::Text(unset.to_owned()),
            Err(error) => Self::Failed(error),
        }
    }
}

/// Read every section at once, then print them in order.
pub(crate) async fn run(
    args: &BucketArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let bucket = Bucket::locate(clients, &args.bucket).await?;
    let (acl, status, block, cors, website, location) = tokio::join!(
        bucket.acl(),
        bucket.policy_status(),
        bucket.public_access_block(),
        bucket.cors_rules(),
        bucket.website(),
        bucket.location(),
    );
    let block = block.map(|b| b.as_ref().map(public_access_block_json));
    let sections = [
        ("ACL", Finding::from(acl.map(Some), "")),
        ("policy status", Finding::from(status, "No bucket policy")),
        (
            "public access block",
            Finding::from(block, "No public access block configuration"),
        ),
        ("CORS rules", Finding::from(cors, "No CORS rules")),
        (
            "website",
            Finding::from(website, "Not configured as a website"),
        ),
        (
            "region",
            location.map_or_else(Finding::Failed, Finding::Text),
        ),
    ];
    let mut failed = Vec::new();
    for (title, finding) in sections {
        writeln!(console.out, "Bucket {title}:")?;
        match finding {
            Finding::Json(value) => writeln!(console.out, "{}", to_pretty_json(&value))?,
            Finding::Text(text) => writeln!(console.out, "{text}")?,
            Finding::Failed(error) => {
                writeln!(console.out, "{}", failure_text(&error))?;
                failed.push(title);
            }
        }
    }
    if failed.is_empty() {
        return Ok(ExitStatus::Success);
    }
    console.out.flush()?;
    console.log(&error_text(format_args!(
        "could not read the bucket's {} (see above)",
        failed.join(", ")
    )))?;
    Ok(ExitStatus::Failure)
}
