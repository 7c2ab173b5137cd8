//! The changes a `create` run made, so that a failure can take them back.
//!
//! Each change is recorded right after AWS confirmed it; on failure they are
//! undone newest first and each undo is reported on stderr, including any that
//! could not be done, so that nothing is left behind unknowingly.

use std::io::Write;
use std::sync::{Arc, OnceLock};

use aws_sdk_iam::types::Tag;

use crate::aws::Clients;
use crate::error::{AwsError, AwsResultExt};
use crate::iam::temporary;
use crate::signals::Stop;

/// Set when Ctrl+C or SIGTERM came. The run is not cancelled mid-request
/// (a change AWS made but whose answer was dropped could not be undone):
/// each step checks this before its next change instead.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stopping(Arc<OnceLock<Stop>>);

impl Stopping {
    /// Ask the run to stop at its next check.
    pub fn stop(&self, signal: Stop) {
        let _ = self.0.set(signal);
    }

    /// `Err` once a stop was asked for: called before each change.
    pub fn check(&self) -> anyhow::Result<()> {
        match self.0.get() {
            Some(signal) => Err(anyhow::anyhow!("interrupted by {}", signal.name())),
            None => Ok(()),
        }
    }
}

/// One change made by this run.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// A bucket this run created, and whether it holds this run's claim
    /// object (see [`super::buckets::CLAIM_KEY`]).
    Bucket { name: String, claimed: bool },
    /// A user this run created.
    User(String),
    /// An inline policy this run put on a user, with the document it replaced.
    UserPolicy {
        user: String,
        name: String,
        previous: Option<String>,
    },
    /// Tags this run wrote on a user that existed before: `written` are the
    /// keys it set or removed, `previous` every tag the user had.
    UserTags {
        user: String,
        previous: Vec<(String, String)>,
        written: Vec<String>,
    },
    /// An access key this run created.
    AccessKey { user: String, id: String },
    /// The role [`temporary::ROLE_NAME`], created by this run.
    Role,
    /// A step of `create --trust`.
    Trusted(RoleStep),
}

/// One change `create --trust` made.
#[derive(Debug, Clone)]
pub(crate) enum RoleStep {
    /// An OpenID Connect provider this run created (its ARN).
    OidcProvider(String),
    /// A role this run created.
    Role(String),
    /// An inline policy this run put on a role, with the document it replaced.
    RolePolicy {
        role: String,
        name: String,
        previous: Option<String>,
    },
    /// An instance profile this run created.
    InstanceProfile(String),
    /// A role this run added to an instance profile.
    ProfileRole { profile: String, role: String },
}

/// The changes so far, oldest first, and whether to stop making more.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    done: Vec<Change>,
    /// Shared with whoever listens for signals.
    pub stopping: Stopping,
}

impl Changes {
    /// Record a change AWS has confirmed.
    pub fn push(&mut self, change: Change) {
        self.done.push(change);
    }

    /// `Err` if the run was asked to stop: call before each change.
    pub fn check(&self) -> anyhow::Result<()> {
        self.stopping.check()
    }

    /// The buckets this run created and put a claim in.
    pub fn claimed_buckets(&self) -> impl Iterator<Item = &str> {
        self.done.iter().filter_map(|change| match change {
            Change::Bucket {
                name,
                claimed: true,
            } => Some(name.as_str()),
            _ => None,
        })
    }

    /// Take every change back, newest first, reporting each on `err`.
    pub async fn undo(self, clients: &Clients, err: &mut dyn Write) -> std::io::Result<()> {
        if self.done.is_empty() {
            return Ok(());
        }
        writeln!(err, "Undoing the changes made so far:")?;
        for change in self.done.into_iter().rev() {
            match undo(clients, &change).await {
                Ok(done) => writeln!(err, "  {done}")?,
                Err(error) => writeln!(err, "  Could not undo ({}): {error}", describe(&change))?,
            }
        }
        Ok(())
    }
}

/// What a step of `create --trust` was, for messages.
fn describe_step(step: &RoleStep) -> String {
    match step {
        RoleStep::OidcProvider(arn) => format!("created OpenID Connect provider {arn}"),
        RoleStep::Role(role) => format!("created role {role}"),
        RoleStep::RolePolicy { role, name, .. } => format!("policy {name} of role {role}"),
        RoleStep::InstanceProfile(profile) => format!("created instance profile {profile}"),
        RoleStep::ProfileRole { profile, role } => {
            format!("role {role} in instance profile {profile}")
        }
    }
}

/// What a change was, for messages.
fn describe(change: &Change) -> String {
    match change {
        Change::Bucket { name, .. } => format!("created bucket {name}"),
        Change::User(user) => format!("created user {user}"),
        Change::UserPolicy { user, name, .. } => format!("policy {name} of user {user}"),
        Change::UserTags { user, .. } => format!("tags of user {user}"),
        Change::AccessKey { user, id } => format!("access key {id} of user {user}"),
        Change::Role => format!("created role {}", temporary::ROLE_NAME),
        Change::Trusted(step) => describe_step(step),
    }
}

