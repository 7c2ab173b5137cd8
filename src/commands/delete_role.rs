//! `delete-role`: remove roles along with everything that blocks their
//! deletion, such as the roles `create --trust` makes.

use std::io::Write;

use crate::aws::Clients;
use crate::cli::DeleteRoleArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::iam::not_found;
use crate::iam::teardown::{self, RoleDependents};
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
    let dependents = RoleDependents::list(clients, role).await?;
    teardown::run(clients, &dependents.steps(), |step| {
        writeln!(out, "  {step}")
    })
    .await
}
