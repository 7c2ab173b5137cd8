//! `list-credentials` on a mixed account: users made with tags, an expired
//! one, a user from the original tool (policy names, no tags), unrelated
//! users and roles that must not appear, and a tagged role; in every output
//! mode and with each filter. Concurrency is checked through a slow proxy.

use std::time::{Duration, Instant};

use s3_credentials::aws::Clients;
use serde_json::Value;

use crate::common::proxy::Proxy;
use crate::common::{Emulator, block_on, exclusive_moto, printed_date as printed, s3c};
use crate::create::golden;

fn tag(key: &str, value: &str) -> aws_sdk_iam::types::Tag {
    aws_sdk_iam::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .unwrap()
}

/// What IAM chose for a user the test made, which no test can know before:
/// `(placeholder, value)` for its create date, its key and the key's date.
fn user_and_key(clients: &Clients, user: &str, name: &str) -> [(String, String); 3] {
    block_on(async {
        let found = clients.iam.get_user().user_name(user).send().await.unwrap();
        let keys = clients
            .iam
            .list_access_keys()
            .user_name(user)
            .send()
            .await
            .unwrap();
        let key = &keys.access_key_metadata()[0];
        [
            (
                format!("{{{name}_CREATED}}"),
                printed(found.user.unwrap().create_date()),
            ),
            (
                format!("{{{name}_KEY}}"),
                key.access_key_id().unwrap().to_owned(),
            ),
            (
                format!("{{{name}_KEY_CREATED}}"),
                printed(key.create_date().unwrap()),
            ),
        ]
    })
}

/// Make the mixed account; return the values to put in place of the
/// `{...}` placeholders of the expected output.
fn mixed_account(server: &Emulator) -> Vec<(String, String)> {
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
        printed(role.role.unwrap().create_date())
    });
    let mut values = vec![
        ("{VERSION}".to_owned(), version.to_owned()),
        ("{F_CREATED}".to_owned(), role_created),
    ];
    for (user, name) in [("a-tagged", "A"), ("b-expired", "B"), ("c-legacy", "C")] {
        values.extend(user_and_key(&clients, user, name));
    }
    values
}

/// `template` with its placeholders filled in.
fn fill(template: &str, values: &[(String, String)]) -> String {
    let mut text = template.to_owned();
    for (placeholder, value) in values {
        text = text.replace(placeholder, value);
    }
    let left = text
        .match_indices('{')
        .find(|(at, _)| text[at + 1..].starts_with(|c: char| c.is_ascii_uppercase()));
    assert_eq!(left, None, "a placeholder with no value in {text}");
    text
}

/// The rows, one compact JSON object per line (`--nl`).
const NL: &str = r#"{"Name":"a-tagged","Kind":"user","Source":"tags","Buckets":["bkt-a"],"Access":"read-only","Prefixes":["in/"],"Expires":"2099-01-01 00:00:00+00:00","Expired":false,"CreateDate":"{A_CREATED}","LastUsed":null,"AccessKeys":[{"AccessKeyId":"{A_KEY}","Status":"Active","CreateDate":"{A_KEY_CREATED}","AgeDays":0,"LastUsedDate":null,"LastUsedService":"N/A","LastUsedRegion":"N/A"}],"ToolVersion":"{VERSION}","Warnings":[]}
{"Name":"b-expired","Kind":"user","Source":"tags","Buckets":["bkt-b","bkt-bb"],"Access":"read-write","Prefixes":[],"Expires":"2020-01-01 00:00:00+00:00","Expired":true,"CreateDate":"{B_CREATED}","LastUsed":null,"AccessKeys":[{"AccessKeyId":"{B_KEY}","Status":"Active","CreateDate":"{B_KEY_CREATED}","AgeDays":0,"LastUsedDate":null,"LastUsedService":"N/A","LastUsedRegion":"N/A"}],"ToolVersion":"{VERSION}","Warnings":["its policy `s3.read-write.bkt-b` differs from the one s3-credentials writes for its tags","its policy `s3.read-write.bkt-bb` differs from the one s3-credentials writes for its tags"]}
{"Name":"c-legacy","Kind":"user","Source":"policy names","Buckets":["bkt-c"],"Access":"read-only","Prefixes":[],"Expires":null,"Expired":false,"CreateDate":"{C_CREATED}","LastUsed":null,"AccessKeys":[{"AccessKeyId":"{C_KEY}","Status":"Active","CreateDate":"{C_KEY_CREATED}","AgeDays":0,"LastUsedDate":null,"LastUsedService":"N/A","LastUsedRegion":"N/A"}],"Warnings":[]}
{"Name":"f-role","Kind":"role","Source":"tags","Buckets":["bkt-f"],"Access":"write-only","Prefixes":[],"Expires":null,"Expired":false,"CreateDate":"{F_CREATED}","LastUsed":null,"AccessKeys":[],"ToolVersion":"{VERSION}","Warnings":["its policy `s3.write-only.bkt-f` is missing"]}
"#;

