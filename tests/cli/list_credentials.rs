//! `list-credentials` on a mixed account: users made with tags, an expired
//! one, a user from the original tool (policy names, no tags), unrelated
//! users and roles that must not appear, and a tagged role; in every output
//! mode and with each filter. Concurrency is checked through a slow proxy.

use std::time::{Duration, Instant};

use s3_credentials::aws::Clients;
use s3_credentials::output::{Format, RowWriter, timestamp};
use serde_json::{Value, json};

use crate::common::proxy::Proxy;
use crate::common::{Emulator, block_on, exclusive_moto, s3c};
use crate::create::golden;

const COLUMNS: &[&str] = &[
    "Name",
    "Kind",
    "Source",
    "Buckets",
    "Access",
    "Prefixes",
    "Expires",
    "Expired",
    "CreateDate",
    "LastUsed",
    "AccessKeys",
    "ToolVersion",
    "Warnings",
];

fn tag(key: &str, value: &str) -> aws_sdk_iam::types::Tag {
    aws_sdk_iam::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .unwrap()
}

/// `(create date, the row of its one key)` of a user, as IAM reports them.
fn user_and_key(clients: &Clients, user: &str) -> (String, Value) {
    block_on(async {
        let found = clients.iam.get_user().user_name(user).send().await.unwrap();
        let created = timestamp(found.user.unwrap().create_date());
        let keys = clients
            .iam
            .list_access_keys()
            .user_name(user)
            .send()
            .await
            .unwrap();
        let key = &keys.access_key_metadata()[0];
        let row = json!({
            "AccessKeyId": key.access_key_id(),
            "Status": "Active",
            "CreateDate": timestamp(key.create_date().unwrap()),
            "AgeDays": 0,
            "LastUsedDate": null,
            "LastUsedService": "N/A",
            "LastUsedRegion": "N/A",
        });
        (created.as_str().unwrap().to_owned(), row)
    })
}

/// Make the mixed account; return the rows `list-credentials` must print.
fn mixed_account(server: &Emulator) -> Vec<Value> {
    let clients = server.clients();
    let create = |args: &[&str]| {
        let mut all = vec!["create", "-c", "--silent"];
        all.extend_from_slice(args);
        s3c(&all).against(server).run().success().to_owned()
    };
    create(&[
        "bkt-a",
        "--username",
        "a-tagged",
        "--read-only",
        "--prefix",
        "in/",
        "--expires",
        "2099-01-01",
    ]);
    create(&[
        "bkt-b",
        "bkt-bb",
        "--username",
        "b-expired",
        "--expires",
        "2099-01-01",
    ]);
    let legacy_policy = golden("read-only", "bkt-c").to_string();
    let lookalike = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let version = env!("CARGO_PKG_VERSION");
    let role_created = block_on(async {
        let iam = &clients.iam;
        // Time passed: the expiry of b-expired is now behind us.
        let expired = tag("s3-credentials:expires", "2020-01-01T00:00:00Z");
        iam.tag_user()
            .user_name("b-expired")
            .tags(expired)
            .send()
            .await
            .unwrap();
        // What the original Python tool left: policy names, no tags.
        iam.create_user()
            .user_name("c-legacy")
            .send()
            .await
            .unwrap();
        iam.put_user_policy()
            .user_name("c-legacy")
            .policy_name("s3.read-only.bkt-c")
            .policy_document(&legacy_policy)
            .send()
            .await
            .unwrap();
        iam.create_access_key()
            .user_name("c-legacy")
            .send()
            .await
            .unwrap();
        iam.create_user()
            .user_name("d-unrelated")
            .send()
            .await
            .unwrap();
        // Named like the tool's policies, but granting no such bucket.
        iam.create_user()
            .user_name("e-lookalike")
            .send()
            .await
            .unwrap();
        iam.put_user_policy()
            .user_name("e-lookalike")
            .policy_name("s3.read-write.bkt-e")
            .policy_document(lookalike)
            .send()
            .await
            .unwrap();
        let role = iam
            .create_role()
            .role_name("f-role")
            .assume_role_policy_document(trust)
            .tags(tag("s3-credentials:version", version))
            .tags(tag("s3-credentials:kind", "role"))
            .tags(tag("s3-credentials:access", "write-only"))
            .tags(tag("s3-credentials:buckets", "bkt-f"))
            .send()
            .await
            .unwrap();
        iam.create_role()
            .role_name("g-other")
            .assume_role_policy_document(trust)
            .tags(tag("team", "data"))
            .send()
            .await
            .unwrap();
        timestamp(role.role.unwrap().create_date())
    });
    let (a_created, a_key) = user_and_key(&clients, "a-tagged");
    let (b_created, b_key) = user_and_key(&clients, "b-expired");
    let (c_created, c_key) = user_and_key(&clients, "c-legacy");
    vec![
        json!({"Name": "a-tagged", "Kind": "user", "Source": "tags", "Buckets": ["bkt-a"],
               "Access": "read-only", "Prefixes": ["in/"], "Expires": "2099-01-01 00:00:00+00:00",
               "Expired": false, "CreateDate": a_created, "LastUsed": null, "AccessKeys": [a_key],
               "ToolVersion": version, "Warnings": []}),
        json!({"Name": "b-expired", "Kind": "user", "Source": "tags", "Buckets": ["bkt-b", "bkt-bb"],
        "Access": "read-write", "Prefixes": [], "Expires": "2020-01-01 00:00:00+00:00",
        "Expired": true, "CreateDate": b_created, "LastUsed": null, "AccessKeys": [b_key],
        "ToolVersion": version, "Warnings": [
            // Its tags were changed by hand: its policies still work.
            "its policy `s3.read-write.bkt-b` differs from the one s3-credentials writes for its tags",
            "its policy `s3.read-write.bkt-bb` differs from the one s3-credentials writes for its tags",
        ]}),
        json!({"Name": "c-legacy", "Kind": "user", "Source": "policy names", "Buckets": ["bkt-c"],
               "Access": "read-only", "Prefixes": [], "Expires": null, "Expired": false,
               "CreateDate": c_created, "LastUsed": null, "AccessKeys": [c_key], "Warnings": []}),
        json!({"Name": "f-role", "Kind": "role", "Source": "tags", "Buckets": ["bkt-f"],
               "Access": "write-only", "Prefixes": [], "Expires": null, "Expired": false,
               "CreateDate": role_created, "LastUsed": null, "AccessKeys": [],
               "ToolVersion": version,
               "Warnings": ["its policy `s3.write-only.bkt-f` is missing"]}),
    ]
}

