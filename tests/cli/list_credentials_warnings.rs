//! `list-credentials` says, in each row's `Warnings`, how a user or role
//! differs from what its tags or policy names claim; kind comes from IAM;
//! a failure about a user that is never shown does not fail the listing.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::common::proxy::Proxy;
use crate::common::tool_users::{make, set};
use crate::common::{block_on, exclusive_moto, s3c};

/// The rows of `list-credentials --nl`, by name.
fn rows(output: &str) -> Vec<(String, Value)> {
    output
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .map(|row| (row["Name"].as_str().unwrap().to_owned(), row))
        .collect()
}

/// The fields this file is about, of one row.
fn claims(row: &Value) -> Value {
    json!({"Kind": row["Kind"], "Access": row["Access"], "Buckets": row["Buckets"],
           "Prefixes": row["Prefixes"], "Expires": row["Expires"], "Warnings": row["Warnings"]})
}

/// A user named the original tool's way whose policy also grants `*` on `*`.
fn legacy_user_granting_everything(clients: &s3_credentials::aws::Clients) {
    let wide = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::legacy-bkt/*"},
        {"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    block_on(async {
        let iam = &clients.iam;
        let name = "s3.read-only.legacy-bkt";
        iam.create_user().user_name(name).send().await.unwrap();
        iam.put_user_policy()
            .user_name(name)
            .policy_name(name)
            .policy_document(wide)
            .send()
            .await
            .unwrap();
        // Not named like the tool's: judged by its name alone.
        iam.put_user_policy()
            .user_name(name)
            .policy_name("extra")
            .policy_document(wide)
            .send()
            .await
            .unwrap();
    });
}

/// A role whose tags say it is a user: kind comes from IAM.
fn role_tagged_as_user(clients: &s3_credentials::aws::Clients) {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let tags = crate::common::tool_users::grant("bkt-r", None).to_tags();
    block_on(async {
        let request = clients.iam.create_role().role_name("user-ish-role");
        let request = tags
            .iter()
            .fold(request.assume_role_policy_document(trust), |r, (k, v)| {
                let value = if k == "s3-credentials:kind" {
                    "user"
                } else {
                    v
                };
                r.tags(
                    aws_sdk_iam::types::Tag::builder()
                        .key(k)
                        .value(value)
                        .build()
                        .unwrap(),
                )
            });
        request.send().await.unwrap();
        let policy = s3_credentials::policy::bucket_policy(
            s3_credentials::policy::Permission::ReadWrite,
            "bkt-r",
            &[],
            &[],
        );
        clients
            .iam
            .put_role_policy()
            .role_name("user-ish-role")
            .policy_name("s3.read-write.bkt-r")
            .policy_document(policy.to_string())
            .send()
            .await
            .unwrap();
    });
}

/// The rows (as [`claims`]) the warnings test must see, in IAM's order.
fn expected_rows() -> Vec<(String, Value)> {
    let row = |kind: &str, access: &str, bucket: &str, prefixes: Value, warnings: Value| {
        json!({"Kind": kind, "Access": access, "Buckets": [bucket], "Prefixes": prefixes,
               "Expires": null, "Warnings": warnings})
    };
    vec![
        (
            "s3.read-only.legacy-bkt".to_owned(),
            row(
                "user",
                "read-only",
                "legacy-bkt",
                json!([]),
                json!([
                    "its inline policy `extra` is not one s3-credentials writes for its grant",
                    "its policy `s3.read-only.legacy-bkt` grants more than its buckets: `*`",
                    "its policy `s3.read-only.legacy-bkt` allows more than read-only: `*`",
                ]),
            ),
        ),
        (
            "tagged-role".to_owned(),
            row(
                "user",
                "read-write",
                "bkt-k",
                json!([]),
                json!(["it is tagged as a role but is an IAM user",]),
            ),
        ),
        (
            "bad-expiry".to_owned(),
            row(
                "user",
                "read-write",
                "bkt-x",
                json!([]),
                json!(["its `s3-credentials:expires` tag `next-tuesday` is not a time",]),
            ),
        ),
        (
            "narrowed".to_owned(),
            row("user", "read-write", "bkt-n", json!(["x/"]), json!([])),
        ),
        (
            "user-ish-role".to_owned(),
            row(
                "role",
                "read-write",
                "bkt-r",
                json!([]),
                json!(["it is tagged as a user but is an IAM role",]),
            ),
        ),
    ]
}

#[test]
fn rows_warn_where_the_user_or_role_is_not_what_it_claims() {
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    legacy_user_granting_everything(&clients);
    make(&clients, "tagged-role", "bkt-k", None, |tags| {
        set(tags, "s3-credentials:kind", "role");
    });
    make(&clients, "bad-expiry", "bkt-x", None, |tags| {
        set(tags, "s3-credentials:expires", "next-tuesday");
    });
    // A whole-bucket user narrowed to `x/` by a second `create`.
    for extra in [None, Some("x/")] {
        let mut args = vec![
            "create",
            "bkt-n",
            "-c",
            "--username",
            "narrowed",
            "--silent",
        ];
        args.extend(
            extra
                .map(|prefix| ["--prefix", prefix])
                .into_iter()
                .flatten(),
        );
        s3c(&args).against(server).run().success();
    }
    role_tagged_as_user(&clients);
    let output = s3c(&["list-credentials", "--nl"]).against(server).run();
    let listed: Vec<(String, Value)> = rows(output.success())
        .into_iter()
        .map(|(name, row)| (name, claims(&row)))
        .collect();
    assert_eq!(listed, expected_rows());
    assert_eq!(output.stderr, "");
}

/// A proxy in front of `target` that answers `AccessDenied` to `action`
/// when `pick` holds, as IAM does when a policy denies it
/// (<https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html>).
fn deny(
    target: &str,
    action: &'static str,
    pick: impl Fn(&crate::common::proxy::Request) -> bool + Send + Sync + 'static,
) -> Proxy {
    Proxy::with_faults(
        target,
        Arc::new(move |request| {
            (request.form("Action").as_deref() == Some(action) && pick(request))
                .then_some((403, "AccessDenied"))
        }),
    )
}

#[test]
fn a_denied_look_at_a_user_never_shown_does_not_fail_the_listing() {
    let (_lock, server) = exclusive_moto();
    let args = [
        "create",
        "bkt-shown",
        "-c",
        "--username",
        "shown",
        "--silent",
    ];
    s3c(&args).against(server).run().success();
    let (_, hidden_key, _) = crate::common::iam::user_with_key(server);
    let proxy = deny(&server.endpoint, "GetAccessKeyLastUsed", move |request| {
        request.form("AccessKeyId").as_deref() == Some(hidden_key.as_str())
    });
    let output = s3c(&["list-credentials", "--nl"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    let names: Vec<String> = rows(output.success()).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["shown"]);
    assert_eq!(output.stderr, "");
    assert_eq!(
        proxy.actions("GetAccessKeyLastUsed").len(),
        2,
        "both keys were looked at"
    );
}

#[test]
fn delete_expired_says_when_errors_hide_the_answer() {
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    make(
        &clients,
        "expired",
        "bkt-d",
        Some("2020-01-01T00:00:00Z"),
        |_| {},
    );
    let proxy = deny(&server.endpoint, "ListUserTags", |_| true);
    let output = s3c(&["delete-user", "--expired"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    output.fails_with(
        1,
        "Error: user `expired`: ListUserTags failed: AccessDenied: injected by the test proxy\n\
         Could not check 1 user(s) (errors above): none of the others made by s3-credentials \
         has expired\n",
    );
    assert!(crate::common::iam::user_exists(&clients, "expired"));
}
