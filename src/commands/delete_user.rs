//! `delete-user`: remove users along with everything that blocks their
//! deletion; with `--expired`, every user this tool created whose expiry has
//! passed.

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

use super::list_credentials::CONCURRENCY;

/// Delete each user in turn: inline policies, attached managed policies,
/// access keys, then the user, printing each step. A user that fails is
/// reported and the others are still deleted; the exit code is then 1.
pub(crate) async fn run(
    args: &DeleteUserArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    if args.expired {
        return delete_expired(args.dry_run, clients, console).await;
    }
    let mut status = ExitStatus::Success;
    for user in &args.usernames {
        if let Err(error) = delete_user(clients, user, "", console.out).await {
            status = ExitStatus::Failure;
            console.out.flush()?;
            writeln!(console.err, "{}", clients.error_line(error))?;
        }
    }
    Ok(status)
}

/// Delete one user, printing `User: NAME` with `note` after it, then each step.
async fn delete_user(
    clients: &Clients,
    user: &str,
    note: &str,
    out: &mut dyn Write,
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
    let dependents = UserDependents::list(clients, user).await?;
    teardown::run(clients, &dependents.steps(), |step| {
        writeln!(out, "  {step}")
    })
    .await
}

/// Find the users whose tagged expiry has passed (looked at concurrently),
/// then delete them one by one, or only list them with `dry_run`. Only users
/// whose `s3-credentials:*` tags say they expired count: a user recognised
/// from its policy names alone is never deleted this way.
async fn delete_expired(
    dry_run: bool,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let now = OffsetDateTime::now_utc();
    let mut status = ExitStatus::Success;
    let mut expired = Vec::new();
    let mut pages = clients.iam.list_users().into_paginator().send();
    while let Some(page) = pages.next().await {
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
    if expired.is_empty() {
        writeln!(console.err, "No user made by s3-credentials has expired")?;
    }
    for found in expired {
        let expires = found.grant.expires.map(format_printed).unwrap_or_default();
        if dry_run {
            writeln!(
                console.out,
                "Would delete user: {} (expired {expires})",
                found.name
            )?;
            continue;
        }
        if let Err(error) = delete_if_still_expired(clients, &found.name, &expires, console).await {
            status = ExitStatus::Failure;
            console.out.flush()?;
            writeln!(console.err, "{}", clients.error_line(error))?;
        }
    }
    Ok(status)
}

/// Delete a user found expired, unless its tags changed meanwhile (a new
/// `create` run for it pushed the expiry back, say).
async fn delete_if_still_expired(
    clients: &Clients,
    user: &str,
    expires: &str,
    console: &mut Console<'_>,
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
    delete_user(clients, user, &format!(" (expired {expires})"), console.out).await
}
