//! Deleting IAM users and roles, and what IAM requires gone before them.
//!
//! IAM refuses `DeleteUser` with `409 DeleteConflict` while the user still
//! has a login profile, access keys, signing certificates, SSH public keys,
//! service-specific credentials, MFA devices, policies or groups
//! (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users_remove.html>),
//! and `DeleteRole` while the role has policies or is in instance profiles
//! (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html>).
//! This module lists those dependents (every page) before anything is
//! deleted, and is the one place each IAM delete call is made:
//! `delete-user`, `delete-role`, `rotate-key`, `create`'s undo and the
//! temporary-credentials role all go through [`Step::run`].
//!
//! The tool's own customer managed policies (see [`crate::policy::managed`])
//! are detached like any other, then deleted only when attached to nothing
//! else: their other versions first, since IAM refuses `DeletePolicy` while
//! a policy has any (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html>).
//! One still attached elsewhere is kept, and the step says so.

use std::fmt;

use aws_sdk_iam::types::InstanceProfile;

use crate::aws::Clients;
use crate::error::{AwsError, AwsResultExt};
use crate::stopping::Stopping;

/// One deletion IAM knows as a single call: something of a user, or of a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Something of the named user.
    User(String, UserPart),
    /// Something of the named role.
    Role(String, RolePart),
    /// `DeletePolicy` of the tool's own managed policy (its ARN), with its
    /// non-default versions first, unless it is still attached to anything.
    ManagedPolicy(String),
}

/// What of a user a [`Step`] deletes; each holds the name or ID IAM wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserPart {
    /// `DeleteUserPolicy`: an inline policy.
    Policy(String),
    /// `DetachUserPolicy`: a managed policy (its ARN).
    AttachedPolicy(String),
    /// `RemoveUserFromGroup`.
    Group(String),
    /// `DeleteSSHPublicKey`.
    SshKey(String),
    /// `DeleteSigningCertificate`.
    SigningCertificate(String),
    /// `DeleteServiceSpecificCredential`.
    ServiceCredential(String),
    /// `DeactivateMFADevice` (its serial number): the device is kept.
    MfaDevice(String),
    /// `DeleteLoginProfile`: the console password.
    LoginProfile,
    /// `DeleteAccessKey`.
    AccessKey(String),
    /// `DeleteUser`.
    Itself,
}

/// What of a role a [`Step`] deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolePart {
    /// `RemoveRoleFromInstanceProfile`.
    LeaveProfile(String),
    /// `DeleteInstanceProfile`: the role's own, once it left it.
    InstanceProfile(String),
    /// `DeleteRolePolicy`: an inline policy.
    Policy(String),
    /// `DetachRolePolicy`: a managed policy (its ARN).
    AttachedPolicy(String),
    /// `DeleteRole`.
    Itself,
}

impl Step {
    /// Delete `id`, the access key of `user`.
    pub fn access_key(user: &str, id: &str) -> Self {
        Self::User(user.to_owned(), UserPart::AccessKey(id.to_owned()))
    }

    /// Make the call.
    pub async fn run(&self, clients: &Clients) -> Result<(), AwsError> {
        self.run_reporting(clients).await.map(drop)
    }

    /// Make the call; `Some(why)` when the step kept what it would have
    /// deleted (a managed policy still attached elsewhere).
    pub async fn run_reporting(&self, clients: &Clients) -> Result<Option<String>, AwsError> {
        match self {
            Self::User(user, part) => part.run(clients, user).await.map(|()| None),
            Self::Role(role, part) => part.run(clients, role).await.map(|()| None),
            Self::ManagedPolicy(arn) => delete_managed_policy(clients, arn).await,
        }
    }

    /// What the step removes and whose it is: "access key K of user u".
    fn describe(&self) -> String {
        match self {
            Self::User(user, UserPart::Itself) => format!("user {user}"),
            Self::User(user, part) => format!("{} of user {user}", part.what()),
            Self::Role(role, RolePart::Itself) => format!("role {role}"),
            Self::Role(role, part) => format!("{} of role {role}", part.what()),
            Self::ManagedPolicy(arn) => format!("managed policy {arn}"),
        }
    }

    /// What the step removes, for the list of what is left after a stop.
    fn what(&self) -> String {
        match self {
            Self::User(_, part) => part.what(),
            Self::Role(_, part) => part.what(),
            Self::ManagedPolicy(arn) => format!("managed policy {arn}"),
        }
    }
}

