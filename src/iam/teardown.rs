//! Deleting IAM users and roles, and what IAM requires gone before them.
//!
//! IAM refuses `DeleteUser` with `409 DeleteConflict` while the user still
//! has dependents (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html>),
//! and `DeleteRole` while the role has policies or is in instance profiles
//! (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html>).
//! This module lists those dependents (every page) and is the one place each
//! IAM delete call is made: `delete-user`, `delete-role`, `rotate-key`,
//! `create`'s undo and the temporary-credentials role all go through
//! [`Step::run`].

use std::fmt;

use aws_sdk_iam::types::InstanceProfile;

use crate::aws::Clients;
use crate::error::{AwsError, AwsResultExt};

/// One deletion IAM knows as a single call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `DeleteUserPolicy`: an inline policy of a user.
    UserPolicy { user: String, name: String },
    /// `DetachUserPolicy`: a managed policy attached to a user.
    DetachUserPolicy { user: String, arn: String },
    /// `DeleteAccessKey`.
    AccessKey { user: String, id: String },
    /// `DeleteUser`.
    User(String),
    /// `RemoveRoleFromInstanceProfile`.
    LeaveProfile { role: String, profile: String },
    /// `DeleteInstanceProfile`.
    InstanceProfile(String),
    /// `DeleteRolePolicy`: an inline policy of a role.
    RolePolicy { role: String, name: String },
    /// `DetachRolePolicy`: a managed policy attached to a role.
    DetachRolePolicy { role: String, arn: String },
    /// `DeleteRole`.
    Role(String),
}

impl Step {
    /// Make the call.
    pub async fn run(&self, clients: &Clients) -> Result<(), AwsError> {
        let iam = &clients.iam;
        match self {
            Self::UserPolicy { user, name } => {
                let request = iam.delete_user_policy().user_name(user).policy_name(name);
                request.send().await.aws("DeleteUserPolicy").map(drop)
            }
            Self::DetachUserPolicy { user, arn } => {
                let request = iam.detach_user_policy().user_name(user).policy_arn(arn);
                request.send().await.aws("DetachUserPolicy").map(drop)
            }
            Self::AccessKey { user, id } => {
                let request = iam.delete_access_key().user_name(user).access_key_id(id);
                request.send().await.aws("DeleteAccessKey").map(drop)
            }
            Self::User(user) => {
                let request = iam.delete_user().user_name(user);
                request.send().await.aws("DeleteUser").map(drop)
            }
            Self::LeaveProfile { role, profile } => {
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
            Self::RolePolicy { role, name } => {
                let request = iam.delete_role_policy().role_name(role).policy_name(name);
                request.send().await.aws("DeleteRolePolicy").map(drop)
            }
            Self::DetachRolePolicy { role, arn } => {
                let request = iam.detach_role_policy().role_name(role).policy_arn(arn);
                request.send().await.aws("DetachRolePolicy").map(drop)
            }
            Self::Role(role) => {
                let request = iam.delete_role().role_name(role);
                request.send().await.aws("DeleteRole").map(drop)
            }
        }
    }
}

/// The line `delete-user` and `delete-role` print once the step is done
/// (under the `User:`/`Role:` line naming whose it is).
impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UserPolicy { name, .. } | Self::RolePolicy { name, .. } => {
                write!(f, "Deleted policy: {name}")
            }
            Self::DetachUserPolicy { arn, .. } | Self::DetachRolePolicy { arn, .. } => {
                write!(f, "Detached policy: {arn}")
            }
            Self::AccessKey { id, .. } => write!(f, "Deleted access key: {id}"),
            Self::User(_) => write!(f, "Deleted user"),
            Self::LeaveProfile { profile, .. } => {
                write!(f, "Removed from instance profile: {profile}")
            }
            Self::InstanceProfile(profile) => write!(f, "Deleted instance profile: {profile}"),
            Self::Role(_) => write!(f, "Deleted role"),
        }
    }
}

/// Everything of a user that must go before the user itself.
#[derive(Debug, Default)]
pub struct UserDependents {
    pub user: String,
    /// Names of its inline policies.
    pub inline: Vec<String>,
    /// ARNs of the managed policies attached to it.
    pub attached: Vec<String>,
    /// IDs of its access keys.
    pub keys: Vec<String>,
}

impl UserDependents {
    /// List them all, every page, before anything is deleted.
    pub async fn list(clients: &Clients, user: &str) -> Result<Self, AwsError> {
        let inline = super::user_policy_names(clients, user).await?;
        let attached = super::attached_user_policies(clients, user).await?;
        let keys = super::access_keys(clients, user).await?;
        Ok(Self {
            user: user.to_owned(),
            inline,
            attached: attached.into_iter().filter_map(|p| p.policy_arn).collect(),
            keys: keys.into_iter().filter_map(|k| k.access_key_id).collect(),
        })
    }

    /// The deletions, in order, ending with the user itself.
    pub fn steps(&self) -> Vec<Step> {
        let user = &self.user;
        let inline = self.inline.iter().map(|name| Step::UserPolicy {
            user: user.clone(),
            name: name.clone(),
        });
        let attached = self.attached.iter().map(|arn| Step::DetachUserPolicy {
            user: user.clone(),
            arn: arn.clone(),
        });
        let keys = self.keys.iter().map(|id| Step::AccessKey {
            user: user.clone(),
            id: id.clone(),
        });
        inline
            .chain(attached)
            .chain(keys)
            .chain([Step::User(user.clone())])
            .collect()
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
        let profiles = clients
            .iam
            .list_instance_profiles_for_role()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .aws("ListInstanceProfilesForRole")?;
        let inline = super::role_policy_names(clients, role).await?;
        let attached = super::attached_role_policies(clients, role).await?;
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

    /// The deletions, in order, ending with the role itself: out of every
    /// instance profile (its own one deleted once empty, others left to
    /// their owners), then its policies.
    pub fn steps(&self) -> Vec<Step> {
        let role = &self.role;
        let mut steps = Vec::new();
        for profile in &self.profiles {
            let name = profile.instance_profile_name().to_owned();
            steps.push(Step::LeaveProfile {
                role: role.clone(),
                profile: name.clone(),
            });
            if self.is_own(profile) {
                steps.push(Step::InstanceProfile(name));
            }
        }
        steps.extend(self.inline.iter().map(|name| Step::RolePolicy {
            role: role.clone(),
            name: name.clone(),
        }));
        steps.extend(self.attached.iter().map(|arn| Step::DetachRolePolicy {
            role: role.clone(),
            arn: arn.clone(),
        }));
        steps.push(Step::Role(role.clone()));
        steps
    }
}

/// Run `steps` in order, calling `done` after each; the first failure stops
/// the rest.
pub async fn run(
    clients: &Clients,
    steps: &[Step],
    mut done: impl FnMut(&Step) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    for step in steps {
        step.run(clients).await?;
        done(step)?;
    }
    Ok(())
}
