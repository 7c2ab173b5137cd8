//! `create` and the other commands under an operator allowed only some
//! actions, with moto enforcing IAM: what the tool adds to the original
//! (0.17) degrades to `Warning:` lines when denied, and each policy of
//! `docs/permissions.md` is enough for the commands it is documented for.
//!
//! Two differences of moto from AWS are bent here, as `docs/permissions.md`
//! says: moto authorizes a bucket `HEAD` as `s3:HeadBucket` (AWS: as
//! `s3:ListBucket`, https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html),
//! so that action is added; and moto checks IAM and STS actions against the
//! resource `*` only.

use std::sync::Arc;

use s3_credentials::aws::Clients;

use crate::common::iam::{access_keys, inline_policies, user_exists};
use crate::common::proxy::{Proxy, iam_error};
use crate::common::s3::new_bucket;
use crate::common::{Output, block_on, enforcing_moto, s3c, sdk_config, unique};

/// Exactly what 0.17's `create` calls, and moto's name for the bucket look.
const ORIGINAL: &[&str] = &[
    "iam:GetUser",
    "iam:CreateUser",
    "iam:PutUserPolicy",
    "iam:CreateAccessKey",
    "s3:CreateBucket",
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:HeadBucket",
];

/// A proxy in front of the enforcing emulator that refuses a `CreateUser`
/// carrying tags, as AWS does for a caller without `iam:TagUser`: "you must
/// have ... iam:TagUser ... to add tags when creating a user"
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_users.html);
/// moto does not check tags sent with `CreateUser`. Only for operators
/// that lack `iam:TagUser`.
fn without_tag_user(operator: &str) -> Proxy {
    let message = format!(
        "User: arn:aws:iam::123456789012:user/{operator} is not authorized to perform: \
         iam:TagUser on resource: user"
    );
    Proxy::with_responder(
        &enforcing_moto().emulator.endpoint,
        Arc::new(move |request| {
            let tagged = request.form("Action").as_deref() == Some("CreateUser")
                && request.form("Tags.member.1.Key").is_some();
            tagged.then(|| iam_error(403, "AccessDenied", &message))
        }),
    )
}

/// Run `s3-credentials ARGS` as `(key, secret)` through `endpoint`.
fn run_as(endpoint: &str, key: &str, secret: &str, args: &[&str]) -> Output {
    s3c(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .run()
}

/// The key `create` printed, as clients of the enforcing emulator.
fn printed_key(stdout: &str) -> Clients {
    let key: serde_json::Value = serde_json::from_str(stdout).unwrap();
    let (id, secret) = (key["AccessKeyId"].as_str(), key["SecretAccessKey"].as_str());
    let config = sdk_config(
        &enforcing_moto().emulator.endpoint,
        id.unwrap(),
        secret.unwrap(),
    );
    Clients::from_config(&config)
}

/// The key can write and read back an object in `bucket`.
fn key_works(key: &Clients, bucket: &str) {
    block_on(async {
        let body = aws_sdk_s3::primitives::ByteStream::from_static(b"hello");
        let put = key.s3.put_object().bucket(bucket).key("k").body(body);
        put.send().await.unwrap();
        let got = key
            .s3
            .get_object()
            .bucket(bucket)
            .key("k")
            .send()
            .await
            .unwrap();
        assert_eq!(
            got.body.collect().await.unwrap().into_bytes().as_ref(),
            b"hello"
        );
    });
}

fn untagged(user: &str) -> String {
    format!(
        "user `{user}` not tagged: `list-credentials` will find it by its policy names only, \
         and `delete-user --expired` will not delete it"
    )
}

/// The warnings `create` prints for an existing `user` under exactly the
/// original's permissions, when it writes `policy`.
fn existing_user_warnings(user: &str, policy: &str) -> String {
    format!(
        "Warning: iam:ListAccessKeys denied: did not check that user `{user}` has fewer than the \
         2 access keys IAM allows; if it has 2, IAM refuses the new key and this run undoes its \
         changes\n\
         Warning: iam:ListUserPolicies, iam:ListAttachedUserPolicies, iam:ListGroupsForUser \
         denied: did not check what other permissions user `{user}` has, which the new key has \
         too\n\
         Warning: iam:ListUserTags denied: {}\n\
         Warning: iam:GetUserPolicy denied: if user `{user}` already has a policy `{policy}`, \
         this run replaces it, and should the run fail, leaves this run's version in place\n",
        untagged(user)
    )
}

#[test]
fn create_for_an_existing_user_under_the_originals_permissions_warns_and_gives_a_key() {
    let server = enforcing_moto();
    let admin = server.admin();
    let bucket = new_bucket(&admin, "orig-existing");
    let user = unique("existing");
    block_on(admin.iam.create_user().user_name(&user).send()).unwrap();
    let statements = serde_json::json!([{"Effect": "Allow", "Action": ORIGINAL, "Resource": "*"}]);
    let (operator, key, secret) = server.user_with_statements(statements);
    let proxy = without_tag_user(&operator);
    let output = run_as(
        &proxy.endpoint,
        &key,
        &secret,
        &["create", &bucket, "--username", &user],
    );
    let policy = format!("s3.read-write.{bucket}");
    let stdout = output.success_with_stderr(&format!(
        "Using existing user: {user}\n\
         {}\
         Attached policy {policy} to user {user}\n\
         Created access key for user: {user}\n",
        existing_user_warnings(&user, &policy)
    ));
    key_works(&printed_key(stdout), &bucket);
    let names: Vec<String> = inline_policies(&admin, &user)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, [policy]);
    let tags = block_on(admin.iam.list_user_tags().user_name(&user).send()).unwrap();
    assert!(tags.tags().is_empty(), "{tags:?}");
}

