//! `create`'s options, checked into a `Plan` before any AWS call: the
//! buckets, the access and its policies (assembled and sized by
//! [`crate::policy::assemble`]), the user or role, `--expires`, `--tag`,
//! `--trust`. Its `--dry-run` description is in `commands/create/plan.rs`.

use std::io::Read;

use serde_json::Value;
use time::OffsetDateTime;

use super::Access;
use super::dates::{expires_option, format_utc};
use super::duration::duration_option;
use super::input::check_one_stdin_reader;
use super::json::parse_policy_arg;
use super::names::{IamName, check_name_length, role_session_name};
use super::tags::parse_user_tags;
use crate::cli::{CreateArgs, CredentialsFormat, RoleArgs};
use crate::error::UsageError;
use crate::grant::tags::{Grant, Kind};
use crate::policy::assemble::{Assembled, Target, assemble};
use crate::policy::size::{Holder, SizeError};
use crate::policy::trust::Principal;
use crate::policy::{self, Permission};

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
    /// The inline policies for the user, or the session policy of
    /// `--duration`, sized to fit IAM's limits.
    policies: Assembled,
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
        check_one_stdin_reader(
            "--policy",
            args.policy.as_deref(),
            args.connection.auth.as_deref(),
        )?;
        let custom_policy = args
            .policy
            .as_deref()
            .map(|arg| parse_policy_arg(arg, stdin))
            .transpose()
            .map_err(UsageError)?;
        let custom = custom_policy.is_some() || !access.statements.is_empty();
        let label = access.permission.label(custom);
        let duration = args.duration.as_deref().map(duration_option).transpose()?;
        let username = username(args, label)?;
        let role = RolePlan::from_args(&args.role, username.clone())?;
        if duration.is_none() && role.is_none() {
            check_user_names(&username, label, &args.buckets)?;
        }
        let boundary = boundary(args, custom, access.permission)?;
        let expires = expires_option(args.expires.as_deref())?;
        if expires.is_some() {
            access.check_expiries(custom_policy.as_ref())?;
        }
        access.check_source_ips(custom_policy.as_ref())?;
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
            policies: Assembled::Inline(Vec::new()),
            expires,
            tags: Vec::new(),
            role,
        };
        plan.tags = parse_user_tags(&args.tag, plan.grant().to_tags().len()).map_err(UsageError)?;
        plan.fit_policies().map_err(|e| UsageError(e.to_string()))?;
        Ok(plan)
    }

    /// What the user is granted, as its `s3-credentials:*` tags record it.
    pub fn grant(&self) -> Grant {
        let mut grant = Grant::new(Kind::User, self.label, &self.buckets, &self.access.prefixes);
        grant.keys = self.access.keys.clone();
        grant.source_ips = self
            .access
            .source_ips
            .iter()
            .map(ToString::to_string)
            .collect();
        grant.expires = self.expires;
        grant
    }

    /// Work out the policies that will be sent, and refuse now (before any
    /// change) what IAM would refuse for its size.
    fn fit_policies(&mut self) -> Result<(), SizeError> {
        let expires = self.expires.map(format_utc);
        let grant = self.access.grant(
            &self.buckets,
            self.custom_policy.as_ref(),
            expires.as_deref(),
        );
        let target = match (self.duration, &self.role) {
            (Some(_), _) => Target::Session,
            // A role (`--trust`) may hold five times what a user may.
            (None, Some(_)) => Target::Inline(Holder::Role),
            (None, None) => Target::Inline(Holder::User),
        };
        self.policies = assemble(&grant, target)?;
        Ok(())
    }

    /// The inline policies of the user: one per bucket while they fit IAM's
    /// limit, else one for all buckets (see [`crate::policy::size`]); none
    /// when even that is too large and managed policies hold the grant.
    pub fn user_policies(&self) -> Vec<(String, Value)> {
        self.policies.inline_policies()
    }

    /// The customer managed policies of the user, `(name, document)`, when
    /// its grant is too large for inline policies (see
    /// [`crate::policy::managed`]); else none.
    pub fn managed_policies(&self) -> Vec<(String, Value)> {
        let documents = self.policies.managed_documents().into_iter();
        documents
            .enumerate()
            .map(|(n, document)| {
                (
                    policy::managed::policy_name(&self.username, n + 1),
                    document,
                )
            })
            .collect()
    }

    /// The session policy of `--duration`: see [`crate::policy::size`].
    pub fn session_policy(&self) -> Value {
        self.policies.session_policy()
    }

    /// The STS role session name: `s3.<permission>.<buckets>`, made valid.
    pub fn session_name(&self) -> String {
        role_session_name(self.label, &self.buckets)
    }
}

/// `--username`, or the name the original tool would give the user.
fn username(args: &CreateArgs, label: &str) -> Result<String, UsageError> {
    match &args.username {
        Some(name) if name.trim().is_empty() => Err(UsageError::new("--username cannot be empty")),
        Some(name) => Ok(name.clone()),
        None => Ok(policy::default_username(label, &args.buckets)),
    }
}

/// The user's name and its inline policies' names, within IAM's lengths.
fn check_user_names(username: &str, label: &str, buckets: &[String]) -> Result<(), UsageError> {
    check_name_length(IamName::User, username).map_err(UsageError)?;
    for bucket in buckets {
        check_name_length(IamName::Policy, &policy::inline_policy_name(label, bucket))
            .map_err(UsageError)?;
    }
    Ok(())
}

/// `--user-permissions-boundary`, or the default for the permission: none
/// for a custom policy, whose needs the tool cannot know.
fn boundary(
    args: &CreateArgs,
    custom: bool,
    permission: Permission,
) -> Result<Option<String>, UsageError> {
    Ok(match args.user_permissions_boundary.as_deref() {
        Some("none") => None,
        Some(arn) if arn.starts_with("arn:") => Some(arn.to_owned()),
        Some(other) => {
            return Err(UsageError(format!(
                "--user-permissions-boundary must be a policy ARN (arn:...) or `none`, not `{other}`"
            )));
        }
        None if custom => None,
        None if permission == Permission::ReadOnly => Some(READ_ONLY_BOUNDARY.to_owned()),
        None => Some(FULL_ACCESS_BOUNDARY.to_owned()),
    })
}
