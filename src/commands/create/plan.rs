//! What `create` will do, worked out and checked from the command line
//! before any AWS call; and its `--dry-run` description.

use std::io::{Read, Write};

use serde_json::Value;
use time::OffsetDateTime;

use crate::cli::{CreateArgs, CredentialsFormat, RoleArgs};
use crate::error::UsageError;
use crate::grant::tags::{self, Grant, Kind};
use crate::iam::temporary::ROLE_NAME;
use crate::output::to_pretty_json;
use crate::policy::expiry::with_expiry;
use crate::policy::size::{
    Holder, TooLarge, fit_inline_policies, fit_session_policy, merge_buckets,
};
use crate::policy::trust::{Account, Principal};
use crate::policy::{self, Permission};
use crate::settings::Access;
use crate::settings::dates::{expires_option, format_utc};
use crate::settings::values::{
    IamName, check_name_length, duration_option, parse_policy_arg, role_session_name,
};

/// The permissions boundary of new users that may only read S3.
const READ_ONLY_BOUNDARY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
/// The permissions boundary of other new users.
const FULL_ACCESS_BOUNDARY: &str = "arn:aws:iam::aws:policy/AmazonS3FullAccess";

/// Everything `create` was asked to do, checked.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub buckets: Vec<String>,
    pub access: Access,
    /// The `--policy` document, used instead of the generated statements.
    pub custom_policy: Option<Value>,
    /// `custom` when the policy is not purely generated, else the permission.
    pub label: &'static str,
    pub create_buckets: bool,
    pub bucket_region: Option<String>,
    pub public: bool,
    pub website: bool,
    pub format: CredentialsFormat,
    /// Seconds, for temporary credentials.
    pub duration: Option<u32>,
    pub username: String,
    /// `None` creates users without a permissions boundary.
    pub boundary: Option<String>,
    pub wait: bool,
    pub silent: bool,
    /// The inline policies for the user, sized to fit IAM's limit.
    user_policies: Vec<(String, Value)>,
    /// The session policy of `--duration`, sized the same way.
    session_policy: Value,
    /// `--expires`: when the user's policies stop working.
    pub expires: Option<OffsetDateTime>,
    /// The `--tag` tags, for everything this run creates.
    pub tags: Vec<(String, String)>,
    /// With `--trust`: the role to make instead of a user and key.
    pub role: Option<RolePlan>,
}

/// The role `create --trust` makes.
#[derive(Debug, Clone)]
pub(crate) struct RolePlan {
    /// The role's name.
    pub name: String,
    /// Who may assume it.
    pub principal: Principal,
}

impl RolePlan {
    /// Check `--trust`, `--external-id` and `--role-name`; the default name
    /// follows the user-name scheme.
    fn from_args(args: &RoleArgs, default_name: String) -> Result<Option<Self>, UsageError> {
        let Some(trust) = &args.trust else {
            return Ok(None);
        };
        let principal = Principal::parse(trust, args.external_id.as_deref()).map_err(UsageError)?;
        let name = match &args.role_name {
            Some(name) if name.trim().is_empty() => {
                return Err(UsageError::new("--role-name cannot be empty"));
            }
            Some(name) => name.clone(),
            None => default_name,
        };
        // IAM's rule for role names; checked here so that a bad name fails
        // before any bucket is created.
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c)))
        {
            return Err(UsageError(format!(
                "role name `{name}` contains `{bad}`: IAM role names may only use letters, digits and +=,.@_-"
            )));
        }
        check_name_length(IamName::Role, &name).map_err(UsageError)?;
        Ok(Some(Self { name, principal }))
    }
}

impl Plan {
    /// Check every option; `stdin` serves `--policy -`.
    pub fn from_args(args: &CreateArgs, stdin: impl Read) -> Result<Self, UsageError> {
        let access = Access::from_args(&args.access, &args.buckets)?;
        if args.policy.as_deref() == Some("-") && args.connection.auth.as_deref() == Some("-") {
            return Err(UsageError::new(
                "--policy - and --auth - cannot both read standard input: put one of them in a file",
            ));
        }
        let custom_policy = args
            .policy
            .as_deref()
            .map(|arg| parse_policy_arg(arg, stdin))
            .transpose()
            .map_err(UsageError)?;
        let custom = custom_policy.is_some() || !access.statements.is_empty();
        let label = access.permission.label(custom);
        let duration = args.duration.as_deref().map(duration_option).transpose()?;
        let username = match &args.username {
            Some(name) if name.trim().is_empty() => {
                return Err(UsageError::new("--username cannot be empty"));
            }
            Some(name) => name.clone(),
            None => policy::default_username(label, &args.buckets),
        };
        let role = RolePlan::from_args(&args.role, username.clone())?;
        if duration.is_none() && role.is_none() {
            check_name_length(IamName::User, &username).map_err(UsageError)?;
            for bucket in &args.buckets {
                check_name_length(IamName::Policy, &policy::inline_policy_name(label, bucket))
                    .map_err(UsageError)?;
            }
        }
        let boundary = match args.user_permissions_boundary.as_deref() {
            Some("none") => None,
            Some(arn) if arn.starts_with("arn:") => Some(arn.to_owned()),
            Some(other) => {
                return Err(UsageError(format!(
                    "--user-permissions-boundary must be a policy ARN (arn:...) or `none`, not `{other}`"
                )));
            }
            None if custom => None,
            None if access.permission == Permission::ReadOnly => {
                Some(READ_ONLY_BOUNDARY.to_owned())
            }
            None => Some(FULL_ACCESS_BOUNDARY.to_owned()),
        };
        let expires = expires_option(args.expires.as_deref())?;
        let mut plan = Self {
            buckets: args.buckets.clone(),
            access,
            custom_policy,
            label,
            create_buckets: args.create_bucket,
            bucket_region: args.bucket_region.clone(),
            public: args.public || args.website,
            website: args.website,
            format: args.format,
            duration,
            username,
            boundary,
            wait: args.wait,
            silent: args.silent,
            user_policies: Vec::new(),
            session_policy: Value::Null,
            expires,
            tags: Vec::new(),
            role,
        };
        plan.tags = tags::parse_user_tags(&args.tag, plan.grant().to_tags().len())
            .map_err(UsageError)?;
        plan.fit_policies().map_err(|e| UsageError(e.to_string()))?;
        Ok(plan)
    }

