use crate::common::{block_on, moto, s3c, unique};

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}"#;
const READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

/// A user with an inline policy, an attached managed policy and two access
/// keys; returns the key IDs.
fn full_user(clients: &s3_credentials::aws::Clients, user: &str) -> Vec<String> {
    block_on(async {
        let iam = &clients.iam;
        iam.create_user().user_name(user).send().await.unwrap();
        iam.put_user_policy()
            .user_name(user)
            .policy_name("inline")
            .policy_document(POLICY)
            .send()
            .await
            .unwrap();
        iam.attach_user_policy()
            .user_name(user)
            .policy_arn(READ_ONLY)
            .send()
            .await
            .unwrap();
        let mut keys = Vec::new();
        for _ in 0..2 {
            let key = iam
                .create_access_key()
                .user_name(user)
                .send()
                .await
                .unwrap();
            keys.push(key.access_key.unwrap().access_key_id);
        }
        keys
    })
}

fn user_exists(clients: &s3_credentials::aws::Clients, user: &str) -> bool {
    block_on(clients.iam.get_user().user_name(user).send()).is_ok()
}

#[test]
fn deletes_policies_keys_and_the_user() {
    let clients = moto().clients();
    let user = unique("user");
    let keys = full_user(&clients, &user);
    let output = s3c(&["delete-user", &user]).against(moto()).run();
    assert_eq!(
        output.success(),
        format!(
            "User: {user}\n  Deleted policy: inline\n  Detached policy: {READ_ONLY}\n  \
             Deleted access key: {}\n  Deleted access key: {}\n  Deleted user\n",
            keys[0], keys[1]
        )
    );
    assert_eq!(output.stderr, "");
    assert!(!user_exists(&clients, &user));
    // The managed policy itself stays: only this user's attachment went.
    let policy = block_on(clients.iam.get_policy().policy_arn(READ_ONLY).send());
    assert!(policy.is_ok());
}

#[test]
fn a_missing_user_is_reported_and_the_others_are_still_deleted() {
    let clients = moto().clients();
    let (first, second) = (unique("user"), unique("user"));
    block_on(async {
        for user in [&first, &second] {
            clients
                .iam
                .create_user()
                .user_name(user)
                .send()
                .await
                .unwrap();
        }
    });
    let output = s3c(&["delete-user", &first, "no-such-user", &second])
        .against(moto())
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            format!("User: {first}\n  Deleted user\nUser: {second}\n  Deleted user\n").as_str(),
            "Error: user `no-such-user` does not exist\n"
        )
    );
    assert!(!user_exists(&clients, &first));
    assert!(!user_exists(&clients, &second));
}

#[test]
fn expired_deletes_exactly_the_users_whose_expiry_passed() {
    // The whole account is listed: on the exclusive emulator.
    let (_lock, server) = crate::common::exclusive_moto();
    let create = |bucket: &str, user: &str, expires: &str| {
        let args = [
            "create",
            bucket,
            "-c",
            "--username",
            user,
            "--expires",
            expires,
            "--silent",
        ];
        s3c(&args).against(server).run().success().to_owned()
    };
    create("bkt-expired", "expired-user", "2099-01-01");
    create("bkt-soon", "also-expired", "30d");
    create("bkt-later", "later-user", "2099-01-01");
    s3c(&[
        "create",
        "bkt-forever",
        "-c",
        "--username",
        "forever-user",
        "--silent",
    ])
    .against(server)
    .run()
    .success();
    // An untagged user whose policy says it expired: not made by a tagging
    // version, so never deleted this way.
    block_on(async {
        let iam = server.clients().iam;
        iam.create_user()
            .user_name("legacy-user")
            .send()
            .await
            .unwrap();
        let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bkt-legacy/*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}"#;
        iam.put_user_policy()
            .user_name("legacy-user")
            .policy_name("s3.read-write.bkt-legacy")
            .policy_document(document)
            .send()
            .await
            .unwrap();
    });
    let tag_as_expired = |user: &str, when: &str| {
        let tag = aws_sdk_iam::types::Tag::builder()
            .key("s3-credentials:expires")
            .value(when)
            .build()
            .unwrap();
        block_on(
            server
                .clients()
                .iam
                .tag_user()
                .user_name(user)
                .tags(tag)
                .send(),
        )
        .unwrap();
    };
    tag_as_expired("expired-user", "2020-01-01T00:00:00Z");
    tag_as_expired("also-expired", "2021-06-30T12:00:00Z");

    let dry = s3c(&["delete-user", "--expired", "--dry-run"])
        .against(server)
        .run();
    assert_eq!(
        dry.success(),
        "Would delete user: expired-user (expired 2020-01-01 00:00:00+00:00)\n\
         Would delete user: also-expired (expired 2021-06-30 12:00:00+00:00)\n"
    );
    assert_eq!(dry.stderr, "");

    let output = s3c(&["delete-user", "--expired"]).against(server).run();
    let stdout = output.success();
    assert!(
        stdout.starts_with(
            "User: expired-user (expired 2020-01-01 00:00:00+00:00)\n  \
             Deleted policy: s3.read-write.bkt-expired\n  Deleted access key: "
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "  Deleted user\nUser: also-expired (expired 2021-06-30 12:00:00+00:00)\n  \
             Deleted policy: s3.read-write.bkt-soon\n"
        ),
        "{stdout}"
    );
    assert_eq!(stdout.matches("  Deleted user\n").count(), 2, "{stdout}");
    assert_eq!(output.stderr, "");
    let clients = server.clients();
    for (user, kept) in [
        ("expired-user", false),
        ("also-expired", false),
        ("later-user", true),
        ("forever-user", true),
        ("legacy-user", true),
    ] {
        assert_eq!(user_exists(&clients, user), kept, "{user}");
    }

    let again = s3c(&["delete-user", "--expired"]).against(server).run();
    assert_eq!(
        again.success_with_stderr("No user made by s3-credentials has expired\n"),
        ""
    );
}
