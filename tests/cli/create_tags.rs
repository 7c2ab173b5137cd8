//! `create --tag` and `create --expires`: the tags on everything a run
//! creates, the grant tags on users, the expiry conditions in the policies,
//! and tags taken back with the rest when a step fails.

use std::sync::Arc;

use s3_credentials::aws::Clients;

use crate::common::iam::{inline_policies, user_exists};
use crate::common::proxy::Proxy;
use crate::common::s3::bucket_exists;
use crate::common::{block_on, exclusive_moto, moto, s3c, unique};
use crate::create::golden;

/// A user's tags as `(key, value)`, sorted by key.
pub(crate) fn user_tags(clients: &Clients, user: &str) -> Vec<(String, String)> {
    let tags = block_on(clients.iam.list_user_tags().user_name(user).send()).unwrap();
    let mut tags: Vec<(String, String)> = tags
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    tags.sort();
    tags
}

/// A bucket's tags as `(key, value)`, sorted by key.
fn bucket_tags(clients: &Clients, bucket: &str) -> Vec<(String, String)> {
    let tags = block_on(clients.s3.get_bucket_tagging().bucket(bucket).send()).unwrap();
    let mut tags: Vec<(String, String)> = tags
        .tag_set()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    tags.sort();
    tags
}

/// `(key, value)` pairs from string literals, sorted by key.
pub(crate) fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[test]
fn tags_and_expiry_go_on_the_user_and_tags_on_new_buckets() {
    let (first, second) = (unique("tagged"), unique("tagged"));
    let user = unique("tagged-user");
    let output = s3c(&[
        "create",
        &first,
        &second,
        "-c",
        "--read-only",
        "--prefix",
        "my-prefix/",
        "--expires",
        "2030-01-01T12:30:00+02:00",
        "--tag",
        "team=data",
        "--tag",
        "cost-centre=42",
        "--username",
        &user,
    ])
    .against(moto())
    .run();
    output.success_with_stderr(&format!(
            "Created bucket: {first}\nTagged bucket: {first}\nCreated bucket: {second}\nTagged bucket: {second}\n\
             Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\n\
             Attached policy s3.read-only.{first} to user {user}\n\
             Attached policy s3.read-only.{second} to user {user}\n\
             Created access key for user: {user}\n"
    ));
    let clients = moto().clients();
    let buckets = format!("{first}+{second}");
    assert_eq!(
        user_tags(&clients, &user),
        pairs(&[
            ("s3-credentials:version", VERSION),
            ("s3-credentials:kind", "user"),
            ("s3-credentials:access", "read-only"),
            ("s3-credentials:buckets", &buckets),
            ("s3-credentials:prefixes", "my-prefix/"),
            ("s3-credentials:expires", "2030-01-01T10:30:00Z"),
            ("team", "data"),
            ("cost-centre", "42"),
        ])
    );
    for bucket in [&first, &second] {
        assert_eq!(
            bucket_tags(&clients, bucket),
            pairs(&[("team", "data"), ("cost-centre", "42")])
        );
    }
    let mut expected = vec![
        (
            format!("s3.read-only.{first}"),
            golden("read-only-prefix-expires", &first),
        ),
        (
            format!("s3.read-only.{second}"),
            golden("read-only-prefix-expires", &second),
        ),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(inline_policies(&clients, &user), expected);
}

#[test]
fn a_run_for_an_existing_tagged_user_adds_to_its_grant() {
    let (first, second) = (unique("grow"), unique("grow"));
    let user = unique("grower");
    let run = |bucket: &str, extra: &[&str]| {
        let mut args = vec!["create", bucket, "-c", "--username", &user, "--silent"];
        args.extend_from_slice(extra);
        s3c(&args).against(moto()).run()
    };
    run(&first, &["--expires", "2030-01-01"]).success();
    let output = run(&second, &["--write-only", "--expires", "2031-01-01"]);
    output.success_with_stderr(&format!(
        "Warning: user `{user}` has other permissions, which the new key has too: inline \
         policies `s3.read-write.{first}`\n"
    ));
    let buckets = format!("{second}+{first}");
    assert_eq!(
        user_tags(&moto().clients(), &user),
        pairs(&[
            ("s3-credentials:version", VERSION),
            ("s3-credentials:kind", "user"),
            ("s3-credentials:access", "mixed"),
            ("s3-credentials:buckets", &buckets),
            ("s3-credentials:expires", "2031-01-01T00:00:00Z"),
        ])
    );
}

#[test]
fn a_user_the_tool_did_not_make_is_never_tagged_as_expiring() {
    let bucket = unique("human");
    let user = unique("human");
    block_on(async {
        let iam = moto().clients().iam;
        iam.create_user().user_name(&user).send().await.unwrap();
        iam.tag_user()
            .user_name(&user)
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key("owner")
                    .value("ops")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    let args = [
        "create",
        &bucket,
        "-c",
        "--username",
        &user,
        "--expires",
        "30d",
        "--silent",
    ];
    s3c(&args).against(moto()).run().success();
    assert_eq!(
        user_tags(&moto().clients(), &user),
        pairs(&[
            ("s3-credentials:version", VERSION),
            ("s3-credentials:kind", "user"),
            ("s3-credentials:access", "read-write"),
            ("s3-credentials:buckets", &bucket),
            ("owner", "ops"),
        ])
    );
}

/// A proxy in front of the shared emulator that fails every `action` request.
fn failing(action: &'static str) -> Proxy {
    Proxy::with_faults(
        &moto().endpoint,
        Arc::new(move |request| {
            (request.form("Action").as_deref() == Some(action)).then_some((403, "AccessDenied"))
        }),
    )
}

#[test]
fn tags_are_undone_with_the_new_user_and_buckets() {
    let bucket = unique("undo-tags");
    let user = format!("s3.read-write.{bucket}");
    let proxy = failing("CreateAccessKey");
    let output = s3c(&[
        "create",
        &bucket,
        "-c",
        "--tag",
        "team=data",
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run();
    assert_eq!(output.code, 1, "{output:#?}");
    assert!(
        output.stderr.contains(&format!(
            "Undoing the changes made so far:\n  Deleted policy {user} from user {user}\n  \
             Deleted user: {user}\n  Deleted bucket: {bucket}\nError: CreateAccessKey failed"
        )),
        "{output:#?}"
    );
    let clients = moto().clients();
    assert!(!user_exists(&clients, &user));
    assert!(!bucket_exists(&clients, &bucket));
    // The tags went with CreateUser itself, so nothing else needed undoing.
    let create = proxy.actions("CreateUser");
    assert_eq!(create[0].form("Tags.member.5.Key").as_deref(), Some("team"));
}

#[test]
fn an_existing_users_tags_are_restored_when_a_later_step_fails() {
    let (old_bucket, new_bucket) = (unique("keep"), unique("keep"));
    let user = unique("keeper");
    let first = [
        "create",
        &old_bucket,
        "-c",
        "--username",
        &user,
        "--silent",
        "--tag",
        "team=old",
        "--prefix",
        "a/",
    ];
    s3c(&first).against(moto()).run().success();
    let clients = moto().clients();
    let before = user_tags(&clients, &user);
    // A long enough prefix list to need a second prefixes tag this time.
    let long = format!("{}/", "p".repeat(300));
    let proxy = failing("CreateAccessKey");
    let output = s3c(&[
        "create",
        &new_bucket,
        "-c",
        "--username",
        &user,
        "--tag",
        "team=new",
        "--tag",
        "extra=1",
        "--prefix",
        &long,
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run();
    assert_eq!(output.code, 1, "{output:#?}");
    assert!(
        output.stderr.contains(&format!(
            "Tagged user: {user}\nUndoing the changes made so far:\n  \
             Restored the previous tags of user {user}\n"
        )),
        "{output:#?}"
    );
    assert_eq!(proxy.actions("TagUser").len(), 2, "tagged, then restored");
    assert_eq!(user_tags(&clients, &user), before);
    assert!(!bucket_exists(&clients, &new_bucket));
}

#[test]
fn a_role_the_run_creates_gets_the_tags() {
    let (_guard, server) = exclusive_moto();
    let bucket = unique("role-tags");
    block_on(server.clients().s3.create_bucket().bucket(&bucket).send()).unwrap();
    let output = s3c(&["create", &bucket, "-d", "15m", "--tag", "team=data"])
        .against(server)
        .run();
    let role = "arn:aws:iam::123456789012:role/s3-credentials.AmazonS3FullAccess";
    output.success_with_stderr(&format!(
        "Created role: {role}\nTagged role: s3-credentials.AmazonS3FullAccess\n\
         Assume role against {role} for 900s\n"
    ));
    let role = block_on(
        server
            .clients()
            .iam
            .list_role_tags()
            .role_name("s3-credentials.AmazonS3FullAccess")
            .send(),
    )
    .unwrap();
    let tags: Vec<(&str, &str)> = role.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, [("team", "data")]);
}

#[test]
fn bad_tags_and_expiry_are_usage_errors_before_any_request() {
    let proxy = Proxy::start(&moto().endpoint);
    let cases: &[(&[&str], &str)] = &[
        (
            &["--tag", "team"],
            "Error: --tag must look like KEY=VALUE, not `team`\n",
        ),
        (
            &["--tag", "a=b,c"],
            "Error: --tag `a=b,c`: tags may only hold letters, digits, spaces and `_ . : / = + - @`\n",
        ),
        (
            &["--tag", "s3-credentials:kind=x"],
            "Error: --tag `s3-credentials:kind=x`: keys starting with `s3-credentials:` are set by this tool\n",
        ),
        (
            &["--tag", "a=1", "--tag", "a=2"],
            "Error: --tag `a` is given more than once\n",
        ),
        (
            &["--expires", "2001-01-01"],
            "Error: --expires: `2001-01-01` is not in the future (it is 2001-01-01 00:00:00 UTC)\n",
        ),
        (
            &["--expires", "1d", "-d", "1h"],
            "Error: the argument '--expires <WHEN>' cannot be used with '--duration <DURATION>'; \
             see `s3-credentials create --help`\n",
        ),
    ];
    for (options, error) in cases {
        let mut args = vec!["create", "some-bucket", "--endpoint-url", &proxy.endpoint];
        args.extend_from_slice(options);
        s3c(&args).run().fails_with(2, error);
    }
    let many: Vec<String> = (0..47).map(|n| format!("k{n}=v")).collect();
    let mut args = vec!["create", "some-bucket", "--endpoint-url", &proxy.endpoint];
    for tag in &many {
        args.extend(["--tag", tag.as_str()]);
    }
    s3c(&args).run().fails_with(
        2,
        "Error: 47 --tag options and the 4 tags that describe the grant make more than the 50 tags \
         IAM allows on a user or role\n",
    );
    assert!(proxy.requests().is_empty());
}

#[test]
fn the_size_limit_counts_the_expiry_conditions() {
    // Four read-write policies fit a user's 2,048 characters; with the
    // expiry on each statement they do not, and one combined policy is sent.
    let buckets = ["bkt-1", "bkt-2", "bkt-3", "bkt-4"];
    let run = |extra: &[&str]| {
        let mut args = vec!["create"];
        args.extend_from_slice(&buckets);
        args.extend_from_slice(&["--dry-run"]);
        args.extend_from_slice(extra);
        s3c(&args).run().success().to_owned()
    };
    let attached = |text: &str| text.matches("Would attach policy called").count();
    assert_eq!(attached(&run(&[])), 4);
    let expiring = run(&["--expires", "2030-01-01"]);
    assert_eq!(attached(&expiring), 1, "{expiring}");
    assert_eq!(
        expiring
            .matches("\"aws:CurrentTime\": \"2030-01-01T00:00:00Z\"")
            .count(),
        expiring.matches("\"Effect\": \"Allow\"").count(),
        "{expiring}"
    );
}

/// `create --policy FILE --expires`: IAM stores the earlier expiry of each
/// statement (the policy's own, as written, or `--expires`); a list under
/// `DateLessThan` matches when any element does, so it ends at its latest.
#[test]
fn create_keeps_the_earlier_expiry_of_a_policy_file() {
    let bucket = unique("expiry-file");
    let user = unique("expiry-file-user");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.json");
    let statement = |sid: &str, until: serde_json::Value| {
        serde_json::json!({"Sid": sid, "Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::$!BUCKET_NAME!$/*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": until}}})
    };
    let document = serde_json::json!({"Version": "2012-10-17", "Statement": [
        statement("Earlier", serde_json::json!("2098-12-05")),
        statement("Later", serde_json::json!(["2098-12-05", 4_102_444_800_i64])),
    ]});
    std::fs::write(&path, document.to_string()).unwrap();
    s3c(&[
        "create",
        &bucket,
        "-c",
        "--username",
        &user,
        "--policy",
        path.to_str().unwrap(),
        "--expires",
        "2099-01-01",
        "--silent",
    ])
    .against(moto())
    .run()
    .success();
    let stored = |sid: &str, until: serde_json::Value| {
        serde_json::json!({"Sid": sid, "Effect": "Allow", "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*"),
            "Condition": {"DateLessThan": {"aws:CurrentTime": until}}})
    };
    assert_eq!(
        inline_policies(&moto().clients(), &user),
        vec![(
            format!("s3.custom.{bucket}"),
            serde_json::json!({"Version": "2012-10-17", "Statement": [
                stored("Earlier", serde_json::json!("2098-12-05")),
                stored("Later", serde_json::json!("2099-01-01T00:00:00Z")),
            ]})
        )]
    );
}

/// Reserved tag prefixes are refused in any case, since IAM treats keys
/// that differ only in case as one key
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating>);
/// an age too large for `--expires` says it is out of range.
#[test]
fn reserved_tag_prefixes_in_any_case_and_huge_ages_are_refused() {
    s3c(&[
        "create",
        "my-bucket",
        "--dry-run",
        "--tag",
        "S3-Credentials:expires=2099-01-01",
    ])
    .run()
    .fails_with(
        2,
        "Error: --tag `S3-Credentials:expires=2099-01-01`: keys starting with \
         `s3-credentials:` are set by this tool\n",
    );
    for command in [
        &["policy", "my-bucket", "--expires", "40000d"][..],
        &["create", "my-bucket", "--dry-run", "--expires", "40000d"][..],
    ] {
        s3c(command).run().fails_with(
            2,
            "Error: --expires: `40000d` is out of range: use more than zero and under 100 years\n",
        );
    }
}

/// IAM allows 50 tags per user
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>):
/// an existing user's own tags count towards it, so a run that would pass
/// it is refused before tagging, and what it did is undone.
#[test]
fn an_existing_users_tags_count_towards_the_limit() {
    let bucket = unique("full-tags");
    let user = unique("full-tags-user");
    let iam = moto().clients().iam;
    let own: Vec<(String, String)> = (0..46)
        .map(|n| (format!("own{n:02}"), "x".to_owned()))
        .collect();
    block_on(async {
        iam.create_user().user_name(&user).send().await.unwrap();
        let tags = own.iter().map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .unwrap()
        });
        iam.tag_user()
            .user_name(&user)
            .set_tags(Some(tags.collect()))
            .send()
            .await
            .unwrap();
    });
    // 46 own tags + 4 grant tags + 1 --tag = 51.
    let output = s3c(&[
        "create",
        &bucket,
        "-c",
        "--username",
        &user,
        "--tag",
        "team=data",
    ])
    .against(moto())
    .run();
    assert_eq!(output.code, 1, "{output:#?}");
    assert!(output.stdout.is_empty(), "{output:#?}");
    assert_eq!(
        output.stderr.lines().last().unwrap(),
        format!(
            "Error: user `{user}` has 46 other tags; with the 5 this run writes it would have 51, \
             more than the 50 IAM allows: remove some first (`aws iam untag-user`)"
        ),
        "{output:#?}"
    );
    let mut expected = own.clone();
    expected.sort();
    assert_eq!(user_tags(&moto().clients(), &user), expected);
    assert!(!bucket_exists(&moto().clients(), &bucket), "{output:#?}");
    assert!(inline_policies(&moto().clients(), &user).is_empty());
}
