//! One module per subcommand; this file only dispatches.

mod debug_bucket;
mod delete_user;
mod get_bucket_policy;
mod get_cors_policy;
mod get_public_access_block;
mod list_buckets;
mod list_roles;
mod list_user_policies;
mod list_users;
mod localserver;
mod set_bucket_policy;
mod set_cors_policy;
mod set_public_access_block;
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
        Command::SetCorsPolicy(args) => set_cors_policy::run(&args, &clients, console).await,
        Command::GetCorsPolicy(args) => get_cors_policy::run(&args, &clients, console).await,
        Command::GetBucketPolicy(args) => get_bucket_policy::run(&args, &clients, console).await,
        Command::SetBucketPolicy(args) => set_bucket_policy::run(&args, &clients, console).await,
        Command::GetPublicAccessBlock(args) => {
            get_public_access_block::run(&args, &clients, console).await
        }
        Command::SetPublicAccessBlock(args) => {
            set_public_access_block::run(&args, &clients, console).await
        }
        Command::DebugBucket(args) => debug_bucket::run(&args, &clients, console).await,
        Command::Localserver(args) => localserver::run(&args, &clients, console).await,
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
        Command::SetCorsPolicy(args) => &args.connection,
        Command::GetCorsPolicy(args)
        | Command::GetBucketPolicy(args)
        | Command::GetPublicAccessBlock(args)
        | Command::DebugBucket(args) => &args.connection,
        Command::SetBucketPolicy(args) => &args.connection,
        Command::SetPublicAccessBlock(args) => &args.connection,
        Command::Localserver(args) => &args.connection,
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
