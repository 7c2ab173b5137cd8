//! `create --dry-run`: the description of a [`Plan`], the checked options
//! that `settings/create.rs` makes from the command line.

use std::io::Write;

use serde_json::Value;

use crate::iam::temporary::ROLE_NAME;
use crate::output::to_pretty_json;
use crate::policy;
use crate::policy::managed::PATH;
use crate::policy::trust::Account;
pub(crate) use crate::settings::create::{Plan, RolePlan};

impl Plan {
    /// The region new buckets go to.
    pub fn region_for_new_buckets<'a>(&'a self, configured: &'a str) -> &'a str {
        self.bucket_region.as_deref().unwrap_or(configured)
    }

    /// Print every change the plan would make, with full policies.
    pub fn describe(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for bucket in &self.buckets {
            self.describe_bucket(bucket, out)?;
        }
        if let Some(role) = &self.role {
            return self.describe_role(role, out);
        }
        match self.duration {
            Some(seconds) => self.describe_session(seconds, out),
            None => self.describe_user(out),
        }
    }

    /// The checks or changes for one bucket.
    fn describe_bucket(&self, bucket: &str, out: &mut dyn Write) -> std::io::Result<()> {
        if !self.create_buckets {
            return writeln!(out, "Would check that bucket exists: '{bucket}'");
        }
        let region = self
            .bucket_region
            .as_deref()
            .map_or_else(String::new, |r| format!(" in region: '{r}'"));
        writeln!(
            out,
            "Would create bucket if it does not exist: '{bucket}'{region}"
        )?;
        if self.public {
            writeln!(
                out,
                "Would turn off the public access block of bucket: '{bucket}'"
            )?;
            writeln!(
                out,
                "Would attach bucket policy to bucket '{bucket}', details:"
            )?;
            writeln!(
                out,
                "{}",
                to_pretty_json(&policy::bucket_policy_allow_all_get(bucket))
            )?;
        }
        if self.website {
            writeln!(
                out,
                "Would configure bucket '{bucket}' as a website: IndexDocument=index.html, ErrorDocument=error.html"
            )?;
        }
        if !self.tags.is_empty() {
            describe_tags(out, &format!("bucket '{bucket}'"), &self.tags)?;
        }
        Ok(())
    }

    /// `--duration`: the shared role and the session policy.
    fn describe_session(&self, seconds: u32, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "Would ensure role: '{ROLE_NAME}'")?;
        if !self.tags.is_empty() {
            describe_tags(
                out,
                &format!("role '{ROLE_NAME}', if it creates it,"),
                &self.tags,
            )?;
        }
        writeln!(
            out,
            "Would assume role using following policy for {seconds} seconds:"
        )?;
        writeln!(out, "{}", to_pretty_json(&self.session_policy()))
    }

    /// The user, its tags, its inline or managed policies and its access key.
    fn describe_user(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let user = &self.username;
        match &self.boundary {
            Some(boundary) => writeln!(
                out,
                "Would create user if it does not exist: '{user}' with permissions boundary: '{boundary}'"
            )?,
            None => writeln!(out, "Would create user if it does not exist: '{user}'")?,
        }
        let mut tags = self.grant().to_tags();
        tags.extend(self.tags.iter().cloned());
        describe_tags(out, &format!("user '{user}'"), &tags)?;
        for (name, document) in self.user_policies() {
            writeln!(
                out,
                "Would attach policy called '{name}' to user '{user}', details:"
            )?;
            writeln!(out, "{}", to_pretty_json(&document))?;
        }
        for (name, document) in self.managed_policies() {
            writeln!(
                out,
                "Would create managed policy '{name}' with path '{PATH}' and attach it to user \
                 '{user}', details:"
            )?;
            writeln!(out, "{}", to_pretty_json(&document))?;
        }
        writeln!(out, "Would call create access key for user '{user}'")
    }

    /// The `--dry-run` description of `create --trust`: the provider, the
    /// role with its trust policy, its inline policies, the instance profile.
    fn describe_role(&self, role: &RolePlan, out: &mut dyn Write) -> std::io::Result<()> {
        let name = &role.name;
        if let Some(provider) = role.principal.provider() {
            writeln!(
                out,
                "Would create OpenID Connect provider if the account lacks it: '{}' with audience '{}'",
                provider.url, provider.audience
            )?;
        }
        match &self.boundary {
            Some(boundary) => write!(
                out,
                "Would create role if it does not exist: '{name}' with permissions boundary: '{boundary}'"
            )?,
            None => write!(out, "Would create role if it does not exist: '{name}'")?,
        }
        writeln!(
            out,
            ", trust policy (ACCOUNT_ID is the account of the credentials):"
        )?;
        let trust = role.principal.trust_policy(&Account::placeholder());
        writeln!(out, "{}", to_pretty_json(&trust))?;
        for (policy, document) in self.user_policies() {
            writeln!(
                out,
                "Would attach policy called '{policy}' to role '{name}', details:"
            )?;
            writeln!(out, "{}", to_pretty_json(&document))?;
        }
        if role.principal.needs_instance_profile() {
            writeln!(
                out,
                "Would create instance profile if it does not exist: '{name}' and add role '{name}' to it"
            )?;
        }
        Ok(())
    }
}

/// `Would tag WHAT with:` and the tags as a JSON object.
fn describe_tags(
    out: &mut dyn Write,
    what: &str,
    tags: &[(String, String)],
) -> std::io::Result<()> {
    let object: serde_json::Map<String, Value> = tags
        .iter()
        .map(|(key, value)| (key.clone(), Value::String(value.clone())))
        .collect();
    writeln!(out, "Would tag {what} with:")?;
    writeln!(out, "{}", to_pretty_json(&object))
}
