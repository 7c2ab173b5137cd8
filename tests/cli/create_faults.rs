//! `create` when AWS refuses a step part-way: what this run created is taken
//! back, newest first, and nothing is left behind. Failures are forced with
//! the enforcing emulator and a user whose policy denies one action.
//! Also: credentials made by `create` can do exactly what their mode allows.

use std::process::{Command, Stdio};
use std::sync::Arc;

use s3_credentials::aws::Clients;

use crate::common::iam::{access_keys, inline_policies, user_exists};
use crate::common::proxy::Proxy;
use crate::common::s3::{bucket_exists, new_bucket};
use crate::common::{
    Enforcing, Output, TEST_KEY, TEST_SECRET, block_on, enforcing_moto, exclusive_moto, moto, s3c,
    unique,
};

const ROLE_NAME: &str = "s3-credentials.AmazonS3FullAccess";

/// A user allowed everything except `denied`: `(name, key, secret)`.
fn user_denied(server: &Enforcing, denied: &[&str]) -> (String, String, String) {
    server.user_with_statements(serde_json::json!([
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": denied, "Resource": "*"},
    ]))
}

/// Run `create ARGS` on the enforcing emulator as a user denied `action`;
/// returns the output and the expected final error line for an IAM action.
fn create_denied(server: &Enforcing, action: &str, args: &[&str]) -> (Output, String) {
    create_denied_all(server, &[action], args)
}

fn create_denied_all(server: &Enforcing, denied: &[&str], args: &[&str]) -> (Output, String) {
    let action = denied[0];
    let (user, key, secret) = user_denied(server, denied);
    let mut all = vec!["create"];
    all.extend_from_slice(args);
    let output = s3c(&all)
        .against(&server.emulator)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .run();
    let operation = action.split(':').nth(1).unwrap();
    let error = format!(
        "{operation} failed: AccessDenied: User: arn:aws:iam::123456789012:user/{user} \
         is not authorized to perform: {action}"
    );
    (output, error)
}

fn role_exists(clients: &Clients) -> bool {
    let role = block_on(clients.iam.get_role().role_name(ROLE_NAME).send());
    match role {
        Ok(_) => true,
        Err(error) if error.raw_response().map(|r| r.status().as_u16()) == Some(404) => false,
        Err(error) => panic!("{error:?}"),
    }
}

#[test]
fn denied_create_access_key_undoes_policy_user_and_bucket() {
    let server = enforcing_moto();
    let bucket = unique("fault");
    let user = format!("s3.read-write.{bucket}");
    let (output, error) = create_denied(server, "iam:CreateAccessKey", &[&bucket, "-c"]);
    assert_eq!(
        (output.code, output.stdout.as_str()),
        (1, ""),
        "{output:#?}"
    );
    assert_eq!(
        output.stderr,
        format!(
            "Created bucket: {bucket}\n\
             Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
             Attached policy {user} to user {user}\n\
             Undoing the changes made so far:\n  \
             Deleted policy {user} from user {user}\n  \
             Deleted user: {user}\n  \
             Deleted bucket: {bucket}\n\
             Error: {error}\n"
        )
    );
    let admin = server.admin();
    assert!(!bucket_exists(&admin, &bucket));
    assert!(!user_exists(&admin, &user));
}

