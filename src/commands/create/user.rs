//! The user steps of `create`: check the user can take a new key, then
//! create it if needed, put one inline policy per bucket (or, for a grant
//! too large for inline policies, create and attach managed ones: see
//! [`super::managed`]), and create the key.

use std::collections::HashMap;
use std::io::Write;

use aws_sdk_iam::types::{AccessKey, AccessKeyMetadata};
use futures_util::future::{join_all, try_join_all};

use super::plan::Plan;
use super::undo::{Change, Changes};
use crate::aws::Clients;
use crate::error::AwsResultExt;
use crate::iam::new_credentials::create_access_key;
use crate::iam::{policy_document_text, user_tags};

/// IAM allows a user at most this many access keys.
const MAX_ACCESS_KEYS: usize = 2;

/// What exists of the user before this run.
#[derive(Debug, Default)]
pub(crate) struct Existing {
    /// Whether the user exists.
    user: bool,
    /// What each inline policy this run will write replaces, so that an
    /// undo can put it back.
    policies: HashMap<String, Previous>,
    /// What else grants the user permissions: the new key gets it too.
    others: Others,
    /// The user's tags before this run; `None` if they could not be read
    /// (`iam:ListUserTags` denied): the user is then not tagged.
    pub(super) tags: Option<Vec<(String, String)>>,
    /// One `Warning:` line for each look that was denied, and what it skipped.
    warnings: Vec<String>,
    /// The user's access keys before this run: any other key found after an
    /// unanswered `CreateAccessKey` is this run's. Empty when they could not
    /// be listed (`iam:ListAccessKeys` denied), when nothing can be listed
    /// afterwards either.
    keys: Vec<String>,
}

/// What an inline policy this run writes replaces.
#[derive(Debug, Clone)]
pub(crate) enum Previous {
    /// Nothing: the user has no policy of that name.
    Absent,
    /// A policy with this document.
    Document(String),
    /// Unknown: `iam:GetUserPolicy` was denied.
    Unread,
}

/// An existing user's policies other than the ones this run writes.
#[derive(Debug, Default)]
struct Others {
    inline: Vec<String>,
    attached: Vec<String>,
    groups: Vec<String>,
}

impl Others {
    /// The warning to print, if the user has anything besides this run's policies.
    fn warning(&self, user: &str) -> Option<String> {
        let quoted = |names: &[String]| {
            names
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let parts: Vec<String> = [
            ("inline policies", &self.inline),
            ("attached policies", &self.attached),
            ("groups", &self.groups),
        ]
        .into_iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(kind, names)| format!("{kind} {}", quoted(names)))
        .collect();
        (!parts.is_empty()).then(|| {
            crate::error::warning_text(format_args!(
                "user `{user}` has other permissions, which the new key has too: {}",
                parts.join("; ")
            ))
        })
    }
}

