//! `set-bucket-policy` and `get-bucket-policy`.

use serde_json::{Value, json};

use crate::bucket_setup::sdk;
use crate::common::s3::new_bucket;
use crate::common::{block_on, moto, s3c};

/// The policy of `bucket` as S3 stores it.
fn stored_policy(bucket: &str) -> String {
    let policy = block_on(sdk().s3.get_bucket_policy().bucket(bucket).send()).unwrap();
    policy.policy().unwrap().to_owned()
}

fn allow_all_get(bucket: &str) -> String {
    format!(
        r#"{{
    "Version": "2012-10-17",
    "Statement": [
        {{
            "Sid": "AllowAllGetObject",
            "Effect": "Allow",
            "Principal": "*",
            "Action": [
                "s3:GetObject"
            ],
            "Resource": [
                "arn:aws:s3:::{bucket}/*"
            ]
        }}
    ]
}}
"#
    )
}

#[test]
fn allow_all_get_sets_the_public_read_policy() {
    let bucket = new_bucket(&sdk(), "policy-get");
    let output = s3c(&["set-bucket-policy", &bucket, "--allow-all-get"])
        .against(moto())
        .run();
    assert_eq!(
        output.success_with_stderr(&format!(
            "Set bucket policy of bucket `{bucket}` to:\n{}",
            allow_all_get(&bucket)
        )),
        ""
    );
    let stored: Value = serde_json::from_str(&stored_policy(&bucket)).unwrap();
    assert_eq!(
        stored,
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "AllowAllGetObject",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject"],
                "Resource": [format!("arn:aws:s3:::{bucket}/*")],
            }],
        })
    );

    let output = s3c(&["get-bucket-policy", &bucket]).against(moto()).run();
    assert_eq!(output.success(), allow_all_get(&bucket));
}

/// A policy as a person might write it, with trailing commas.
fn handwritten_policy(bucket: &str) -> String {
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Effect": "Allow",
      "Principal": {{"AWS": "arn:aws:iam::123456789012:root"}},
      "Action": ["s3:ListBucket",],
      "Resource": "arn:aws:s3:::{bucket}",
    }},
  ]
}}"#
    )
}

/// What `set-bucket-policy` reports on stderr for [`handwritten_policy`].
fn handwritten_policy_set(bucket: &str) -> String {
    format!(
        r#"Set bucket policy of bucket `{bucket}` to:
{{
    "Version": "2012-10-17",
    "Statement": [
        {{
            "Effect": "Allow",
            "Principal": {{
                "AWS": "arn:aws:iam::123456789012:root"
            }},
            "Action": [
                "s3:ListBucket"
            ],
            "Resource": "arn:aws:s3:::{bucket}"
        }}
    ]
}}
"#
    )
}

#[test]
fn a_policy_file_is_sent_as_strict_json() {
    let bucket = new_bucket(&sdk(), "policy-file");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.json");
    std::fs::write(&path, handwritten_policy(&bucket)).unwrap();
    let output = s3c(&[
        "set-bucket-policy",
        &bucket,
        "--policy-file",
        path.to_str().unwrap(),
    ])
    .against(moto())
    .run();
    assert_eq!(
        output.success_with_stderr(&handwritten_policy_set(&bucket)),
        ""
    );
    assert_eq!(
        stored_policy(&bucket),
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:root"}},"Action":["s3:ListBucket"],"Resource":"arn:aws:s3:::{bucket}"}}]}}"#
        )
    );
}

#[test]
fn the_policy_file_can_be_standard_input() {
    let bucket = new_bucket(&sdk(), "policy-stdin");
    let output = s3c(&["set-bucket-policy", &bucket, "--policy-file", "-"])
        .against(moto())
        .stdin(handwritten_policy(&bucket))
        .run();
    assert_eq!(
        output.success_with_stderr(&handwritten_policy_set(&bucket)),
        ""
    );
    let stored: Value = serde_json::from_str(&stored_policy(&bucket)).unwrap();
    assert_eq!(stored["Statement"][0]["Action"], json!(["s3:ListBucket"]));
    let printed = s3c(&["get-bucket-policy", &bucket]).against(moto()).run();
    assert_eq!(
        serde_json::from_str::<Value>(printed.success()).unwrap(),
        stored
    );
}

#[test]
fn bad_policy_files_are_usage_errors_before_any_aws_call() {
    let nowhere = "http://127.0.0.1:9";
    let run = |stdin: &str| {
        s3c(&[
            "set-bucket-policy",
            "bucket",
            "--policy-file",
            "-",
            "--endpoint-url",
            nowhere,
        ])
        .stdin(stdin)
        .run()
    };
    run("{\n  \"Statement\": [\n    {\"Effect\" \"Allow\"}\n  ]\n}").fails_with(
        2,
        "Error: --policy-file from standard input: invalid JSON at line 3, column 15: expected `:`\n",
    );
    run(r#"{"Version": "2012-10-17"}"#).fails_with(
        2,
        "Error: --policy-file from standard input: the policy has no `Statement` key\n",
    );
    s3c(&[
        "set-bucket-policy",
        "bucket",
        "--policy-file",
        "/no/such/policy.json",
        "--endpoint-url",
        nowhere,
    ])
    .run()
    .fails_with(
        2,
        "Error: could not read --policy-file `/no/such/policy.json`: no such file\n",
    );
}

#[test]
fn exactly_one_policy_source_is_needed() {
    s3c(&["set-bucket-policy", "bucket"]).run().fails_with(
        2,
        "Error: the following required arguments were not provided: \
         <--policy-file <FILE>|--allow-all-get>; see `s3-credentials set-bucket-policy --help`\n",
    );
    s3c(&[
        "set-bucket-policy",
        "bucket",
        "--allow-all-get",
        "--policy-file",
        "p.json",
    ])
    .run()
    .fails_with(
        2,
        "Error: the argument '--allow-all-get' cannot be used with '--policy-file <FILE>'; \
         see `s3-credentials set-bucket-policy --help`\n",
    );
}

#[test]
fn a_bucket_without_a_policy_says_so() {
    let bucket = new_bucket(&sdk(), "policy-none");
    s3c(&["get-bucket-policy", &bucket])
        .against(moto())
        .run()
        .fails_with(
            1,
            &format!(
                "Error: bucket `{bucket}` has no bucket policy; \
                 set one with `s3-credentials set-bucket-policy {bucket}`\n"
            ),
        );
}
