//! The access options `create`, `policy` and `localserver` share: the
//! permission, prefixes or keys, source addresses and extra statements,
//! checked.

use std::io::Write;

use serde_json::Value;

use super::json::parse_statement;
use super::names::{check_bucket_name, check_key, check_prefix};
use crate::cli::AccessArgs;
use crate::error::UsageError;
use crate::policy::Permission;
use crate::policy::assemble::{Grant, Target, assemble};
use crate::policy::expiry::check_existing;
use crate::policy::source_ip::{self, Cidr};

/// The checked access options shared by `create` and `policy`.
#[derive(Debug, Clone)]
pub struct Access {
    /// Read-write, read-only or write-only.
    pub permission: Permission,
    /// The `--prefix` values, checked.
    pub prefixes: Vec<String>,
    /// The `--key` values, checked, each once.
    pub keys: Vec<String>,
    /// The `--source-ip` networks, each once.
    pub source_ips: Vec<Cidr>,
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
        let statements: Vec<Value> = args
            .statement
            .iter()
            .map(|statement| parse_statement(statement).map_err(UsageError))
            .collect::<Result<_, _>>()?;
        let access = Self {
            permission,
            prefixes: args.prefix.clone(),
            keys: keys(&args.key)?,
            source_ips: source_ips(&args.source_ip)?,
            statements,
        };
        access.check_source_ips(None)?;
        Ok(access)
    }

    /// With `--source-ip`: refuse `--statement`s and a `--policy` document
    /// whose own `IpAddress` `aws:SourceIp` the tool cannot read or that
    /// shares no address with `--source-ip` (see [`source_ip`]).
    pub fn check_source_ips(&self, custom: Option<&Value>) -> Result<(), UsageError> {
        if self.source_ips.is_empty() {
            return Ok(());
        }
        for statement in &self.statements {
            source_ip::check_existing(
                &serde_json::json!({ "Statement": statement }),
                &self.source_ips,
            )
            .map_err(|e| UsageError(format!("--statement: {e}")))?;
        }
        if let Some(document) = custom {
            source_ip::check_existing(document, &self.source_ips)
                .map_err(|e| UsageError(format!("--policy: {e}")))?;
        }
        Ok(())
    }

    /// Warn, one line each, about prefixes that grant more than a folder:
    /// `reports` matches `reports-old/...` too, as in the original tool.
    pub fn warn(&self, err: &mut dyn Write) -> std::io::Result<()> {
        for prefix in &self.prefixes {
            if let Some(stem) = wider_than_a_folder(prefix) {
                let warning = format_args!(
                    "--prefix `{prefix}` does not end in `/`, so it also grants keys such as \
                     `{stem}-old/...`; use `--prefix {stem}/` for a folder"
                );
                writeln!(err, "{}", crate::error::warning_text(warning))?;
            }
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
            keys: &self.keys,
            statements: &self.statements,
            custom,
            expires,
            source_ips: &self.source_ips,
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

/// The `--key` values, each checked, duplicates dropped.
fn keys(args: &[String]) -> Result<Vec<String>, UsageError> {
    let mut keys: Vec<String> = Vec::new();
    for key in args {
        check_key(key).map_err(UsageError)?;
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    Ok(keys)
}

/// The `--source-ip` networks, duplicates dropped.
fn source_ips(args: &[String]) -> Result<Vec<Cidr>, UsageError> {
    let mut networks: Vec<Cidr> = Vec::new();
    for text in args {
        let cidr = Cidr::parse(text).map_err(|e| UsageError(format!("--source-ip {e}")))?;
        if !networks.contains(&cidr) {
            networks.push(cidr);
        }
    }
    Ok(networks)
}

/// The stem of a prefix that grants more than a folder, or `None`.
///
/// The policy grants the pattern `PREFIX*` (one `*` is appended unless the
/// prefix ends in one), where IAM's `*` and `?` match any characters,
/// including `/`. With the trailing `*`s set aside, the pattern stays inside
/// the folder up to the last `/` exactly when nothing but wildcards follows
/// that `/`: `foo/`, `foo/*` and `foo/?` grant only keys under `foo/`. Any
/// other character after it (`reports`, `reports*`, `foo/bar`) lets the
/// pattern match `STEM-old/...` as well, outside the folder `STEM/`.
fn wider_than_a_folder(prefix: &str) -> Option<&str> {
    let stem = prefix.trim_end_matches('*');
    let last = stem.rsplit('/').next().unwrap_or(stem);
    if last.chars().all(|c| c == '*' || c == '?') {
        return None;
    }
    Some(stem)
}

#[cfg(test)]
mod tests {
    use super::wider_than_a_folder;

    #[test]
    fn only_a_literal_after_the_last_slash_grants_more_than_a_folder() {
        assert_eq!(wider_than_a_folder("reports"), Some("reports"));
        assert_eq!(wider_than_a_folder("reports*"), Some("reports"));
        assert_eq!(wider_than_a_folder("foo/bar**"), Some("foo/bar"));
        assert_eq!(wider_than_a_folder("a*b"), Some("a*b"));
        assert_eq!(wider_than_a_folder("foo/"), None);
        assert_eq!(wider_than_a_folder("foo/*"), None);
        assert_eq!(wider_than_a_folder("foo/?"), None);
        assert_eq!(wider_than_a_folder("foo/**"), None);
        assert_eq!(wider_than_a_folder("*"), None);
    }
}
