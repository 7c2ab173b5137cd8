//! `create`: credentials that can only access the named buckets.
//!
//! Permanent credentials follow the original tool's steps: check the
//! buckets, create the user, attach one inline policy per bucket, create an
//! access key. Temporary credentials (`--duration`) assume the tool's role
//! with one session policy for all the buckets. With `--trust` a role that
//! only the named principal can assume takes the user's place, and no key
//! exists at all (see [`role`]). With `--emit cloudformation` nothing is
//! made: a template that makes the same is printed (see [`emit`]). Everything is checked before
//! the first change, and if a step fails after changes began, what this run
//! created is removed again (see [`undo`]).

mod buckets;
mod emit;
mod managed;
pub(crate) mod plan;
mod role;
mod role_check;
mod role_tags;
mod snippet;
mod tags;
pub(crate) mod undo;
mod user;

use std::io::Write;
use std::time::Duration;

use serde_json::Value;

use self::plan::{Plan, RolePlan};
use self::snippet::RoleInUse;
use self::undo::{Change, Changes};
use crate::aws::Clients;
use crate::cli::CreateArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::iam::new_credentials::{NewCredentials, wait_until_accepted};
use crate::iam::temporary::{self, RoleChange};
use crate::output::{Console, Object, to_pretty_json};
use crate::stopping::until_stopped;

/// A role IAM has just created can take a few seconds before STS lets
/// anyone assume it; keep trying this long.
const NEW_ROLE_GRACE: Duration = Duration::from_secs(15);

/// Check the options, then create the credentials, or describe what would
/// be done with `--dry-run` (which makes no AWS call and needs no credentials).
pub(crate) async fn run(
    args: &CreateArgs,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let plan = Plan::from_args(args, std::io::stdin())?;
    plan.access.warn(console.err)?;
    if args.dry_run {
        plan.describe(console.out)?;
        return Ok(ExitStatus::Success);
    }
    if args.emit.is_some() {
        emit::print(&plan, console.out)?;
        return Ok(ExitStatus::Success);
    }
    let clients = super::connect(&args.connection).await?;
    let mut changes = Changes::default();
    let stopping = changes.stopping.clone();
    let work = execute(&plan, &clients, console, &mut changes);
    if let Err(error) = until_stopped(work, &stopping).await {
        changes.undo(&clients, console.err).await?;
        return Err(clients.explain(error));
    }
    Ok(ExitStatus::Success)
}

async fn execute(
    plan: &Plan,
    clients: &Clients,
    console: &mut Console<'_>,
    changes: &mut Changes,
) -> anyhow::Result<()> {
    if let Some(role) = &plan.role {
        return keyless(plan, role, clients, console, changes).await;
    }
    // Look before changing anything: buckets and user at once.
    let (missing, existing) = tokio::try_join!(buckets::check(plan, clients), async {
        match plan.duration {
            Some(_) => Ok(user::Existing::default()),
            None => user::check(plan, clients).await,
        }
    })?;
    changes.check()?;
    buckets::create(plan, clients, &missing, changes, console.err).await?;
    let credentials = match plan.duration {
        Some(seconds) => {
            temporary_credentials(plan, clients, seconds, changes, console.err).await?
        }
        None => permanent_credentials(plan, clients, &existing, changes, console.err).await?,
    };
    if plan.wait {
        wait_until_accepted(clients, &credentials, &changes.stopping, console.err).await?;
    }
    buckets::release_claims(clients, changes, console.err).await?;
    // The last check: a signal after it comes once the credentials are
    // as good as printed.
    changes.check()?;
    // Printing the secret is the last step: if it fails, the key is undone
    // with the rest rather than left behind with a secret nobody saw.
    let text = credentials.render(plan.format);
    console
        .out
        .write_all(text.as_bytes())
        .and_then(|()| console.out.flush())
        .map_err(|e| anyhow::anyhow!("could not print the credentials: {e}"))
}

