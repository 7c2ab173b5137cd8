//! The user steps of `create`: check the user can take a new key, then
//! create it if needed, put one inline policy per bucket, and create the key.

use std::collections::HashMap;
use std::io::Write;

use aws_sdk_iam::types::AccessKey;
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
    /// The current document of each inline policy this run will write, so
    /// that an undo can put it back.
    policies: HashMap<String, Option<String>>,
    /// What else grants the user permissions: the new key gets it too.
    others: Others,
    /// The user's tags before this run.
    pub(super) tags: Vec<(String, String)>,
    /// The user's access keys before this run: any other key found after an
    /// unanswered `CreateAccessKey` is this run's.
    keys: Vec<String>,
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
            format!(
                "Warning: user `{user}` has other permissions, which the new key has too: {}",
                parts.join("; ")
            )
        })
    }
}

/// Look at the user before changing anything: a user that already has the
/// most access keys IAM allows is refused here, with what to do about it.
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
    let keys = crate::iam::access_keys(clients, user).await?;
    let keys: Vec<String> = keys
        .into_iter()
        .filter_map(|key| key.access_key_id)
        .collect();
    if keys.len() >= MAX_ACCESS_KEYS {
        anyhow::bail!(
            "user `{user}` already has {} access keys ({}), the most IAM allows: delete one first, \
             e.g. `aws iam delete-access-key --user-name {user} --access-key-id {}`",
            keys.len(),
            keys.join(", "),
            keys[0]
        );
    }
    let names: Vec<String> = plan
        .user_policies()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let (documents, others, tags) = tokio::try_join!(
        try_join_all(names.iter().map(|name| current_policy(clients, user, name))),
        others(clients, user, &names),
        user_tags(clients, user),
    )?;
    Ok(Existing {
        user: true,
        policies: names.into_iter().zip(documents).collect(),
        others,
        tags,
        keys,
    })
}

/// The user's inline policies other than `own` (the ones this run writes),
/// its attached policies and its groups.
async fn others(clients: &Clients, user: &str, own: &[String]) -> anyhow::Result<Others> {
    let iam = &clients.iam;
    let (inline, attached, groups) = tokio::try_join!(
        async {
            let names = crate::iam::user_policy_names(clients, user).await?;
            anyhow::Ok(names.into_iter().filter(|n| !own.contains(n)).collect())
        },
        async {
            let policies = crate::iam::attached_user_policies(clients, user).await?;
            anyhow::Ok(policies.into_iter().filter_map(|p| p.policy_arn).collect())
        },
        async {
            let groups: Vec<_> = iam
                .list_groups_for_user()
                .user_name(user)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .aws("ListGroupsForUser")?;
            anyhow::Ok(groups.into_iter().map(|g| g.group_name).collect())
        },
    )?;
    Ok(Others {
        inline,
        attached,
        groups,
    })
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
    } else {
        changes.check()?;
        create_user(plan, clients, changes, log).await?;
    }
    changes.check()?;
    put_policies(plan, clients, existing, changes, log).await?;
    changes.check()?;
    if existing.user {
        super::tags::retag(plan, clients, existing, changes).await?;
        plan.say(log, &format!("Tagged user: {user}"))?;
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

async fn create_user(
    plan: &Plan,
    clients: &Clients,
    changes: &mut Changes,
    log: &mut dyn Write,
) -> anyhow::Result<()> {
    let user = &plan.username;
    let mut tags = plan.grant().to_tags();
    tags.extend(plan.tags.iter().cloned());
    let mut request = clients
        .iam
        .create_user()
        .user_name(user)
        .set_tags(Some(super::tags::iam_tags(&tags)?));
    if let Some(boundary) = &plan.boundary {
        request = request.permissions_boundary(boundary);
    }
    request.send().await.aws("CreateUser")?;
    changes.push(Change::User(user.clone()));
    let line = match &plan.boundary {
        Some(boundary) => format!("Created user: {user} with permissions boundary: {boundary}"),
        None => format!("Created user: {user}"),
    };
    Ok(plan.say(log, &line)?)
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
                changes.push(Change::UserPolicy {
                    user: user.clone(),
                    name: name.clone(),
                    previous: existing.policies.get(name).cloned().flatten(),
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
