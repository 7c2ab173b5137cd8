//! Reading the customer managed policies the tool makes for large grants
//! (see [`crate::policy::managed`] for their names): a policy's current
//! document, how many users, groups and roles it is attached to, and
//! whether one of a given name exists. Deleting them is
//! [`super::teardown`]'s, as every IAM deletion.

use aws_sdk_iam::types::{AttachedPolicy, PolicyScopeType};
use serde_json::Value;

use super::decode_policy_document;
use crate::aws::Clients;
use crate::error::{AwsError, AwsResultExt};
use crate::policy::managed::{PATH, is_own};

/// The document of the policy's default version: `GetPolicy` names the
/// version, `GetPolicyVersion` holds its document (URL-encoded by IAM:
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetPolicyVersion.html>).
pub async fn document(clients: &Clients, arn: &str) -> Result<Value, AwsError> {
    let policy = clients.iam.get_policy().policy_arn(arn).send().await;
    let policy = policy.aws("GetPolicy")?;
    let version = policy
        .policy()
        .and_then(|p| p.default_version_id())
        .unwrap_or_default();
    let request = clients.iam.get_policy_version().policy_arn(arn);
    let found = request.version_id(version).send().await;
    let found = found.aws("GetPolicyVersion")?;
    let text = found
        .policy_version()
        .and_then(|v| v.document())
        .unwrap_or_default();
    Ok(decode_policy_document(text))
}

/// How many users, groups and roles the policy is attached to; `None`
/// when it does not exist.
pub async fn attachment_count(clients: &Clients, arn: &str) -> Result<Option<i32>, AwsError> {
    let policy = clients.iam.get_policy().policy_arn(arn).send().await;
    match policy.aws("GetPolicy") {
        Ok(found) => Ok(Some(
            found
                .policy()
                .and_then(|p| p.attachment_count())
                .unwrap_or(0),
        )),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

/// The ARN of the account's customer managed policy named `name` under the
/// tool's path, if there is one: what an unanswered `CreatePolicy` may have
/// made.
pub async fn find(clients: &Clients, name: &str) -> Result<Option<String>, AwsError> {
    let request = clients.iam.list_policies().scope(PolicyScopeType::Local);
    let policies: Vec<_> = request
        .path_prefix(PATH)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListPolicies")?;
    Ok(policies
        .into_iter()
        .find(|p| p.policy_name() == Some(name) && p.path() == Some(PATH))
        .and_then(|p| p.arn))
}

/// The ARNs of `attached` that are `user`'s own managed policies.
pub fn own_arns(user: &str, attached: &[AttachedPolicy]) -> Vec<String> {
    attached
        .iter()
        .filter_map(AttachedPolicy::policy_arn)
        .filter(|arn| is_own(user, arn))
        .map(str::to_owned)
        .collect()
}