/// Delete a managed policy of the tool that nothing is attached to, its
/// non-default versions first; `Some(why)` when it is kept, still attached
/// to something. One already gone is done.
async fn delete_managed_policy(clients: &Clients, arn: &str) -> Result<Option<String>, AwsError> {
    match super::managed::attachment_count(clients, arn).await? {
        None => return Ok(None),
        Some(0) => {}
        Some(count) => {
            return Ok(Some(format!(
                "kept managed policy {arn}: it is still attached to {count} other user(s), \
                 group(s) or role(s)"
            )));
        }
    }
    let iam = &clients.iam;
    let versions: Vec<_> = iam
        .list_policy_versions()
        .policy_arn(arn)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListPolicyVersions")?;
    for version in versions.iter().filter(|v| !v.is_default_version()) {
        let request = iam.delete_policy_version().policy_arn(arn);
        let request = request.set_version_id(version.version_id().map(str::to_owned));
        request.send().await.aws("DeletePolicyVersion")?;
    }
    let request = iam.delete_policy().policy_arn(arn);
    request.send().await.aws("DeletePolicy").map(|_| None)
}

impl UserPart {
    fn what(&self) -> String {
        match self {
            Self::Policy(name) => format!("policy {name}"),
            Self::AttachedPolicy(arn) => format!("attached policy {arn}"),
            Self::Group(group) => format!("membership of group {group}"),
            Self::SshKey(id) => format!("SSH public key {id}"),
            Self::SigningCertificate(id) => format!("signing certificate {id}"),
            Self::ServiceCredential(id) => format!("service-specific credential {id}"),
            Self::MfaDevice(serial) => format!("MFA device {serial}"),
            Self::LoginProfile => "login profile".to_owned(),
            Self::AccessKey(id) => format!("access key {id}"),
            Self::Itself => "the user itself".to_owned(),
        }
    }

    async fn run(&self, clients: &Clients, user: &str) -> Result<(), AwsError> {
        let iam = &clients.iam;
        match self {
            Self::Policy(name) => {
                let request = iam.delete_user_policy().user_name(user).policy_name(name);
                request.send().await.aws("DeleteUserPolicy").map(drop)
            }
            Self::AttachedPolicy(arn) => {
                let request = iam.detach_user_policy().user_name(user).policy_arn(arn);
                request.send().await.aws("DetachUserPolicy").map(drop)
            }
            Self::Group(group) => {
                let request = iam.remove_user_from_group().user_name(user);
                let request = request.group_name(group);
                request.send().await.aws("RemoveUserFromGroup").map(drop)
            }
            Self::AccessKey(id) => {
                let request = iam.delete_access_key().user_name(user).access_key_id(id);
                request.send().await.aws("DeleteAccessKey").map(drop)
            }
            Self::Itself => {
                let request = iam.delete_user().user_name(user);
                request.send().await.aws("DeleteUser").map(drop)
            }
            Self::SshKey(_)
            | Self::SigningCertificate(_)
            | Self::ServiceCredential(_)
            | Self::MfaDevice(_)
            | Self::LoginProfile => self.run_sign_in(clients, user).await,
        }
    }

    /// The steps that remove a way to sign in other than an access key
    /// (apart from [`UserPart::run`] only to keep each function short; the
    /// other parts are handed back to it).
    async fn run_sign_in(&self, clients: &Clients, user: &str) -> Result<(), AwsError> {
        let iam = &clients.iam;
        match self {
            Self::SshKey(id) => {
                let request = iam.delete_ssh_public_key().user_name(user);
                let request = request.ssh_public_key_id(id);
                request.send().await.aws("DeleteSSHPublicKey").map(drop)
            }
            Self::SigningCertificate(id) => {
                let request = iam.delete_signing_certificate().user_name(user);
                let request = request.certificate_id(id);
                request
                    .send()
                    .await
                    .aws("DeleteSigningCertificate")
                    .map(drop)
            }
            Self::ServiceCredential(id) => {
                let request = iam.delete_service_specific_credential().user_name(user);
                let request = request.service_specific_credential_id(id);
                request
                    .send()
                    .await
                    .aws("DeleteServiceSpecificCredential")
                    .map(drop)
            }
            Self::MfaDevice(serial) => {
                let request = iam.deactivate_mfa_device().user_name(user);
                let request = request.serial_number(serial);
                request.send().await.aws("DeactivateMFADevice").map(drop)
            }
            Self::LoginProfile => {
                let request = iam.delete_login_profile().user_name(user);
                request.send().await.aws("DeleteLoginProfile").map(drop)
            }
            Self::Policy(_)
            | Self::AttachedPolicy(_)
            | Self::Group(_)
            | Self::AccessKey(_)
            | Self::Itself => Box::pin(self.run(clients, user)).await,
        }
    }
}

