//! `delete-role`: remove roles along with everything that blocks their
//! deletion, such as the roles `create --trust` makes.

use std::io::Write;

use crate::aws::Clients;
use crate::cli::DeleteRoleArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::iam::not_found;
use crate::output::Console;

/// Delete each role in turn: instance profiles, inline policies, attached
/// managed policies, then the role, printing each step. A role that fails is
/// reported and the others are still deleted; the exit code is then 1.
pub(crate) async fn run(
    args: &DeleteRoleArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let mut status = ExitStatus::Success;
    for role in &args.names {
        if let Err(error) = delete_role(clients, role, console.out).await {
            status = ExitStatus::Failure;
            console.out.flush()?;
            writeln!(console.err, "{}", clients.error_line(error))?;
        }
    }
    Ok(status)
}

async fn delete_role(clients: &Clients, role: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    clients
        .iam
        .get_role()
        .role_name(role)
        .send()
        .await
        .aws("GetRole")
        .map_err(|error| not_found(error, "role", role))?;
    writeln!(out, "Role: {role}")?;
    leave_instance_profiles(clients, role, out).await?;
    delete_policies(clients, role, out).await?;
    clients
        .iam
        .delete_role()
        .role_name(role)
        .send()
        .await
        .aws("DeleteRole")?;
    writeln!(out, "  Deleted role")?;
    Ok(())
}

/// Take the role out of every instance profile; the profile named like the
/// role (the one `create --trust service:ec2` makes) is deleted once empty,
/// other profiles are left for their owners.
async fn leave_instance_profiles(
    clients: &Clients,
    role: &str,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let iam = &clients.iam;
    let profiles: Vec<_> = iam
        .list_instance_profiles_for_role()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListInstanceProfilesForRole")?;
    for profile in profiles {
        let name = profile.instance_profile_name();
        iam.remove_role_from_instance_profile()
            .instance_profile_name(name)
            .role_name(role)
            .send()
            .await
            .aws("RemoveRoleFromInstanceProfile")?;
        writeln!(out, "  Removed from instance profile: {name}")?;
        let others = profile.roles().iter().any(|r| r.role_name() != role);
        if name == role && !others {
            iam.delete_instance_profile()
                .instance_profile_name(name)
                .send()
                .await
                .aws("DeleteInstanceProfile")?;
            writeln!(out, "  Deleted instance profile: {name}")?;
        }
    }
    Ok(())
}

/// Delete the inline policies and detach the managed ones.
async fn delete_policies(clients: &Clients, role: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let iam = &clients.iam;
    let policies = crate::iam::role_policy_names(clients, role).await?;
    for policy in policies {
        iam.delete_role_policy()
            .role_name(role)
            .policy_name(&policy)
            .send()
            .await
            .aws("DeleteRolePolicy")?;
        writeln!(out, "  Deleted policy: {policy}")?;
    }
    let attached = crate::iam::attached_role_policies(clients, role).await?;
    for arn in attached.iter().filter_map(|policy| policy.policy_arn()) {
        iam.detach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .aws("DetachRolePolicy")?;
        writeln!(out, "  Detached policy: {arn}")?;
    }
    Ok(())
}
