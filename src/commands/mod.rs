//! One module per subcommand; this file dispatches to them, connecting to
//! AWS first for the commands that always need it.

mod completions;
mod create;
mod debug_bucket;
mod delete_objects;
mod delete_role;
mod delete_user;
mod get_bucket_policy;
mod get_cors_policy;
mod get_object;
mod get_objects;
mod get_public_access_block;
mod list_bucket;
mod list_buckets;
mod list_credentials;
mod list_roles;
mod list_user_policies;
mod list_users;
mod localserver;
mod policy;
mod presign;
mod put_object;
mod put_objects;
mod rotate_key;
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
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    whoami::run(clients, console).await
                },
            )
            .await
        }
        Command::Presign(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    presign::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::ListUsers(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    list_users::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::ListBuckets(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    list_buckets::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::ListRoles(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    list_roles::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::ListUserPolicies(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    list_user_policies::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::ListCredentials(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    list_credentials::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::RotateKey(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    rotate_key::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::DeleteUser(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    delete_user::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::DeleteRole(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    delete_role::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::ListBucket(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    list_bucket::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::PutObject(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    put_object::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::PutObjects(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    put_objects::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::GetObject(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    get_object::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::GetObjects(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    get_objects::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::DeleteObjects(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    delete_objects::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::SetCorsPolicy(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    set_cors_policy::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::GetCorsPolicy(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    get_cors_policy::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::GetBucketPolicy(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    get_bucket_policy::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::SetBucketPolicy(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    set_bucket_policy::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::GetPublicAccessBlock(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    get_public_access_block::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::SetPublicAccessBlock(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    set_public_access_block::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::DebugBucket(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    debug_bucket::run(&args, clients, console).await
                },
            )
            .await
        }
        Command::Localserver(args) => {
            on_aws(
                &args.connection,
                console,
                async |clients: &Clients, console: &mut Console<'_>| {
                    localserver::run(&args, clients, console).await
                },
            )
            .await
        }
    }
}

/// Check the connection options, build the clients, run `command` with them,
/// and name the endpoint if the command fails to reach it.
async fn on_aws(
    connection: &ConnectionArgs,
    console: &mut Console<'_>,
    command: impl AsyncFnOnce(&Clients, &mut Console<'_>) -> anyhow::Result<ExitStatus>,
) -> anyhow::Result<ExitStatus> {
    let clients = connect(connection).await?;
    command(&clients, console)
        .await
        .map_err(|error| clients.explain(error))
}

/// Check the connection options and build the clients.
async fn connect(args: &ConnectionArgs) -> anyhow::Result<Clients> {
    let connection = Connection::from_args(args)?;
    Ok(Clients::connect(&connection).await)
}
