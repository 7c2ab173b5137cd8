//! `--key`: credentials for named objects only. The documents are pinned by
//! golden files (`policy`) and parliament; what the key from `create --key`
//! may really do is checked under moto's IAM enforcement.

use std::fs;

use serde_json::Value;

use crate::common::iam::inline_policies;
use crate::common::s3::new_bucket;
use crate::common::{Output, block_on, enforcing_moto, s3c};
use crate::create::golden;
use crate::policy::{golden as golden_text, lint};

#[test]
fn keys_print_each_mode_exactly_and_pass_the_linter() {
    let cases: &[(&[&str], &str)] = &[
        (&["--key", "reports/2026.csv"], "read-write-key"),
        (
            &["--read-only", "--key", "reports/2026.csv"],
            "read-only-key",
        ),
        (
            &["--write-only", "--key", "reports/2026.csv"],
            "write-only-key",
        ),
        (
            // Repeated and duplicated: each key once, in the order given.
            &[
                "--key",
                "reports/2026.csv",
                "--key",
                "notes/a b.txt",
                "--key",
                "reports/2026.csv",
            ],
            "read-write-two-keys",
        ),
    ];
    for (options, fixture) in cases {
        let mut args = vec!["policy", "my-bucket"];
        args.extend_from_slice(options);
        let output = s3c(&args).run();
        assert_eq!(output.success(), golden_text(fixture), "policy {options:?}");
        assert_eq!(lint(&output.stdout), "", "policy {options:?}");
    }
}

#[test]
fn keys_that_would_grant_more_or_other_objects_are_refused() {
    let refused = |key: &str, message: &str| {
        for command in ["policy", "create"] {
            s3c(&[command, "my-bucket", "--key", key])
                .run()
                .fails_with(2, &format!("Error: {message}\n"));
        }
    };
    refused("", "--key cannot be empty");
    for (key, special) in [("logs/*", '*'), ("a?.txt", '?'), ("${aws:username}/x", '$')] {
        refused(
            key,
            &format!(
                "--key `{key}` contains `{special}`, which IAM reads as a wildcard or policy \
                 variable in a resource ARN, so the grant would cover other keys too; rename the \
                 object or use --prefix"
            ),
        );
    }
    refused(
        "/a.txt",
        "--key `/a.txt` starts with `/`, but S3 keys have no leading slash; use `--key a.txt`",
    );
    refused(
        "a/../b.txt",
        "--key `a/../b.txt` has a `.` or `..` segment, which many clients resolve before \
         sending, so they would reach another object than the one granted",
    );
    let long = "k".repeat(1025);
    refused(
        &long,
        &format!("--key `{long}` is 1025 bytes long: S3 keys are at most 1024 bytes"),
    );
    for command in ["policy", "create", "localserver"] {
        let mut args = vec![command, "my-bucket", "--key", "a.txt", "--prefix", "a/"];
        if command == "localserver" {
            args.extend_from_slice(&["--duration", "15m"]);
        }
        s3c(&args).run().fails_with(
            2,
            &format!(
                "Error: the argument '--key <KEY>' cannot be used with '--prefix <PREFIX>'; \
                 see `s3-credentials {command} --help`\n"
            ),
        );
    }
    s3c(&["create", "my-bucket", "--key", "a.txt", "--policy", "{}"])
        .run()
        .fails_with(
            2,
            "Error: the argument '--key <KEY>' cannot be used with '--policy <FILE|JSON|->'; \
             see `s3-credentials create --help`\n",
        );
}

/// Run as the enforcing emulator's admin, or with `key` when given.
fn run(args: &[&str], key: Option<&(String, String)>) -> Output {
    let server = enforcing_moto();
    let (id, secret) = match key {
        Some((id, secret)) => (id.as_str(), secret.as_str()),
        None => (server.admin_key.as_str(), server.admin_secret.as_str()),
    };
    s3c(args)
        .env("AWS_ACCESS_KEY_ID", id)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .against(&server.emulator)
        .run()
}

/// `create BUCKET --key KEY` with `mode`: the user's one inline policy is
/// the golden document, and the printed key is returned.
fn create_with_key(bucket: &str, mode: Option<&str>, fixture: &str) -> (String, String) {
    let mut args = vec!["create", bucket, "--key", "reports/2026.csv"];
    args.extend(mode);
    let created = run(&args, None);
    let label = mode.map_or("read-write", |flag| &flag[2..]);
    let user = format!("s3.{label}.{bucket}");
    let boundary = if label == "read-only" {
        "AmazonS3ReadOnlyAccess"
    } else {
        "AmazonS3FullAccess"
    };
    let key: Value = serde_json::from_str(created.success_with_stderr(&format!(
        "Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/{boundary}\n\
         Attached policy {user} to user {user}\nCreated access key for user: {user}\n"
    )))
    .unwrap();
    assert_eq!(
        inline_policies(&enforcing_moto().admin(), &user),
        [(user.clone(), golden(fixture, bucket))]
    );
    let text = |field: &str| key[field].as_str().unwrap().to_owned();
    (text("AccessKeyId"), text("SecretAccessKey"))
}

/// Put an object as the admin (the enforcing emulator refuses anyone else).
fn put(bucket: &str, key: &str, body: &str) {
    let s3 = enforcing_moto().admin().s3;
    block_on(
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .send(),
    )
    .unwrap();
}

/// An object's body, read as the admin.
fn get(bucket: &str, key: &str) -> String {
    let s3 = enforcing_moto().admin().s3;
    block_on(async {
        let object = s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        String::from_utf8(object.body.collect().await.unwrap().to_vec()).unwrap()
    })
}

/// The key reads its object and not the one beside it, nor one whose name
/// merely starts with it, and cannot list the bucket; a read-write key
/// writes only its object.
#[test]
fn the_key_from_create_key_reaches_its_object_only() {
    let server = enforcing_moto();
    let bucket = new_bucket(&server.admin(), "keys");
    let b = bucket.as_str();
    for key in [
        "reports/2026.csv",
        "reports/2025.csv",
        "reports/2026.csv.bak",
    ] {
        put(b, key, key);
    }
    let reader = create_with_key(b, Some("--read-only"), "read-only-key");
    let read = |key: &str| run(&["get-object", b, key], Some(&reader));
    assert_eq!(read("reports/2026.csv").success(), "reports/2026.csv");
    read("reports/2025.csv").fails_with(1, "Error: could not download `reports/2025.csv`: GetObject failed: AccessDenied: Access Denied\n");
    read("reports/2026.csv.bak").fails_with(1, "Error: could not download `reports/2026.csv.bak`: GetObject failed: AccessDenied: Access Denied\n");
    run(&["list-bucket", b], Some(&reader)).fails_with(
        1,
        "Error: ListObjectsV2 failed: AccessDenied: Access Denied\n",
    );

    let writer = create_with_key(b, None, "read-write-key");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new.csv");
    fs::write(&file, "new").unwrap();
    let file = file.to_str().unwrap();
    run(
        &["put-object", b, "reports/2026.csv", file, "-s"],
        Some(&writer),
    )
    .success();
    assert_eq!(get(b, "reports/2026.csv"), "new");
    run(
        &["put-object", b, "reports/2025.csv", file, "-s"],
        Some(&writer),
    )
    .fails_with(1, "Error: PutObject failed: AccessDenied: Access Denied\n");
    assert_eq!(get(b, "reports/2025.csv"), "reports/2025.csv");
}
