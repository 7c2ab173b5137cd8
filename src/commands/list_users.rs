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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use aws_sdk_iam::Client;
    use aws_sdk_iam::operation::list_users::ListUsersOutput;
    use aws_sdk_iam::types::User;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;
    use crate::cli::{ConnectionArgs, OutputArgs};

    /// stdout that the test can read while the command is still running.
    #[derive(Clone, Default)]
    struct SharedOut(Arc<Mutex<Vec<u8>>>);

    impl Write for SharedOut {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl SharedOut {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn user(name: &str) -> User {
        User::builder()
            .path("/")
            .user_name(name)
            .user_id(format!("ID{name}"))
            .arn(format!("arn:aws:iam::123456789012:user/{name}"))
            .create_date(aws_smithy_types::DateTime::from_secs(1_635_903_504))
            .build()
            .unwrap()
    }

    fn clients_with(iam: Client) -> Clients {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::from_static("us-east-1"))
            .build();
        let mut clients = Clients::from_config(&config);
        clients.iam = iam;
        clients
    }

    #[tokio::test]
    async fn prints_each_page_before_fetching_the_next() {
        let out = SharedOut::default();
        let printed_before_second_page = Arc::new(Mutex::new(String::new()));
        let first = mock!(Client::list_users)
            .match_requests(|request| request.marker().is_none())
            .then_output(|| {
                ListUsersOutput::builder()
                    .users(user("one"))
                    .users(user("two"))
                    .is_truncated(true)
                    .marker("page-2")
                    .build()
                    .unwrap()
            });
        let second = mock!(Client::list_users)
            .match_requests(|request| request.marker() == Some("page-2"))
            .then_compute_output({
                let out = out.clone();
                let seen = printed_before_second_page.clone();
                move |_| {
                    *seen.lock().unwrap() = out.text();
                    ListUsersOutput::builder()
                        .users(user("three"))
                        .is_truncated(false)
                        .build()
                        .unwrap()
                }
            });
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&first, &second]);
        let args = ListUsersArgs {
            output: OutputArgs {
                nl: true,
                ..OutputArgs::default()
            },
            connection: ConnectionArgs::default(),
        };
        let (mut stdout, mut stderr) = (out.clone(), Vec::new());
        let mut console = Console {
            out: &mut stdout,
            err: &mut stderr,
        };
        let status = run(&args, &clients_with(iam), &mut console).await.unwrap();

        assert_eq!(status, ExitStatus::Success);
        let names: Vec<String> = out
            .text()
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap()["UserName"].to_string())
            .collect();
        assert_eq!(names, ["\"one\"", "\"two\"", "\"three\""]);
        let early = printed_before_second_page.lock().unwrap().clone();
        assert_eq!(
            early.lines().count(),
            2,
            "first page not printed before the second was fetched: {early:?}"
        );
        assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
    }
}