#[test]
fn create_for_a_new_user_under_the_originals_permissions_creates_it_untagged() {
    let server = enforcing_moto();
    let admin = server.admin();
    let bucket = unique("orig-new");
    let user = format!("s3.read-write.{bucket}");
    let statements = serde_json::json!([{"Effect": "Allow", "Action": ORIGINAL, "Resource": "*"}]);
    let (operator, key, secret) = server.user_with_statements(statements);
    let proxy = without_tag_user(&operator);
    let output = run_as(&proxy.endpoint, &key, &secret, &["create", &bucket, "-c"]);
    let stdout = output.success_with_stderr(&format!(
        "Created bucket: {bucket}\n\
         Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
         Warning: iam:TagUser denied: {}\n\
         Attached policy {user} to user {user}\n\
         Created access key for user: {user}\n",
        untagged(&user)
    ));
    key_works(&printed_key(stdout), &bucket);
    // The first CreateUser carried the tags and was refused; the second did not.
    let creates = proxy.actions("CreateUser");
    let tagged: Vec<bool> = creates
        .iter()
        .map(|r| r.form("Tags.member.1.Key").is_some())
        .collect();
    assert_eq!(tagged, [true, false]);
    let tags = block_on(admin.iam.list_user_tags().user_name(&user).send()).unwrap();
    assert!(tags.tags().is_empty(), "{tags:?}");
}

#[test]
fn tag_with_tag_user_denied_fails_and_undoes() {
    let server = enforcing_moto();
    let admin = server.admin();
    let bucket = new_bucket(&admin, "orig-tag");
    let user = format!("s3.read-write.{bucket}");
    let statements = serde_json::json!([{"Effect": "Allow", "Action": ORIGINAL, "Resource": "*"}]);
    let (operator, key, secret) = server.user_with_statements(statements);
    let proxy = without_tag_user(&operator);
    let output = run_as(
        &proxy.endpoint,
        &key,
        &secret,
        &["create", &bucket, "--tag", "team=data"],
    );
    output.fails_with(
        1,
        &format!(
            "Error: CreateUser failed: AccessDenied: User: \
             arn:aws:iam::123456789012:user/{operator} is not authorized to perform: \
             iam:TagUser on resource: user\n"
        ),
    );
    assert!(!user_exists(&admin, &user));
}

