//! The tag steps of `create` for an existing user: record this run's grant
//! in its `s3-credentials:*` tags (see [`crate::grant::tags`]), undoably. A new
//! user gets its tags with `CreateUser` itself, and buckets in
//! [`super::buckets`].

use aws_sdk_iam::types::Tag;

use super::plan::Plan;
use super::undo::{Change, Changes};
use crate::aws::Clients;
use crate::error::AwsResultExt;
use crate::grant::tags::{Grant, MAX_TAGS, is_grant_key};

/// Tags as the IAM API takes them.
pub(crate) fn iam_tags(tags: &[(String, String)]) -> anyhow::Result<Vec<Tag>> {
    tags.iter()
        .map(|(key, value)| Ok(Tag::builder().key(key).value(value).build()?))
        .collect()
}

/// Record this run's grant on a user that existed before, whose tags were
/// `existing`: together with the grant its tags already record, or, for a
/// user this tool did not make, as a grant that never expires, so that
/// `delete-user --expired` can never remove a user that existed before the
/// tool gave it keys.
///
/// Tagging is what this tool adds to the original's steps: when IAM denies
/// it before anything changed, the action denied is returned (the caller
/// warns) and the run goes on. With `--tag`, which asked for tags, a denial
/// fails the run, as does a `TagUser` denied after `UntagUser` removed tags
/// (the undo puts them back).
pub(crate) async fn retag(
    plan: &Plan,
    clients: &Clients,
    existing: &[(String, String)],
    changes: &mut Changes,
) -> anyhow::Result<Option<&'static str>> {
    let user = &plan.username;
    let previous = Grant::from_tags(existing.iter().map(|(k, v)| (k.as_str(), v.as_str())));
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
        .iter()
        .map(|(key, _)| key)
        .filter(|key| is_grant_key(key) && !tags.iter().any(|(k, _)| k == *key))
        .cloned()
        .collect();
    check_room(user, existing, &tags, &stale)?;
    // Recorded first: restoring tags that were not changed yet is harmless,
    // and a change that AWS made but did not confirm is still undone.
    changes.push(Change::UserTags {
        user: user.clone(),
        previous: existing.to_vec(),
        written: tags
            .iter()
            .map(|(k, _)| k.clone())
            .chain(stale.clone())
            .collect(),
    });
    let denied = send(clients, user, stale, &tags, plan.tags.is_empty()).await?;
    if denied.is_some() {
        changes.forget_last();
    }
    Ok(denied)
}

/// `UntagUser` of the `stale` keys, then `TagUser` of `tags`. With
/// `optional`, a denial before anything changed returns the action denied.
async fn send(
    clients: &Clients,
    user: &str,
    stale: Vec<String>,
    tags: &[(String, String)],
    optional: bool,
) -> anyhow::Result<Option<&'static str>> {
    let removes = !stale.is_empty();
    if removes {
        let request = clients.iam.untag_user().user_name(user);
        let untagged = request.set_tag_keys(Some(stale)).send().await;
        match untagged.aws("UntagUser") {
            Ok(_) => {}
            Err(error) if optional && error.is_access_denied() => return Ok(Some("iam:UntagUser")),
            Err(error) => return Err(error.into()),
        }
    }
    let request = clients.iam.tag_user().user_name(user);
    let tagged = request.set_tags(Some(iam_tags(tags)?)).send().await;
    match tagged.aws("TagUser") {
        Ok(_) => Ok(None),
        Err(error) if optional && error.is_access_denied() && !removes => Ok(Some("iam:TagUser")),
        Err(error) => Err(error.into()),
    }
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
