//! `create --key` and `create --source-ip` record the keys and networks in
//! the user's grant tags, so that `list-credentials` and
//! `delete-user --expired` expect exactly the policy `create` wrote: no
//! warning, and deleted once expired.

use std::sync::Arc;

use s3_credentials::aws::Clients;
use serde_json::Value;

use crate::common::iam::{access_keys, inline_policies, user_exists};
use crate::common::tool_users::iam_proxy;
use crate::common::{block_on, exclusive_moto, s3c, unique};
use crate::create_tags::user_tags;

const LATER: &str = "2099-01-01T00:00:00Z";
const EXPIRED: &str = "2020-01-01T00:00:00Z";

/// The `list-credentials --nl` row of `name`.
fn row(output: &str, name: &str) -> Value {
    output
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|row| row["Name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {output}"))
}

/// Make `user` expired as if its expiry had passed: its policies' condition
/// and its tag say 2020, and its key (made after that) is gone, as
/// `tests/cli/managed_policies.rs` does for managed policies.
fn make_expired(clients: &Clients, user: &str) {
    let key = access_keys(clients, user).remove(0);
    let policies = inline_policies(clients, user);
    block_on(async {
        let iam = &clients.iam;
        for (name, document) in policies {
            let text = document.to_string();
            let expired = text.replace(LATER, EXPIRED);
            assert_ne!(text, expired);
            let put = iam.put_user_policy().user_name(user).policy_name(name);
            put.policy_document(expired).send().await.unwrap();
        }
        let tag = aws_sdk_iam::types::Tag::builder()
            .key("s3-credentials:expires")
            .value(EXPIRED)
            .build()
            .unwrap();
        iam.tag_user()
            .user_name(user)
            .tags(tag)
            .send()
            .await
            .unwrap();
        let delete = iam.delete_access_key().user_name(user).access_key_id(key);
        delete.send().await.unwrap();
    });
}

/// Before the keys and networks were tagged, the audit compared each user's
/// policy with one made from tags that left them out: `list-credentials`
/// warned that the policy "differs from the one s3-credentials writes for
/// its tags", and `delete-user --expired` kept the expired users for it.
#[test]
fn key_and_source_ip_grants_are_tagged_listed_clean_and_deleted_once_expired() {
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    let bucket = unique("narrow");
    let (keyed, networked) = (unique("keyed"), unique("networked"));
    let create = |user: &str, extra: &[&str]| {
        let mut args = vec!["create", &bucket, "-c", "--silent", "--username", user];
        args.extend_from_slice(&["--expires", "2099-01-01"]);
        args.extend_from_slice(extra);
        s3c(&args).against(server).run().success().to_owned()
    };
    create(&keyed, &["--key", "reports/q1 data.csv", "--key", "b+c=d"]);
    let networks = [
        "--source-ip",
        "203.0.113.0/24",
        "--source-ip",
        "2001:db8::/32",
    ];
    create(&networked, &networks);
    let listed = s3c(&["list-credentials", "--nl"]).against(server).run();
    for user in [&keyed, &networked] {
        let found = row(listed.success(), user);
        assert_eq!(found["Warnings"], serde_json::json!([]), "{found}");
        assert_eq!(found["Buckets"], serde_json::json!([bucket]), "{found}");
    }

    let tag = |user: &str, key: &str| {
        user_tags(&clients, user)
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    };
    assert_eq!(
        tag(&keyed, "s3-credentials:keys").as_deref(),
        Some("reports/q1=20data.csv+b=2Bc=3Dd")
    );
    assert_eq!(tag(&keyed, "s3-credentials:source-ips"), None);
    assert_eq!(
        tag(&networked, "s3-credentials:source-ips").as_deref(),
        Some("203.0.113.0/24+2001:db8::/32")
    );
    assert_eq!(tag(&networked, "s3-credentials:keys"), None);

    make_expired(&clients, &keyed);
    make_expired(&clients, &networked);
    let proxy = iam_proxy(&server.endpoint, Arc::new(|_| None));
    let deleted = s3c(&["delete-user", "--expired"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    let stdout = deleted.success();
    for user in [&keyed, &networked] {
        let block = format!(
            "User: {user} (expired 2020-01-01 00:00:00+00:00)\n  \
             Deleted policy: s3.read-write.{bucket}\n  Deleted user\n"
        );
        assert!(stdout.contains(&block), "{deleted:#?}");
        assert!(!deleted.stderr.contains(user.as_str()), "{deleted:#?}");
        assert!(!user_exists(&clients, user), "{user}");
    }
}
