//! `delete-user`: remove users along with everything that blocks their
//! deletion; with `--expired`, every user this tool created whose expiry has
//! passed.
//!
//! Each user's dependents are listed in full before anything is deleted
//! (see [`crate::iam::teardown`]); each step is printed, and flushed, as it
//! is done. Ctrl+C or SIGTERM lets the step in flight finish, starts no
//! other, and says what was left and which users were not started.

use std::io::Write;

use futures_util::{StreamExt, stream};
use time::OffsetDateTime;

use crate::aws::Clients;
use crate::cli::DeleteUserArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::grant::audit;
use crate::grant::tags::{Grant, Kind, tag_problems};
use crate::iam::teardown::{self, UserDependents};
use crate::iam::{not_found, user_tags};
use crate::output::Console;
use crate::settings::dates::format_printed;
use crate::stopping::{Stopping, until_stopped};

use super::list_credentials::CONCURRENCY;

/// Delete each user in turn, printing each step. A user that fails is
/// reported and the others are still deleted; the exit code is then 1.
pub(crate) async fn run(
    args: &DeleteUserArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let stopping = Stopping::default();
    let mut status = ExitStatus::Success;
    let work = async {
        status = if args.expired {
            delete_expired(args.dry_run, clients, console, &stopping).await?
        } else {
            let users: Vec<(&str, String)> = args
                .usernames
                .iter()
                .map(|u| (u.as_str(), String::new()))
                .collect();
            delete_each(clients, &users, console, &stopping).await?
        };
        Ok(())
    };
    until_stopped(work, &stopping).await?;
    Ok(status)
}

/// Delete `users` (each a name and the note printed after it) one by one;
/// after a stop, none is started and the error names those not started.
async fn delete_each(
    clients: &Clients,
    users: &[(&str, String)],
    console: &mut Console<'_>,
    stopping: &Stopping,
) -> anyhow::Result<ExitStatus> {
    let mut status = ExitStatus::Success;
    for (n, (user, note)) in users.iter().enumerate() {
        if let Err(stop) = stopping.check() {
            return Err(not_started(&stop, users[n..].iter().map(|(user, _)| *user)));
        }
        if let Err(error) = delete_user(clients, user, note, console, stopping).await {
            status = ExitStatus::Failure;
            console.out.flush()?;
            writeln!(console.err, "{}", clients.error_line(error))?;
        }
    }
    Ok(status)
}

/// Delete one user, printing `User: NAME` with `note` after it, then each
/// step as it is done; a `Warning:` on stderr for each of the tool's
/// managed policies kept because it is attached elsewhere too.
async fn delete_user(
    clients: &Clients,
    user: &str,
    note: &str,
    console: &mut Console<'_>,
    stopping: &Stopping,
) -> anyhow::Result<()> {
    let Console { out, err } = console;
    clients
        .iam
        .get_user()
        .user_name(user)
        .send()
        .await
        .aws("GetUser")
        .map_err(|error| not_found(error, "user", user))?;
    writeln!(out, "User: {user}{note}")?;
    out.flush()?;
    let dependents = UserDependents::list(clients, user).await?;
    teardown::run(clients, &dependents.steps(), stopping, |step, kept| {
        match kept {
            None => writeln!(out, "  {step}")?,
            Some(why) => {
                out.flush()?;
                writeln!(err, "{}", crate::error::warning_text(why))?;
            }
        }
        out.flush()
    })
    .await
}

/// The error for a stop between users: which were not started.
fn not_started<'a>(stop: &anyhow::Error, users: impl Iterator<Item = &'a str>) -> anyhow::Error {
    let names: Vec<String> = users.map(|user| format!("`{user}`")).collect();
    anyhow::anyhow!("{stop}; not started: user {}", names.join(", "))
}

/// A user found expired: its name and its tagged expiry, as printed.
struct Expired {
    name: String,
    expires: String,
}

/// Find the users whose tagged expiry has passed and that are exactly what
/// the tool makes (see [`check`]), then delete them one by one, checking
/// each again just before, or only list them with `dry_run`. Every other
/// user whose tags say it expired is skipped with a `Warning:` saying why.
async fn delete_expired(
    dry_run: bool,
    clients: &Clients,
    console: &mut Console<'_>,
    stopping: &Stopping,
) -> anyhow::Result<ExitStatus> {
    let now = OffsetDateTime::now_utc();
    let Found {
        expired,
        unchecked,
        skipped,
    } = find_expired(clients, now, console, stopping).await?;
    let mut status = if unchecked > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    };
    if expired.is_empty() {
        writeln!(console.err, "{}", nothing_to_delete(unchecked, skipped))?;
    }
    for (n, found) in expired.iter().enumerate() {
        let Expired { name, expires } = found;
        if dry_run {
            writeln!(console.out, "Would delete user: {name} (expired {expires})")?;
            continue;
        }
        if let Err(stop) = stopping.check() {
            let rest = expired[n..].iter().map(|found| found.name.as_str());
            return Err(not_started(&stop, rest));
        }
        let result = delete_if_still_expired(clients, name, expires, console, stopping);
        if let Err(error) = result.await {
            status = ExitStatus::Failure;
            console.out.flush()?;
            writeln!(console.err, "{}", clients.error_line(error))?;
        }
    }
    Ok(status)
}