/// The default: pretty-printed objects, 4-space indent, one after another.
const PRETTY: &str = r#"{
    "Name": "a-tagged",
    "Kind": "user",
    "Source": "tags",
    "Buckets": [
        "bkt-a"
    ],
    "Access": "read-only",
    "Prefixes": [
        "in/"
    ],
    "Expires": "2099-01-01 00:00:00+00:00",
    "Expired": false,
    "CreateDate": "{A_CREATED}",
    "LastUsed": null,
    "AccessKeys": [
        {
            "AccessKeyId": "{A_KEY}",
            "Status": "Active",
            "CreateDate": "{A_KEY_CREATED}",
            "AgeDays": 0,
            "LastUsedDate": null,
            "LastUsedService": "N/A",
            "LastUsedRegion": "N/A"
        }
    ],
    "ToolVersion": "{VERSION}",
    "Warnings": []
}
{
    "Name": "b-expired",
    "Kind": "user",
    "Source": "tags",
    "Buckets": [
        "bkt-b",
        "bkt-bb"
    ],
    "Access": "read-write",
    "Prefixes": [],
    "Expires": "2020-01-01 00:00:00+00:00",
    "Expired": true,
    "CreateDate": "{B_CREATED}",
    "LastUsed": null,
    "AccessKeys": [
        {
            "AccessKeyId": "{B_KEY}",
            "Status": "Active",
            "CreateDate": "{B_KEY_CREATED}",
            "AgeDays": 0,
            "LastUsedDate": null,
            "LastUsedService": "N/A",
            "LastUsedRegion": "N/A"
        }
    ],
    "ToolVersion": "{VERSION}",
    "Warnings": [
        "its policy `s3.read-write.bkt-b` differs from the one s3-credentials writes for its tags",
        "its policy `s3.read-write.bkt-bb` differs from the one s3-credentials writes for its tags"
    ]
}
{
    "Name": "c-legacy",
    "Kind": "user",
    "Source": "policy names",
    "Buckets": [
        "bkt-c"
    ],
    "Access": "read-only",
    "Prefixes": [],
    "Expires": null,
    "Expired": false,
    "CreateDate": "{C_CREATED}",
    "LastUsed": null,
    "AccessKeys": [
        {
            "AccessKeyId": "{C_KEY}",
            "Status": "Active",
            "CreateDate": "{C_KEY_CREATED}",
            "AgeDays": 0,
            "LastUsedDate": null,
            "LastUsedService": "N/A",
            "LastUsedRegion": "N/A"
        }
    ],
    "Warnings": []
}
{
    "Name": "f-role",
    "Kind": "role",
    "Source": "tags",
    "Buckets": [
        "bkt-f"
    ],
    "Access": "write-only",
    "Prefixes": [],
    "Expires": null,
    "Expired": false,
    "CreateDate": "{F_CREATED}",
    "LastUsed": null,
    "AccessKeys": [],
    "ToolVersion": "{VERSION}",
    "Warnings": [
        "its policy `s3.write-only.bkt-f` is missing"
    ]
}
"#;

