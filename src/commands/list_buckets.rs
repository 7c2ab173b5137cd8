//! `list-buckets`: the account's buckets, or only the named ones, optionally
//! with each bucket's region, ACL, public access block and website.

use std::collections::BTreeSet;

use aws_sdk_s3::types::Bucket as ListedBucket;
use futures_util::{StreamExt, stream};
use serde_json::Value;

use crate::aws::Clients;
use crate::aws::bucket_config::{Bucket, public_access_block_json};
use crate::cli::ListBucketsArgs;
use crate::error::{AwsResultExt, ExitStatus, error_text};
use crate::output::{Console, Format, Object, RowWriter, timestamp};

/// The columns of CSV/TSV output; `--details` adds the last four, named as
/// the original tool names them.
const COLUMNS: &[&str] = &[
    "Name",
    "CreationDate",
    "BucketRegion",
    "region",
    "bucket_acl",
    "public_access_block",
    "bucket_website",
];

/// How many buckets have their details fetched at once.
const CONCURRENT_BUCKETS: usize = 16;

/// Print each bucket as its page arrives (with `--details`, as soon as its
/// details and those of the buckets before it are in). Named buckets that
/// the account does not have, and details that could not be read, are
/// reported on stderr, and the exit code is then 1.
pub(crate) async fn run(
    args: &ListBucketsArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let mut missing: BTreeSet<&str> = args.names.iter().map(String::as_str).collect();
    let columns = if args.details { COLUMNS } else { &COLUMNS[..3] };
    let mut rows = RowWriter::new(console.out, Format::from_args(args.output), columns);
    let mut status = ExitStatus::Success;
    let mut pages = clients.s3.list_buckets().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.aws("ListBuckets")?;
        let wanted = page.buckets().iter().filter(|bucket| {
            let name = bucket.name().unwrap_or_default();
            missing.remove(name);
            args.names.is_empty() || args.names.iter().any(|wanted| wanted == name)
        });
        let mut described = stream::iter(wanted)
            .map(|bucket| describe(clients, bucket, args.details))
            .buffered(CONCURRENT_BUCKETS);
        while let Some((row, errors)) = described.next().await {
            rows.row(&row)?;
            for error in errors {
                status = ExitStatus::Failure;
                writeln!(console.err, "{}", clients.error_line(error))?;
            }
        }
        rows.flush()?;
    }
    rows.finish()?;
    for name in &missing {
        console.log(&error_text(format_args!(
            "no bucket named `{name}` in this account"
        )))?;
    }
    if missing.is_empty() {
        Ok(status)
    } else {
        Ok(ExitStatus::Failure)
    }
}

/// A bucket as `ListBuckets` describes it, with its details when asked for,
/// and the errors of the details that could not be read (those are `null`).
async fn describe(
    clients: &Clients,
    listed: &ListedBucket,
    details: bool,
) -> (Value, Vec<anyhow::Error>) {
    let object = Object::new()
        .with_opt("Name", listed.name())
        .with_opt("CreationDate", listed.creation_date().map(timestamp))
        .with_opt("BucketRegion", listed.bucket_region());
    if !details {
        return (object.into(), Vec::new());
    }
    let name = listed.name().unwrap_or_default();
    let bucket = match listed.bucket_region() {
        Some(region) => Bucket::in_region(clients, name, region.to_owned()),
        None => match Bucket::locate(clients, name).await {
            Ok(bucket) => bucket,
            Err(error) => return (object.into(), vec![error]),
        },
    };
    let (acl, block, website) =
        tokio::join!(bucket.acl(), bucket.public_access_block(), bucket.website());
    let mut errors = Vec::new();
    let mut value = |result: anyhow::Result<Option<Value>>| {
        result.unwrap_or_else(|error| {
            errors.push(error);
            None
        })
    };
    let object = object
        .with("region", bucket.region.as_str())
        .with("bucket_acl", value(acl.map(Some)))
        .with(
            "public_access_block",
            value(block.map(|b| b.as_ref().map(public_access_block_json))),
        )
        .with("bucket_website", value(website));
    (object.into(), errors)
}
