//! `policy`: print the policy `create` would generate, without AWS.

use crate::cli::PolicyArgs;
use crate::error::{ExitStatus, UsageError};
use crate::output::{Console, to_pretty_json};
use crate::policy::bucket_policy_allow_all_get;
use crate::settings::dates::{expires_option, format_utc};
use crate::settings::names::check_bucket_name;

use crate::settings::Access;

/// Print the generated policy for the buckets, or with `--public-bucket` the
/// bucket policy that makes one bucket publicly readable.
pub(crate) fn run(args: &PolicyArgs, console: &mut Console<'_>) -> anyhow::Result<ExitStatus> {
    let document = if args.public_bucket {
        let [bucket] = args.buckets.as_slice() else {
            return Err(UsageError::new("--public-bucket takes exactly one bucket").into());
        };
        check_bucket_name(bucket).map_err(UsageError)?;
        bucket_policy_allow_all_get(bucket)
    } else {
        let access = Access::from_args(&args.access, &args.buckets)?;
        let expires = expires_option(args.expires.as_deref())?.map(format_utc);
        access.warn(console.err)?;
        access.session_policy(&args.buckets, expires.as_deref())?
    };
    writeln!(console.out, "{}", to_pretty_json(&document))?;
    Ok(ExitStatus::Success)
}
