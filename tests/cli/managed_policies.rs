//! Grants larger than a user's 2,048 characters of inline policies: `create`
//! puts them into customer managed policies (path `/s3-credentials/`, named
//! `s3-credentials.USER.N`), each at most 6,144 characters, at most 10 per
//! user (IAM's quotas,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>,
//! enforced by `tests/common/iam_limits.rs` where moto is lenient). The
//! undo, `delete-user`, `list-credentials` and `delete-user --expired` know
//! them.

use std::sync::Arc;

use s3_credentials::aws::Clients;
use serde_json::Value;

use crate::common::iam::{access_keys, inline_policies, user_exists};
use crate::common::iam_proxy::{IamProxy, Times, delete_policy_conflict};
use crate::common::tool_users::iam_proxy;
use crate::common::{
    block_on, enforcing_moto, exclusive_moto, found, iam_limits, moto, s3c, unique,
};

/// A bucket name of exactly `length` characters, unique to this test run.
fn bucket_name_of(length: usize) -> String {
    let base = unique("m");
    assert!(base.len() <= length, "{base}");
    format!("{}{base}", "x".repeat(length - base.len()))
}

/// `count` new buckets with 18-character names, made with `clients`.
pub(crate) fn buckets(clients: &Clients, count: usize) -> Vec<String> {
    let names: Vec<String> = (0..count).map(|_| bucket_name_of(18)).collect();
    for name in &names {
        block_on(clients.s3.create_bucket().bucket(name).send()).unwrap();
    }
    names
}

/// The ARN of managed policy `n` of `user`, as `create` makes it.
pub(crate) fn arn(user: &str, n: usize) -> String {
    format!("arn:aws:iam::123456789012:policy/s3-credentials/s3-credentials.{user}.{n}")
}

/// The managed policies attached to `user`: ARN and current document.
fn managed(clients: &Clients, user: &str) -> Vec<(String, Value)> {
    let iam = &clients.iam;
    block_on(async {
        let attached = iam.list_attached_user_policies().user_name(user).send();
        let attached = attached
            .await
            .unwrap()
            .attached_policies
            .unwrap_or_default();
        let mut policies = Vec::new();
        for policy in attached {
            let arn = policy.policy_arn.unwrap();
            policies.push((arn.clone(), document(clients, &arn).await));
        }
        policies
    })
}

/// The document of the default version of policy `arn`.
async fn document(clients: &Clients, arn: &str) -> Value {
    let iam = &clients.iam;
    let policy = iam.get_policy().policy_arn(arn).send().await.unwrap();
    let version = policy.policy.unwrap().default_version_id.unwrap();
    let found = iam.get_policy_version().policy_arn(arn).version_id(version);
    let text = found
        .send()
        .await
        .unwrap()
        .policy_version
        .unwrap()
        .document
        .unwrap();
    let text = percent_encoding::percent_decode_str(&text).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap()
}

/// Whether policy `arn` exists.
pub(crate) fn policy_exists(clients: &Clients, arn: &str) -> bool {
    found(block_on(clients.iam.get_policy().policy_arn(arn).send())).is_some()
}

/// `create --username USER BUCKETS... EXTRA...` as `run` runs it.
pub(crate) fn create<'a>(user: &'a str, buckets: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["create", "--username", user];
    args.extend(buckets.iter().map(String::as_str));
    args.extend_from_slice(extra);
    args
}

