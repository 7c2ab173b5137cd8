//! The access options `create`, `policy` and `localserver` share: the
//! permission, prefixes and extra statements, checked.

use std::io::Write;

use serde_json::Value;

use super::json::parse_statement;
use super::names::{check_bucket_name, check_prefix};
use crate::cli::AccessArgs;
use crate::error::UsageError;
use crate::policy::Permission;
use crate::policy::expiry::check_existing;
use crate::policy::assemble::{Grant, Target, assemble};

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

    /// With `--expires`: refuse `--statement`s and a `--policy` document
    /// whose own `DateLessThan` `aws:CurrentTime` the tool cannot read,
    /// rather than overwrite an expiry that may be earlier.
    pub fn check_expiries(&self, custom: Option<&Value>) -> Result<(), UsageError> {
        for statement in &self.statements {
            check_existing(&serde_json::json!({ "Statement": statement }))
                .map_err(|e| UsageError(format!("--statement: {e}")))?;
        }
        if let Some(document) = custom {
            check_existing(document).map_err(|e| UsageError(format!("--policy: {e}")))?;
        }
        Ok(())
    }

    /// The grant these options describe for `buckets`, to assemble its
    /// documents with [`crate::policy::assemble`].
    pub fn grant<'a>(
        &'a self,
        buckets: &'a [String],
        custom: Option<&'a Value>,
        expires: Option<&'a str>,
    ) -> Grant<'a> {
        Grant {
            permission: self.permission,
            buckets,
            prefixes: &self.prefixes,
            statements: &self.statements,
            custom,
            expires,
        }
    }

    /// The session policy for all `buckets` in one document, as `policy`
    /// prints it and `localserver` sessions get it; `expires` as
    /// [`crate::settings::dates::format_utc`] writes it.
    pub fn session_policy(
        &self,
        buckets: &[String],
        expires: Option<&str>,
    ) -> Result<Value, UsageError> {
        assemble(&self.grant(buckets, None, expires), Target::Session)
            .map(|assembled| assembled.session_policy())
            .map_err(|e| UsageError(e.to_string()))
    }
}

