//! The bucket steps of `create`: check that each bucket exists (or may be
//! created), then create the missing ones, public or as websites if asked.
//! Each step runs for all buckets at once; log lines come out in the order
//! the buckets were named.

use std::io::Write;

use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, ErrorDocument, IndexDocument,
    PublicAccessBlockConfiguration, Tag, Tagging, WebsiteConfiguration,
};
use futures_util::future::join_all;

use super::plan::Plan;
use super::undo::{Change, Changes};
use crate::aws::Clients;
use crate::error::{AwsError, AwsResultExt, warning_text};
use crate::output::to_pretty_json;
use crate::policy;
use crate::stopping::Stopping;

/// The empty object that proves which run created a bucket in us-east-1
/// (see [`create_bucket`]); removed when the run ends.
pub(crate) const CLAIM_KEY: &str = ".s3-credentials-create-claim";

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
/// asked. Every bucket this run provably created is recorded in `changes`,
/// even when another bucket's step fails.
pub(crate) async fn create(
    plan: &Plan,
    clients: &Clients,
    missing: &[String],
    changes: &mut Changes,
    log: &mut dyn Write,
) -> anyhow::Result<()> {
    let region = plan.region_for_new_buckets(&clients.region);
    let stopping = changes.stopping.clone();
    let results = join_all(
        missing
            .iter()
            .map(|bucket| create_one(plan, clients, bucket, region, &stopping)),
    )
    .await;
    let mut first_error = None;
    for (bucket, outcome) in missing.iter().zip(results) {
        if let Some(claimed) = outcome.created {
            changes.push(Change::Bucket {
                name: bucket.clone(),
                claimed,
            });
        }
        for line in &outcome.log {
            plan.say(log, line)?;
        }
        if let Err(error) = outcome.result {
            first_error.get_or_insert(error);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// What happened to one bucket.
struct Outcome {
    /// `Some` if this run created it, holding whether it put a claim
    /// ([`CLAIM_KEY`]) in it.
    created: Option<bool>,
    log: Vec<String>,
    result: anyhow::Result<()>,
}

async fn create_one(
    plan: &Plan,
    clients: &Clients,
    bucket: &str,
    region: &str,
    stopping: &Stopping,
) -> Outcome {
    let mut outcome = Outcome {
        created: None,
        log: Vec::new(),
        result: Ok(()),
    };
    let claimed = match create_bucket(clients, bucket, region).await {
        Ok(claimed) => claimed,
        Err(Made::ByOther) => {
            outcome.result = made_by_other(plan, bucket, &mut outcome.log);
            return outcome;
        }
        Err(Made::Failed(error)) => {
            outcome.result = Err(error.context(format!("could not create bucket `{bucket}`")));
            return outcome;
        }
    };
    outcome.created = Some(claimed);
    outcome.log.push(match &plan.bucket_region {
        Some(region) => format!("Created bucket: {bucket} in region: {region}"),
        None => format!("Created bucket: {bucket}"),
    });
    if plan.public {
        outcome.result = match stopping.check() {
            Ok(()) => make_public(clients, bucket, &mut outcome.log).await,
            Err(error) => Err(error),
        };
    }
    if plan.website && outcome.result.is_ok() {
        outcome.result = match stopping.check() {
            Ok(()) => make_website(clients, bucket, &mut outcome.log).await,
            Err(error) => Err(error),
        };
    }
    if !plan.tags.is_empty() && outcome.result.is_ok() {
        outcome.result = match stopping.check() {
            Ok(()) => tag(clients, bucket, &plan.tags, &mut outcome.log).await,
            Err(error) => Err(error),
        };
    }
    outcome
}

/// Put the `--tag` tags on a bucket this run created.
async fn tag(
    clients: &Clients,
    bucket: &str,
    tags: &[(String, String)],
    log: &mut Vec<String>,
) -> anyhow::Result<()> {
    let tag_set = tags
        .iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect::<Result<Vec<_>, _>>()?;
    clients
        .s3
        .put_bucket_tagging()
        .bucket(bucket)
        .tagging(Tagging::builder().set_tag_set(Some(tag_set)).build()?)
        .send()
        .await
        .aws("PutBucketTagging")?;
    log.push(format!("Tagged bucket: {bucket}"));
    Ok(())
}

/// Why a bucket was not created by this run.
enum Made {
    /// It exists, made by someone else after this run looked.
    ByOther,
    /// CreateBucket failed.
    Failed(anyhow::Error),
}

/// `CreateBucket`, and the proof that this run created the bucket: S3
/// answers `409 BucketAlreadyOwnedByYou` for a bucket the account already
/// has, except in us-east-1, where it answers 200 as for a new one. There a
/// claim settles it: an empty object [`CLAIM_KEY`] put only if none exists
/// (`If-None-Match: *`, an atomic check), so of several runs creating the
/// same bucket at once exactly one counts it as its own. Returns whether a
/// claim was put.
async fn create_bucket(clients: &Clients, bucket: &str, region: &str) -> Result<bool, Made> {
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
    match created {
        Err(error) if error.code() == Some("BucketAlreadyOwnedByYou") => return Err(Made::ByOther),
        Err(error) => return Err(Made::Failed(error.into())),
        Ok(_) if region != "us-east-1" => return Ok(false),
        Ok(_) => {}
    }
    let claim = clients
        .s3
        .put_object()
        .bucket(bucket)
        .key(CLAIM_KEY)
        .if_none_match("*")
        .send()
        .await
        .aws("PutObject");
    match claim {
        Ok(_) => Ok(true),
        // Another run's claim is there: it created the bucket.
        Err(error) if error.status() == Some(412) => Err(Made::ByOther),
        // No proof either way (say, no s3:PutObject): the 200 after this
        // run saw no bucket is the best evidence left.
        Err(_) => Ok(false),
    }
}

/// A bucket made by someone else after this run looked: used as an existing
/// bucket, never undone; but never made public or a website.
fn made_by_other(plan: &Plan, bucket: &str, log: &mut Vec<String>) -> anyhow::Result<()> {
    if plan.public {
        anyhow::bail!(
            "bucket `{bucket}` was created by someone else while this run was starting: --public \
             and --website only apply to buckets this command creates"
        );
    }
    log.push(format!(
        "Bucket {bucket} was created by someone else meanwhile: using it"
    ));
    Ok(())
}

/// Remove the claims of the buckets this run created, once it succeeded: a
/// failure is a warning, since the credentials work regardless.
pub(crate) async fn release_claims(
    clients: &Clients,
    changes: &Changes,
    log: &mut dyn Write,
) -> std::io::Result<()> {
    for bucket in changes.claimed_buckets() {
        if let Err(error) = delete_claim(clients, bucket).await {
            let warning = warning_text(format_args!(
                "could not remove the empty object `{CLAIM_KEY}` this run put in bucket \
                 `{bucket}` to prove it created it: {error}"
            ));
            writeln!(log, "{warning}")?;
        }
    }
    Ok(())
}

/// Delete [`CLAIM_KEY`] from `bucket`.
pub(crate) async fn delete_claim(clients: &Clients, bucket: &str) -> Result<(), AwsError> {
    let request = clients.s3.delete_object().bucket(bucket).key(CLAIM_KEY);
    request.send().await.aws("DeleteObject").map(|_| ())
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
