//! `set-public-access-block`: change some or all of a bucket's four public
//! access block settings, keeping the ones not given.

use aws_sdk_s3::types::PublicAccessBlockConfiguration;

use crate::aws::Clients;
use crate::aws::bucket_config::{Bucket, public_access_block_json};
use crate::cli::SetPublicAccessBlockArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::output::{Console, to_pretty_json};
use crate::settings::bucket::public_access_changes;

/// The four settings, each `None` when the command line leaves it alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Changes([Option<bool>; 4]);

impl Changes {
    /// The changes the checked options ask for.
    fn from_args(args: &SetPublicAccessBlockArgs) -> Self {
        Self(public_access_changes(args))
    }

    /// The new settings: the changes over `current`, where no configuration
    /// at all means every setting is off.
    fn apply(
        self,
        current: Option<&PublicAccessBlockConfiguration>,
    ) -> PublicAccessBlockConfiguration {
        let now = current.map_or([None; 4], |c| {
            [
                c.block_public_acls(),
                c.ignore_public_acls(),
                c.block_public_policy(),
                c.restrict_public_buckets(),
            ]
        });
        let [acls, ignore, policy, restrict] =
            std::array::from_fn(|i| self.0[i].or(now[i]).unwrap_or(false));
        PublicAccessBlockConfiguration::builder()
            .block_public_acls(acls)
            .ignore_public_acls(ignore)
            .block_public_policy(policy)
            .restrict_public_buckets(restrict)
            .build()
    }

    fn all_given(self) -> bool {
        self.0.iter().all(Option::is_some)
    }
}

/// Read the current settings when some are kept, put the new ones, print them on stderr.
pub(crate) async fn run(
    args: &SetPublicAccessBlockArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let changes = Changes::from_args(args);
    let bucket = Bucket::locate(clients, &args.bucket).await?;
    let current = if changes.all_given() {
        None
    } else {
        bucket.public_access_block().await?
    };
    let settings = changes.apply(current.as_ref());
    bucket
        .s3
        .put_public_access_block()
        .bucket(&bucket.name)
        .public_access_block_configuration(settings.clone())
        .send()
        .await
        .aws("PutPublicAccessBlock")
        .map_err(|error| bucket.error(error))?;
    console.log(&format!(
        "Set public access block of bucket `{}` to:",
        bucket.name
    ))?;
    console.log(&to_pretty_json(&public_access_block_json(&settings)))?;
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(config: &PublicAccessBlockConfiguration) -> [Option<bool>; 4] {
        [
            config.block_public_acls(),
            config.ignore_public_acls(),
            config.block_public_policy(),
            config.restrict_public_buckets(),
        ]
    }

    #[test]
    fn settings_not_given_keep_their_value() {
        let current = Changes([Some(true); 4]).apply(None);
        let changed = Changes([None, None, Some(false), None]).apply(Some(&current));
        assert_eq!(
            values(&changed),
            [Some(true), Some(true), Some(false), Some(true)]
        );
    }

    #[test]
    fn no_configuration_means_everything_off() {
        let changed = Changes([Some(true), None, None, None]).apply(None);
        assert_eq!(
            values(&changed),
            [Some(true), Some(false), Some(false), Some(false)]
        );
    }
}