/// Forty read-write buckets with 18-character names are over a user's
/// 2,048 inline characters even merged, and were refused: now one managed
/// policy holds them, and the key writes to each of the forty and to no
/// other bucket, under moto's enforcement of IAM policies.
#[test]
fn forty_buckets_go_into_a_managed_policy_and_the_key_writes_each() {
    let server = enforcing_moto();
    let admin = server.admin();
    let proxy = iam_limits::start(&server.emulator.endpoint);
    let all = buckets(&admin, 41);
    let (granted, other) = all.split_at(40);
    let user = unique("forty");
    let creds = [
        "--access-key",
        &server.admin_key,
        "--secret-key",
        &server.admin_secret,
    ];
    let created = s3c(&create(&user, granted, &creds))
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    let said = format!(
        "Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
         Attached managed policy {} to user {user}\n\
         Created access key for user: {user}\n",
        arn(&user, 1)
    );
    let key: Value = serde_json::from_str(created.success_with_stderr(&said)).unwrap();
    assert!(inline_policies(&admin, &user).is_empty());
    let policies = managed(&admin, &user);
    assert_eq!(policies.len(), 1, "{policies:?}");
    assert_eq!(policies[0].0, arn(&user, 1));
    let size = iam_limits::iam_size(&policies[0].1.to_string());
    assert!((2048..=6144).contains(&size), "{size}");
    let (id, secret) = (
        key["AccessKeyId"].as_str().unwrap(),
        key["SecretAccessKey"].as_str().unwrap(),
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "data").unwrap();
    let path = file.path().to_str().unwrap();
    let put = |bucket: &str| {
        let args = ["put-object", bucket, "k.txt", path, "-s"];
        let args = [&args[..], &["--access-key", id, "--secret-key", secret]].concat();
        s3c(&args).against(&server.emulator).run()
    };
    for bucket in granted {
        put(bucket).success();
    }
    put(&other[0]).fails_with(1, "Error: PutObject failed: AccessDenied: Access Denied\n");
    // `delete-user` detaches the policy, then deletes it.
    let deleted = s3c(&[&["delete-user", user.as_str()], &creds[..]].concat())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    assert_eq!(
        deleted.success(),
        format!(
            "User: {user}\n  Detached policy: {arn}\n  Deleted managed policy: {arn}\n  \
             Deleted access key: {id}\n  Deleted user\n",
            arn = arn(&user, 1)
        )
    );
    assert_eq!(deleted.stderr, "");
    assert!(!user_exists(&admin, &user));
    assert!(!policy_exists(&admin, &arn(&user, 1)));
}

/// Made on plain moto through `proxy`: a user with a forty-bucket grant.
fn forty_bucket_user(proxy: &IamProxy, extra: &[&str]) -> (String, Vec<String>) {
    let all = buckets(&moto().clients(), 40);
    let user = unique("managed");
    let mut options = vec!["--silent"];
    options.extend_from_slice(extra);
    s3c(&create(&user, &all, &options))
        .env("AWS_ENDPOINT_URL", &proxy.proxy.endpoint)
        .run()
        .success();
    (user, all)
}

#[test]
fn a_denied_attach_leaves_no_policy_and_no_user() {
    let proxy = IamProxy::start(moto());
    proxy.deny("AttachUserPolicy", Times::Always);
    let all = buckets(&moto().clients(), 40);
    let user = unique("denied");
    let output = s3c(&create(&user, &all, &[]))
        .env("AWS_ENDPOINT_URL", &proxy.proxy.endpoint)
        .run();
    output.fails_with(
        1,
        &format!(
            "Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
             Undoing the changes made so far:\n  \
             Deleted managed policy: {arn}\n  \
             Deleted user: {user}\n\
             Error: AttachUserPolicy failed: AccessDenied: User is not authorized to perform: \
             iam:AttachUserPolicy\n",
            arn = arn(&user, 1)
        ),
    );
    let clients = moto().clients();
    assert!(!user_exists(&clients, &user));
    assert!(!policy_exists(&clients, &arn(&user, 1)));
    assert_eq!(proxy.count("CreatePolicy"), 1);
}

/// A managed policy of the tool that someone also attached to another
/// user is detached from the deleted user, and kept, with a warning.
#[test]
fn delete_user_keeps_a_policy_attached_elsewhere() {
    let proxy = IamProxy::start(moto());
    let (user, _) = forty_bucket_user(&proxy, &[]);
    let clients = moto().clients();
    let other = unique("other");
    let policy = arn(&user, 1);
    block_on(async {
        clients
            .iam
            .create_user()
            .user_name(&other)
            .send()
            .await
            .unwrap();
        let attach = clients.iam.attach_user_policy().user_name(&other);
        attach.policy_arn(&policy).send().await.unwrap();
    });
    let key = access_keys(&clients, &user).remove(0);
    let deleted = s3c(&["delete-user", &user])
        .env("AWS_ENDPOINT_URL", &proxy.proxy.endpoint)
        .run();
    let warning = format!(
        "Warning: kept managed policy {policy}: it is still attached to 1 other user(s), \
         group(s) or role(s)\n"
    );
    assert_eq!(
        deleted.success_with_stderr(&warning),
        format!(
            "User: {user}\n  Detached policy: {policy}\n  Deleted access key: {key}\n  Deleted user\n"
        )
    );
    assert!(!user_exists(&clients, &user));
    assert!(policy_exists(&clients, &policy));
    assert_eq!(managed(&clients, &other)[0].0, policy);
}

