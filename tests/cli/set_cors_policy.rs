//! `set-cors-policy` and `get-cors-policy`.

use crate::bucket_setup::{sdk, user_allowed};
use crate::common::s3::new_bucket;
use crate::common::{block_on, enforcing_moto, moto, s3c};

/// The CORS rules of `bucket` as the SDK reads them: (id, methods, origins, headers, expose, max age).
type Rule = (
    Option<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Option<i32>,
);

fn rules(bucket: &str) -> Vec<Rule> {
    let cors = block_on(sdk().s3.get_bucket_cors().bucket(bucket).send()).unwrap();
    cors.cors_rules()
        .iter()
        .map(|rule| {
            (
                rule.id().map(str::to_owned),
                rule.allowed_methods().to_vec(),
                rule.allowed_origins().to_vec(),
                rule.allowed_headers().to_vec(),
                rule.expose_headers().to_vec(),
                rule.max_age_seconds(),
            )
        })
        .collect()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

const DEFAULT_RULE_JSON: &str = "[
    {
        \"ID\": \"set-by-s3-credentials\",
        \"AllowedMethods\": [
            \"GET\"
        ],
        \"AllowedOrigins\": [
            \"*\"
        ]
    }
]
";

#[test]
fn without_options_allows_get_from_any_origin() {
    let bucket = new_bucket(&sdk(), "cors-default");
    let output = s3c(&["set-cors-policy", &bucket]).against(moto()).run();
    assert_eq!(
        output.success_with_stderr(&format!(
            "Set CORS policy of bucket `{bucket}` to:\n{DEFAULT_RULE_JSON}"
        )),
        ""
    );
    assert_eq!(
        rules(&bucket),
        [(
            Some("set-by-s3-credentials".to_owned()),
            strings(&["GET"]),
            strings(&["*"]),
            vec![],
            vec![],
            None
        )]
    );

    let output = s3c(&["get-cors-policy", &bucket]).against(moto()).run();
    assert_eq!(output.success(), DEFAULT_RULE_JSON);
}

/// The rule that [`every_option_is_repeatable_and_replaces_the_rules`] sets.
const ALL_OPTIONS_JSON: &str = r#"[
    {
        "ID": "set-by-s3-credentials",
        "AllowedHeaders": [
            "Authorization",
            "Content-Type"
        ],
        "AllowedMethods": [
            "GET",
            "PUT"
        ],
        "AllowedOrigins": [
            "https://www.example.com",
            "https://*.example.org"
        ],
        "ExposeHeaders": [
            "ETag",
            "x-amz-version-id"
        ],
        "MaxAgeSeconds": 60
    }
]
"#;

#[test]
fn every_option_is_repeatable_and_replaces_the_rules() {
    let bucket = new_bucket(&sdk(), "cors-options");
    s3c(&["set-cors-policy", &bucket])
        .against(moto())
        .run()
        .success_with_stderr(&format!(
            "Set CORS policy of bucket `{bucket}` to:\n{DEFAULT_RULE_JSON}"
        ));
    let output = s3c(&[
        "set-cors-policy",
        &bucket,
        "-m",
        "get",
        "--allowed-method",
        "PUT",
        "-o",
        "https://www.example.com",
        "--allowed-origin",
        "https://*.example.org",
        "-h",
        "Authorization",
        "--allowed-header",
        "Content-Type",
        "-e",
        "ETag",
        "--expose-header",
        "x-amz-version-id",
        "--max-age-seconds",
        "60",
    ])
    .against(moto())
    .run();
    assert_eq!(
        output.success_with_stderr(&format!(
            "Set CORS policy of bucket `{bucket}` to:\n{ALL_OPTIONS_JSON}"
        )),
        ""
    );
    assert_eq!(
        rules(&bucket),
        [(
            Some("set-by-s3-credentials".to_owned()),
            strings(&["GET", "PUT"]),
            strings(&["https://www.example.com", "https://*.example.org"]),
            strings(&["Authorization", "Content-Type"]),
            strings(&["ETag", "x-amz-version-id"]),
            Some(60)
        )]
    );
    let printed = s3c(&["get-cors-policy", &bucket]).against(moto()).run();
    assert_eq!(printed.success(), ALL_OPTIONS_JSON);
}

#[test]
fn a_bucket_without_cors_rules_says_so() {
    let bucket = new_bucket(&sdk(), "cors-none");
    s3c(&["get-cors-policy", &bucket])
        .against(moto())
        .run()
        .fails_with(
            1,
            &format!(
                "Error: bucket `{bucket}` has no CORS policy; \
             set one with `s3-credentials set-cors-policy {bucket}`\n"
            ),
        );
}

#[test]
fn bad_values_are_refused_before_any_aws_call() {
    // Nothing listens on port 9: any AWS call would fail with exit 1.
    let run = |args: &[&str]| {
        let mut all = vec![
            "set-cors-policy",
            "bucket",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ];
        all.extend_from_slice(args);
        s3c(&all).run()
    };
    run(&["-m", "PATCH"]).fails_with(
        2,
        "Error: --allowed-method `PATCH` is not one S3 supports: \
         use GET, PUT, POST, DELETE or HEAD\n",
    );
    run(&["-o", "https://*.*.example.com"]).fails_with(
        2,
        "Error: --allowed-origin `https://*.*.example.com` has more than one `*`; \
         S3 allows one wildcard per value\n",
    );
    run(&["-h", ""]).fails_with(2, "Error: --allowed-header cannot be empty\n");
    run(&["--max-age-seconds", "soon"]).fails_with(
        2,
        "Error: invalid value 'soon' for '--max-age-seconds <SECONDS>': \
         invalid digit found in string; see `s3-credentials set-cors-policy --help`\n",
    );
}

#[test]
fn access_denied_reads_as_access_denied() {
    let bucket = new_bucket(&enforcing_moto().admin(), "cors-denied");
    let (key, secret) = user_allowed(&["s3:ListBucket"]);
    let output = s3c(&["get-cors-policy", &bucket])
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .against(&enforcing_moto().emulator)
        .run();
    output.fails_with(
        1,
        &format!(
            "Error: access denied to bucket `{bucket}`: GetBucketCors failed: AccessDenied: Access Denied\n"
        ),
    );
}
