//! The changes a `create` run made, so that a failure can take them back.
//!
//! Each change is recorded right after AWS confirmed it; on failure they are
//! undone newest first and each undo is reported on stderr, including any that
//! could not be done, so that nothing is left behind unknowingly.

use std::io::Write;

use aws_sdk_iam::types::Tag;

use crate::aws::Clients;
use crate::error::{AwsError, AwsResultExt};
use crate::iam::teardown::{RolePart, Step, UserPart};
use crate::iam::temporary;
use crate::stopping::Stopping;

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
    /// An inline policy this run put on an existing user, whose previous
    /// document, if it had one, could not be read (`iam:GetUserPolicy`
    /// denied): an undo leaves it, since deleting it could take away what
    /// an older policy of that name granted.
    UserPolicyUnread { user: String, name: String },
    /// Tags this run wrote on a user that existed before: `written` are the
    /// keys it set or removed, `previous` every tag the user had.
    UserTags {
        user: String,
        previous: Vec<(String, String)>,
        written: Vec<String>,
    },
    /// A customer managed policy this run created (its name), with its
    /// ARN; `None` when `CreatePolicy` got no answer, and whether it made
    /// the policy is looked up by name at the undo.
    ManagedPolicy { name: String, arn: Option<String> },
    /// A managed policy this run attached to a user (or may have: no answer).
    AttachedPolicy { user: String, arn: String },
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
    /// Tags this run wrote on a role that existed before, as
    /// [`Change::UserTags`] for users.
    RoleTags {
        role: String,
        previous: Vec<(String, String)>,
        written: Vec<String>,
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

    /// Whether a change was made, or may have been, going by IAM's answer:
    /// made when confirmed; not made when refused (a `4xx` answer); maybe
    /// made when no answer came or AWS failed (`5xx`), which an undo must
    /// then take back too. Record a change only where this is true.
    pub fn may_have_happened<T>(result: &Result<T, AwsError>) -> bool {
        match result {
            Ok(_) => true,
            Err(error) => error.status().is_none_or(|status| status >= 500),
        }
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
        RoleStep::RoleTags { role, .. } => format!("tags of role {role}"),
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
        Change::UserPolicyUnread { user, name } => format!("policy {name} of user {user}"),
        Change::UserTags { user, .. } => format!("tags of user {user}"),
        Change::ManagedPolicy { name, .. } => format!("created managed policy {name}"),
        Change::AttachedPolicy { user, arn } => format!("policy {arn} attached to user {user}"),
        Change::AccessKey { user, id } => format!("access key {id} of user {user}"),
        Change::Role => format!("created role {}", temporary::ROLE_NAME),
        Change::Trusted(step) => describe_step(step),
    }
}

/// Take one change back; what was done, for the report.
async fn undo(clients: &Clients, change: &Change) -> Result<String, AwsError> {
    match change {
        Change::AccessKey { user, id } => {
            let step = Step::access_key(user, id);
            delete(clients, step, format!("Deleted access key: {id}")).await
        }
        Change::UserPolicy {
            user,
            name,
            previous: Some(document),
        } => {
            let request = clients.iam.put_user_policy().user_name(user);
            let request = request.policy_name(name).policy_document(document);
            request.send().await.aws("PutUserPolicy")?;
            Ok(format!(
                "Restored the previous policy {name} of user {user}"
            ))
        }
        Change::UserPolicy {
            user,
            name,
            previous: None,
        } => {
            let step = Step::User(user.clone(), UserPart::Policy(name.clone()));
            delete(
                clients,
                step,
                format!("Deleted policy {name} from user {user}"),
            )
            .await
        }
        Change::UserPolicyUnread { user, name } => Ok(format!(
            "Left policy {name} on user {user}: what it replaced could not be read \
             (iam:GetUserPolicy denied); if it is not wanted: \
             `aws iam delete-user-policy --user-name {user} --policy-name {name}`"
        )),
        Change::UserTags {
            user,
            previous,
            written,
        } => {
            restore_tags(clients, Tagged::User(user), previous, written).await?;
            Ok(format!("Restored the previous tags of user {user}"))
        }
        Change::AttachedPolicy { user, arn } => undo_attachment(clients, user, arn).await,
        Change::ManagedPolicy { name, arn } => undo_managed_policy(clients, name, arn).await,
        Change::User(user) => {
            let step = Step::User(user.clone(), UserPart::Itself);
            delete(clients, step, format!("Deleted user: {user}")).await
        }
        Change::Bucket { name, claimed } => undo_bucket(clients, name, *claimed).await,
        Change::Role => {
            temporary::remove_shared_role(clients).await?;
            Ok(format!("Deleted role: {}", temporary::ROLE_NAME))
        }
        Change::Trusted(step) => undo_step(clients, step).await,
    }
}

