//! Buckets in another region than the configured one, through a proxy that
//! answers like S3 (see `tests/common/region_proxy.rs`): every bucket and
//! object command finds the bucket's region by itself, with any credentials,
//! pays for it once per run, and pays nothing when the bucket is where the
//! configuration says.

use std::fs;

use crate::common::region_proxy::{Answer, RegionProxy};
use crate::common::s3::{get, keys, new_bucket, new_bucket_in, put};

use crate::common::{Output, enforcing_moto, moto, s3c};

/// Run `s3-credentials ARGS` through `proxy`, configured for us-east-1.
fn through(proxy: &RegionProxy, args: &[&str]) -> Output {
    s3c(args)
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .env("AWS_REGION", "us-east-1")
        .run()
}

/// Run, expect success with nothing on stderr, and check that it cost
/// exactly one misdirected request: the one the region was learned from.
#[track_caller]
fn succeeds_after_one_redirect(proxy: &RegionProxy, bucket: &str, args: &[&str]) -> Output {
    succeeds_saying(proxy, bucket, args, "")
}

/// The same for a command that logs exactly `said` on stderr.
#[track_caller]
fn succeeds_saying(proxy: &RegionProxy, bucket: &str, args: &[&str], said: &str) -> Output {
    let before = proxy.misdirected(bucket);
    let output = through(proxy, args);
    output.success_with_stderr(said);
    assert_eq!(
        proxy.misdirected(bucket) - before,
        1,
        "one request to the wrong region, then the right one: {args:?}"
    );
    output
}