/// A second grant that needs managed policies is not merged into the
/// tool's managed policies a user already has: refused before any change.
#[test]
fn a_user_with_managed_policies_is_not_given_more() {
    let proxy = IamProxy::start(moto());
    let (user, all) = forty_bucket_user(&proxy, &[]);
    let again = s3c(&create(&user, &all, &["--read-only"]))
        .env("AWS_ENDPOINT_URL", &proxy.proxy.endpoint)
        .run();
    again.fails_with(
        1,
        &format!(
            "Error: user `{user}` already has managed policies of s3-credentials (`{}`), and \
             this grant needs managed policies too, which `create` does not merge into them: \
             delete the user first (`s3-credentials delete-user {user}`), or choose another \
             --username\n",
            arn(&user, 1)
        ),
    );
    assert_eq!(proxy.count("CreatePolicy"), 1);
    assert_eq!(access_keys(&moto().clients(), &user).len(), 1);
}

/// A user with ten managed policies attached already has no room for one
/// more: refused before any change.
#[test]
fn no_room_for_a_managed_policy_is_refused_before_any_change() {
    let clients = moto().clients();
    let user = unique("full");
    let others: Vec<String> = (0..10)
        .map(|n| {
            let name = unique(&format!("p{n}"));
            let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#;
            let created = block_on(
                clients.iam.create_policy().policy_name(&name).policy_document(document).send(),
            );
            created.unwrap().policy.unwrap().arn.unwrap()
        })
        .collect();
    block_on(async {
        clients
            .iam
            .create_user()
            .user_name(&user)
            .send()
            .await
            .unwrap();
        for arn in &others {
            let attach = clients.iam.attach_user_policy().user_name(&user);
            attach.policy_arn(arn).send().await.unwrap();
        }
    });
    let proxy = IamProxy::start(moto());
    let all = buckets(&clients, 40);
    let output = s3c(&create(&user, &all, &[]))
        .env("AWS_ENDPOINT_URL", &proxy.proxy.endpoint)
        .run();
    let listed: Vec<String> = others.iter().map(|arn| format!("`{arn}`")).collect();
    output.fails_with(
        1,
        &format!(
            "Error: user `{user}` has 10 managed policies attached ({}) and this grant needs 1 \
             more, over IAM's limit of 10 per user: detach some, or choose another --username\n",
            listed.join(", ")
        ),
    );
    assert_eq!(proxy.count("CreatePolicy"), 0);
    assert!(access_keys(&clients, &user).is_empty());
}

/// The `list-credentials --nl` row of `name`.
fn row(output: &str, name: &str) -> Value {
    output
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|row| row["Name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {output}"))
}

/// `list-credentials` reads the managed policy: no warning while it is
/// what `create` wrote, one once a new default version grants more.
#[test]
fn list_credentials_reads_the_managed_policies() {
    let (_lock, server) = exclusive_moto();
    let proxy = IamProxy::start(server);
    let all = buckets(&server.clients(), 40);
    let user = unique("listed");
    s3c(&create(&user, &all, &["--silent"]))
        .env("AWS_ENDPOINT_URL", &proxy.proxy.endpoint)
        .run()
        .success();
    let listed = s3c(&["list-credentials", "--nl"]).against(server).run();
    let found = row(listed.success(), &user);
    assert_eq!(found["Buckets"], serde_json::json!(all));
    assert_eq!(found["Access"], "read-write");
    assert_eq!(found["Warnings"], serde_json::json!([]));
    let clients = server.clients();
    let mut widened = block_on(document(&clients, &arn(&user, 1)));
    widened["Statement"][1]["Resource"]
        .as_array_mut()
        .unwrap()
        .push("arn:aws:s3:::someone-elses/*".into());
    block_on(
        clients
            .iam
            .create_policy_version()
            .policy_arn(arn(&user, 1))
            .policy_document(widened.to_string())
            .set_as_default(true)
            .send(),
    )
    .unwrap();
    let listed = s3c(&["list-credentials", "--nl"]).against(server).run();
    assert_eq!(
        row(listed.success(), &user)["Warnings"],
        serde_json::json!([format!(
            "its policy `s3-credentials.{user}.1` grants more than its buckets: \
             `arn:aws:s3:::someone-elses/*`"
        )])
    );
}

