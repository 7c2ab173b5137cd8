//! `policy`'s options, checked: the bucket of `--public-bucket`, or the
//! access options and `--expires` of a generated policy.

use super::Access;
use super::dates::{expires_option, format_utc};
use super::names::check_bucket_name;
use crate::cli::PolicyArgs;
use crate::error::UsageError;

/// What `policy` prints.
#[derive(Debug, Clone)]
pub enum PolicySettings {
    /// `--public-bucket`: the policy that makes this bucket publicly readable.
    PublicBucket(String),
    /// The policy `create` would generate for the buckets.
    Grant {
        access: Access,
        /// `--expires`, as [`format_utc`] writes it.
        expires: Option<String>,
    },
}

impl PolicySettings {
    /// Check the options.
    pub fn from_args(args: &PolicyArgs) -> Result<Self, UsageError> {
        if args.public_bucket {
            let [bucket] = args.buckets.as_slice() else {
                return Err(UsageError::new("--public-bucket takes exactly one bucket"));
            };
            check_bucket_name(bucket).map_err(UsageError)?;
            return Ok(Self::PublicBucket(bucket.clone()));
        }
        let access = Access::from_args(&args.access, &args.buckets)?;
        let expires = expires_option(args.expires.as_deref())?.map(format_utc);
        if expires.is_some() {
            access.check_expiries(None)?;
        }
        Ok(Self::Grant { access, expires })
    }
}
