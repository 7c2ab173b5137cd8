//! IAM's policy size limits, enforced by a proxy in front of moto as AWS
//! enforces them (see `tests/common/iam_limits.rs`): `create` fits a dozen
//! buckets into one user or one session, the keys work on every bucket, and
//! what cannot fit is refused before any request. Grants that go into
//! managed policies are in `managed_policies.rs`.

use serde_json::Value;

use crate::common::counter::ConnectionCounter;
use crate::common::iam::{inline_policies, user_exists};
use crate::common::iam_limits::{self, SESSION_POLICY_LIMIT, USER_INLINE_LIMIT, iam_size};
use crate::common::{enforcing_moto, moto, s3c, unique};

/// Twelve buckets on `clients`' server.
fn twelve_buckets(clients: &s3_credentials::aws::Clients) -> Vec<String> {
    let s3 = &clients.s3;
    (0..12)
        .map(|_| {
            let name = unique("limits");
            crate::common::block_on(s3.create_bucket().bucket(&name).send()).unwrap();
            name
        })
        .collect()
}

/// `create` with twelve buckets in `mode` through the limits proxy, then
/// `command` on every bucket with the new key.
fn twelve_buckets_fit(mode: &str, command: &[&str]) {
    let server = enforcing_moto();
    let admin = server.admin();
    let proxy = iam_limits::start(&server.emulator.endpoint);
    let buckets = twelve_buckets(&admin);
    let user = unique("twelve");
    let mut args = vec!["create", "--username", &user];
    args.extend(buckets.iter().map(String::as_str));
    args.extend([
        "--access-key",
        &server.admin_key,
        "--secret-key",
        &server.admin_secret,
    ]);
    if !mode.is_empty() {
        args.push(mode);
    }
    let created = s3c(&args).env("AWS_ENDPOINT_URL", &proxy.endpoint).run();
    let label = if mode.is_empty() {
        "read-write"
    } else {
        &mode[2..]
    };
    let boundary = if mode == "--read-only" {
        "AmazonS3ReadOnlyAccess"
    } else {
        "AmazonS3FullAccess"
    };
    // Write-only policies are small enough to keep one per bucket.
    let names: Vec<String> = if mode == "--write-only" {
        buckets.iter().map(|b| format!("s3.{label}.{b}")).collect()
    } else {
        vec![format!("s3.{label}.all-buckets")]
    };
    let attached: String = names
        .iter()
        .map(|name| format!("Attached policy {name} to user {user}\n"))
        .collect();
    let said = format!(
        "Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/{boundary}\n\
         {attached}Created access key for user: {user}\n"
    );
    let key: Value = serde_json::from_str(created.success_with_stderr(&said)).unwrap();
    let policies = inline_policies(&admin, &user);
    let listed: Vec<String> = policies.iter().map(|(name, _)| name.clone()).collect();
    assert_eq!(listed, names);
    let size: usize = policies.iter().map(|(_, p)| iam_size(&p.to_string())).sum();
    assert!(size <= USER_INLINE_LIMIT, "{size}");
    let (id, secret) = (
        key["AccessKeyId"].as_str().unwrap(),
        key["SecretAccessKey"].as_str().unwrap(),
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "data").unwrap();
    for bucket in &buckets {
        let mut args: Vec<&str> = command
            .iter()
            .map(|arg| {
                if *arg == "BUCKET" {
                    bucket.as_str()
                } else {
                    arg
                }
            })
            .collect();
        if args.contains(&"FILE") {
            args = args
                .into_iter()
                .map(|arg| {
                    if arg == "FILE" {
                        file.path().to_str().unwrap()
                    } else {
                        arg
                    }
                })
                .collect();
        }
        args.extend(["--access-key", id, "--secret-key", secret]);
        let used = s3c(&args).against(&server.emulator).run();
        used.success();
        assert_eq!(used.stderr, "", "{used:#?}");
    }
    // The combined policy is listed and deleted like any other.
    let admin_args = [
        "--access-key",
        &server.admin_key,
        "--secret-key",
        &server.admin_secret,
    ];
    let mut list = vec!["list-user-policies", user.as_str()];
    list.extend(admin_args);
    let listed = s3c(&list).against(&server.emulator).run();
    for name in &names {
        assert!(
            listed.success().contains(&format!("PolicyName: {name}\n")),
            "{listed:#?}"
        );
    }
    let mut delete = vec!["delete-user", user.as_str()];
    delete.extend(admin_args);
    let deleted = s3c(&delete).against(&server.emulator).run();
    deleted.success();
    assert!(!user_exists(&admin, &user), "{deleted:#?}");
}

#[test]
fn twelve_read_write_buckets_fit_one_user() {
    twelve_buckets_fit("", &["put-object", "BUCKET", "k.txt", "FILE", "-s"]);
}

#[test]
fn twelve_read_only_buckets_fit_one_user() {
    twelve_buckets_fit("--read-only", &["list-bucket", "BUCKET", "--csv"]);
}

#[test]
fn twelve_write_only_buckets_fit_one_user() {
    twelve_buckets_fit(
        "--write-only",
        &["put-object", "BUCKET", "k.txt", "FILE", "-s"],
    );
}

#[test]
fn twelve_buckets_fit_one_session_policy() {
    let proxy = iam_limits::start(&moto().endpoint);
    let buckets = twelve_buckets(&moto().clients());
    let mut args = vec!["create", "--duration", "1h", "--silent"];
    args.extend(buckets.iter().map(String::as_str));
    let created = s3c(&args).env("AWS_ENDPOINT_URL", &proxy.endpoint).run();
    created.success();
    let assumed = proxy.actions("AssumeRole");
    let policy = assumed[0].form("Policy").unwrap();
    assert!(policy.chars().count() <= SESSION_POLICY_LIMIT, "{policy}");
    for bucket in &buckets {
        assert!(
            policy.contains(&format!("\"arn:aws:s3:::{bucket}/*\"")),
            "{policy}"
        );
    }
}