/// A user with managed policies whose tagged expiry passed is deleted as
/// expired, its policy with it: the non-default version first, as IAM
/// requires (the proxy refuses `DeletePolicy` otherwise).
#[test]
fn delete_expired_deletes_a_user_with_managed_policies() {
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    let proxy = IamProxy::start(server);
    let all = buckets(&clients, 40);
    let user = unique("expiring");
    s3c(&create(
        &user,
        &all,
        &["--silent", "--expires", "2099-01-01"],
    ))
    .env("AWS_ENDPOINT_URL", &proxy.proxy.endpoint)
    .run()
    .success();
    // Made expired: the tag and the policy's condition both say 2020, the
    // key (made after that) is gone.
    let policy = arn(&user, 1);
    let text = block_on(document(&clients, &policy)).to_string();
    let expired = text.replace("2099-01-01T00:00:00Z", "2020-01-01T00:00:00Z");
    assert_ne!(text, expired);
    let key = access_keys(&clients, &user).remove(0);
    block_on(async {
        let iam = &clients.iam;
        let version = iam.create_policy_version().policy_arn(&policy);
        version
            .policy_document(expired)
            .set_as_default(true)
            .send()
            .await
            .unwrap();
        let tag = aws_sdk_iam::types::Tag::builder()
            .key("s3-credentials:expires")
            .value("2020-01-01T00:00:00Z")
            .build()
            .unwrap();
        iam.tag_user()
            .user_name(&user)
            .tags(tag)
            .send()
            .await
            .unwrap();
        let delete = iam.delete_access_key().user_name(&user).access_key_id(&key);
        delete.send().await.unwrap();
    });
    let also: crate::common::proxy::Responder = Arc::new({
        let iam = clients.iam.clone();
        move |request| delete_policy_conflict(&iam, request)
    });
    let expiry = iam_proxy(&server.endpoint, also);
    let deleted = s3c(&["delete-user", "--expired"])
        .env("AWS_ENDPOINT_URL", &expiry.endpoint)
        .run();
    let block = format!(
        "User: {user} (expired 2020-01-01 00:00:00+00:00)\n  Detached policy: {policy}\n  \
         Deleted managed policy: {policy}\n  Deleted user\n"
    );
    assert!(deleted.success().contains(&block), "{deleted:#?}");
    assert!(!deleted.stderr.contains(&user), "{deleted:#?}");
    assert!(!user_exists(&clients, &user));
    assert!(!policy_exists(&clients, &policy));
}

/// A new user whose `CreateUser` with tags is refused, as AWS refuses it to
/// a caller without `iam:TagUser`
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_users.html;
/// moto does not check tags sent with `CreateUser`), is created untagged
/// with its grant only in managed policies: `list-credentials` still lists
/// it as the tool's, by its managed policies' path and names, with a
/// warning about the missing tags.
#[test]
fn an_untagged_user_with_only_managed_policies_is_listed_as_the_tools() {
    let (_lock, server) = exclusive_moto();
    let proxy = crate::common::proxy::Proxy::with_responder(
        &server.endpoint,
        Arc::new(|request| {
            let tagged = request.form("Action").as_deref() == Some("CreateUser")
                && request.form("Tags.member.1.Key").is_some();
            tagged.then(|| {
                crate::common::proxy::iam_error(
                    403,
                    "AccessDenied",
                    "User is not authorized to perform: iam:TagUser on resource: user",
                )
            })
        }),
    );
    let all = buckets(&server.clients(), 40);
    let user = unique("untagged");
    let created = s3c(&create(&user, &all, &["--expires", "2099-01-01"]))
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    created.success_with_stderr(&format!(
        "Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
         Warning: iam:TagUser denied: user `{user}` not tagged: `list-credentials` will find it \
         by its policy names only, and `delete-user --expired` will not delete it\n\
         Attached managed policy {} to user {user}\n\
         Created access key for user: {user}\n",
        arn(&user, 1)
    ));
    let listed = s3c(&["list-credentials", "--nl"]).against(server).run();
    let found = row(listed.success(), &user);
    assert_eq!(found["Source"], "policy names", "{found}");
    assert_eq!(found["Buckets"], serde_json::json!(all), "{found}");
    assert_eq!(found["Access"], "read-write", "{found}");
    assert_eq!(found["Prefixes"], serde_json::json!([]), "{found}");
    assert_eq!(found["Expires"], "2099-01-01 00:00:00+00:00", "{found}");
    assert_eq!(
        found["Warnings"],
        serde_json::json!([
            "it has no `s3-credentials:*` tags: its grant is read from its managed policies"
        ])
    );
}
