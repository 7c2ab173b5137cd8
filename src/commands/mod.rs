//! One module per subcommand; this file only dispatches.

mod completions;
mod create;
mod debug_bucket;
mod delete_objects;
mod delete_user;
mod get_bucket_policy;
mod get_cors_policy;
mod get_object;
mod get_objects;
mod get_public_access_block;
mod list_bucket;
mod list_buckets;
mod list_roles;
mod list_user_policies;
mod list_users;
mod localserver;
mod policy;
mod put_object;
mod put_objects;
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
    match command {
        // These two decide for themselves whether they need AWS at all.
        Command::Create(args) => create::run(&args, console).await,
        Command::Policy(args) => policy::run(&args, console),
        Command::Completions(args) => completions::completions(&args, console),
        Command::Man(args) => completions::man(&args, console),
        Command::Whoami(args) => {
            let clients = connect(&args.connection).await?;
            named(whoami::run(&clients, console).await, &clients)
        }
        Command::ListUsers(args) => {
            let clients = connect(&args.connection).await?;
            named(list_users::run(&args, &clients, console).await, &clients)
        }
        Command::ListBuckets(args) => {
            let clients = connect(&args.connection).await?;
            named(list_buckets::run(&args, &clients, console).await, &clients)
        }
        Command::ListRoles(args) => {
            let clients = connect(&args.connection).await?;
            named(list_roles::run(&args, &clients, console).await, &clients)
        }
        Command::ListUserPolicies(args) => {
            let clients = connect(&args.connection).await?;
            named(
                list_user_policies::run(&args, &clients, console).await,
                &clients,
            )
        }
        Command::DeleteUser(args) => {
            let clients = connect(&args.connection).await?;
            named(delete_user::run(&args, &clients, console).await, &clients)
        }
        Command::ListBucket(args) => {
            let clients = connect(&args.connection).await?;
            named(list_bucket::run(&args, &clients, console).await, &clients)
        }
        Command::PutObject(args) => {
            let clients = connect(&args.connection).await?;
            named(put_object::run(&args, &clients, console).await, &clients)
        }
        Command::PutObjects(args) => {
            let clients = connect(&args.connection).await?;
            named(put_objects::run(&args, &clients, console).await, &clients)
        }
        Command::GetObject(args) => {
            let clients = connect(&args.connection).await?;
            named(get_object::run(&args, &clients, console).await, &clients)
        }
        Command::GetObjects(args) => {
            let clients = connect(&args.connection).await?;
            named(get_objects::run(&args, &clients, console).await, &clients)
        }
        Command::DeleteObjects(args) => {
            let clients = connect(&args.connection).await?;
            named(
                delete_objects::run(&args, &clients, console).await,
                &clients,
            )
        }
        Command::SetCorsPolicy(args) => {
            let clients = connect(&args.connection).await?;
            named(
                set_cors_policy::run(&args, &clients, console).await,
                &clients,
            )
        }
        Command::GetCorsPolicy(args) => {
            let clients = connect(&args.connection).await?;
            named(
                get_cors_policy::run(&args, &clients, console).await,
                &clients,
            )
        }
        Command::GetBucketPolicy(args) => {
            let clients = connect(&args.connection).await?;
            named(
                get_bucket_policy::run(&args, &clients, console).await,
                &clients,
            )
        }
        Command::SetBucketPolicy(args) => {
            let clients = connect(&args.connection).await?;
            named(
                set_bucket_policy::run(&args, &clients, console).await,
                &clients,
            )
        }
        Command::GetPublicAccessBlock(args) => {
            let clients = connect(&args.connection).await?;
            named(
                get_public_access_block::run(&args, &clients, console).await,
                &clients,
            )
        }
        Command::SetPublicAccessBlock(args) => {
            let clients = connect(&args.connection).await?;
            named(
                set_public_access_block::run(&args, &clients, console).await,
                &clients,
            )
        }
        Command::DebugBucket(args) => {
            let clients = connect(&args.connection).await?;
            named(debug_bucket::run(&args, &clients, console).await, &clients)
        }
        Command::Localserver(args) => {
            let clients = connect(&args.connection).await?;
            named(localserver::run(&args, &clients, console).await, &clients)
        }
    }
}

/// Name the endpoint in a connection failure of a command's final error.
fn named(result: anyhow::Result<ExitStatus>, clients: &Clients) -> anyhow::Result<ExitStatus> {
    result.map_err(|error| clients.explain(error))
}

/// Check the connection options and build the clients.
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
    let error = clients.explain(error);
    writeln!(
        err,
        "Error: {}",
        crate::error::one_line(&format!("{error:#}"))
    )
}