#[test]
fn a_few_buckets_keep_one_policy_each() {
    let proxy = iam_limits::start(&moto().endpoint);
    let buckets = &twelve_buckets(&moto().clients())[..4];
    let user = unique("four");
    let mut args = vec!["create", "--username", &user, "--silent"];
    args.extend(buckets.iter().map(String::as_str));
    s3c(&args)
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run()
        .success();
    let names: Vec<String> = inline_policies(&moto().clients(), &user)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let expected: Vec<String> = buckets
        .iter()
        .map(|b| format!("s3.read-write.{b}"))
        .collect();
    assert_eq!(names, expected);
}

/// What cannot fit is refused before any request: a session policy over
/// 2,048 characters, and a user's grant that even ten managed policies of
/// 6,144 characters cannot hold (IAM's quotas:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>).
#[test]
fn what_cannot_fit_is_refused_before_any_request() {
    let counter = ConnectionCounter::start();
    let buckets: Vec<String> = (0..60)
        .map(|n| format!("a-rather-long-bucket-name-for-limits-{n:03}"))
        .collect();
    let prefixes: Vec<String> = (0..30)
        .map(|n| format!("some-rather-long-prefix-name-{n:02}/"))
        .collect();
    let mut args = vec![
        "create",
        "--username",
        "many",
        "--endpoint-url",
        &counter.endpoint,
    ];
    args.extend(buckets.iter().map(String::as_str));
    for prefix in &prefixes {
        args.extend(["--prefix", prefix.as_str()]);
    }
    let user = s3c(&args).run();
    assert_eq!(user.code, 2, "{user:#?}");
    assert_eq!(
        user.stderr,
        "Error: the read-write policy for 60 bucket(s) is too large for a user's inline \
         policies and would need 60 managed policies of at most 6144 characters, over IAM's \
         limit of 10 managed policies per user: split the buckets over several users, or use \
         fewer --statement or --prefix\n"
    );
    let mut args = vec![
        "create",
        "--duration",
        "1h",
        "--endpoint-url",
        &counter.endpoint,
    ];
    args.extend(buckets.iter().map(String::as_str));
    // Without the prefixes, what a user now holds in managed policies.
    s3c(&args).run().fails_with(
        2,
        "Error: the read-write policy for 60 bucket(s) would be 7139 characters even with all \
         buckets in one statement per kind of access, over IAM's limit of 2048 for an AssumeRole \
         session policy: ask for fewer buckets per set of credentials, or use fewer --statement \
         or --prefix\n",
    );
    assert_eq!(counter.connections(), 0);
}

/// A bucket name of exactly `length` characters, unique to this test run.
fn bucket_name_of(length: usize) -> String {
    let base = unique("b");
    assert!(base.len() <= length, "{base}");
    format!("{}{base}", "x".repeat(length - base.len()))
}

/// Twelve read-write buckets with 16-character names and `--prefix
/// my-prefix/` were refused (2,266 characters merged, IAM's limit being
/// 2,048 for a user's inline policies:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>):
/// the read and the write statements name the same object ARNs and are now
/// one statement, which fits. The key writes under the prefix in every
/// bucket, and nowhere else.
#[test]
fn twelve_buckets_with_a_prefix_fit_one_user() {
    let server = enforcing_moto();
    let admin = server.admin();
    let proxy = iam_limits::start(&server.emulator.endpoint);
    let buckets: Vec<String> = (0..13).map(|_| bucket_name_of(16)).collect();
    for bucket in &buckets {
        crate::common::block_on(admin.s3.create_bucket().bucket(bucket).send()).unwrap();
    }
    let (granted, other) = buckets.split_at(12);
    let user = unique("prefixed");
    let mut args = vec![
        "create",
        "--username",
        &user,
        "--prefix",
        "my-prefix/",
        "--silent",
    ];
    args.extend(granted.iter().map(String::as_str));
    args.extend([
        "--access-key",
        &server.admin_key,
        "--secret-key",
        &server.admin_secret,
    ]);
    let created = s3c(&args).env("AWS_ENDPOINT_URL", &proxy.endpoint).run();
    let key: Value = serde_json::from_str(created.success()).unwrap();
    let policies = inline_policies(&admin, &user);
    let names: Vec<&str> = policies.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["s3.read-write.all-buckets"]);
    assert!(iam_size(&policies[0].1.to_string()) <= USER_INLINE_LIMIT);
    let (id, secret) = (
        key["AccessKeyId"].as_str().unwrap(),
        key["SecretAccessKey"].as_str().unwrap(),
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "data").unwrap();
    let put = |bucket: &str, object: &str| {
        let path = file.path().to_str().unwrap();
        s3c(&[
            "put-object",
            bucket,
            object,
            path,
            "-s",
            "--access-key",
            id,
            "--secret-key",
            secret,
        ])
        .against(&server.emulator)
        .run()
    };
    for bucket in granted {
        put(bucket, "my-prefix/k.txt").success();
    }
    let denied = "Error: PutObject failed: AccessDenied: Access Denied\n";
    put(&granted[0], "elsewhere/k.txt").fails_with(1, denied);
    put(&other[0], "my-prefix/k.txt").fails_with(1, denied);
}