#[test]
fn tag_for_an_existing_user_without_list_user_tags_fails_before_any_change() {
    let server = enforcing_moto();
    let admin = server.admin();
    let bucket = new_bucket(&admin, "orig-tag-existing");
    let user = unique("existing");
    block_on(admin.iam.create_user().user_name(&user).send()).unwrap();
    let mut actions = ORIGINAL.to_vec();
    actions.extend(["iam:TagUser", "iam:UntagUser"]);
    let statements = serde_json::json!([{"Effect": "Allow", "Action": actions, "Resource": "*"}]);
    let (_, key, secret) = server.user_with_statements(statements);
    let output = run_as(
        &server.emulator.endpoint,
        &key,
        &secret,
        &["create", &bucket, "--username", &user, "--tag", "team=data"],
    );
    output.fails_with(
        1,
        &format!(
            "Error: iam:ListUserTags denied: --tag cannot tag user `{user}` without reading its \
             tags first\n"
        ),
    );
    assert!(inline_policies(&admin, &user).is_empty());
    assert!(access_keys(&admin, &user).is_empty());
}

#[test]
fn a_third_key_refused_by_iam_leaves_a_policy_it_could_not_read_in_place() {
    let server = enforcing_moto();
    let admin = server.admin();
    let bucket = new_bucket(&admin, "orig-third");
    let user = unique("two-keys");
    let policy = format!("s3.read-write.{bucket}");
    let older = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
    block_on(async {
        admin
            .iam
            .create_user()
            .user_name(&user)
            .send()
            .await
            .unwrap();
        let put = admin
            .iam
            .put_user_policy()
            .user_name(&user)
            .policy_name(&policy);
        put.policy_document(older.to_string()).send().await.unwrap();
        for _ in 0..2 {
            let create = admin.iam.create_access_key().user_name(&user);
            create.send().await.unwrap();
        }
    });
    let statements = serde_json::json!([{"Effect": "Allow", "Action": ORIGINAL, "Resource": "*"}]);
    let (_, key, secret) = server.user_with_statements(statements);
    let output = run_as(
        &server.emulator.endpoint,
        &key,
        &secret,
        &["create", &bucket, "--username", &user, "--silent"],
    );
    output.fails_with(
        1,
        &format!(
            "{}\
             Undoing the changes made so far:\n  \
             Left policy {policy} on user {user}: what it replaced could not be read \
             (iam:GetUserPolicy denied); if it is not wanted: \
             `aws iam delete-user-policy --user-name {user} --policy-name {policy}`\n\
             Error: CreateAccessKey failed: LimitExceeded: Cannot exceed quota for AccessKeysPerUser: 2\n",
            existing_user_warnings(&user, &policy)
        ),
    );
    let policies = inline_policies(&admin, &user);
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].0, policy);
    assert_ne!(policies[0].1, older, "this run's version is left");
    assert_eq!(access_keys(&admin, &user).len(), 2);
}

#[test]
fn an_existing_user_is_left_untagged_when_tag_user_alone_is_denied() {
    let server = enforcing_moto();
    let admin = server.admin();
    let bucket = new_bucket(&admin, "no-tag-user");
    let user = unique("existing");
    block_on(admin.iam.create_user().user_name(&user).send()).unwrap();
    let (_, key, secret) = server.user_with_statements(serde_json::json!([
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["iam:TagUser", "iam:UntagUser"], "Resource": "*"},
    ]));
    let args = ["create", &bucket, "--username", &user];
    let output = run_as(&server.emulator.endpoint, &key, &secret, &args);
    let policy = format!("s3.read-write.{bucket}");
    let stdout = output.success_with_stderr(&format!(
        "Using existing user: {user}\n\
         Attached policy {policy} to user {user}\n\
         Warning: iam:TagUser denied: {}\n\
         Created access key for user: {user}\n",
        untagged(&user)
    ));
    key_works(&printed_key(stdout), &bucket);
    let tags = block_on(admin.iam.list_user_tags().user_name(&user).send()).unwrap();
    assert!(tags.tags().is_empty(), "{tags:?}");
}