/// Every bucket and object command, with the proxy answering `answer`.
fn every_command_reaches_a_bucket_in_eu_west_1(answer: Answer) {
    let bucket = new_bucket_in(&moto().clients(), "eu-west-1");
    let proxy = RegionProxy::start(&moto().endpoint, answer);
    proxy.place(&bucket, "eu-west-1");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.txt");
    fs::write(&file, "alpha").unwrap();
    let folder = dir.path().join("up");
    fs::create_dir(&folder).unwrap();
    for n in 0..5 {
        fs::write(folder.join(format!("{n}.txt")), format!("file {n}")).unwrap();
    }
    let file = file.to_str().unwrap();
    let b = bucket.as_str();
    succeeds_after_one_redirect(&proxy, b, &["put-object", b, "a.txt", file, "-s"]);
    assert_eq!(get(moto(), b, "a.txt").unwrap(), b"alpha");
    let up = folder.to_str().unwrap();
    succeeds_after_one_redirect(&proxy, b, &["put-objects", b, up, "-s"]);
    assert_eq!(keys(moto(), b).len(), 6);
    let listed = succeeds_after_one_redirect(&proxy, b, &["list-bucket", b, "--csv"]);
    assert_eq!(listed.stdout.lines().count(), 7, "{listed:#?}");
    let got = succeeds_after_one_redirect(&proxy, b, &["get-object", b, "a.txt"]);
    assert_eq!(got.stdout, "alpha");
    let out = dir.path().join("down.txt");
    let out_arg = out.to_str().unwrap();
    succeeds_after_one_redirect(&proxy, b, &["get-object", b, "a.txt", "-o", out_arg, "-s"]);
    assert_eq!(fs::read_to_string(&out).unwrap(), "alpha");
    let down = dir.path().join("down");
    let down_arg = down.to_str().unwrap();
    succeeds_after_one_redirect(&proxy, b, &["get-objects", b, "-o", down_arg, "-s"]);
    assert_eq!(fs::read_to_string(down.join("up/3.txt")).unwrap(), "file 3");
    succeeds_after_one_redirect(&proxy, b, &["delete-objects", b, "up/0.txt", "-s"]);
    assert_eq!(keys(moto(), b).len(), 5);
    let cors_set = format!(
        "Set CORS policy of bucket `{b}` to:\n[\n    {{\n        \"ID\": \"set-by-s3-credentials\",\n        \
         \"AllowedMethods\": [\n            \"GET\"\n        ],\n        \"AllowedOrigins\": [\n            \
         \"*\"\n        ]\n    }}\n]\n"
    );
    succeeds_saying(&proxy, b, &["set-cors-policy", b], &cors_set);
    let cors = succeeds_after_one_redirect(&proxy, b, &["get-cors-policy", b]);
    assert!(cors.stdout.contains("set-by-s3-credentials"), "{cors:#?}");
    let allow = ["set-bucket-policy", b, "--allow-all-get"];
    let allowed = format!(
        "{{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": [\n        {{\n            \
         \"Sid\": \"AllowAllGetObject\",\n            \"Effect\": \"Allow\",\n            \
         \"Principal\": \"*\",\n            \"Action\": [\n                \"s3:GetObject\"\n            \
         ],\n            \"Resource\": [\n                \"arn:aws:s3:::{b}/*\"\n            ]\n        \
         }}\n    ]\n}}"
    );
    succeeds_saying(
        &proxy,
        b,
        &allow,
        &format!("Set bucket policy of bucket `{b}` to:\n{allowed}\n"),
    );
    let policy = succeeds_after_one_redirect(&proxy, b, &["get-bucket-policy", b]);
    assert!(policy.stdout.contains("s3:GetObject"), "{policy:#?}");
    let block = ["set-public-access-block", b, "--block-public-acls", "true"];
    let blocked = "{\n    \"BlockPublicAcls\": true,\n    \"IgnorePublicAcls\": false,\n    \
                   \"BlockPublicPolicy\": false,\n    \"RestrictPublicBuckets\": false\n}";
    let said = format!("Set public access block of bucket `{b}` to:\n{blocked}\n");
    succeeds_saying(&proxy, b, &block, &said);
    let block = succeeds_after_one_redirect(&proxy, b, &["get-public-access-block", b]);
    assert!(
        block.stdout.contains("\"BlockPublicAcls\": true"),
        "{block:#?}"
    );
    succeeds_after_one_redirect(&proxy, b, &["debug-bucket", b]);
    let details = through(&proxy, &["list-buckets", b, "--details", "--nl"]);
    assert!(
        details.success().contains("\"region\":\"eu-west-1\""),
        "{details:#?}"
    );
}

#[test]
fn every_command_follows_a_permanent_redirect() {
    every_command_reaches_a_bucket_in_eu_west_1(Answer::Redirect);
}

#[test]
fn every_command_follows_an_authorization_header_malformed_answer() {
    every_command_reaches_a_bucket_in_eu_west_1(Answer::Malformed);
}

#[test]
fn a_bucket_in_the_configured_region_costs_no_extra_request() {
    let bucket = new_bucket(&moto().clients(), "region");
    put(moto(), &bucket, "a.txt", b"alpha");
    let proxy = RegionProxy::start(&moto().endpoint, Answer::Redirect);
    proxy.place(&bucket, "us-east-1");
    let listed = through(&proxy, &["list-bucket", &bucket, "--csv"]);
    listed.success();
    let requests = proxy.requests_to(&bucket);
    let methods: Vec<&str> = requests.iter().map(|(method, _)| method.as_str()).collect();
    assert_eq!(methods, ["GET"], "one ListObjectsV2: {requests:?}");
    assert!(
        requests[0]
            .1
            .starts_with(&format!("/{bucket}/?list-type=2")),
        "{requests:?}"
    );
    let got = through(&proxy, &["get-object", &bucket, "a.txt"]);
    assert_eq!(got.success(), "alpha");
    let requests = proxy.requests_to(&bucket);
    assert_eq!(requests.len(), 2, "one GetObject more: {requests:?}");
    assert_eq!(
        requests[1],
        ("GET".to_owned(), format!("/{bucket}/a.txt?x-id=GetObject"))
    );
    assert_eq!(proxy.misdirected(&bucket), 0);
}

/// The keys `create` prints may not call `HeadBucket` or
/// `GetBucketLocation` (write-only keys), yet reach the bucket's region.
#[test]
fn keys_from_create_reach_a_bucket_in_another_region() {
    let server = enforcing_moto();
    let admin = [
        "--access-key",
        &server.admin_key,
        "--secret-key",
        &server.admin_secret,
    ];
    let bucket = new_bucket_in(&server.admin(), "eu-west-1");
    let proxy = RegionProxy::start(&server.emulator.endpoint, Answer::Redirect);
    proxy.place(&bucket, "eu-west-1");
    let b = bucket.as_str();
    let key_for = |mode: &[&str]| {
        let mut args = vec!["create", b];
        args.extend_from_slice(mode);
        args.extend_from_slice(&admin);
        let created = through(&proxy, &args);
        let label = mode.first().map_or("read-write", |flag| &flag[2..]);
        let boundary = if label == "read-only" {
            "AmazonS3ReadOnlyAccess"
        } else {
            "AmazonS3FullAccess"
        };
        let user = format!("s3.{label}.{b}");
        let said = format!(
            "Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/{boundary}\n\
             Attached policy {user} to user {user}\nCreated access key for user: {user}\n"
        );
        let key: serde_json::Value =
            serde_json::from_str(created.success_with_stderr(&said)).unwrap();
        let text = |field: &str| key[field].as_str().unwrap().to_owned();
        (text("AccessKeyId"), text("SecretAccessKey"))
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.txt");
    fs::write(&file, "data").unwrap();
    let file = file.to_str().unwrap();
    let as_key = |(key, secret): &(String, String), args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--access-key", key, "--secret-key", secret]);
        succeeds_after_one_redirect(&proxy, b, &all)
    };
    let write_only = key_for(&["--write-only"]);
    as_key(&write_only, &["put-object", b, "w.txt", file, "-s"]);
    as_key(&write_only, &["put-objects", b, file, "-s"]);
    let read_write = key_for(&[]);
    as_key(&read_write, &["put-object", b, "rw.txt", file, "-s"]);
    // Not delete-objects: moto authorizes `DeleteObjects` against the bucket's
    // ARN, where the policy (as on AWS) grants `s3:DeleteObject` on its keys.
    assert_eq!(
        as_key(&read_write, &["get-object", b, "f.txt"]).stdout,
        "data"
    );
    let read_only = key_for(&["--read-only"]);
    let listed = as_key(&read_only, &["list-bucket", b, "--csv"]);
    assert_eq!(listed.stdout.lines().count(), 4, "{listed:#?}");
    assert_eq!(
        as_key(&read_only, &["get-object", b, "w.txt"]).stdout,
        "data"
    );
    let down = dir.path().join("down");
    as_key(
        &read_only,
        &["get-objects", b, "-o", down.to_str().unwrap(), "-s"],
    );
    assert_eq!(fs::read_to_string(down.join("rw.txt")).unwrap(), "data");
}
