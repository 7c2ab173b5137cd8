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
use crate::grant::inventory::{self, Source};
use crate::grant::tags::Grant;
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
            let names: Vec<String> = users[n..].iter().map(|(u, _)| format!("`{u}`")).collect();
            anyhow::bail!("{stop}; not started: user {}", names.join(", "));
        }
        if let Err(error) = delete_user(clients, user, note, console.out, stopping).await {
            status = ExitStatus::Failure;
            console.out.flush()?;
            writeln!(console.err, "{}", clients.error_line(error))?;
        }
    }
    Ok(status)
}

/// Delete one user, printing `User: NAME` with `note` after it, then each
/// step as it is done.
async fn delete_user(
    clients: &Clients,
    user: &str,
    note: &str,
    out: &mut dyn Write,
    stopping: &Stopping,
) -> anyhow::Result<()> {
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
    teardown::run(clients, &dependents.steps(), stopping, |step| {
        writeln!(out, "  {step}")?;
        out.flush()
    })
    .await
}

/// The error for a stop between users: which were not started.
fn not_started<'a>(stop: &anyhow::Error, users: impl Iterator<Item = &'a str>) -> anyhow::Error {
    let names: Vec<String> = users.map(|user| format!("`{user}`")).collect();
    anyhow::anyhow!("{stop}; not started: user {}", names.join(", "))
}

/// Find the users whose tagged expiry has passed, then delete them one by
/// one, or only list them with `dry_run`. Only users whose
/// `s3-credentials:*` tags say they expired count: a user recognised from
/// its policy names alone is never deleted this way.
async fn delete_expired(
    dry_run: bool,
    clients: &Clients,
    console: &mut Console<'_>,
    stopping: &Stopping,
) -> anyhow::Result<ExitStatus> {
    let (expired, mut status) = find_expired(clients, console, stopping).await?;
    if expired.is_empty() {
        writeln!(console.err, "No user made by s3-credentials has expired")?;
    }
    for (n, found) in expired.iter().enumerate() {
        let expires = found.grant.expires.map(format_printed).unwrap_or_default();
        if dry_run {
            writeln!(
                console.out,
                "Would delete user: {} (expired {expires})",
                found.name
            )?;
            continue;
        }
        if let Err(stop) = stopping.check() {
            return Err(not_started(
                &stop,
                expired[n..].iter().map(|f| f.name.as_str()),
            ));
        }
        let result = delete_if_still_expired(clients, &found.name, &expires, console, stopping);
        if let Err(error) = result.await {
            status = ExitStatus::Failure;
            console.out.flush()?;
            writeln!(console.err, "{}", clients.error_line(error))?;
        }
    }
    Ok(status)
}

/// Every user whose tagged expiry has passed (looked at concurrently), and
/// the exit status so far: a user that could not be looked at is reported
/// and makes it 1.
async fn find_expired(
    clients: &Clients,
    console: &mut Console<'_>,
    stopping: &Stopping,
) -> anyhow::Result<(Vec<inventory::Credential>, ExitStatus)> {
    let now = OffsetDateTime::now_utc();
    let mut status = ExitStatus::Success;
    let mut expired = Vec::new();
    let mut pages = clients.iam.list_users().into_paginator().send();
    while let Some(page) = pages.next().await {
        stopping.check()?;
        let mut described = stream::iter(page.aws("ListUsers")?.users)
            .map(|user| async move {
                let result = inventory::user(clients, &user, false).await;
                (user.user_name, result)
            })
            .buffered(CONCURRENCY);
        while let Some((name, result)) = described.next().await {
            match result {
                Ok(Some(found)) if found.source == Source::Tags && found.grant.is_expired(now) => {
                    expired.push(found);
                }
                Ok(_) => {}
                Err(error) => {
                    status = ExitStatus::Failure;
                    let error = error.context(format!("user `{name}`"));
                    writeln!(console.err, "{}", clients.error_line(error))?;
                }
            }
        }
    }
    Ok((expired, status))
}

/// Delete a user found expired, unless its tags changed meanwhile (a new
/// `create` run for it pushed the expiry back, say).
async fn delete_if_still_expired(
    clients: &Clients,
    user: &str,
    expires: &str,
    console: &mut Console<'_>,
    stopping: &Stopping,
) -> anyhow::Result<()> {
    let tags = user_tags(clients, user).await?;
    let grant = Grant::from_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if !grant.is_some_and(|grant| grant.is_expired(OffsetDateTime::now_utc())) {
        writeln!(
            console.err,
            "Skipped user {user}: its expiry changed meanwhile"
        )?;
        return Ok(());
    }
    let note = format!(" (expired {expires})");
    delete_user(clients, user, &note, console.out, stopping).await
}
