//! The tag steps of `create` for an existing user: record this run's grant
//! in its `s3-credentials:*` tags (see [`crate::grant::tags`]), undoably. A new
//! user gets its tags with `CreateUser` itself, and buckets in
//! [`super::buckets`].

use aws_sdk_iam::types::Tag;

use super::plan::Plan;
use super::undo::{Change, Changes};
use crate::aws::Clients;
use crate::error::{AwsError, AwsResultExt};
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
    check_room("user", user, existing, &tags, &stale)?;
    let iam = iam_tags(&tags)?;
    let (written, result) = write_tags(clients, user, stale, &tags, iam).await;
    // Only what IAM did (or may have done) is undone: a refused call
    // changed nothing, and its undo would report a failure for nothing.
    let changed = !written.is_empty();
    if changed {
        changes.push(Change::UserTags {
            user: user.clone(),
            previous: existing.to_vec(),
            written,
        });
    }
    match result {
        Ok(()) => Ok(None),
        // Optional tagging denied before anything changed: warn, go on.
        Err(error) if plan.tags.is_empty() && !changed && error.is_access_denied() => {
            Ok(Some(if error.operation == "UntagUser" {
                "iam:UntagUser"
            } else {
                "iam:TagUser"
            }))
        }
        Err(error) => Err(error.into()),
    }
}

/// Remove `stale` keys, then set `tags` (`iam`, as IAM takes them); the keys written by calls that
/// may have happened (see [`Changes::may_have_happened`]), and the outcome.
async fn write_tags(
    clients: &Clients,
    user: &str,
    stale: Vec<String>,
    tags: &[(String, String)],
    iam: Vec<Tag>,
) -> (Vec<String>, Result<(), AwsError>) {
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
            return (written, Err(error));
        }
    }
    let request = clients.iam.tag_user().user_name(user);
    let tagged = request.set_tags(Some(iam)).send().await.aws("TagUser");
    if Changes::may_have_happened(&tagged) {
        written.extend(tags.iter().map(|(key, _)| key.clone()));
    }
    (written, tagged.map(drop))
}

/// Refuse, before tagging, a user or role (`kind`) whose own tags and the
/// ones this run writes would together pass IAM's limit of [`MAX_TAGS`]:
/// the `--tag` check counted only the new tags.
pub(super) fn check_room(
    kind: &str,
    name: &str,
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
            "{kind} `{name}` has {kept} other tags; with the {} this run writes it would have {}, \
             more than the {MAX_TAGS} IAM allows: remove some first (`aws iam untag-{kind}`)",
            written.len(),
            kept + written.len()
        );
    }
    Ok(())
}
