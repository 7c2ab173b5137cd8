//! `whoami`: the identity behind the current credentials.

use crate::aws::Clients;
use crate::cli::WhoamiArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::output::{Console, Object, to_pretty_json};

/// Print `UserId`, `Account` and `Arn` of the caller as JSON. `whoami` has
/// no options beyond the connection, which the dispatcher has used already.
pub(crate) async fn run(
    _args: &WhoamiArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let identity = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .aws("GetCallerIdentity")?;
    let value: serde_json::Value = Object::new()
        .with_opt("UserId", identity.user_id)
        .with_opt("Account", identity.account)
        .with_opt("Arn", identity.arn)
        .into();
    writeln!(console.out, "{}", to_pretty_json(&value))?;
    Ok(ExitStatus::Success)
}
