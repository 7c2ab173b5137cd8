//! `delete-user --expired`: only users that are exactly what the tool makes
//! and whose expiry passed are deleted, each checked again just before; any
//! other user whose tags say it expired is kept with a warning saying why.

use std::sync::{Arc, Mutex};

use crate::common::iam::{access_keys, user_exists};
use crate::common::proxy::Request;
use crate::common::tool_users::{iam_proxy, make, set};
use crate::common::{block_on, exclusive_moto, s3c};

const EXPIRED: &str = "2020-01-01T00:00:00Z";

/// An untagged user whose policy says it expired: not made by a tagging
/// version, so never deleted this way.
fn legacy_expired_user(clients: &s3_credentials::aws::Clients) {
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bkt-legacy/*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}"#;
    block_on(async {
        let iam = &clients.iam;
        iam.create_user()
            .user_name("legacy-user")
            .send()
            .await
            .unwrap();
        iam.put_user_policy()
            .user_name("legacy-user")
            .policy_name("s3.read-write.bkt-legacy")
            .policy_document(document)
            .send()
            .await
            .unwrap();
    });
}

/// Two users made by `create` that have not expired, two exactly as the
/// tool makes them whose expiry passed, and an untagged one.
fn expired_and_kept_users(server: &'static crate::common::Emulator) {
    let clients = server.clients();
    let create = ["create", "-c", "--silent", "--username"];
    let later = [
        &create[..],
        &["later-user", "bkt-later", "--expires", "2099-01-01"],
    ]
    .concat();
    s3c(&later).against(server).run().success();
    let forever = [&create[..], &["forever-user", "bkt-forever"]].concat();
    s3c(&forever).against(server).run().success();
    make(
        &clients,
        "expired-user",
        "bkt-expired",
        Some(EXPIRED),
        |_| {},
    );
    make(
        &clients,
        "also-expired",
        "bkt-soon",
        Some("2021-06-30T12:00:00Z"),
        |_| {},
    );
    legacy_expired_user(&clients);
}

#[test]
fn expired_deletes_exactly_the_users_whose_expiry_passed() {
    // The whole account is listed: on the exclusive emulator.
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    expired_and_kept_users(server);
    let proxy = iam_proxy(&server.endpoint, Arc::new(|_| None));
    let dry = s3c(&["delete-user", "--expired", "--dry-run"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    assert_eq!(
        dry.success(),
        "Would delete user: expired-user (expired 2020-01-01 00:00:00+00:00)\n\
         Would delete user: also-expired (expired 2021-06-30 12:00:00+00:00)\n"
    );
    assert_eq!(dry.stderr, "");

    let output = s3c(&["delete-user", "--expired"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    assert_eq!(
        output.success(),
        "User: expired-user (expired 2020-01-01 00:00:00+00:00)\n  \
         Deleted policy: s3.read-write.bkt-expired\n  Deleted user\n\
         User: also-expired (expired 2021-06-30 12:00:00+00:00)\n  \
         Deleted policy: s3.read-write.bkt-soon\n  Deleted user\n"
    );
    assert_eq!(output.stderr, "");
    for (user, kept) in [
        ("expired-user", false),
        ("also-expired", false),
        ("later-user", true),
        ("forever-user", true),
        ("legacy-user", true),
    ] {
        assert_eq!(user_exists(&clients, user), kept, "{user}");
    }

    let again = s3c(&["delete-user", "--expired"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    assert_eq!(
        again.success_with_stderr("No user made by s3-credentials has expired\n"),
        ""
    );
}

/// Put `user` in a new group and give it a console password: things the
/// tool never makes, which IAM also requires gone before `DeleteUser`.
fn add_group_and_password(clients: &s3_credentials::aws::Clients, user: &str) {
    block_on(async {
        let iam = &clients.iam;
        iam.create_group()
            .group_name("admins")
            .send()
            .await
            .unwrap();
        iam.add_user_to_group()
            .group_name("admins")
            .user_name(user)
            .send()
            .await
            .unwrap();
        iam.create_login_profile()
            .user_name(user)
            .password("Correct-Horse-9")
            .send()
            .await
            .unwrap();
        let admin = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        iam.put_user_policy()
            .user_name(user)
            .policy_name("Admin")
            .policy_document(admin)
            .send()
            .await
            .unwrap();
    });
}

#[test]
fn expired_keeps_users_the_tool_would_not_have_made_and_says_why() {
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    make(&clients, "admin", "bkt-a", Some(EXPIRED), |_| {});
    add_group_and_password(&clients, "admin");
    make(&clients, "god", "bkt-g", Some(EXPIRED), |tags| {
        set(tags, "s3-credentials:access", "god-mode");
    });
    make(&clients, "empty", "bkt-e", Some(EXPIRED), |tags| {
        set(tags, "s3-credentials:buckets", "");
    });
    make(&clients, "roleish", "bkt-r", Some(EXPIRED), |tags| {
        set(tags, "s3-credentials:kind", "role");
    });
    make(&clients, "future", "bkt-f", Some(EXPIRED), |tags| {
        set(tags, "s3-credentials:version", "99.0.0");
    });
    // Tagged as expired, but its policy still works until 2099.
    make(
        &clients,
        "lying",
        "bkt-l",
        Some("2099-01-01T00:00:00Z"),
        |tags| {
            set(tags, "s3-credentials:expires", EXPIRED);
        },
    );
    make(&clients, "plain", "bkt-p", Some(EXPIRED), |_| {});

    let proxy = iam_proxy(&server.endpoint, Arc::new(|_| None));
    let output = s3c(&["delete-user", "--expired"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        output.success_with_stderr(&format!(
            "Warning: skipped user admin: its inline policy `Admin` is not one s3-credentials \
             writes for its grant; it is in groups `admins`; it has a console password\n\
             Warning: skipped user god: its `s3-credentials:access` tag `god-mode` is not one \
             s3-credentials writes; its inline policy `s3.read-write.bkt-g` is not one \
             s3-credentials writes for its grant\n\
             Warning: skipped user empty: its tags name no bucket; its inline policy \
             `s3.read-write.bkt-e` is not one s3-credentials writes for its grant\n\
             Warning: skipped user roleish: it is tagged as a role but is an IAM user\n\
             Warning: skipped user future: its tags were written by s3-credentials 99.0.0, \
             newer than this one ({version})\n\
             Warning: skipped user lying: its policy `s3.read-write.bkt-l` differs from the one \
             s3-credentials writes for its tags\n"
        )),
        "User: plain (expired 2020-01-01 00:00:00+00:00)\n  \
         Deleted policy: s3.read-write.bkt-p\n  Deleted user\n"
    );
    for user in ["admin", "god", "empty", "roleish", "future", "lying"] {
        assert!(user_exists(&clients, user), "{user}");
    }
    assert!(!user_exists(&clients, "plain"));
}

/// Forward `request` to `target` as the proxy would, and return the answer.
fn forward(target: &str, request: &Request) -> String {
    use std::io::{Read, Write};
    let mut upstream = std::net::TcpStream::connect(target.trim_start_matches("http://")).unwrap();
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.path);
    for (name, value) in request.headers.iter().filter(|(n, _)| n != "connection") {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    upstream.write_all(head.as_bytes()).unwrap();
    upstream.write_all(request.body.as_bytes()).unwrap();
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer).unwrap();
    String::from_utf8(answer).unwrap()
}

/// A proxy that answers the second look at racer's tags (the check just
/// before deleting) with what IAM said then, but first lets
/// `create bkt-race --username racer --expires 30d` run to the end; what it
/// printed goes to `key`.
fn create_during_recheck(
    server: &'static crate::common::Emulator,
    key: Arc<Mutex<String>>,
) -> crate::common::proxy::Proxy {
    let seen = Mutex::new(0);
    iam_proxy(
        &server.endpoint,
        Arc::new(move |request| {
            let tags_of_racer = request.form("Action").as_deref() == Some("ListUserTags")
                && request.form("UserName").as_deref() == Some("racer");
            let mut seen = seen.lock().unwrap();
            *seen += usize::from(tags_of_racer);
            if !tags_of_racer || *seen != 2 {
                return None;
            }
            let answer = forward(&server.endpoint, request);
            let args = [
                "create",
                "bkt-race",
                "-c",
                "--username",
                "racer",
                "--expires",
                "30d",
            ];
            let created = s3c(&args).against(server).run();
            let stderr = "Created bucket: bkt-race\nUsing existing user: racer\n\
                Attached policy s3.read-write.bkt-race to user racer\nTagged user: racer\n\
                Created access key for user: racer\n";
            *key.lock().unwrap() = created.success_with_stderr(stderr).to_owned();
            Some(answer)
        }),
    )
}

#[test]
fn expired_keeps_a_user_that_create_gave_a_new_key_meanwhile() {
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    make(&clients, "racer", "bkt-race", Some(EXPIRED), |_| {});
    let printed = Arc::new(Mutex::new(String::new()));
    let proxy = create_during_recheck(server, Arc::clone(&printed));
    let output = s3c(&["delete-user", "--expired"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    let printed: serde_json::Value = serde_json::from_str(&printed.lock().unwrap()).unwrap();
    let id = printed["AccessKeyId"].as_str().unwrap();
    assert_eq!(
        access_keys(&clients, "racer"),
        [id],
        "the printed key lives"
    );
    let created = block_on(clients.iam.list_access_keys().user_name("racer").send()).unwrap();
    let created = created.access_key_metadata()[0].create_date().unwrap();
    let created = time::OffsetDateTime::from_unix_timestamp(created.secs()).unwrap();
    let created = created.format(&time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second]+00:00"
    ));
    assert_eq!(
        output.success_with_stderr(&format!(
            "Warning: skipped user racer: its policy `s3.read-write.bkt-race` differs from the \
             one s3-credentials writes for its tags; its access key `{id}` was created {}, \
             after its expiry\n",
            created.unwrap()
        )),
        ""
    );
}

/// When every expired user is skipped, the run does not claim that none
/// has expired: it says how many were skipped.
#[test]
fn expired_says_how_many_it_skipped_when_it_deletes_none() {
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    make(&clients, "roleish", "bkt-r", Some(EXPIRED), |tags| {
        set(tags, "s3-credentials:kind", "role");
    });
    let output = s3c(&["delete-user", "--expired"]).against(server).run();
    assert_eq!(
        output.success_with_stderr(
            "Warning: skipped user roleish: it is tagged as a role but is an IAM user\n\
             No user to delete: 1 expired user(s) skipped (warnings above)\n"
        ),
        ""
    );
    assert!(user_exists(&clients, "roleish"));
}
