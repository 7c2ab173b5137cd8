//! One module per subcommand; this file dispatches to them, connecting to
//! AWS first for the commands that always need it.
//!
//! The dispatch is a table given to the `commands!` macro below rather than
//! a hand-written `match`: every AWS command is connected, run and explained
//! the same way, so adding one is one line of the table (`Variant => module`),
//! which also declares its module. A command that needs AWS has the entry
//! point `module::run(&Args, &Clients, &mut Console) -> anyhow::Result<ExitStatus>`.

mod completions;
mod create;
mod policy;

use crate::aws::Clients;
use crate::cli::{Command, ConnectionArgs};
use crate::error::ExitStatus;
use crate::output::Console;
use crate::settings::Connection;

/// Declare the module of each AWS command and write `run`, which matches the
/// local commands by hand and every `Variant => module` of the table with
/// [`on_aws`]. `console` is passed in so that the hand-written arms can name
/// `run`'s parameter (a macro's own identifiers are hidden from its caller).
macro_rules! commands {
    (
        local($console:ident) { $($pattern:pat => $local:expr,)* }
        aws { $($variant:ident => $module:ident,)* }
    ) => {
        $(mod $module;)*

        /// Run one subcommand.
        pub(crate) async fn run(
            command: Command,
            $console: &mut Console<'_>,
        ) -> anyhow::Result<ExitStatus> {
            match command {
                $($pattern => $local,)*
                $(Command::$variant(args) => {
                    on_aws(&args.connection, $console, async |clients, console| {
                        $module::run(&args, clients, console).await
                    })
                    .await
                })*
            }
        }
    };
}

commands! {
    // These decide for themselves whether they need AWS at all.
    local(console) {
        Command::Create(args) => create::run(&args, console).await,
        Command::Policy(args) => policy::run(&args, console),
        Command::Completions(args) => completions::completions(&args, console),
        Command::Man(args) => completions::man(&args, console),
    }
    // Connect first, then `module::run(&args, &clients, console)`.
    aws {
        Whoami => whoami,
        ListUsers => list_users,
        ListBuckets => list_buckets,
        ListRoles => list_roles,
        ListUserPolicies => list_user_policies,
        ListCredentials => list_credentials,
        RotateKey => rotate_key,
        DeleteUser => delete_user,
        DeleteRole => delete_role,
        ListBucket => list_bucket,
        PutObject => put_object,
        PutObjects => put_objects,
        GetObject => get_object,
        GetObjects => get_objects,
        Presign => presign,
        DeleteObjects => delete_objects,
        SetCorsPolicy => set_cors_policy,
        GetCorsPolicy => get_cors_policy,
        GetBucketPolicy => get_bucket_policy,
        SetBucketPolicy => set_bucket_policy,
        GetPublicAccessBlock => get_public_access_block,
        SetPublicAccessBlock => set_public_access_block,
        DebugBucket => debug_bucket,
        Localserver => localserver,
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
