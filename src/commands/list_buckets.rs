//! `list-buckets`: the account's buckets, or only the named ones.

use std::collections::BTreeSet;

use aws_sdk_s3::types::Bucket;
use serde_json::Value;

use crate::aws::Clients;
use crate::cli::ListBucketsArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::output::{Console, Format, Object, RowWriter, timestamp};

const COLUMNS: &[&str] = &["Name", "CreationDate", "BucketRegion"];

/// Print each bucket as its page arrives. Named buckets that the account does
/// not have are reported at the end, and the exit code is then 1.
pub(crate) async fn run(
    args: &ListBucketsArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let mut missing: BTreeSet<&str> = args.names.iter().map(String::as_str).collect();
    let mut rows = RowWriter::new(console.out, Format::from_args(args.output), COLUMNS);
    let mut pages = clients.s3.list_buckets().into_paginator().send();
    while let Some(page) = pages.next().await {
        for bucket in page.aws("ListBuckets")?.buckets() {
            let name = bucket.name().unwrap_or_default();
            missing.remove(name);
            if args.names.is_empty() || args.names.iter().any(|wanted| wanted == name) {
                rows.row(&bucket_json(bucket))?;
            }
        }
        rows.flush()?;
    }
    rows.finish()?;
    if missing.is_empty() {
        return Ok(ExitStatus::Success);
    }
    for name in missing {
        console.log(&format!("Error: no bucket named `{name}` in this account"))?;
    }
    Ok(ExitStatus::Failure)
}

/// A bucket as `ListBuckets` describes it.
fn bucket_json(bucket: &Bucket) -> Value {
    Object::new()
        .with_opt("Name", bucket.name())
        .with_opt("CreationDate", bucket.creation_date().map(timestamp))
        .with_opt("BucketRegion", bucket.bucket_region())
        .into()
}