/// The line saying why `--expired` deletes nothing: never "no user has
/// expired" when some could not be checked or were skipped.
fn nothing_to_delete(unchecked: usize, skipped: usize) -> String {
    let skipped_part = format!("{skipped} expired user(s) skipped (warnings above)");
    match (unchecked, skipped) {
        (0, 0) => "No user made by s3-credentials has expired".to_owned(),
        (0, _) => format!("No user to delete: {skipped_part}"),
        (n, 0) => format!(
            "Could not check {n} user(s) (errors above): none of the others made by \
             s3-credentials has expired"
        ),
        (n, _) => format!(
            "Could not check {n} user(s) (errors above); {skipped_part}; none of the others \
             made by s3-credentials has expired"
        ),
    }
}

/// What [`find_expired`] found: the users to delete, how many users could
/// not be looked at, and how many expired ones were skipped.
struct Found {
    expired: Vec<Expired>,
    unchecked: usize,
    skipped: usize,
}

/// The users to delete as expired (looked at concurrently), and how many
/// users could not be looked at (each reported); warns about each user
/// whose tags say it expired but that is not to be deleted.
async fn find_expired(
    clients: &Clients,
    now: OffsetDateTime,
    console: &mut Console<'_>,
    stopping: &Stopping,
) -> anyhow::Result<Found> {
    let (mut expired, mut unchecked, mut skipped_users) = (Vec::new(), 0, 0);
    let mut pages = clients.iam.list_users().into_paginator().send();
    while let Some(page) = pages.next().await {
        stopping.check()?;
        let mut checked = stream::iter(page.aws("ListUsers")?.users)
            .map(|user| async move {
                let result = check(clients, &user.user_name, now).await;
                (user.user_name, result)
            })
            .buffered(CONCURRENCY);
        while let Some((name, result)) = checked.next().await {
            match result {
                Ok(Verdict::Delete(expires)) => expired.push(Expired { name, expires }),
                Ok(Verdict::Keep) => {}
                Ok(Verdict::Skip(why)) => {
                    skipped_users += 1;
                    writeln!(console.err, "{}", skipped(&name, &why))?;
                }
                Err(error) => {
                    unchecked += 1;
                    let error = error.context(format!("user `{name}`"));
                    writeln!(console.err, "{}", clients.error_line(error))?;
                }
            }
        }
    }
    Ok(Found {
        expired,
        unchecked,
        skipped: skipped_users,
    })
}

/// The warning for a user whose tags say it expired but that is kept.
fn skipped(user: &str, why: &[String]) -> String {
    crate::error::warning_text(format_args!("skipped user {user}: {}", why.join("; ")))
}

/// What to do with a user.
enum Verdict {
    /// Not a user the tool made, or not expired: nothing to say.
    Keep,
    /// Expired and exactly what the tool makes; the expiry as printed.
    Delete(String),
    /// Its tags say it expired, but these are why it is not deleted.
    Skip(Vec<String>),
}

/// Whether `user` is to be deleted as expired at `now`: its tags parse and say it expired, its policies are exactly those
/// the tags describe, it has nothing the tool never makes, and no access
/// key newer than the expiry. The tags are read before everything else, so
/// a `create` that lands after they were read shows in the policies or keys.
async fn check(clients: &Clients, user: &str, now: OffsetDateTime) -> anyhow::Result<Verdict> {
    let tags = user_tags(clients, user).await?;
    let pairs = || tags.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let Some(grant) = Grant::from_tags(pairs()) else {
        return Ok(Verdict::Keep);
    };
    let mut problems = tag_problems(pairs());
    let unreadable_expiry = problems
        .iter()
        .any(|p| p.contains("s3-credentials:expires"));
    if !grant.is_expired(now) && !unreadable_expiry {
        return Ok(Verdict::Keep);
    }
    if grant.kind != Kind::User {
        problems.push("it is tagged as a role but is an IAM user".to_owned());
    }
    let (policies, extras) = tokio::try_join!(
        audit::user_policies(clients, user),
        audit::user_extras(clients, user, grant.expires),
    )?;
    problems.extend(audit::policy_problems(&grant, true, &policies, user));
    problems.extend(extras);
    Ok(match (problems.is_empty(), grant.expires) {
        (true, Some(expires)) => Verdict::Delete(format_printed(expires)),
        _ => Verdict::Skip(problems),
    })
}

/// Delete a user found expired, after checking it all again: a `create`
/// run for it meanwhile (a new expiry, a new key) or anything else added
/// to it keeps it, with a warning.
async fn delete_if_still_expired(
    clients: &Clients,
    user: &str,
    expires: &str,
    console: &mut Console<'_>,
    stopping: &Stopping,
) -> anyhow::Result<()> {
    match check(clients, user, OffsetDateTime::now_utc()).await? {
        Verdict::Delete(_) => {
            let note = format!(" (expired {expires})");
            delete_user(clients, user, &note, console, stopping).await
        }
        Verdict::Keep => {
            let why = ["its expiry changed meanwhile".to_owned()];
            Ok(writeln!(console.err, "{}", skipped(user, &why))?)
        }
        Verdict::Skip(why) => Ok(writeln!(console.err, "{}", skipped(user, &why))?),
    }
}