/// The answer of a look the tool can do without: `None` if it was denied
/// (403), which the caller turns into a warning; any other failure stops
/// the run.
fn unless_denied<T>(result: anyhow::Result<T>) -> anyhow::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if super::is_access_denied(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Look at the user before changing anything: a user that already has the
/// most access keys IAM allows is refused here, with what to do about it.
/// The looks the original tool did not make (its keys, other permissions,
/// tags, current policies) may be denied: each then adds a warning.
pub(crate) async fn check(plan: &Plan, clients: &Clients) -> anyhow::Result<Existing> {
    let user = &plan.username;
    let found = clients
        .iam
        .get_user()
        .user_name(user)
        .send()
        .await
        .aws("GetUser");
    match found {
        Err(error) if error.is_not_found() => return Ok(Existing::default()),
        Err(error) => return Err(error.into()),
        Ok(_) => {}
    }
    let mut warnings = Vec::new();
    let keys = crate::iam::access_keys(clients, user).await;
    let mut before = Vec::new();
    match unless_denied(keys.map_err(anyhow::Error::from))? {
        Some(keys) => {
            room_for_a_key(user, &keys)?;
            before = keys
                .into_iter()
                .filter_map(|key| key.access_key_id)
                .collect();
        }
        None => warnings.push(crate::error::warning_text(format_args!(
            "iam:ListAccessKeys denied: did not check that user `{user}` has fewer than \
             the {MAX_ACCESS_KEYS} access keys IAM allows; if it has {MAX_ACCESS_KEYS}, IAM \
             refuses the new key and this run undoes its changes"
        ))),
    }
    let names: Vec<String> = plan
        .user_policies()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let (looked, tags) = tokio::try_join!(others(clients, user, &names), async {
        unless_denied(user_tags(clients, user).await)
    })?;
    let (others, inline) = looked.report(user, &mut warnings);
    super::managed::check_room(plan, &others.attached)?;
    let policies = previous_policies(clients, user, &names, inline.as_deref()).await?;
    tag_warning(plan, tags.is_none(), &mut warnings)?;
    policy_warnings(user, &policies, &mut warnings);
    Ok(Existing {
        user: true,
        policies,
        others,
        tags,
        warnings,
        keys: before,
    })
}

/// Refuse a user that already has the most access keys IAM allows.
fn room_for_a_key(user: &str, keys: &[AccessKeyMetadata]) -> anyhow::Result<()> {
    let keys: Vec<&str> = keys.iter().filter_map(|key| key.access_key_id()).collect();
    if keys.len() >= MAX_ACCESS_KEYS {
        anyhow::bail!(
            "user `{user}` already has {} access keys ({}), the most IAM allows: delete one first, \
             e.g. `aws iam delete-access-key --user-name {user} --access-key-id {}`",
            keys.len(),
            keys.join(", "),
            keys[0]
        );
    }
    Ok(())
}

/// Without `iam:ListUserTags` the user's grant tags cannot be merged with
/// this run's, nor put back by an undo: the user is not tagged. With `--tag`
/// the tags were asked for, so the run stops before any change.
fn tag_warning(plan: &Plan, unread: bool, warnings: &mut Vec<String>) -> anyhow::Result<()> {
    if !unread {
        return Ok(());
    }
    if !plan.tags.is_empty() {
        anyhow::bail!(
            "iam:ListUserTags denied: --tag cannot tag user `{}` without reading its tags first",
            plan.username
        );
    }
    warnings.push(crate::error::warning_text(format_args!(
        "iam:ListUserTags denied: {}",
        untagged(plan)
    )));
    Ok(())
}

/// What is lost when the user is not tagged, for warnings.
pub(super) fn untagged(plan: &Plan) -> String {
    format!(
        "user `{}` not tagged: `list-credentials` will find it by its policy names only, and \
         `delete-user --expired` will not delete it",
        plan.username
    )
}

/// A warning for each policy this run replaces without being able to read
/// it first: an undo can then neither restore nor safely delete it.
fn policy_warnings(user: &str, policies: &HashMap<String, Previous>, warnings: &mut Vec<String>) {
    let mut unread: Vec<&String> = policies
        .iter()
        .filter(|(_, previous)| matches!(previous, Previous::Unread))
        .map(|(name, _)| name)
        .collect();
    unread.sort();
    for name in unread {
        warnings.push(crate::error::warning_text(format_args!(
            "iam:GetUserPolicy denied: if user `{user}` already has a policy `{name}`, \
             this run replaces it, and should the run fail, leaves this run's version in place"
        )));
    }
}

/// The user's other permissions, as far as they could be listed.
struct Looked {
    others: Others,
    /// Every inline policy name, if `iam:ListUserPolicies` was allowed.
    inline: Option<Vec<String>>,
    /// The listings that were denied.
    denied: Vec<&'static str>,
}

impl Looked {
    /// Add a warning for the denied listings; the other permissions found
    /// and every inline policy name, if listed.
    fn report(self, user: &str, warnings: &mut Vec<String>) -> (Others, Option<Vec<String>>) {
        if !self.denied.is_empty() {
            warnings.push(crate::error::warning_text(format_args!(
                "{} denied: did not check what other permissions user `{user}` has, \
                 which the new key has too",
                self.denied.join(", ")
            )));
        }
        (self.others, self.inline)
    }
}

/// The user's inline policies other than `own` (the ones this run writes),
/// its attached policies and its groups; each listing may be denied.
async fn others(clients: &Clients, user: &str, own: &[String]) -> anyhow::Result<Looked> {
    let iam = &clients.iam;
    let (inline, attached, groups) = tokio::try_join!(
        async {
            let names = crate::iam::user_policy_names(clients, user).await;
            unless_denied(names.map_err(anyhow::Error::from))
        },
        async {
            let policies = crate::iam::attached_user_policies(clients, user).await;
            let policies = unless_denied(policies.map_err(anyhow::Error::from))?;
            anyhow::Ok(policies.map(|p| p.into_iter().filter_map(|p| p.policy_arn).collect()))
        },
        async {
            let groups: Result<Vec<_>, _> = iam
                .list_groups_for_user()
                .user_name(user)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .aws("ListGroupsForUser");
            let groups = unless_denied(groups.map_err(anyhow::Error::from))?;
            anyhow::Ok(groups.map(|g| g.into_iter().map(|g| g.group_name).collect()))
        },
    )?;
    let denied = [
        ("iam:ListUserPolicies", inline.is_none()),
        ("iam:ListAttachedUserPolicies", attached.is_none()),
        ("iam:ListGroupsForUser", groups.is_none()),
    ]
    .into_iter()
    .filter_map(|(action, denied)| denied.then_some(action))
    .collect();
    let others = Others {
        inline: (inline.iter().flatten())
            .filter(|n| !own.contains(n))
            .cloned()
            .collect(),
        attached: attached.unwrap_or_default(),
        groups: groups.unwrap_or_default(),
    };
    Ok(Looked {
        others,
        inline,
        denied,
    })
}

/// What each of `names` replaces: a name the user's listed inline policies
/// do not have replaces nothing; the others are read.
async fn previous_policies(
    clients: &Clients,
    user: &str,
    names: &[String],
    listed: Option<&[String]>,
) -> anyhow::Result<HashMap<String, Previous>> {
    let reads = names.iter().map(|name| async move {
        if listed.is_some_and(|listed| !listed.contains(name)) {
            return anyhow::Ok(Previous::Absent);
        }
        Ok(unless_denied(current_policy(clients, user, name).await)?
            .map_or(Previous::Unread, |document| {
                document.map_or(Previous::Absent, Previous::Document)
            }))
    });
    let previous: Vec<Previous> = try_join_all(reads).await?;
    Ok(names.iter().cloned().zip(previous).collect())
}

/// The current document of a user's inline policy, its text as IAM keeps it.
async fn current_policy(
    clients: &Clients,
    user: &str,
    name: &str,
) -> anyhow::Result<Option<String>> {
    let found = clients
        .iam
        .get_user_policy()
        .user_name(user)
        .policy_name(name)
        .send()
        .await
        .aws("GetUserPolicy");
    match found {
        Ok(policy) => Ok(Some(policy_document_text(policy.policy_document()))),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Create the user if needed, attach the policies and create the access key,
/// recording each change.
pub(crate) async fn create(
    plan: &Plan,
    clients: &Clients,
    existing: &Existing,
    changes: &mut Changes,
    log: &mut dyn Write,
) -> anyhow::Result<AccessKey> {
    let user = &plan.username;
    if existing.user {
        plan.say(log, &format!("Using existing user: {user}"))?;
        // Not a step but a warning: printed with --silent too.
        if let Some(warning) = existing.others.warning(user) {
            writeln!(log, "{warning}")?;
        }
        for warning in &existing.warnings {
            writeln!(log, "{warning}")?;
        }
    } else {
        changes.check()?;
        create_user(plan, clients, changes, log).await?;
    }
    changes.check()?;
    put_policies(plan, clients, existing, changes, log).await?;
    super::managed::create(plan, clients, changes, log).await?;
    changes.check()?;
    if let (true, Some(tags)) = (existing.user, &existing.tags) {
        match super::tags::retag(plan, clients, tags, changes).await? {
            None => plan.say(log, &format!("Tagged user: {user}"))?,
            Some(denied) => writeln!(
                log,
                "{}",
                crate::error::warning_text(format_args!("{denied} denied: {}", untagged(plan)))
            )?,
        }
        changes.check()?;
    }
    let record = |id| {
        changes.push(Change::AccessKey {
            user: user.clone(),
            id,
        });
    };
    let key = create_access_key(clients, user, &existing.keys, log, record).await?;
    changes.push(Change::AccessKey {
        user: user.clone(),
        id: key.access_key_id().to_owned(),
    });
    plan.say(log, &format!("Created access key for user: {user}"))?;
    Ok(key)
}

/// `CreateUser` with the user's tags. AWS authorizes tags sent with
/// `CreateUser` as `iam:TagUser` too, and refuses the whole call when that
/// is denied (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_users.html):
/// then, unless `--tag` asked for tags, the user is created without them.
async fn create_user(
    plan: &Plan,
    clients: &Clients,
    changes: &mut Changes,
    log: &mut dyn Write,
) -> anyhow::Result<()> {
    let user = &plan.username;
    let mut tags = plan.grant().to_tags();
    tags.extend(plan.tags.iter().cloned());
    let tagged = send_create_user(plan, clients, Some(super::tags::iam_tags(&tags)?)).await;
    let warning = match tagged {
        Err(error) if error.is_access_denied() && plan.tags.is_empty() => {
            send_create_user(plan, clients, None).await?;
            Some(crate::error::warning_text(format_args!(
                "iam:TagUser denied: {}",
                untagged(plan)
            )))
        }
        other => other.map(|()| None)?,
    };
    changes.push(Change::User(user.clone()));
    let line = match &plan.boundary {
        Some(boundary) => format!("Created user: {user} with permissions boundary: {boundary}"),
        None => format!("Created user: {user}"),
    };
    plan.say(log, &line)?;
    if let Some(warning) = warning {
        writeln!(log, "{warning}")?;
    }
    Ok(())
}

async fn send_create_user(
    plan: &Plan,
    clients: &Clients,
    tags: Option<Vec<aws_sdk_iam::types::Tag>>,
) -> Result<(), crate::error::AwsError> {
    let mut request = clients
        .iam
        .create_user()
        .user_name(&plan.username)
        .set_tags(tags);
    if let Some(boundary) = &plan.boundary {
        request = request.permissions_boundary(boundary);
    }
    request.send().await.aws("CreateUser").map(|_| ())
}

/// Put every inline policy at once; each one put is recorded, even when
/// another fails.
async fn put_policies(
    plan: &Plan,
    clients: &Clients,
    existing: &Existing,
    changes: &mut Changes,
    log: &mut dyn Write,
) -> anyhow::Result<()> {
    let user = &plan.username;
    let policies = plan.user_policies();
    let puts = policies.iter().map(|(name, document)| {
        clients
            .iam
            .put_user_policy()
            .user_name(user)
            .policy_name(name)
            .policy_document(document.to_string())
            .send()
    });
    let mut first_error = None;
    for ((name, _), put) in policies.iter().zip(join_all(puts).await) {
        match put.aws("PutUserPolicy") {
            Ok(_) => {
                let previous = existing.policies.get(name);
                changes.push(match previous {
                    Some(Previous::Unread) => Change::UserPolicyUnread {
                        user: user.clone(),
                        name: name.clone(),
                    },
                    Some(Previous::Document(document)) => Change::UserPolicy {
                        user: user.clone(),
                        name: name.clone(),
                        previous: Some(document.clone()),
                    },
                    Some(Previous::Absent) | None => Change::UserPolicy {
                        user: user.clone(),
                        name: name.clone(),
                        previous: None,
                    },
                });
                plan.say(log, &format!("Attached policy {name} to user {user}"))?;
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    first_error.map_or(Ok(()), |error| Err(error.into()))
}