#[test]
fn a_failure_at_each_step_leaves_nothing_behind() {
    let server = enforcing_moto();
    let admin = server.admin();
    let steps: &[(&str, &[&str])] = &[
        ("s3:CreateBucket", &["-c"]),
        // PutPublicAccessBlock is not here: moto files it under another
        // action name (it looks for `?public_access_block`), so it cannot be
        // denied on its own.
        ("s3:PutBucketPolicy", &["-c", "--public"]),
        ("s3:PutBucketWebsite", &["-c", "--website"]),
        ("iam:CreateUser", &["-c"]),
        ("iam:PutUserPolicy", &["-c"]),
        ("iam:CreateAccessKey", &["-c", "--read-only"]),
    ];
    for (action, options) in steps {
        let (first, second) = (unique("step"), unique("step"));
        let mut args = vec![first.as_str(), second.as_str()];
        args.extend_from_slice(options);
        let (output, error) = create_denied(server, action, &args);
        assert_eq!(output.code, 1, "{action}: {output:#?}");
        let operation = action.split(':').nth(1).unwrap();
        let last = output.stderr.lines().last().unwrap_or_default();
        assert!(last.starts_with("Error: "), "{action}: {output:#?}");
        if action.starts_with("iam:") {
            assert!(last.ends_with(&error), "{action}: {output:#?}");
        } else {
            let s3_error = format!("{operation} failed: AccessDenied: Access Denied");
            assert!(last.ends_with(&s3_error), "{action}: {output:#?}");
        }
        for bucket in [&first, &second] {
            assert!(
                !bucket_exists(&admin, bucket),
                "{action} left bucket {bucket}"
            );
        }
        for permission in ["read-write", "read-only"] {
            let user = format!("s3.{permission}.{first},{second}");
            assert!(!user_exists(&admin, &user), "{action} left user {user}");
        }
    }
}

#[test]
fn an_existing_users_replaced_policy_is_restored() {
    let server = enforcing_moto();
    let admin = server.admin();
    let (bucket, user) = (new_bucket(&admin, "restore"), unique("keeper"));
    let name = format!("s3.read-write.{bucket}");
    let old = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]});
    block_on(async {
        admin
            .iam
            .create_user()
            .user_name(&user)
            .send()
            .await
            .unwrap();
        admin
            .iam
            .put_user_policy()
            .user_name(&user)
            .policy_name(&name)
            .policy_document(old.to_string())
            .send()
            .await
            .unwrap();
    });
    let (output, _) = create_denied(
        server,
        "iam:CreateAccessKey",
        &[&bucket, "--username", &user],
    );
    assert_eq!(output.code, 1, "{output:#?}");
    assert!(output.stderr.contains(&format!(
        "  Restored the previous policy {name} of user {user}\n"
    )));
    assert!(
        user_exists(&admin, &user),
        "an existing user is never deleted"
    );
    assert_eq!(inline_policies(&admin, &user), [(name, old)]);
    assert!(
        bucket_exists(&admin, &bucket),
        "an existing bucket is never deleted"
    );
}

#[test]
fn temporary_credentials_failures_remove_the_new_role_and_buckets() {
    // moto's signature check rejects CreateRole requests (it re-encodes the
    // form body differently), so these steps fail through the proxy instead,
    // on an emulator of their own where the role does not exist yet.
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    let steps: &[(&str, u16, &str)] = &[
        ("CreateRole", 403, "AccessDenied"),
        ("AttachRolePolicy", 403, "AccessDenied"),
        // A refusal that is not "denied", so that no grace period for a new
        // role applies and the test stays quick.
        ("AssumeRole", 400, "ValidationError"),
    ];
    for (action, status, code) in steps {
        let bucket = unique("temp");
        let (status, code) = (*status, *code);
        let proxy = Proxy::with_faults(
            &server.endpoint,
            Arc::new(move |request| {
                (request.form("Action").as_deref() == Some(*action)).then_some((status, code))
            }),
        );
        let output = s3c(&[
            "create",
            &bucket,
            "-c",
            "-d",
            "15m",
            "--endpoint-url",
            &proxy.endpoint,
        ])
        .run();
        assert_eq!(output.code, 1, "{action}: {output:#?}");
        let last = output.stderr.lines().last().unwrap();
        // A role made and removed inside the AttachRolePolicy step is named.
        let undone = if *action == "AttachRolePolicy" {
            "role s3-credentials.AmazonS3FullAccess was created and deleted again: "
        } else {
            ""
        };
        assert_eq!(
            last,
            format!("Error: {undone}{action} failed: {code}: injected by the test proxy"),
            "{output:#?}"
        );
        assert!(
            !bucket_exists(&clients, &bucket),
            "{action} left bucket {bucket}"
        );
        assert!(
            !role_exists(&clients),
            "{action} left the role: {output:#?}"
        );
    }
}