impl RolePart {
    fn what(&self) -> String {
        match self {
            Self::LeaveProfile(profile) => format!("membership of instance profile {profile}"),
            Self::InstanceProfile(profile) => format!("instance profile {profile}"),
            Self::Policy(name) => format!("policy {name}"),
            Self::AttachedPolicy(arn) => format!("attached policy {arn}"),
            Self::Itself => "the role itself".to_owned(),
        }
    }

    async fn run(&self, clients: &Clients, role: &str) -> Result<(), AwsError> {
        let iam = &clients.iam;
        match self {
            Self::LeaveProfile(profile) => {
                let request = iam.remove_role_from_instance_profile();
                let request = request.instance_profile_name(profile).role_name(role);
                request
                    .send()
                    .await
                    .aws("RemoveRoleFromInstanceProfile")
                    .map(drop)
            }
            Self::InstanceProfile(profile) => {
                let request = iam.delete_instance_profile().instance_profile_name(profile);
                request.send().await.aws("DeleteInstanceProfile").map(drop)
            }
            Self::Policy(name) => {
                let request = iam.delete_role_policy().role_name(role).policy_name(name);
                request.send().await.aws("DeleteRolePolicy").map(drop)
            }
            Self::AttachedPolicy(arn) => {
                let request = iam.detach_role_policy().role_name(role).policy_arn(arn);
                request.send().await.aws("DetachRolePolicy").map(drop)
            }
            Self::Itself => iam
                .delete_role()
                .role_name(role)
                .send()
                .await
                .aws("DeleteRole")
                .map(drop),
        }
    }
}

/// The line `delete-user` and `delete-role` print once the step is done
/// (under the `User:`/`Role:` line naming whose it is).
impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(_, part) => fmt::Display::fmt(part, f),
            Self::Role(_, part) => fmt::Display::fmt(part, f),
            Self::ManagedPolicy(arn) => write!(f, "Deleted managed policy: {arn}"),
        }
    }
}

impl fmt::Display for UserPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Policy(name) => write!(f, "Deleted policy: {name}"),
            Self::AttachedPolicy(arn) => write!(f, "Detached policy: {arn}"),
            Self::Group(group) => write!(f, "Removed from group: {group}"),
            Self::SshKey(id) => write!(f, "Deleted SSH public key: {id}"),
            Self::SigningCertificate(id) => write!(f, "Deleted signing certificate: {id}"),
            Self::ServiceCredential(id) => write!(f, "Deleted service-specific credential: {id}"),
            Self::MfaDevice(serial) => write!(f, "Deactivated MFA device: {serial}"),
            Self::LoginProfile => write!(f, "Deleted login profile"),
            Self::AccessKey(id) => write!(f, "Deleted access key: {id}"),
            Self::Itself => write!(f, "Deleted user"),
        }
    }
}

impl fmt::Display for RolePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LeaveProfile(profile) => write!(f, "Removed from instance profile: {profile}"),
            Self::InstanceProfile(profile) => write!(f, "Deleted instance profile: {profile}"),
            Self::Policy(name) => write!(f, "Deleted policy: {name}"),
            Self::AttachedPolicy(arn) => write!(f, "Detached policy: {arn}"),
            Self::Itself => write!(f, "Deleted role"),
        }
    }
}

/// Everything of a user that must go before the user itself, listed in
/// full (every page) before anything is deleted.
#[derive(Debug, Default)]
pub struct UserDependents {
    pub user: String,
    /// Names of its inline policies.
    pub inline: Vec<String>,
    /// ARNs of the managed policies attached to it.
    pub attached: Vec<String>,
    /// The ARNs among `attached` of the tool's own managed policies for
    /// this user: deleted once detached, unless attached elsewhere.
    pub own: Vec<String>,
    /// The groups it is in.
    pub groups: Vec<String>,
    /// IDs of its SSH public keys.
    pub ssh_keys: Vec<String>,
    /// IDs of its signing certificates.
    pub certificates: Vec<String>,
    /// IDs of its service-specific credentials (CodeCommit, Keyspaces, ...).
    pub service_credentials: Vec<String>,
    /// Serial numbers of its MFA devices.
    pub mfa_devices: Vec<String>,
    /// Whether it has a console password.
    pub login_profile: bool,
    /// IDs of its access keys.
    pub keys: Vec<String>,
}

