//! `policy`: print the policy `create` would generate, without AWS.

use crate::cli::PolicyArgs;
use crate::error::ExitStatus;
use crate::output::{Console, to_pretty_json};
use crate::policy::bucket_policy_allow_all_get;
use crate::settings::policy::PolicySettings;

/// Print the generated policy for the buckets, or with `--public-bucket` the
/// bucket policy that makes one bucket publicly readable.
pub(crate) fn run(args: &PolicyArgs, console: &mut Console<'_>) -> anyhow::Result<ExitStatus> {
    let document = match PolicySettings::from_args(args)? {
        PolicySettings::PublicBucket(bucket) => bucket_policy_allow_all_get(&bucket),
        PolicySettings::Grant { access, expires } => {
            access.warn(console.err)?;
            access.session_policy(&args.buckets, expires.as_deref())?
        }
    };
    writeln!(console.out, "{}", to_pretty_json(&document))?;
    Ok(ExitStatus::Success)
}