/// `create --duration` whose new shared role cannot get its policy and then
/// cannot be deleted: the error says the role was created and is left, so
/// nobody is left with a role they never heard of.
#[test]
fn a_new_role_that_cannot_be_removed_again_is_named() {
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    let proxy = Proxy::with_faults(
        &server.endpoint,
        Arc::new(|request| {
            matches!(
                request.form("Action").as_deref(),
                Some("AttachRolePolicy" | "DeleteRole")
            )
            .then_some((403, "AccessDenied"))
        }),
    );
    let bucket = unique("temp");
    let output = s3c(&[
        "create",
        &bucket,
        "-c",
        "-d",
        "15m",
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run();
    assert_eq!(output.code, 1, "{output:#?}");
    assert_eq!(
        output.stderr.lines().last().unwrap(),
        "Error: role s3-credentials.AmazonS3FullAccess was created and could not be deleted \
         again (DeleteRole failed: AccessDenied: injected by the test proxy): delete it by hand: \
         AttachRolePolicy failed: AccessDenied: injected by the test proxy",
        "{output:#?}"
    );
    assert!(role_exists(&clients), "{output:#?}");
    block_on(clients.iam.delete_role().role_name(ROLE_NAME).send()).unwrap();
}

#[test]
fn a_key_whose_secret_cannot_be_printed_is_deleted() {
    let clients = moto().clients();
    let bucket = new_bucket(&clients, "nopipe");
    // Nobody will read the credentials.
    let output = s3c(&["create", &bucket])
        .against(moto())
        .run_with_stdout_closed();
    let stderr = output.stderr;
    let user = format!("s3.read-write.{bucket}");
    assert_eq!(output.code, 1, "{stderr}");
    assert!(stderr.contains("  Deleted access key: "), "{stderr}");
    assert!(
        stderr.ends_with("Error: could not print the credentials: Broken pipe (os error 32)\n"),
        "{stderr}"
    );
    assert!(!user_exists(&clients, &user));
}

#[test]
fn access_denied_on_a_bucket_is_not_reported_as_missing() {
    let server = enforcing_moto();
    let bucket = new_bucket(&server.admin(), "denied");
    // Real S3 checks `s3:ListBucket` for HeadBucket; moto names it `s3:HeadBucket`.
    let (output, _) = create_denied_all(server, &["s3:ListBucket", "s3:HeadBucket"], &[&bucket]);
    assert_eq!(
        (output.code, output.stderr.as_str()),
        (
            1,
            format!(
                "Error: access to bucket `{bucket}` was denied (HTTP 403): it belongs to another account, \
                 or these credentials may not use it or have expired\n"
            )
            .as_str()
        )
    );
}

/// What a client with the given credentials may do with a bucket.
#[derive(Debug, PartialEq, Eq)]
struct Allowed {
    list: bool,
    get: bool,
    put: bool,
    delete: bool,
}

fn try_bucket(clients: &Clients, bucket: &str) -> Allowed {
    block_on(async {
        let s3 = &clients.s3;
        Allowed {
            list: s3.list_objects_v2().bucket(bucket).send().await.is_ok(),
            get: s3
                .get_object()
                .bucket(bucket)
                .key("existing.txt")
                .send()
                .await
                .is_ok(),
            put: s3
                .put_object()
                .bucket(bucket)
                .key("new.txt")
                .body(b"new".to_vec().into())
                .send()
                .await
                .is_ok(),
            delete: s3
                .delete_object()
                .bucket(bucket)
                .key("existing.txt")
                .send()
                .await
                .is_ok(),
        }
    })
}

#[test]
fn created_credentials_can_do_exactly_what_their_mode_allows() {
    let server = enforcing_moto();
    let admin = server.admin();
    // A new bucket holding one object.
    let setup = |prefix: &str| {
        let bucket = new_bucket(&admin, prefix);
        block_on(async {
            admin
                .s3
                .put_object()
                .bucket(&bucket)
                .key("existing.txt")
                .body(b"x".to_vec().into())
                .send()
                .await
                .unwrap();
        });
        bucket
    };
    let other = setup("other");
    let modes: &[(&str, Allowed)] = &[
        (
            "--read-write",
            Allowed {
                list: true,
                get: true,
                put: true,
                delete: true,
            },
        ),
        (
            "--read-only",
            Allowed {
                list: true,
                get: true,
                put: false,
                delete: false,
            },
        ),
        (
            "--write-only",
            Allowed {
                list: false,
                get: false,
                put: true,
                delete: false,
            },
        ),
    ];
    for (mode, expected) in modes {
        let bucket = setup("mode");
        let mut args = vec!["create", bucket.as_str(), "--silent"];
        if *mode != "--read-write" {
            args.push(mode);
        }
        let output = s3c(&args)
            .against(&server.emulator)
            .env("AWS_ACCESS_KEY_ID", &server.admin_key)
            .env("AWS_SECRET_ACCESS_KEY", &server.admin_secret)
            .run();
        let key: serde_json::Value = serde_json::from_str(output.success()).unwrap();
        let created = server.emulator.clients_as(
            key["AccessKeyId"].as_str().unwrap(),
            key["SecretAccessKey"].as_str().unwrap(),
        );
        assert_eq!(
            &try_bucket(&created, &bucket),
            expected,
            "{mode} on its bucket"
        );
        let nothing = Allowed {
            list: false,
            get: false,
            put: false,
            delete: false,
        };
        assert_eq!(
            try_bucket(&created, &other),
            nothing,
            "{mode} on another bucket"
        );
        assert_eq!(
            access_keys(&admin, key["UserName"].as_str().unwrap()).len(),
            1
        );
    }
}

#[test]
fn an_interrupted_run_takes_back_what_it_did() {
    let bucket = unique("interrupted");
    let user = format!("s3.read-write.{bucket}");
    // Hold CreateAccessKey long enough to interrupt the run while it waits.
    let proxy = Proxy::with_faults(
        &moto().endpoint,
        Arc::new(|request| {
            if request.form("Action").as_deref() == Some("CreateAccessKey") {
                std::thread::sleep(std::time::Duration::from_secs(5));
            }
            None
        }),
    );
    let child = Command::new(env!("CARGO_BIN_EXE_s3-credentials"))
        .args(["create", &bucket, "-c", "--endpoint-url", &proxy.endpoint])
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", TEST_KEY)
        .env("AWS_SECRET_ACCESS_KEY", TEST_SECRET)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while proxy.actions("PutUserPolicy").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "create never reached its policies"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: sending a signal to the child this test spawned and still owns.
    unsafe { libc::kill(i32::try_from(child.id()).unwrap(), libc::SIGTERM) };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    // The key whose request was in flight is waited for and deleted too.
    let (before, undone) = stderr
        .split_once("Undoing the changes made so far:\n")
        .unwrap();
    assert!(
        before.ends_with(&format!("Created access key for user: {user}\n")),
        "{stderr}"
    );
    let undone: Vec<&str> = undone.lines().collect();
    assert!(
        undone[0].starts_with("  Deleted access key: AKIA"),
        "{stderr}"
    );
    assert_eq!(
        undone[1..],
        [
            format!("  Deleted policy {user} from user {user}"),
            format!("  Deleted user: {user}"),
            format!("  Deleted bucket: {bucket}"),
            "Error: interrupted by SIGTERM".to_owned(),
        ],
        "{stderr}"
    );
    let clients = moto().clients();
    assert!(!user_exists(&clients, &user));
    assert!(!bucket_exists(&clients, &bucket));
}
