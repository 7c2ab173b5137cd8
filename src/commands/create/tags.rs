//! The tag steps of `create` for an existing user: record this run's grant
//! in its `s3-credentials:*` tags (see [`crate::grant::tags`]), undoably. A new
//! user gets its tags with `CreateUser` itself, and buckets in
//! [`super::buckets`].

use aws_sdk_iam::types::Tag;

use super::plan::Plan;
use super::undo::{Change, Changes};
use super::user::Existing;
use crate::aws::Clients;
use crate::error::AwsResultExt;
use crate::grant::tags::{Grant, MAX_TAGS, is_grant_key};

/// Tags as the IAM API takes them.
pub(crate) fn iam_tags(tags: &[(String, String)]) -> anyhow::Result<Vec<Tag>> {
    tags.iter()
        .map(|(key, value)| Ok(Tag::builder().key(key).value(value).build()?))
        .collect()
}

/// Record this run's grant on a user that existed before: together with
/// the grant its tags already record, or, for a user this tool did not make,
/// as a grant that never expires, so that `delete-user --expired` can never
/// remove a user that existed before the tool gave it keys.
pub(crate) async fn retag(
    plan: &Plan,
    clients: &Clients,
    existing: &Existing,
    changes: &mut Changes,
) -> anyhow::Result<()> {
    let user = &plan.username;
    let previous = Grant::from_tags(existing.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let grant = match previous {
        Some(previous) => plan.grant().merged_with(&previous),
        None => Grant {
            expires: None,
            ..plan.grant()
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
    check_room(user, &existing.tags, &tags, &stale)?;
    let (written, result) = write_tags(clients, user, stale, &tags).await;
    // Only what IAM did (or may have done) is undone: a refused call
    // changed nothing, and its undo would report a failure for nothing.
    if !written.is_empty() {
        changes.push(Change::UserTags {
            user: user.clone(),
            previous: existing.tags.clone(),
            written,
        });
    }
    result
}

/// Remove `stale` keys, then set `tags`; the keys written by calls that
/// may have happened (see [`Changes::may_have_happened`]), and the outcome.
async fn write_tags(
    clients: &Clients,
    user: &str,
    stale: Vec<String>,
    tags: &[(String, String)],
) -> (Vec<String>, anyhow::Result<()>) {
    let mut written = Vec::new();
    if !stale.is_empty() {
        let request = clients.iam.untag_user().user_name(user);
        let untagged = request
            .set_tag_keys(Some(stale.clone()))
            .send()
            .await
            .aws("UntagUser");
        if Changes::may_have_happened(&untagged) {
            written.extend(stale);
        }
        if let Err(error) = untagged {
            return (written, Err(error.into()));
        }
    }
    let request = match iam_tags(tags) {
        Ok(iam) => clients.iam.tag_user().user_name(user).set_tags(Some(iam)),
        Err(error) => return (written, Err(error)),
    };
    let tagged = request.send().await.aws("TagUser");
    if Changes::may_have_happened(&tagged) {
        written.extend(tags.iter().map(|(key, _)| key.clone()));
    }
    (written, tagged.map(drop).map_err(Into::into))
}

/// Refuse, before tagging, a user whose own tags and the ones this run
/// writes would together pass IAM's limit of [`MAX_TAGS`] per user: the
/// `--tag` check counted only the new tags.
fn check_room(
    user: &str,
    existing: &[(String, String)],
    written: &[(String, String)],
    removed: &[String],
) -> anyhow::Result<()> {
    let kept = existing
        .iter()
        .filter(|(key, _)| !removed.contains(key) && !written.iter().any(|(k, _)| k == key))
        .count();
    if kept + written.len() > MAX_TAGS {
        anyhow::bail!(
            "user `{user}` has {kept} other tags; with the {} this run writes it would have {}, \
             more than the {MAX_TAGS} IAM allows: remove some first (`aws iam untag-user`)",
            written.len(),
            kept + written.len()
        );
    }
    Ok(())
}
