//! The tag step of `create --trust` for a role that existed before: its
//! `s3-credentials:*` tags rewritten to the grant it now holds (see
//! [`crate::grant::tags`]), so that `list-credentials` shows the buckets,
//! access and expiry the role really has; undoably. A new role gets its tags
//! with `CreateRole` itself, in [`super::role`].

use super::plan::{Plan, RolePlan};
use super::role_check::Existing;
use super::tags::iam_tags;
use super::undo::{Change, Changes, RoleStep};
use crate::aws::Clients;
use crate::error::AwsResultExt;
use crate::grant::tags::{Grant, Kind, is_grant_key};

/// Record this run's grant on a reused role, as for a user (see
/// [`super::tags::retag`]): together with the grant its tags already
/// record, or as a grant that never expires for a role the tool's tags do
/// not describe. Only what IAM did, or may have done, is recorded for the
/// undo.
pub(crate) async fn retag(
    plan: &Plan,
    role: &RolePlan,
    clients: &Clients,
    existing: &Existing,
    changes: &mut Changes,
) -> anyhow::Result<()> {
    let name = &role.name;
    let ours = Grant {
        kind: Kind::Role,
        ..plan.grant()
    };
    let previous = Grant::from_tags(existing.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let grant = match previous {
        Some(previous) => ours.merged_with(&previous),
        None => Grant {
            expires: None,
            ..ours
        },
    };
    let mut tags = grant.to_tags();
    tags.extend(plan.tags.iter().cloned());
    // Numbered tags a shorter list no longer needs.
    let stale: Vec<String> = existing
        .tags
        .iter()
        .map(|(key, _)| key)
        .filter(|key| is_grant_key(key) && !tags.iter().any(|(k, _)| k == *key))
        .cloned()
        .collect();
    super::tags::check_room("role", name, &existing.tags, &tags, &stale)?;
    let (written, result) = write_tags(clients, name, stale, &tags).await;
    if !written.is_empty() {
        changes.push(Change::Trusted(RoleStep::RoleTags {
            role: name.clone(),
            previous: existing.tags.clone(),
            written,
        }));
    }
    result
}

/// Remove `stale` keys, then set `tags`; the keys written by calls that
/// may have happened (see [`Changes::may_have_happened`]), and the outcome.
async fn write_tags(
    clients: &Clients,
    role: &str,
    stale: Vec<String>,
    tags: &[(String, String)],
) -> (Vec<String>, anyhow::Result<()>) {
    let mut written = Vec::new();
    if !stale.is_empty() {
        let request = clients.iam.untag_role().role_name(role);
        let untagged = request
            .set_tag_keys(Some(stale.clone()))
            .send()
            .await
            .aws("UntagRole");
        if Changes::may_have_happened(&untagged) {
            written.extend(stale);
        }
        if let Err(error) = untagged {
            return (written, Err(error.into()));
        }
    }
    let request = match iam_tags(tags) {
        Ok(iam) => clients.iam.tag_role().role_name(role).set_tags(Some(iam)),
        Err(error) => return (written, Err(error)),
    };
    let tagged = request.send().await.aws("TagRole");
    if Changes::may_have_happened(&tagged) {
        written.extend(tags.iter().map(|(key, _)| key.clone()));
    }
    (written, tagged.map(drop).map_err(Into::into))
}