/// Detach a managed policy this run attached to the user, or may have.
async fn undo_attachment(clients: &Clients, user: &str, arn: &str) -> Result<String, AwsError> {
    let step = Step::User(user.to_owned(), UserPart::AttachedPolicy(arn.to_owned()));
    match step.run(clients).await {
        // An attachment that got no answer may not have been made.
        Err(error) if error.is_not_found() => {
            Ok(format!("Policy {arn} was not attached to user {user}"))
        }
        other => other.map(|()| format!("Detached policy {arn} from user {user}")),
    }
}

/// Delete a managed policy this run created, or, after a `CreatePolicy`
/// that got no answer, the one of that name if it exists. Kept, and said
/// so, if it is attached to anything by now (never by this run: its
/// attachment was undone first).
async fn undo_managed_policy(
    clients: &Clients,
    name: &str,
    arn: &Option<String>,
) -> Result<String, AwsError> {
    let arn = match arn {
        Some(arn) => arn.clone(),
        None => match crate::iam::managed::find(clients, name).await? {
            Some(arn) => arn,
            None => return Ok(format!("No managed policy {name} was made")),
        },
    };
    let step = Step::ManagedPolicy(arn.clone());
    Ok(match step.run_reporting(clients).await? {
        None => format!("Deleted managed policy: {arn}"),
        Some(why) => sentence(&why),
    })
}

