//! The access options `create`, `policy` and `localserver` share: the
//! permission, prefixes and extra statements, checked.

use std::io::Write;

use serde_json::Value;

use super::json::parse_statement;
use super::names::{check_bucket_name, check_prefix};
use crate::cli::AccessArgs;
use crate::error::UsageError;
use crate::policy::expiry::with_expiry;
use crate::policy::size::{TooLarge, fit_session_policy, merge_buckets};
use crate::policy::{self, Permission};

/// The checked access options shared by `create` and `policy`.
#[derive(Debug, Clone)]
pub struct Access {
    /// Read-write, read-only or write-only.
    pub permission: Permission,
    /// The `--prefix` values, checked.
    pub prefixes: Vec<String>,
    /// The `--statement` values, parsed.
    pub statements: Vec<Value>,
}

impl Access {
    /// Check bucket names, prefixes and statements.
    pub fn from_args(args: &AccessArgs, buckets: &[String]) -> Result<Self, UsageError> {
        // clap already refuses both flags together; this keeps the rule in one place.
        let permission =
            Permission::from_flags(args.read_only, args.write_only).map_err(UsageError)?;
        for bucket in buckets {
            check_bucket_name(bucket).map_err(UsageError)?;
        }
        for prefix in &args.prefix {
            check_prefix(prefix).map_err(UsageError)?;
        }
        let statements = args
            .statement
            .iter()
            .map(|statement| parse_statement(statement).map_err(UsageError))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            permission,
            prefixes: args.prefix.clone(),
            statements,
        })
    }

    /// Warn, one line each, about prefixes that grant more than a folder:
    /// `reports` matches `reports-old/...` too, as in the original tool.
    pub fn warn(&self, err: &mut dyn Write) -> std::io::Result<()> {
        for prefix in self.prefixes.iter().filter(|p| !p.ends_with('/')) {
            writeln!(
                err,
                "Warning: --prefix `{prefix}` does not end in `/`, so it also grants keys such as \
                 `{prefix}-old/...`; use `--prefix {prefix}/` for a folder"
            )?;
        }
        Ok(())
    }

    /// The policy for all `buckets` in one document, as `policy` prints it
    /// and sessions get it: every bucket's statements while that fits IAM's
    /// session policy limit, else one statement per kind of access (see
    /// [`crate::policy::size`]).
    pub fn policy(&self, buckets: &[String]) -> Result<Value, TooLarge> {
        self.expiring_policy(buckets, None)
    }

    /// [`Access::policy`] with `policy --expires`: the expiry condition is
    /// added to both candidates before their sizes are compared with IAM's
    /// limit, since it counts towards it.
    pub fn expiring_policy(
        &self,
        buckets: &[String],
        expires: Option<&str>,
    ) -> Result<Value, TooLarge> {
        let expiring = |document: Value| match expires {
            Some(until) => with_expiry(&document, until),
            None => document,
        };
        let listed = expiring(policy::buckets_policy(
            self.permission,
            buckets,
            &self.prefixes,
            &self.statements,
        ));
        let per_bucket: Vec<Value> = buckets
            .iter()
            .map(|bucket| policy::wrap(self.permission.statements(bucket, &self.prefixes)))
            .collect();
        let merged = expiring(merge_buckets(&per_bucket, &self.statements));
        let what = format!(
            "{} policy",
            self.permission.label(!self.statements.is_empty())
        );
        fit_session_policy(listed, merged, buckets.len(), &what)
    }
}