async fn undo(clients: &Clients, change: &Change) -> Result<String, AwsError> {
    let iam = &clients.iam;
    Ok(match change {
        Change::AccessKey { user, id } => {
            iam.delete_access_key()
                .user_name(user)
                .access_key_id(id)
                .send()
                .await
                .aws("DeleteAccessKey")?;
            format!("Deleted access key: {id}")
        }
        Change::UserPolicy {
            user,
            name,
            previous: Some(document),
        } => {
            iam.put_user_policy()
                .user_name(user)
                .policy_name(name)
                .policy_document(document)
                .send()
                .await
                .aws("PutUserPolicy")?;
            format!("Restored the previous policy {name} of user {user}")
        }
        Change::UserPolicy {
            user,
            name,
            previous: None,
        } => {
            iam.delete_user_policy()
                .user_name(user)
                .policy_name(name)
                .send()
                .await
                .aws("DeleteUserPolicy")?;
            format!("Deleted policy {name} from user {user}")
        }
        Change::UserTags {
            user,
            previous,
            written,
        } => {
            restore_tags(clients, user, previous, written).await?;
            format!("Restored the previous tags of user {user}")
        }
        Change::User(user) => {
            iam.delete_user()
                .user_name(user)
                .send()
                .await
                .aws("DeleteUser")?;
            format!("Deleted user: {user}")
        }
        Change::Bucket { name, claimed } => {
            if *claimed {
                super::buckets::delete_claim(clients, name).await?;
            }
            // Fails, and is reported, if anything was written to it meanwhile.
            let request = clients.s3.delete_bucket().bucket(name);
            request.send().await.aws("DeleteBucket")?;
            format!("Deleted bucket: {name}")
        }
        Change::Role => {
            temporary::delete_role(clients).await?;
            format!("Deleted role: {}", temporary::ROLE_NAME)
        }
        Change::Trusted(step) => undo_step(clients, step).await?,
    })
}

/// Undo one change of `create --trust`.
async fn undo_step(clients: &Clients, step: &RoleStep) -> Result<String, AwsError> {
    let iam = &clients.iam;
    Ok(match step {
        RoleStep::ProfileRole { profile, role } => {
            iam.remove_role_from_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
                .await
                .aws("RemoveRoleFromInstanceProfile")?;
            format!("Removed role {role} from instance profile {profile}")
        }
        RoleStep::InstanceProfile(profile) => {
            iam.delete_instance_profile()
                .instance_profile_name(profile)
                .send()
                .await
                .aws("DeleteInstanceProfile")?;
            format!("Deleted instance profile: {profile}")
        }
        RoleStep::RolePolicy {
            role,
            name,
            previous: Some(document),
        } => {
            iam.put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(document)
                .send()
                .await
                .aws("PutRolePolicy")?;
            format!("Restored the previous policy {name} of role {role}")
        }
        RoleStep::RolePolicy {
            role,
            name,
            previous: None,
        } => {
            iam.delete_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .aws("DeleteRolePolicy")?;
            format!("Deleted policy {name} from role {role}")
        }
        RoleStep::Role(role) => {
            iam.delete_role()
                .role_name(role)
                .send()
                .await
                .aws("DeleteRole")?;
            format!("Deleted role: {role}")
        }
        RoleStep::OidcProvider(arn) => {
            iam.delete_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .send()
                .await
                .aws("DeleteOpenIDConnectProvider")?;
            format!("Deleted OpenID Connect provider: {arn}")
        }
    })
}

/// Put back the tags a user had before this run: remove the keys this run
/// added, and set the old values of the keys it changed or removed.
async fn restore_tags(
    clients: &Clients,
    user: &str,
    previous: &[(String, String)],
    written: &[String],
) -> Result<(), AwsError> {
    let added: Vec<String> = written
        .iter()
        .filter(|key| !previous.iter().any(|(k, _)| k == *key))
        .cloned()
        .collect();
    if !added.is_empty() {
        clients
            .iam
            .untag_user()
            .user_name(user)
            .set_tag_keys(Some(added))
            .send()
            .await
            .aws("UntagUser")?;
    }
    let restore: Vec<Tag> = previous
        .iter()
        .filter(|(key, _)| written.contains(key))
        .filter_map(|(key, value)| Tag::builder().key(key).value(value).build().ok())
        .collect();
    if !restore.is_empty() {
        clients
            .iam
            .tag_user()
            .user_name(user)
            .set_tags(Some(restore))
            .send()
            .await
            .aws("TagUser")?;
    }
    Ok(())
}