/// `why` with a capital first letter, as a report line.
fn sentence(why: &str) -> String {
    let mut chars = why.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Make one deletion of the undo; `done` is its report line.
async fn delete(clients: &Clients, step: Step, done: String) -> Result<String, AwsError> {
    match step.run(clients).await {
        // Gone already: what the undo wanted is true. Typically the first
        // attempt deleted it but its answer came too late, and the SDK's
        // retry found nothing; reported as such, not as a failure.
        Err(error) if error.is_not_found() => Ok(already_gone(&done)),
        other => other.map(|()| done),
    }
}

/// "Deleted user: u" becomes "Already gone (IAM answered NoSuchEntity): user u".
fn already_gone(done: &str) -> String {
    let what = done
        .strip_prefix("Deleted ")
        .or_else(|| done.strip_prefix("Removed "))
        .unwrap_or(done)
        .replacen(": ", " ", 1);
    format!("Already gone (IAM answered NoSuchEntity): {what}")
}

/// Delete a bucket this run created, with its claim object if it holds one.
async fn undo_bucket(clients: &Clients, name: &str, claimed: bool) -> Result<String, AwsError> {
    if claimed {
        super::buckets::delete_claim(clients, name).await?;
    }
    // Fails, and is reported, if anything was written to it meanwhile.
    let request = clients.s3.delete_bucket().bucket(name);
    request.send().await.aws("DeleteBucket")?;
    Ok(format!("Deleted bucket: {name}"))
}

/// Undo one change of `create --trust`.
async fn undo_step(clients: &Clients, step: &RoleStep) -> Result<String, AwsError> {
    match step {
        RoleStep::ProfileRole { profile, role } => {
            let step = Step::Role(role.clone(), RolePart::LeaveProfile(profile.clone()));
            let done = format!("Removed role {role} from instance profile {profile}");
            delete(clients, step, done).await
        }
        RoleStep::RoleTags {
            role,
            previous,
            written,
        } => {
            restore_tags(clients, Tagged::Role(role), previous, written).await?;
            Ok(format!("Restored the previous tags of role {role}"))
        }
        RoleStep::InstanceProfile(profile) => {
            let step = Step::Role(profile.clone(), RolePart::InstanceProfile(profile.clone()));
            delete(
                clients,
                step,
                format!("Deleted instance profile: {profile}"),
            )
            .await
        }
        RoleStep::RolePolicy {
            role,
            name,
            previous: Some(document),
        } => {
            let request = clients.iam.put_role_policy().role_name(role);
            let request = request.policy_name(name).policy_document(document);
            request.send().await.aws("PutRolePolicy")?;
            Ok(format!(
                "Restored the previous policy {name} of role {role}"
            ))
        }
        RoleStep::RolePolicy {
            role,
            name,
            previous: None,
        } => {
            let step = Step::Role(role.clone(), RolePart::Policy(name.clone()));
            delete(
                clients,
                step,
                format!("Deleted policy {name} from role {role}"),
            )
            .await
        }
        RoleStep::Role(role) => {
            let step = Step::Role(role.clone(), RolePart::Itself);
            delete(clients, step, format!("Deleted role: {role}")).await
        }
        RoleStep::OidcProvider(arn) => undo_provider(clients, arn).await,
    }
}

/// Delete the OpenID Connect provider this run created, unless a role
/// trusts it by now: another run, started meanwhile, may have found it and
/// built its role on it. Asked at this moment, after this run's own role is
/// gone. A provider grants nothing by itself, so leaving one is safe;
/// deleting one a role trusts leaves that role trusting nothing.
async fn undo_provider(clients: &Clients, arn: &str) -> Result<String, AwsError> {
    let roles = crate::iam::roles_trusting(clients, arn).await?;
    if !roles.is_empty() {
        let names: Vec<String> = roles.iter().map(|role| format!("`{role}`")).collect();
        let (kind, verb) = if roles.len() == 1 {
            ("role", "trusts")
        } else {
            ("roles", "trust")
        };
        return Ok(format!(
            "Kept OpenID Connect provider {arn}: {kind} {} {verb} it",
            names.join(", ")
        ));
    }
    let request = clients.iam.delete_open_id_connect_provider();
    let request = request.open_id_connect_provider_arn(arn);
    request.send().await.aws("DeleteOpenIDConnectProvider")?;
    Ok(format!("Deleted OpenID Connect provider: {arn}"))
}

/// What [`restore_tags`] puts tags back on.
#[derive(Clone, Copy)]
enum Tagged<'a> {
    User(&'a str),
    Role(&'a str),
}

/// Put back the tags a user or role had before this run: remove the keys
/// this run added, and set the old values of the keys it changed or removed.
async fn restore_tags(
    clients: &Clients,
    tagged: Tagged<'_>,
    previous: &[(String, String)],
    written: &[String],
) -> Result<(), AwsError> {
    let added: Vec<String> = written
        .iter()
        .filter(|key| !previous.iter().any(|(k, _)| k == *key))
        .cloned()
        .collect();
    let iam = &clients.iam;
    if !added.is_empty() {
        let added = Some(added);
        match tagged {
            Tagged::User(user) => {
                let request = iam.untag_user().user_name(user).set_tag_keys(added);
                request.send().await.aws("UntagUser").map(drop)
            }
            Tagged::Role(role) => {
                let request = iam.untag_role().role_name(role).set_tag_keys(added);
                request.send().await.aws("UntagRole").map(drop)
            }
        }?;
    }
    let restore: Vec<Tag> = previous
        .iter()
        .filter(|(key, _)| written.contains(key))
        .filter_map(|(key, value)| Tag::builder().key(key).value(value).build().ok())
        .collect();
    if !restore.is_empty() {
        let restore = Some(restore);
        match tagged {
            Tagged::User(user) => {
                let request = iam.tag_user().user_name(user).set_tags(restore);
                request.send().await.aws("TagUser").map(drop)
            }
            Tagged::Role(role) => {
                let request = iam.tag_role().role_name(role).set_tags(restore);
                request.send().await.aws("TagRole").map(drop)
            }
        }?;
    }
    Ok(())
}
