//! `delete-user`: remove users along with everything that blocks their deletion.

use std::io::Write;

use crate::aws::Clients;
use crate::cli::DeleteUserArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::iam::not_found;
use crate::output::Console;

/// Delete each user in turn: inline policies, attached managed policies,
/// access keys, then the user, printing each step. A user that fails is
/// reported and the others are still deleted; the exit code is then 1.
pub(crate) async fn run(
    args: &DeleteUserArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let mut status = ExitStatus::Success;
    for user in &args.usernames {
        if let Err(error) = delete_user(clients, user, console.out).await {
            status = ExitStatus::Failure;
            console.out.flush()?;
            writeln!(console.err, "{}", clients.error_line(error))?;
        }
    }
    Ok(status)
}

async fn delete_user(clients: &Clients, user: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let iam = &clients.iam;
    iam.get_user()
        .user_name(user)
        .send()
        .await
        .aws("GetUser")
        .map_err(|error| not_found(error, "user", user))?;
    writeln!(out, "User: {user}")?;

    let policies: Vec<String> = iam
        .list_user_policies()
        .user_name(user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListUserPolicies")?;
    for policy in policies {
        iam.delete_user_policy()
            .user_name(user)
            .policy_name(&policy)
            .send()
            .await
            .aws("DeleteUserPolicy")?;
        writeln!(out, "  Deleted policy: {policy}")?;
    }

    let attached: Vec<_> = iam
        .list_attached_user_policies()
        .user_name(user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListAttachedUserPolicies")?;
    for arn in attached.iter().filter_map(|policy| policy.policy_arn()) {
        iam.detach_user_policy()
            .user_name(user)
            .policy_arn(arn)
            .send()
            .await
            .aws("DetachUserPolicy")?;
        writeln!(out, "  Detached policy: {arn}")?;
    }

    let keys: Vec<_> = iam
        .list_access_keys()
        .user_name(user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListAccessKeys")?;
    for key in keys.iter().filter_map(|key| key.access_key_id()) {
        iam.delete_access_key()
            .user_name(user)
            .access_key_id(key)
            .send()
            .await
            .aws("DeleteAccessKey")?;
        writeln!(out, "  Deleted access key: {key}")?;
    }

    iam.delete_user()
        .user_name(user)
        .send()
        .await
        .aws("DeleteUser")?;
    writeln!(out, "  Deleted user")?;
    Ok(())
}
