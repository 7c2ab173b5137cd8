//! `list-users`: every IAM user of the account, streamed page by page.

use aws_sdk_iam::types::User;
use serde_json::Value;

use crate::aws::Clients;
use crate::cli::ListUsersArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::iam::{boundary_json, tags_json};
use crate::output::{Console, Format, Object, RowWriter, timestamp};

/// The CSV/TSV columns, in the original tool's order.
const COLUMNS: &[&str] = &[
    "UserName",
    "UserId",
    "Arn",
    "Path",
    "CreateDate",
    "PasswordLastUsed",
    "PermissionsBoundary",
    "Tags",
];

/// Print each user as it arrives; a page is printed before the next is fetched.
pub(crate) async fn run(
    args: &ListUsersArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let mut rows = RowWriter::new(console.out, Format::from_args(args.output), COLUMNS);
    let mut pages = clients.iam.list_users().into_paginator().send();
    while let Some(page) = pages.next().await {
        for user in page.aws("ListUsers")?.users() {
            rows.row(&user_json(user))?;
        }
        rows.flush()?;
    }
    rows.finish()?;
    Ok(ExitStatus::Success)
}

/// A user as the IAM API describes it.
fn user_json(user: &User) -> Value {
    Object::new()
        .with("Path", user.path())
        .with("UserName", user.user_name())
        .with("UserId", user.user_id())
        .with("Arn", user.arn())
        .with("CreateDate", timestamp(user.create_date()))
        .with_opt("PasswordLastUsed", user.password_last_used().map(timestamp))
        .with_opt(
            "PermissionsBoundary",
            user.permissions_boundary().map(boundary_json),
        )
        .with_opt(
            "Tags",
            (!user.tags().is_empty()).then(|| tags_json(user.tags())),
        )
        .into()
}
