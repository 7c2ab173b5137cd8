//! The bucket steps of `create`: check that each bucket exists (or may be
//! created), then create the missing ones, public or as websites if asked.
//! Each step runs for all buckets at once; log lines come out in the order
//! the buckets were named.

use std::io::Write;

use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, ErrorDocument, IndexDocument,
    PublicAccessBlockConfiguration, WebsiteConfiguration,
};
use futures_util::future::join_all;

use super::plan::Plan;
use super::undo::{Change, Changes};
use crate::aws::Clients;
use crate::error::{AwsError, AwsResultExt};
use crate::output::to_pretty_json;
use crate::policy;

/// Check every bucket at once; return the ones that do not exist yet.
///
/// Fails, before anything is changed, if a bucket is missing without
/// `--create-bucket`, cannot be accessed, or already exists while `--public`
/// asks to make a new bucket public.
pub(crate) async fn check(plan: &Plan, clients: &Clients) -> anyhow::Result<Vec<String>> {
    let heads = plan.buckets.iter().map(|bucket| async move {
        let head = clients.s3.head_bucket().bucket(bucket).send().await;
        (bucket, head.aws("HeadBucket"))
    });
    let mut missing = Vec::new();
    let mut problems = Vec::new();
    for (bucket, head) in join_all(heads).await {
        match head {
            // 301: the bucket exists, in another region than the client's.
            Ok(_) => existing(plan, bucket, &mut problems),
            Err(error) if error.status() == Some(301) => existing(plan, bucket, &mut problems),
            Err(error) if error.is_not_found() && plan.create_buckets => {
                missing.push(bucket.clone())
            }
            Err(error) if error.is_not_found() => problems.push(format!(
                "bucket `{bucket}` does not exist: add --create-bucket (-c) to create it"
            )),
            Err(error) => problems.push(access_problem(bucket, &error)),
        }
    }
    if problems.is_empty() {
        Ok(missing)
    } else {
        Err(anyhow::anyhow!(problems.join("; ")))
    }
}

fn existing(plan: &Plan, bucket: &str, problems: &mut Vec<String>) {
    if plan.public {
        problems.push(format!(
            "bucket `{bucket}` already exists: --public and --website only apply to buckets this \
             command creates; to make an existing bucket public, run \
             `s3-credentials set-bucket-policy {bucket} --allow-all-get`"
        ));
    }
}

/// A failed look at a bucket, with 403 said plainly.
fn access_problem(bucket: &str, error: &AwsError) -> String {
    if error.is_access_denied() {
        format!(
            "access to bucket `{bucket}` was denied (HTTP 403): it belongs to another account, \
             or these credentials may not use it or have expired"
        )
    } else {
        format!("bucket `{bucket}`: {error}")
    }
}

/// Create the missing buckets at once, and make them public or websites as
/// asked. Every bucket created is recorded in `changes`, even when another
/// bucket's step fails.
pub(crate) async fn create(
    plan: &Plan,
    clients: &Clients,
    missing: &[String],
    changes: &mut Changes,
    log: &mut dyn Write,
) -> anyhow::Result<()> {
    let region = plan.region_for_new_buckets(&clients.region);
    let results = join_all(
        missing
            .iter()
            .map(|bucket| create_one(plan, clients, bucket, region)),
    )
    .await;
    let mut first_error = None;
    for (bucket, outcome) in missing.iter().zip(results) {
        if outcome.created {
            changes.push(Change::Bucket(bucket.clone()));
        }
        if !plan.silent {
            for line in &outcome.log {
                writeln!(log, "{line}")?;
            }
        }
        if let Err(error) = outcome.result {
            first_error.get_or_insert(error);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// What happened to one bucket.
struct Outcome {
    created: bool,
    log: Vec<String>,
    result: anyhow::Result<()>,
}

async fn create_one(plan: &Plan, clients: &Clients, bucket: &str, region: &str) -> Outcome {
    let mut outcome = Outcome {
        created: false,
        log: Vec::new(),
        result: Ok(()),
    };
    let mut request = clients.s3.create_bucket().bucket(bucket);
    // us-east-1 is the one region that must not be named as a constraint.
    if region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    let created = request
        .customize()
        .config_override(
            aws_sdk_s3::config::Builder::default()
                .region(aws_config::Region::new(region.to_owned())),
        )
        .send()
        .await
        .aws("CreateBucket");
    if let Err(error) = created {
        outcome.result =
            Err(anyhow::Error::new(error).context(format!("could not create bucket `{bucket}`")));
        return outcome;
    }
    outcome.created = true;
    outcome.log.push(match &plan.bucket_region {
        Some(region) => format!("Created bucket: {bucket} in region: {region}"),
        None => format!("Created bucket: {bucket}"),
    });
    if plan.public {
        outcome.result = make_public(clients, bucket, &mut outcome.log).await;
    }
    if plan.website && outcome.result.is_ok() {
        outcome.result = make_website(clients, bucket, &mut outcome.log).await;
    }
    outcome
}

async fn make_public(clients: &Clients, bucket: &str, log: &mut Vec<String>) -> anyhow::Result<()> {
    let open = PublicAccessBlockConfiguration::builder()
        .block_public_acls(false)
        .ignore_public_acls(false)
        .block_public_policy(false)
        .restrict_public_buckets(false)
        .build();
    clients
        .s3
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(open)
        .send()
        .await
        .aws("PutPublicAccessBlock")?;
    log.push(format!(
        "Turned off the public access block of bucket: {bucket}"
    ));
    let bucket_policy = policy::bucket_policy_allow_all_get(bucket);
    clients
        .s3
        .put_bucket_policy()
        .bucket(bucket)
        .policy(bucket_policy.to_string())
        .send()
        .await
        .aws("PutBucketPolicy")?;
    log.push(format!(
        "Attached bucket policy allowing public access to bucket: {bucket}\n{}",
        to_pretty_json(&bucket_policy)
    ));
    Ok(())
}

async fn make_website(
    clients: &Clients,
    bucket: &str,
    log: &mut Vec<String>,
) -> anyhow::Result<()> {
    let website = WebsiteConfiguration::builder()
        .index_document(IndexDocument::builder().suffix("index.html").build()?)
        .error_document(ErrorDocument::builder().key("error.html").build()?)
        .build();
    clients
        .s3
        .put_bucket_website()
        .bucket(bucket)
        .website_configuration(website)
        .send()
        .await
        .aws("PutBucketWebsite")?;
    log.push(format!(
        "Configured website for bucket: {bucket} (IndexDocument=index.html, ErrorDocument=error.html)"
    ));
    Ok(())
}