impl UserDependents {
    /// List them all, every page, before anything is deleted.
    pub async fn list(clients: &Clients, user: &str) -> Result<Self, AwsError> {
        let (inline, attached, groups, keys) = tokio::try_join!(
            super::user_policy_names(clients, user),
            super::attached_user_policies(clients, user),
            groups(clients, user),
            super::access_keys(clients, user),
        )?;
        let (ssh_keys, certificates, service_credentials, mfa_devices, login_profile) = tokio::try_join!(
            ssh_keys(clients, user),
            certificates(clients, user),
            service_credentials(clients, user),
            mfa_devices(clients, user),
            login_profile(clients, user),
        )?;
        Ok(Self {
            user: user.to_owned(),
            inline,
            own: super::managed::own_arns(user, &attached),
            attached: attached.into_iter().filter_map(|p| p.policy_arn).collect(),
            groups,
            ssh_keys,
            certificates,
            service_credentials,
            mfa_devices,
            login_profile,
            keys: keys.into_iter().filter_map(|k| k.access_key_id).collect(),
        })
    }

    /// The deletions, in order, ending with the user itself. What takes
    /// permissions away comes first (policies, groups); what cannot be
    /// given back comes last: the console password, then the access keys
    /// (a deleted secret is gone for good), then the user.
    pub fn steps(&self) -> Vec<Step> {
        let of = |part: fn(String) -> UserPart, names: &[String]| -> Vec<UserPart> {
            names.iter().cloned().map(part).collect()
        };
        let parts = [
            of(UserPart::Policy, &self.inline),
            of(UserPart::AttachedPolicy, &self.attached),
            of(UserPart::Group, &self.groups),
            of(UserPart::SshKey, &self.ssh_keys),
            of(UserPart::SigningCertificate, &self.certificates),
            of(UserPart::ServiceCredential, &self.service_credentials),
            of(UserPart::MfaDevice, &self.mfa_devices),
            if self.login_profile {
                vec![UserPart::LoginProfile]
            } else {
                vec![]
            },
            of(UserPart::AccessKey, &self.keys),
            vec![UserPart::Itself],
        ];
        let mut steps: Vec<Step> = parts
            .into_iter()
            .flatten()
            .map(|part| Step::User(self.user.clone(), part))
            .collect();
        // The tool's own managed policies go once detached, before the
        // rest: `inline` and `attached` parts come first.
        let detached = self.inline.len() + self.attached.len();
        let own = self.own.iter().cloned().map(Step::ManagedPolicy);
        steps.splice(detached..detached, own);
        steps
    }
}

async fn groups(clients: &Clients, user: &str) -> Result<Vec<String>, AwsError> {
    let request = clients.iam.list_groups_for_user().user_name(user);
    let groups: Vec<_> = request
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListGroupsForUser")?;
    Ok(groups.into_iter().map(|g| g.group_name).collect())
}

async fn ssh_keys(clients: &Clients, user: &str) -> Result<Vec<String>, AwsError> {
    let request = clients.iam.list_ssh_public_keys().user_name(user);
    let keys: Vec<_> = request
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListSSHPublicKeys")?;
    Ok(keys.into_iter().map(|k| k.ssh_public_key_id).collect())
}

async fn certificates(clients: &Clients, user: &str) -> Result<Vec<String>, AwsError> {
    let request = clients.iam.list_signing_certificates().user_name(user);
    let found: Vec<_> = request
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListSigningCertificates")?;
    Ok(found.into_iter().map(|c| c.certificate_id).collect())
}

/// Not paged: IAM returns them all at once (a user has at most two per service).
async fn service_credentials(clients: &Clients, user: &str) -> Result<Vec<String>, AwsError> {
    let request = clients
        .iam
        .list_service_specific_credentials()
        .user_name(user);
    let found = request.send().await.aws("ListServiceSpecificCredentials")?;
    Ok(found
        .service_specific_credentials
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.service_specific_credential_id)
        .collect())
}

async fn mfa_devices(clients: &Clients, user: &str) -> Result<Vec<String>, AwsError> {
    let request = clients.iam.list_mfa_devices().user_name(user);
    let found: Vec<_> = request
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListMFADevices")?;
    Ok(found.into_iter().map(|d| d.serial_number).collect())
}

/// Whether the user has a console password (`GetLoginProfile` says "not
/// found" when it has none).
async fn login_profile(clients: &Clients, user: &str) -> Result<bool, AwsError> {
    match clients
        .iam
        .get_login_profile()
        .user_name(user)
        .send()
        .await
        .aws("GetLoginProfile")
    {
        Ok(_) => Ok(true),
        Err(error) if error.is_not_found() => Ok(false),
        Err(error) => Err(error),
    }
}

