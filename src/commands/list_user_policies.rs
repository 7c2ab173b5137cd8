//! `list-user-policies`: the inline policies of named users, or of every user.

use std::io::Write;

use futures_util::{StreamExt, stream};
use serde_json::Value;

use crate::aws::Clients;
use crate::cli::ListUserPoliciesArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::iam::not_found;
use crate::output::{Console, Format, Object, RowWriter, to_pretty_json};

const COLUMNS: &[&str] = &["UserName", "PolicyName", "PolicyDocument"];

/// How many users have their policies fetched at once.
const CONCURRENT_USERS: usize = 8;

/// Where policies are printed: the original `User:` / `PolicyName:` layout,
/// or rows in a chosen output format.
enum Layout<'a> {
    Plain(&'a mut dyn Write),
    Rows(RowWriter<'a>),
}

/// Print the policies user by user, in the order the users were given or
/// listed. A user that cannot be read is reported and the others still print.
pub(crate) async fn run(
    args: &ListUserPoliciesArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let mut layout = match Format::chosen(args.output) {
        Some(format) => Layout::Rows(RowWriter::new(console.out, format, COLUMNS)),
        None => Layout::Plain(console.out),
    };
    let mut failed = false;
    if args.usernames.is_empty() {
        let mut pages = clients.iam.list_users().into_paginator().send();
        while let Some(page) = pages.next().await {
            let users = page.aws("ListUsers")?.users;
            let names = users.into_iter().map(|user| user.user_name).collect();
            failed |= print_users(clients, names, &mut layout, console.err).await?;
        }
    } else {
        failed |= print_users(clients, args.usernames.clone(), &mut layout, console.err).await?;
    }
    if let Layout::Rows(rows) = layout {
        rows.finish()?;
    }
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Fetch several users' policies concurrently and print them in order.
/// Returns whether any user failed.
async fn print_users(
    clients: &Clients,
    names: Vec<String>,
    layout: &mut Layout<'_>,
    err: &mut dyn Write,
) -> anyhow::Result<bool> {
    let mut failed = false;
    let mut fetched = stream::iter(names)
        .map(|name| async move {
            let policies = user_policies(clients, &name).await;
            (name, policies)
        })
        .buffered(CONCURRENT_USERS);
    while let Some((name, policies)) = fetched.next().await {
        match policies {
            Ok(policies) => print_user(layout, &name, &policies)?,
            Err(error) => {
                failed = true;
                writeln!(err, "{}", clients.error_line(error))?;
            }
        }
    }
    match layout {
        Layout::Plain(out) => out.flush()?,
        Layout::Rows(rows) => rows.flush()?,
    }
    Ok(failed)
}

fn print_user(
    layout: &mut Layout<'_>,
    user: &str,
    policies: &[(String, Value)],
) -> std::io::Result<()> {
    match layout {
        Layout::Plain(out) => {
            writeln!(out, "User: {user}")?;
            for (name, document) in policies {
                writeln!(out, "PolicyName: {name}")?;
                writeln!(out, "{}", to_pretty_json(document))?;
            }
        }
        Layout::Rows(rows) => {
            for (name, document) in policies {
                let row = Object::new()
                    .with("UserName", user)
                    .with("PolicyName", name.as_str())
                    .with("PolicyDocument", document.clone());
                rows.row(&row.into())?;
            }
        }
    }
    Ok(())
}

/// One user's inline policies as `(name, document)`, in IAM's order.
async fn user_policies(clients: &Clients, user: &str) -> anyhow::Result<Vec<(String, Value)>> {
    let names = crate::iam::user_policy_names(clients, user)
        .await
        .map_err(|error| not_found(error, "user", user))?;
    Ok(crate::grant::audit::user_documents(clients, user, names).await?)
}
