//! `list-credentials`: one row per user or role this tool created, with what
//! it grants and, for users, each access key and its last use.
//!
//! Every user needs a few requests of its own (tags, keys, each key's last
//! use), so users are described [`CONCURRENCY`] at a time, and each row is
//! printed, in the order IAM lists them, as soon as it and those before it
//! are ready.

use futures_util::{StreamExt, stream};
use time::OffsetDateTime;

use crate::aws::Clients;
use crate::cli::ListCredentialsArgs;
use crate::error::{AwsResultExt, ExitStatus, UsageError};
use crate::expiry::parse_age;
use crate::inventory::{self, Credential};
use crate::output::{Console, Format, RowWriter};

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
];

/// How many users or roles are described at once. IAM answers each request
/// in tens of milliseconds and throttles bursts (the SDK retries those), so
/// a modest number hides the latency without provoking throttling.
pub(crate) const CONCURRENCY: usize = 16;

/// Which rows to print.
struct Filter {
    expired: bool,
    /// Only credentials unused since this moment.
    unused_since: Option<OffsetDateTime>,
    now: OffsetDateTime,
}

impl Filter {
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
    let now = OffsetDateTime::now_utc();
    let age = args
        .unused_for
        .as_deref()
        .map(parse_age)
        .transpose()
        .map_err(|e| UsageError(format!("--unused-for: {e}")))?;
    let filter = Filter {
        expired: args.expired,
        unused_since: age.map(|age| now - age),
        now,
    };
    let mut rows = RowWriter::new(console.out, Format::from_args(args.output), COLUMNS);
    let mut failed = false;
    let mut pages = clients.iam.list_users().into_paginator().send();
    while let Some(page) = pages.next().await {
        let mut described = stream::iter(page.aws("ListUsers")?.users)
            .map(|user| async move {
                let result = inventory::user(clients, &user, true).await;
                (format!("user `{}`", user.user_name()), result)
            })
            .buffered(CONCURRENCY);
        while let Some((what, result)) = described.next().await {
            failed |= !print(&mut rows, console.err, clients, &filter, what, result)?;
        }
    }
    let mut pages = clients.iam.list_roles().into_paginator().send();
    while let Some(page) = pages.next().await {
        let mut described = stream::iter(page.aws("ListRoles")?.roles)
            .map(|role| async move {
                let result = inventory::role(clients, &role).await;
                (format!("role `{}`", role.role_name()), result)
            })
            .buffered(CONCURRENCY);
        while let Some((what, result)) = described.next().await {
            failed |= !print(&mut rows, console.err, clients, &filter, what, result)?;
        }
    }
    rows.finish()?;
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Print one described user or role if the filter keeps it, or report why it
/// could not be described; `false` for the latter.
fn print(
    rows: &mut RowWriter<'_>,
    err: &mut dyn std::io::Write,
    clients: &Clients,
    filter: &Filter,
    what: String,
    result: anyhow::Result<Option<Credential>>,
) -> anyhow::Result<bool> {
    match result {
        Ok(Some(credential)) if filter.keeps(&credential) => {
            rows.row(&credential.to_json(filter.now))?;
            rows.flush()?;
            Ok(true)
        }
        Ok(_) => Ok(true),
        Err(error) => {
            rows.flush()?;
            writeln!(err, "{}", clients.error_line(error.context(what)))?;
            Ok(false)
        }
    }
}