/// The rows as the tool's own row writer prints them in `format`.
fn rendered(format: Format, rows: &[Value]) -> String {
    let mut out = Vec::new();
    let mut writer = RowWriter::new(&mut out, format, COLUMNS);
    for row in rows {
        writer.row(row).unwrap();
    }
    writer.finish().unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_mixed_account_in_every_output_mode_and_filter() {
    let (_lock, server) = exclusive_moto();
    let rows = mixed_account(server);
    let run = |args: &[&str]| {
        let mut all = vec!["list-credentials"];
        all.extend_from_slice(args);
        let output = s3c(&all).against(server).run();
        assert_eq!(output.stderr, "", "{args:?}");
        output.success().to_owned()
    };
    // Exact rows, spelled out once.
    let nl: String = rows.iter().map(|row| format!("{row}\n")).collect();
    assert_eq!(run(&["--nl"]), nl);
    assert!(nl.starts_with(
        r#"{"Name":"a-tagged","Kind":"user","Source":"tags","Buckets":["bkt-a"],"Access":"read-only","Prefixes":["in/"],"Expires":"2099-01-01 00:00:00+00:00","Expired":false,"CreateDate":"#
    ));
    for (flag, format) in [
        ("", Format::Pretty),
        ("--array", Format::Array),
        ("--csv", Format::Csv),
        ("--tsv", Format::Tsv),
    ] {
        let args: Vec<&str> = [flag].into_iter().filter(|f| !f.is_empty()).collect();
        assert_eq!(run(&args), rendered(format, &rows), "{flag}");
    }
    assert!(run(&["--csv"]).starts_with(
        "Name,Kind,Source,Buckets,Access,Prefixes,Expires,Expired,CreateDate,LastUsed,AccessKeys,ToolVersion,Warnings\r\n\
         a-tagged,user,tags,\"[\"\"bkt-a\"\"]\",read-only,\"[\"\"in/\"\"]\",2099-01-01 00:00:00+00:00,false,"
    ));
    assert_eq!(run(&["--expired", "--nl"]), format!("{}\n", rows[1]));
    // Everything here was made a moment ago and never used.
    assert_eq!(run(&["--unused-for", "1d", "--nl"]), "");
    assert_eq!(run(&["--unused-for", "1d", "--expired", "--array"]), "[]\n");
}

#[test]
fn users_are_described_concurrently_through_a_slow_connection() {
    let (_lock, server) = exclusive_moto();
    let users = 40;
    block_on(async {
        let iam = server.clients().iam;
        for n in 0..users {
            let name = format!("user-{n:03}");
            iam.create_user()
                .user_name(&name)
                .tags(tag("s3-credentials:version", "0.1.0"))
                .tags(tag("s3-credentials:buckets", "bkt"))
                .send()
                .await
                .unwrap();
        }
    });
    let delay = Duration::from_millis(100);
    let proxy = Proxy::holding(&server.endpoint, delay);
    let started = Instant::now();
    let output = s3c(&[
        "list-credentials",
        "--nl",
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run();
    let took = started.elapsed();
    let names: Vec<String> = output
        .success()
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["Name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = (0..users).map(|n| format!("user-{n:03}")).collect();
    assert_eq!(names, expected, "rows keep IAM's order");
    // Each user takes two round trips in a row (tags, keys and policy
    // names; then each key's last use and each policy); one at a time that
    // alone is 8 s here.
    let requests = proxy.requests().len();
    assert!(requests >= 2 * users, "{requests} requests");
    // Four requests per user (tags, keys, inline and attached policy
    // names) keep the single-threaded moto busy for a few seconds on a
    // loaded machine; one user at a time would still take 8 s or more.
    assert!(took < Duration::from_secs(6), "took {took:?}");
    let most = proxy.most_in_flight();
    // Up to four requests of each of 16 users at once.
    assert!((8..=4 * 16).contains(&most), "{most} requests at once");
}
