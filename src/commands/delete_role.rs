//! `delete-role`: remove roles this tool made (`create --trust`), along with
//! everything that blocks their deletion.
//!
//! What it deletes is limited to what the tool makes: a role without the
//! `s3-credentials:*` tags `create` gives every role, or one that is also in
//! an instance profile that is not its own (named like it, holding only
//! it), is refused before any change unless `--force`. Even with `--force`,
//! only the own instance profile of a role this tool made is deleted; the
//! role is just taken out of any other.


use aws_sdk_iam::types::Tag;

use crate::aws::Clients;
use crate::cli::DeleteRoleArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::grant::tags::KEY_PREFIX;
use crate::iam::not_found;
use crate::iam::teardown::{self, RoleDependents};
use crate::output::Console;
use crate::stopping::{Stopping, until_stopped};

/// Delete each role in turn: out of its instance profiles, inline
/// policies, attached managed policies, then the role, printing each step.
/// A role that fails or is refused is reported and the others are still
/// deleted; the exit code is then 1.
pub(crate) async fn run(
    args: &DeleteRoleArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let stopping = Stopping::default();
    let mut status = ExitStatus::Success;
    let work = async {
        for (n, role) in args.names.iter().enumerate() {
            if let Err(stop) = stopping.check() {
                let names: Vec<String> = args.names[n..].iter().map(|r| format!("`{r}`")).collect();
                anyhow::bail!("{stop}; not started: role {}", names.join(", "));
            }
            if let Err(error) = delete_role(clients, role, args.force, console, &stopping).await
            {
                status = ExitStatus::Failure;
                console.out.flush()?;
                writeln!(console.err, "{}", clients.error_line(error))?;
            }
        }
        Ok(())
    };
    until_stopped(work, &stopping).await?;
    Ok(status)
}

async fn delete_role(
    clients: &Clients,
    role: &str,
    force: bool,
    console: &mut Console<'_>,
    stopping: &Stopping,
) -> anyhow::Result<()> {
    let (out, err) = (&mut *console.out, &mut *console.err);
    clients
        .iam
        .get_role()
        .role_name(role)
        .send()
        .await
        .aws("GetRole")
        .map_err(|error| not_found(error, "role", role))?;
    let (made_here, dependents) = tokio::try_join!(
        made_by_this_tool(clients, role),
        RoleDependents::list(clients, role)
    )?;
    if !force {
        refuse_what_is_not_ours(role, made_here, &dependents)?;
    }
    writeln!(out, "Role: {role}")?;
    out.flush()?;
    // A forced role the tool did not make keeps every instance profile:
    // nothing says the tool made the one named like it.
    teardown::run(clients, &dependents.steps(made_here), stopping, |step, note| {
        match note {
            None => writeln!(out, "  {step}")?,
            Some(note) => {
                out.flush()?;
                writeln!(err, "{}", crate::error::warning_text(note))?;
            }
        }
        out.flush()
    })
    .await
}

/// Whether the role carries the `s3-credentials:*` tags `create --trust`
/// gives every role it makes.
async fn made_by_this_tool(clients: &Clients, role: &str) -> Result<bool, crate::error::AwsError> {
    let request = clients.iam.list_role_tags().role_name(role);
    let tags: Vec<Tag> = request
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListRoleTags")?;
    Ok(tags.iter().any(|tag| tag.key().starts_with(KEY_PREFIX)))
}

/// Refuse, before any change, a role this tool did not make, and one that
/// is also in an instance profile that is not its own.
fn refuse_what_is_not_ours(
    role: &str,
    made_here: bool,
    dependents: &RoleDependents,
) -> anyhow::Result<()> {
    if !made_here {
        anyhow::bail!(
            "role `{role}` was not made by s3-credentials (it has no `{KEY_PREFIX}*` tags), so it \
             was not deleted; add --force to delete it anyway"
        );
    }
    let foreign = dependents.foreign_profiles();
    if !foreign.is_empty() {
        let names: Vec<String> = foreign.iter().map(|p| format!("`{p}`")).collect();
        anyhow::bail!(
            "role `{role}` is also in instance profile {}, which s3-credentials did not make, so \
             it was not deleted; add --force to take it out of that profile (which is kept) and \
             delete it",
            names.join(", ")
        );
    }
    Ok(())
}
