//! `set-bucket-policy`: replace a bucket's policy with one read from a file,
//! or with the policy that lets anyone download its objects.

use crate::aws::Clients;
use crate::aws::bucket_config::Bucket;
use crate::cli::SetBucketPolicyArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::output::{Console, to_pretty_json};
use crate::settings::bucket::bucket_policy;

/// Read and check the policy, put it, and print it on stderr.
pub(crate) async fn run(
    args: &SetBucketPolicyArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let policy = bucket_policy(args, std::io::stdin())?;
    let bucket = Bucket::locate(clients, &args.bucket).await?;
    let result = bucket
        .s3
        .put_bucket_policy()
        .bucket(&bucket.name)
        .policy(policy.to_string())
        .send()
        .await
        .aws("PutBucketPolicy");
    if let Err(error) = result {
        let denied = error.is_access_denied();
        let error = bucket.error(error);
        if denied {
            anyhow::bail!(
                "{error:#}; hint: S3 also refuses public policies while the bucket's public \
                 access block has BlockPublicPolicy on (see `s3-credentials get-public-access-block {}`)",
                bucket.name
            );
        }
        return Err(error);
    }
    console.log(&format!(
        "Set bucket policy of bucket `{}` to:",
        bucket.name
    ))?;
    console.log(&to_pretty_json(&policy))?;
    Ok(ExitStatus::Success)
}