/// `--array`: one pretty-printed array of the same objects.
const ARRAY: &str = r#"[
    {
        "Name": "a-tagged",
        "Kind": "user",
        "Source": "tags",
        "Buckets": [
            "bkt-a"
        ],
        "Access": "read-only",
        "Prefixes": [
            "in/"
        ],
        "Expires": "2099-01-01 00:00:00+00:00",
        "Expired": false,
        "CreateDate": "{A_CREATED}",
        "LastUsed": null,
        "AccessKeys": [
            {
                "AccessKeyId": "{A_KEY}",
                "Status": "Active",
                "CreateDate": "{A_KEY_CREATED}",
                "AgeDays": 0,
                "LastUsedDate": null,
                "LastUsedService": "N/A",
                "LastUsedRegion": "N/A"
            }
        ],
        "ToolVersion": "{VERSION}",
        "Warnings": []
    },
    {
        "Name": "b-expired",
        "Kind": "user",
        "Source": "tags",
        "Buckets": [
            "bkt-b",
            "bkt-bb"
        ],
        "Access": "read-write",
        "Prefixes": [],
        "Expires": "2020-01-01 00:00:00+00:00",
        "Expired": true,
        "CreateDate": "{B_CREATED}",
        "LastUsed": null,
        "AccessKeys": [
            {
                "AccessKeyId": "{B_KEY}",
                "Status": "Active",
                "CreateDate": "{B_KEY_CREATED}",
                "AgeDays": 0,
                "LastUsedDate": null,
                "LastUsedService": "N/A",
                "LastUsedRegion": "N/A"
            }
        ],
        "ToolVersion": "{VERSION}",
        "Warnings": [
            "its policy `s3.read-write.bkt-b` differs from the one s3-credentials writes for its tags",
            "its policy `s3.read-write.bkt-bb` differs from the one s3-credentials writes for its tags"
        ]
    },
    {
        "Name": "c-legacy",
        "Kind": "user",
        "Source": "policy names",
        "Buckets": [
            "bkt-c"
        ],
        "Access": "read-only",
        "Prefixes": [],
        "Expires": null,
        "Expired": false,
        "CreateDate": "{C_CREATED}",
        "LastUsed": null,
        "AccessKeys": [
            {
                "AccessKeyId": "{C_KEY}",
                "Status": "Active",
                "CreateDate": "{C_KEY_CREATED}",
                "AgeDays": 0,
                "LastUsedDate": null,
                "LastUsedService": "N/A",
                "LastUsedRegion": "N/A"
            }
        ],
        "Warnings": []
    },
    {
        "Name": "f-role",
        "Kind": "role",
        "Source": "tags",
        "Buckets": [
            "bkt-f"
        ],
        "Access": "write-only",
        "Prefixes": [],
        "Expires": null,
        "Expired": false,
        "CreateDate": "{F_CREATED}",
        "LastUsed": null,
        "AccessKeys": [],
        "ToolVersion": "{VERSION}",
        "Warnings": [
            "its policy `s3.write-only.bkt-f` is missing"
        ]
    }
]
"#;

/// `--csv`: a header, then nested values as compact JSON, quoted as CSV
/// quotes (`""`), absent values empty. Lines end in CRLF (`\n` here).
const CSV: &str = r#"Name,Kind,Source,Buckets,Access,Prefixes,Expires,Expired,CreateDate,LastUsed,AccessKeys,ToolVersion,Warnings
a-tagged,user,tags,"[""bkt-a""]",read-only,"[""in/""]",2099-01-01 00:00:00+00:00,false,{A_CREATED},,"[{""AccessKeyId"":""{A_KEY}"",""Status"":""Active"",""CreateDate"":""{A_KEY_CREATED}"",""AgeDays"":0,""LastUsedDate"":null,""LastUsedService"":""N/A"",""LastUsedRegion"":""N/A""}]",{VERSION},[]
b-expired,user,tags,"[""bkt-b"",""bkt-bb""]",read-write,[],2020-01-01 00:00:00+00:00,true,{B_CREATED},,"[{""AccessKeyId"":""{B_KEY}"",""Status"":""Active"",""CreateDate"":""{B_KEY_CREATED}"",""AgeDays"":0,""LastUsedDate"":null,""LastUsedService"":""N/A"",""LastUsedRegion"":""N/A""}]",{VERSION},"[""its policy `s3.read-write.bkt-b` differs from the one s3-credentials writes for its tags"",""its policy `s3.read-write.bkt-bb` differs from the one s3-credentials writes for its tags""]"
c-legacy,user,policy names,"[""bkt-c""]",read-only,[],,false,{C_CREATED},,"[{""AccessKeyId"":""{C_KEY}"",""Status"":""Active"",""CreateDate"":""{C_KEY_CREATED}"",""AgeDays"":0,""LastUsedDate"":null,""LastUsedService"":""N/A"",""LastUsedRegion"":""N/A""}]",,[]
f-role,role,tags,"[""bkt-f""]",write-only,[],,false,{F_CREATED},,[],{VERSION},"[""its policy `s3.write-only.bkt-f` is missing""]"
"#;