/// `create --trust`: the buckets, then the role; its name and ARN on stdout
/// (the last step, undone with the rest if it cannot be printed), then how
/// to use it on stderr.
async fn keyless(
    plan: &Plan,
    role: &RolePlan,
    clients: &Clients,
    console: &mut Console<'_>,
    changes: &mut Changes,
) -> anyhow::Result<()> {
    let (missing, existing) = tokio::try_join!(
        buckets::check(plan, clients),
        role_check::check(plan, role, clients)
    )?;
    changes.check()?;
    buckets::create(plan, clients, &missing, changes, console.err).await?;
    let made = role::create(plan, role, clients, &existing, changes, console.err).await?;
    buckets::release_claims(clients, changes, console.err).await?;
    // The last check: a signal after it comes once the role is as good as
    // printed.
    changes.check()?;
    let value: Value = Object::new()
        .with("RoleName", role.name.as_str())
        .with("RoleArn", made.role_arn.as_str())
        .with_opt("InstanceProfileArn", made.profile_arn.as_deref())
        .into();
    console
        .out
        .write_all(format!("{}\n", to_pretty_json(&value)).as_bytes())
        .and_then(|()| console.out.flush())
        .map_err(|e| anyhow::anyhow!("could not print the role: {e}"))?;
    if !plan.silent {
        let text = snippet::snippet(&RoleInUse {
            principal: &role.principal,
            role_name: &role.name,
            role_arn: &made.role_arn,
            region: &clients.region,
            bucket: &plan.buckets[0],
        });
        write!(console.err, "\n{text}")?;
    }
    Ok(())
}

async fn permanent_credentials(
    plan: &Plan,
    clients: &Clients,
    existing: &user::Existing,
    changes: &mut Changes,
    log: &mut dyn Write,
) -> anyhow::Result<NewCredentials> {
    let key = user::create(plan, clients, existing, changes, log).await?;
    Ok(NewCredentials::Permanent {
        user: plan.username.clone(),
        key,
    })
}

impl Plan {
    /// Write a step's log line, unless `--silent`.
    fn say(&self, log: &mut dyn Write, line: &str) -> std::io::Result<()> {
        if self.silent {
            Ok(())
        } else {
            writeln!(log, "{line}")
        }
    }
}

async fn temporary_credentials(
    plan: &Plan,
    clients: &Clients,
    seconds: u32,
    changes: &mut Changes,
    log: &mut dyn Write,
) -> anyhow::Result<NewCredentials> {
    let mut say = |line: String| plan.say(log, &line);
    changes.check()?;
    let (role_arn, change) = temporary::ensure_role(clients).await?;
    match change {
        RoleChange::Created => {
            changes.push(Change::Role);
            say(format!("Created role: {role_arn}"))?;
            if !plan.tags.is_empty() {
                clients
                    .iam
                    .tag_role()
                    .role_name(temporary::ROLE_NAME)
                    .set_tags(Some(tags::iam_tags(&plan.tags)?))
                    .send()
                    .await
                    .aws("TagRole")?;
                say(format!("Tagged role: {}", temporary::ROLE_NAME))?;
            }
        }
        RoleChange::Extended => say(format!(
            "Raised the maximum session duration of role {} to 12 hours",
            temporary::ROLE_NAME
        ))?,
        RoleChange::None => {}
    }
    say(format!("Assume role against {role_arn} for {seconds}s"))?;
    let policy = plan.session_policy();
    let session = plan.session_name();
    let duration = i32::try_from(seconds).unwrap_or(i32::MAX);
    let started = tokio::time::Instant::now();
    loop {
        changes.check()?;
        match temporary::assume_role(clients, &role_arn, &session, &policy, duration).await {
            Ok(credentials) => return Ok(NewCredentials::Temporary(credentials)),
            Err(error)
                if change == RoleChange::Created
                    && started.elapsed() < NEW_ROLE_GRACE
                    && is_access_denied(&error) =>
            {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

fn is_access_denied(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<crate::error::AwsError>()
        .is_some_and(|aws| aws.is_access_denied())
}
