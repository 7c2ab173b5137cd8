//! `list-credentials`: one row per user or role this tool created, with what
//! it grants and, for users, each access key and its last use.
//!
//! Every user needs a few requests of its own (tags, keys, each key's last
//! use), so users are described [`CONCURRENCY`] at a time, and each row is
//! printed, in the order IAM lists them, as soon as it and those before it
//! are ready.

use std::io::Write;

use futures_util::{Stream, StreamExt, stream};
use time::OffsetDateTime;
use tokio::sync::Semaphore;

use crate::aws::Clients;
use crate::cli::ListCredentialsArgs;
use crate::error::{AwsError, AwsResultExt, ExitStatus, UsageError};
use crate::grant::inventory::{self, Credential};
use crate::output::{Console, Format, RowWriter};
use crate::settings::dates::age_option;

/// The CSV/TSV columns.
const COLUMNS: &[&str] = &[
    "Name",
    "Kind",
    "Source",
    "Buckets",
    "Access",
    "Prefixes",
    "Expires",
    "Expired",
    "CreateDate",
    "LastUsed",
    "AccessKeys",
    "ToolVersion",
    "Warnings",
];

/// How many users or roles are described at once. IAM answers each request
/// in tens of milliseconds and throttles bursts (the SDK retries those), so
/// a modest number hides the latency without provoking throttling.
pub(crate) const CONCURRENCY: usize = 16;

/// How many described rows may wait for an earlier one to be printed.
const WINDOW: usize = 4 * CONCURRENCY;

/// Which rows to print.
struct Filter {
    expired: bool,
    /// Only credentials unused since this moment.
    unused_since: Option<OffsetDateTime>,
    now: OffsetDateTime,
}

impl Filter {
    /// The filters asked for, as of `now`.
    fn from_args(args: &ListCredentialsArgs, now: OffsetDateTime) -> Result<Self, UsageError> {
        let age = age_option("--unused-for", args.unused_for.as_deref())?;
        Ok(Self {
            expired: args.expired,
            unused_since: age.map(|age| now - age),
            now,
        })
    }

    /// Whether to print this user or role.
    fn keeps(&self, credential: &Credential) -> bool {
        (!self.expired || credential.grant.is_expired(self.now))
            && self
                .unused_since
                .is_none_or(|since| credential.unused_since(since))
    }
}

/// List users, then roles, printing each row as soon as it is ready. A user
/// or role that cannot be described is reported and the others still
/// listed; the exit code is then 1.
pub(crate) async fn run(
    args: &ListCredentialsArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let filter = Filter::from_args(args, OffsetDateTime::now_utc())?;
    let mut rows = RowWriter::new(console.out, Format::from_args(args.output), COLUMNS);
    let mut out = Printer {
        rows: &mut rows,
        err: console.err,
        clients,
        filter: &filter,
    };
    // Users are taken from the listing as they are needed, so the next page
    // is fetched while the last users of this one are still described.
    let users = stream::unfold(
        clients.iam.list_users().into_paginator().items().send(),
        |mut users| async move { Some((users.next().await?.aws("ListUsers"), users)) },
    );
    let users_ok = out
        .print_all(users, |user| async move {
            let result = inventory::user(clients, &user, true).await;
            (format!("user `{}`", user.user_name()), result)
        })
        .await?;
    let roles = stream::unfold(
        clients.iam.list_roles().into_paginator().items().send(),
        |mut roles| async move { Some((roles.next().await?.aws("ListRoles"), roles)) },
    );
    let roles_ok = out
        .print_all(roles, |role| async move {
            let result = inventory::role(clients, &role).await;
            (format!("role `{}`", role.role_name()), result)
        })
        .await?;
    let failed = !(users_ok && roles_ok);
    rows.finish()?;
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Where described users and roles go.
struct Printer<'a, 'w> {
    rows: &'a mut RowWriter<'w>,
    err: &'a mut dyn Write,
    clients: &'a Clients,
    filter: &'a Filter,
}

impl Printer<'_, '_> {
    /// Describe every item of `items` ([`CONCURRENCY`] at a time) and print
    /// each in order as soon as it is ready; `false` if any could not be
    /// described. A failed listing ends the command.
    async fn print_all<T, F, Fut>(
        &mut self,
        items: impl Stream<Item = Result<T, AwsError>>,
        describe: F,
    ) -> anyhow::Result<bool>
    where
        F: Fn(T) -> Fut,
        Fut: Future<Output = (String, anyhow::Result<Option<Credential>>)>,
    {
        // At most CONCURRENCY items are described at once; up to WINDOW
        // may be under way or done and waiting for an earlier, slower one to
        // be printed, so one slow user does not idle the others.
        let permits = Semaphore::new(CONCURRENCY);
        let described = items
            .map(|item| {
                let pending = item.map(&describe);
                let permits = &permits;
                async move {
                    let _permit = permits.acquire().await;
                    match pending {
                        Ok(pending) => Ok(pending.await),
                        Err(error) => Err(error),
                    }
                }
            })
            .buffered(WINDOW);
        let mut described = std::pin::pin!(described);
        let mut all_ok = true;
        while let Some(item) = described.next().await {
            let (what, result) = item?;
            all_ok &= self.print(what, result)?;
        }
        Ok(all_ok)
    }

    /// Print one described user or role if the filter keeps it, or report
    /// why it could not be described; `false` for the latter.
    fn print(
        &mut self,
        what: String,
        result: anyhow::Result<Option<Credential>>,
    ) -> anyhow::Result<bool> {
        match result {
            Ok(Some(credential)) if self.filter.keeps(&credential) => {
                self.rows.row(&credential.to_json(self.filter.now))?;
                self.rows.flush()?;
                Ok(true)
            }
            Ok(_) => Ok(true),
            Err(error) => {
                self.rows.flush()?;
                writeln!(self.err, "{}", self.clients.error_line(error.context(what)))?;
                Ok(false)
            }
        }
    }
}