/// `--tsv`: as `--csv` with tabs (written `\t` here) between the cells.
const TSV: &str = r#"Name\tKind\tSource\tBuckets\tAccess\tPrefixes\tExpires\tExpired\tCreateDate\tLastUsed\tAccessKeys\tToolVersion\tWarnings
a-tagged\tuser\ttags\t"[""bkt-a""]"\tread-only\t"[""in/""]"\t2099-01-01 00:00:00+00:00\tfalse\t{A_CREATED}\t\t"[{""AccessKeyId"":""{A_KEY}"",""Status"":""Active"",""CreateDate"":""{A_KEY_CREATED}"",""AgeDays"":0,""LastUsedDate"":null,""LastUsedService"":""N/A"",""LastUsedRegion"":""N/A""}]"\t{VERSION}\t[]
b-expired\tuser\ttags\t"[""bkt-b"",""bkt-bb""]"\tread-write\t[]\t2020-01-01 00:00:00+00:00\ttrue\t{B_CREATED}\t\t"[{""AccessKeyId"":""{B_KEY}"",""Status"":""Active"",""CreateDate"":""{B_KEY_CREATED}"",""AgeDays"":0,""LastUsedDate"":null,""LastUsedService"":""N/A"",""LastUsedRegion"":""N/A""}]"\t{VERSION}\t"[""its policy `s3.read-write.bkt-b` differs from the one s3-credentials writes for its tags"",""its policy `s3.read-write.bkt-bb` differs from the one s3-credentials writes for its tags""]"
c-legacy\tuser\tpolicy names\t"[""bkt-c""]"\tread-only\t[]\t\tfalse\t{C_CREATED}\t\t"[{""AccessKeyId"":""{C_KEY}"",""Status"":""Active"",""CreateDate"":""{C_KEY_CREATED}"",""AgeDays"":0,""LastUsedDate"":null,""LastUsedService"":""N/A"",""LastUsedRegion"":""N/A""}]"\t\t[]
f-role\trole\ttags\t"[""bkt-f""]"\twrite-only\t[]\t\tfalse\t{F_CREATED}\t\t[]\t{VERSION}\t"[""its policy `s3.write-only.bkt-f` is missing""]"
"#;

#[test]
fn a_mixed_account_in_every_output_mode_and_filter() {
    let (_lock, server) = exclusive_moto();
    let values = mixed_account(server);
    let run = |args: &[&str]| {
        let mut all = vec!["list-credentials"];
        all.extend_from_slice(args);
        s3c(&all).against(server).run().success().to_owned()
    };
    let crlf = |text: &str| text.replace('\n', "\r\n");
    for (args, expected) in [
        (&["--nl"][..], fill(NL, &values)),
        (&[][..], fill(PRETTY, &values)),
        (&["--array"][..], fill(ARRAY, &values)),
        (&["--csv"][..], crlf(&fill(CSV, &values))),
        (
            &["--tsv"][..],
            crlf(&fill(&TSV.replace(r"\t", "\t"), &values)),
        ),
    ] {
        assert_eq!(run(args), expected, "{args:?}");
    }
    let b_expired = NL.lines().nth(1).unwrap();
    assert_eq!(
        run(&["--expired", "--nl"]),
        fill(&format!("{b_expired}\n"), &values)
    );
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
