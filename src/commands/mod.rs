//! One module per subcommand; this file only dispatches.

mod delete_objects;
mod delete_user;
mod get_object;
mod get_objects;
mod list_bucket;
mod list_buckets;
mod list_roles;
mod list_user_policies;
mod list_users;
mod put_object;
mod put_objects;
mod whoami;

use crate::aws::Clients;
use crate::cli::{Command, ConnectionArgs};
use crate::error::ExitStatus;
use crate::output::Console;
use crate::settings::Connection;

/// Run one subcommand.
pub(crate) async fn run(command: Command, console: &mut Console<'_>) -> anyhow::Result<ExitStatus> {
    let clients = connect(connection_args(&command)).await?;
    let result = match command {
        Command::Whoami(_) => whoami::run(&clients, console).await,
        Command::ListUsers(args) => list_users::run(&args, &clients, console).await,
        Command::ListBuckets(args) => list_buckets::run(&args, &clients, console).await,
        Command::ListRoles(args) => list_roles::run(&args, &clients, console).await,
        Command::ListUserPolicies(args) => list_user_policies::run(&args, &clients, console).await,
        Command::DeleteUser(args) => delete_user::run(&args, &clients, console).await,
        Command::ListBucket(args) => list_bucket::run(&args, &clients, console).await,
        Command::PutObject(args) => put_object::run(&args, &clients, console).await,
        Command::PutObjects(args) => put_objects::run(&args, &clients, console).await,
        Command::GetObject(args) => get_object::run(&args, &clients, console).await,
        Command::GetObjects(args) => get_objects::run(&args, &clients, console).await,
        Command::DeleteObjects(args) => delete_objects::run(&args, &clients, console).await,
    };
    result.map_err(|error| crate::name_endpoint(error, &clients.endpoint))
}

fn connection_args(command: &Command) -> &ConnectionArgs {
    match command {
        Command::Whoami(args) => &args.connection,
        Command::ListUsers(args) => &args.connection,
        Command::ListBuckets(args) => &args.connection,
        Command::ListRoles(args) => &args.connection,
        Command::ListUserPolicies(args) => &args.connection,
        Command::DeleteUser(args) => &args.connection,
        Command::ListBucket(args) => &args.connection,
        Command::PutObject(args) => &args.connection,
        Command::PutObjects(args) => &args.connection,
        Command::GetObject(args) => &args.connection,
        Command::GetObjects(args) => &args.connection,
        Command::DeleteObjects(args) => &args.connection,
    }
}

async fn connect(args: &ConnectionArgs) -> anyhow::Result<Clients> {
    let connection = Connection::from_args(args)?;
    Ok(Clients::connect(&connection).await)
}

/// Report one failed item (a user, a role) on stderr and carry on with the
/// others; the command then exits 1.
fn report_failure(
    err: &mut dyn std::io::Write,
    clients: &Clients,
    error: anyhow::Error,
) -> std::io::Result<()> {
    let error = crate::name_endpoint(error, &clients.endpoint);
    writeln!(
        err,
        "Error: {}",
        crate::error::one_line(&format!("{error:#}"))
    )
}