/// Everything of a role that must go before the role itself.
#[derive(Debug, Default)]
pub struct RoleDependents {
    pub role: String,
    /// The instance profiles the role is in, with every role each holds.
    pub profiles: Vec<InstanceProfile>,
    /// Names of its inline policies.
    pub inline: Vec<String>,
    /// ARNs of the managed policies attached to it.
    pub attached: Vec<String>,
}

impl RoleDependents {
    /// List them all, every page, before anything is deleted.
    pub async fn list(clients: &Clients, role: &str) -> Result<Self, AwsError> {
        let profiles = async {
            let request = clients
                .iam
                .list_instance_profiles_for_role()
                .role_name(role);
            let items = request.into_paginator().items().send().try_collect().await;
            items.aws("ListInstanceProfilesForRole")
        };
        let (profiles, inline, attached) = tokio::try_join!(
            profiles,
            super::role_policy_names(clients, role),
            super::attached_role_policies(clients, role),
        )?;
        Ok(Self {
            role: role.to_owned(),
            profiles,
            inline,
            attached: attached.into_iter().filter_map(|p| p.policy_arn).collect(),
        })
    }

    /// Whether `profile` is the role's own: named like it and holding no
    /// other role (the one `create --trust service:ec2` makes).
    pub fn is_own(&self, profile: &InstanceProfile) -> bool {
        profile.instance_profile_name() == self.role
            && profile.roles().iter().all(|r| r.role_name() == self.role)
    }

    /// The instance profiles that are not the role's own.
    pub fn foreign_profiles(&self) -> Vec<&str> {
        let foreign = self.profiles.iter().filter(|p| !self.is_own(p));
        foreign
            .map(InstanceProfile::instance_profile_name)
            .collect()
    }

    /// The deletions, in order, ending with the role itself: out of every
    /// instance profile (its own one deleted once empty if
    /// `delete_own_profile`; others always left to their owners), then its
    /// policies.
    pub fn steps(&self, delete_own_profile: bool) -> Vec<Step> {
        let mut parts = Vec::new();
        for profile in &self.profiles {
            let name = profile.instance_profile_name().to_owned();
            parts.push(RolePart::LeaveProfile(name.clone()));
            if delete_own_profile && self.is_own(profile) {
                parts.push(RolePart::InstanceProfile(name));
            }
        }
        parts.extend(self.inline.iter().cloned().map(RolePart::Policy));
        parts.extend(self.attached.iter().cloned().map(RolePart::AttachedPolicy));
        parts.push(RolePart::Itself);
        let role = &self.role;
        parts
            .into_iter()
            .map(|part| Step::Role(role.clone(), part))
            .collect()
    }
}

/// Run `steps` in order, calling `done` after each, with why it kept what
/// it would have deleted, if it did (see [`Step::run_reporting`]). Before each step,
/// `stopping` is checked: after Ctrl+C or SIGTERM the step in flight
/// finishes and no other starts. On a failure or a stop, the error says
/// what is left (the failed step and every one after it).
pub async fn run(
    clients: &Clients,
    steps: &[Step],
    stopping: &Stopping,
    mut done: impl FnMut(&Step, Option<&str>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    for (n, step) in steps.iter().enumerate() {
        let result = match stopping.check() {
            Ok(()) => match step.run_reporting(clients).await {
                // Gone already, as the step wanted: most often its first
                // attempt did it but answered too late, and the SDK's retry
                // found nothing. Said, not taken for a failure.
                Err(error) if error.is_not_found() => Ok(Some(format!(
                    "{} was already gone (IAM answered NoSuchEntity)",
                    step.describe()
                ))),
                other => other.map_err(anyhow::Error::from),
            },
            Err(stop) => Err(stop),
        };
        match result {
            Ok(kept) => done(step, kept.as_deref())?,
            Err(error) => return Err(error.context(left(&steps[n..]))),
        }
    }
    Ok(())
}

/// "user `u` was not deleted; still there: access key K, the user itself"
fn left(steps: &[Step]) -> String {
    let whose = match steps.last() {
        Some(Step::User(user, _)) => format!("user `{user}`"),
        Some(Step::Role(role, _)) => format!("role `{role}`"),
        Some(Step::ManagedPolicy(arn)) => format!("managed policy `{arn}`"),
        None => return "nothing left".to_owned(),
    };
    let what: Vec<String> = steps.iter().map(Step::what).collect();
    format!("{whose} was not deleted; still there: {}", what.join(", "))
}
