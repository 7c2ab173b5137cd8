//! The customer managed policies of `create`, for a user whose grant is too
//! large for IAM's 2,048 characters of inline policies (see
//! [`crate::policy::size`] and [`crate::policy::managed`]).
//!
//! Before the first change ([`check_room`]): a user that already has the
//! tool's managed policies is refused (a second grant is not merged into
//! them: replacing them would need new policy versions, each of which an
//! undo would have to take back, and IAM keeps at most five), and so is one
//! whose other attached policies leave no room under IAM's 10 per user.
//! Then each policy is created and attached as one step ([`create`]), each
//! half recorded for the undo as soon as IAM made it, or may have: a
//! `CreatePolicy` that got no answer is not sent again (see
//! [`crate::aws::creations`]), and the undo looks it up by name.

use std::io::Write;

use super::plan::Plan;
use super::undo::{Change, Changes};
use crate::aws::Clients;
use crate::error::AwsResultExt;
use crate::policy::managed::{PATH, is_own};
use crate::policy::size::MAX_MANAGED_PER_USER;

/// Refuse, before any change, a grant that needs managed policies for a
/// user that has the tool's already, or too many others (`attached`: the
/// ARNs of every managed policy attached to the user).
pub(super) fn check_room(plan: &Plan, attached: &[String]) -> anyhow::Result<()> {
    let needed = plan.managed_policies().len();
    if needed == 0 {
        return Ok(());
    }
    let user = &plan.username;
    let quoted = |arns: &[&String]| {
        let quoted: Vec<String> = arns.iter().map(|arn| format!("`{arn}`")).collect();
        quoted.join(", ")
    };
    let (own, others): (Vec<&String>, Vec<&String>) =
        attached.iter().partition(|arn| is_own(user, arn));
    if !own.is_empty() {
        anyhow::bail!(
            "user `{user}` already has managed policies of s3-credentials ({}), and this grant \
             needs managed policies too, which `create` does not merge into them: delete the \
             user first (`s3-credentials delete-user {user}`), or choose another --username",
            quoted(&own)
        );
    }
    if others.len() + needed > MAX_MANAGED_PER_USER {
        anyhow::bail!(
            "user `{user}` has {} managed policies attached ({}) and this grant needs {needed} \
             more, over IAM's limit of {MAX_MANAGED_PER_USER} per user: detach some, or choose \
             another --username",
            others.len(),
            quoted(&others)
        );
    }
    Ok(())
}

/// Create each managed policy and attach it to the user, in order,
/// recording each change for the undo.
pub(super) async fn create(
    plan: &Plan,
    clients: &Clients,
    changes: &mut Changes,
    log: &mut dyn Write,
) -> anyhow::Result<()> {
    let user = &plan.username;
    for (name, document) in plan.managed_policies() {
        changes.check()?;
        let created = clients
            .iam
            .create_policy()
            .policy_name(&name)
            .path(PATH)
            .policy_document(document.to_string())
            .send()
            .await
            .aws("CreatePolicy");
        let maybe = Changes::may_have_happened(&created);
        let arn = match created {
            Ok(out) => out.policy.and_then(|p| p.arn),
            Err(error) => {
                if maybe {
                    changes.push(Change::ManagedPolicy { name, arn: None });
                }
                return Err(error.into());
            }
        };
        let Some(arn) = arn else {
            changes.push(Change::ManagedPolicy { name, arn: None });
            anyhow::bail!("CreatePolicy answered without the new policy's ARN");
        };
        changes.push(Change::ManagedPolicy {
            name,
            arn: Some(arn.clone()),
        });
        let request = clients.iam.attach_user_policy().user_name(user);
        let attached = request
            .policy_arn(&arn)
            .send()
            .await
            .aws("AttachUserPolicy");
        if Changes::may_have_happened(&attached) {
            changes.push(Change::AttachedPolicy {
                user: user.clone(),
                arn: arn.clone(),
            });
        }
        attached?;
        plan.say(
            log,
            &format!("Attached managed policy {arn} to user {user}"),
        )?;
    }
    Ok(())
}
