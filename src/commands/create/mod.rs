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
pub(crate) mod plan;
mod role;
mod role_check;
mod snippet;
mod tags;
pub(crate) mod undo;
mod user;

use std::io::Write;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_iam::types::AccessKey;
use serde_json::Value;

use self::plan::{Plan, RolePlan};
use self::snippet::RoleInUse;
use self::undo::{Change, Changes, Stopping};
use crate::aws::Clients;
use crate::cli::{CreateArgs, CredentialsFormat};
use crate::error::{AwsResultExt, ExitStatus};
use crate::iam::temporary::{self, RoleChange, TemporaryCredentials};
use crate::output::{Console, Object, timestamp, to_pretty_json};
use crate::signals::StopSignals;

/// How long `--wait` waits for new credentials to be accepted.
const WAIT_LIMIT: Duration = Duration::from_secs(60);
/// A role IAM has just created can take a few seconds before STS lets
/// anyone assume it; keep trying this long.
const NEW_ROLE_GRACE: Duration = Duration::from_secs(15);
/// After Ctrl+C or SIGTERM, how long the request in flight may take to
/// answer: a change it made is undone with the others.
const IN_FLIGHT_LIMIT: Duration = Duration::from_secs(15);

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

/// Run `work` to its end. On Ctrl+C or SIGTERM, it is not dropped
/// mid-request (a change AWS made would go unseen and stay): it is asked to
/// stop at its next check and given [`IN_FLIGHT_LIMIT`] to get there.
pub(crate) async fn until_stopped(
    work: impl Future<Output = anyhow::Result<()>>,
    stopping: &Stopping,
) -> anyhow::Result<()> {
    // Listening before the work starts, so that no signal is missed.
    let mut stop = StopSignals::new()?;
    let mut work = std::pin::pin!(work);
    let signal = tokio::select! {
        result = &mut work => return result,
        signal = stop.wait() => signal,
    };
    stopping.stop(signal);
    match tokio::time::timeout(IN_FLIGHT_LIMIT, &mut work).await {
        Ok(result) => result,
        Err(_) => Err(anyhow::anyhow!(
            "interrupted by {}; a request was still unanswered {} seconds later, and whatever \
             it changed was not undone",
            signal.name(),
            IN_FLIGHT_LIMIT.as_secs()
        )),
    }
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
        wait_until_accepted(clients, &credentials, changes, console.err).await?;
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

/// New credentials, in the shape AWS returned them.
pub(crate) enum NewCredentials {
    Permanent { user: String, key: AccessKey },
    Temporary(TemporaryCredentials),
}

impl NewCredentials {
    fn sdk_credentials(&self) -> Credentials {
        match self {
            Self::Permanent { key, .. } => Credentials::new(
                key.access_key_id(),
                key.secret_access_key(),
                None,
                None,
                "s3-credentials create",
            ),
            Self::Temporary(t) => Credentials::new(
                &t.access_key_id,
                &t.secret_access_key,
                Some(t.session_token.clone()),
                None,
                "s3-credentials create",
            ),
        }
    }

    /// The credentials as `create` prints them.
    pub(crate) fn render(&self, format: CredentialsFormat) -> String {
        match (self, format) {
            (Self::Permanent { key, .. }, CredentialsFormat::Ini) => format!(
                "[default]\naws_access_key_id={}\naws_secret_access_key={}\n",
                key.access_key_id(),
                key.secret_access_key()
            ),
            (Self::Temporary(t), CredentialsFormat::Ini) => format!(
                "[default]\naws_access_key_id={}\naws_secret_access_key={}\naws_session_token={}\n",
                t.access_key_id, t.secret_access_key, t.session_token
            ),
            (Self::Permanent { user, key }, CredentialsFormat::Json) => {
                let value: Value = Object::new()
                    .with("UserName", user.as_str())
                    .with("AccessKeyId", key.access_key_id())
                    .with("Status", key.status().as_str())
                    .with("SecretAccessKey", key.secret_access_key())
                    .with_opt("CreateDate", key.create_date().map(timestamp))
                    .into();
                format!("{}\n", to_pretty_json(&value))
            }
            (Self::Temporary(t), CredentialsFormat::Json) => {
                let value: Value = Object::new()
                    .with("AccessKeyId", t.access_key_id.as_str())
                    .with("SecretAccessKey", t.secret_access_key.as_str())
                    .with("SessionToken", t.session_token.as_str())
                    .with("Expiration", timestamp(&t.expiration))
                    .into();
                format!("{}\n", to_pretty_json(&value))
            }
        }
    }
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

/// Try the new credentials until AWS accepts them (IAM takes a few seconds
/// to make a new key usable everywhere), at most [`WAIT_LIMIT`].
pub(crate) async fn wait_until_accepted(
    clients: &Clients,
    credentials: &NewCredentials,
    changes: &Changes,
    log: &mut dyn Write,
) -> anyhow::Result<()> {
    let message = "Waiting for AWS to accept the new credentials...";
    // A spinner on a terminal; a plain line where stderr is a file or pipe.
    let spinner = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let spinner = indicatif::ProgressBar::new_spinner().with_message(message);
        spinner.enable_steady_tick(Duration::from_millis(100));
        spinner
    });
    if spinner.is_none() {
        writeln!(log, "{message}")?;
    }
    let probe = clients.with_credentials(credentials.sdk_credentials());
    let accepted = tokio::time::timeout(WAIT_LIMIT, async {
        while probe.sts.get_caller_identity().send().await.is_err() {
            changes.check()?;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        anyhow::Ok(())
    })
    .await;
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    if let Ok(accepted) = accepted {
        accepted?;
        writeln!(log, "The new credentials are ready to use")?;
    } else {
        writeln!(
            log,
            "Warning: AWS did not accept the new credentials within {} seconds; they usually \
             start working shortly after",
            WAIT_LIMIT.as_secs()
        )?;
    }
    Ok(())
}