    /// What the user is granted, as its `s3-credentials:*` tags record it.
    pub fn grant(&self) -> Grant {
        let mut grant = Grant::new(Kind::User, self.label, &self.buckets, &self.access.prefixes);
        grant.expires = self.expires;
        grant
    }

    /// Work out the policies that will be sent, and refuse now (before any
    /// change) what IAM would refuse for its size.
    fn fit_policies(&mut self) -> Result<(), TooLarge> {
        let what = format!("{} policy", self.label);
        if self.duration.is_some() {
            self.session_policy = match &self.custom_policy {
                Some(custom) => {
                    let listed = policy::combined_custom_policy(
                        custom,
                        &self.buckets,
                        &self.access.statements,
                    );
                    let documents = self.per_bucket_policies().into_iter().map(|(_, d)| d);
                    let merged = merge_buckets(&documents.collect::<Vec<_>>(), &[]);
                    fit_session_policy(listed, merged, self.buckets.len(), &what)?
                }
                None => self.access.policy(&self.buckets)?,
            };
        } else {
            let per_bucket = self.per_bucket_policies();
            let documents: Vec<Value> = per_bucket.iter().map(|(_, d)| d.clone()).collect();
            // Merging keeps each statement's conditions; the expiry is put
            // on again for any statement the merge made anew.
            let merged = merge_buckets(&documents, &[]);
            let merged = match self.expires {
                Some(until) => with_expiry(&merged, &format_utc(until)),
                None => merged,
            };
            let combined = (policy::combined_policy_name(self.label), merged);
            // A role (`--trust`) may hold five times what a user may.
            let holder = if self.role.is_some() {
                Holder::Role
            } else {
                Holder::User
            };
            self.user_policies = fit_inline_policies(per_bucket, combined, &what, holder)?;
        }
        Ok(())
    }

    /// The inline policies of the user: one per bucket while they fit IAM's
    /// limit, else one for all buckets (see [`crate::policy::size`]).
    pub fn user_policies(&self) -> Vec<(String, Value)> {
        self.user_policies.clone()
    }

    /// One inline policy per bucket, `s3.<label>.<bucket>`, as the original.
    fn per_bucket_policies(&self) -> Vec<(String, Value)> {
        self.buckets
            .iter()
            .map(|bucket| {
                let name = policy::inline_policy_name(self.label, bucket);
                let document = match &self.custom_policy {
                    Some(custom) => policy::custom_policy(custom, bucket, &self.access.statements),
                    None => policy::bucket_policy(
                        self.access.permission,
                        bucket,
                        &self.access.prefixes,
                        &self.access.statements,
                    ),
                };
                let document = match self.expires {
                    Some(until) => with_expiry(&document, &format_utc(until)),
                    None => document,
                };
                (name, document)
            })
            .collect()
    }

    /// The session policy of `--duration`: see [`crate::policy::size`].
    pub fn session_policy(&self) -> Value {
        self.session_policy.clone()
    }

    /// The STS role session name: `s3.<permission>.<buckets>`, made valid.
    pub fn session_name(&self) -> String {
        role_session_name(self.label, &self.buckets)
    }

    /// The region new buckets go to.
    pub fn region_for_new_buckets<'a>(&'a self, configured: &'a str) -> &'a str {
        self.bucket_region.as_deref().unwrap_or(configured)
    }

    /// Print every change the plan would make, with full policies.
    pub fn describe(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for bucket in &self.buckets {
            if !self.create_buckets {
                writeln!(out, "Would check that bucket exists: '{bucket}'")?;
                continue;
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
        }
        if let Some(role) = &self.role {
            return self.describe_role(role, out);
        }
        match self.duration {
            Some(seconds) => {
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
                writeln!(out, "{}", to_pretty_json(&self.session_policy()))?;
            }
            None => {
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
                writeln!(out, "Would call create access key for user '{user}'")?;
            }
        }
        Ok(())
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
