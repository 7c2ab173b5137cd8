use crate::common::s3c;

/// A golden policy from `tests/fixtures/policies/`, printed as `policy` prints it.
fn golden(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/policies/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    format!("{}\n", text.trim_end())
}

#[test]
fn prints_each_generated_variant_exactly() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "read-write"),
        (&["--read-only"], "read-only"),
        (&["--write-only"], "write-only"),
        (&["--prefix", "my-prefix/"], "read-write-prefix"),
        (
            &["--read-only", "--prefix", "my-prefix/"],
            "read-only-prefix",
        ),
        (
            &["--write-only", "--prefix", "my-prefix/"],
            "write-only-prefix",
        ),
    ];
    for (options, fixture) in cases {
        let mut args = vec!["policy", "my-bucket"];
        args.extend_from_slice(options);
        let output = s3c(&args).run();
        assert_eq!(output.success(), golden(fixture), "policy {options:?}");
    }
}

/// `--prefix reports` matches `reports-old/...` too (as in the original):
/// the policy keeps the prefix as given, and one warning line says so.
#[test]
fn prefix_without_a_slash_warns() {
    let output = s3c(&["policy", "my-bucket", "--prefix", "reports"]).run();
    assert!(
        output
            .success_with_stderr(
                "Warning: --prefix `reports` does not end in `/`, so it also grants keys such as \
                 `reports-old/...`; use `--prefix reports/` for a folder\n"
            )
            .contains("\"arn:aws:s3:::my-bucket/reports*\"")
    );
    s3c(&[
        "create",
        "my-bucket",
        "--prefix",
        "a/",
        "--prefix",
        "b",
        "--dry-run",
    ])
    .run()
    .success_with_stderr(
        "Warning: --prefix `b` does not end in `/`, so it also grants keys such as \
         `b-old/...`; use `--prefix b/` for a folder\n",
    );
}

#[test]
fn public_bucket_policy_takes_one_bucket() {
    assert_eq!(
        s3c(&["policy", "my-bucket", "--public-bucket"])
            .run()
            .success(),
        golden("public-bucket")
    );
    s3c(&["policy", "a-bucket", "b-bucket", "--public-bucket"])
        .run()
        .fails_with(2, "Error: --public-bucket takes exactly one bucket\n");
}

#[test]
fn bad_options_are_usage_errors() {
    s3c(&["policy", "my-bucket", "--prefix", "/logs"]).run().fails_with(
        2,
        "Error: prefix `/logs` starts with `/`, but S3 keys have no leading slash; use `--prefix logs`\n",
    );
    s3c(&["policy", "my-bucket", "--read-only", "--write-only"]).run().fails_with(
        2,
        "Error: the argument '--read-only' cannot be used with '--write-only'; see `s3-credentials policy --help`\n",
    );
    s3c(&["policy", "my-bucket", "--statement", "[1]"]).run().fails_with(
        2,
        "Error: --statement must be a JSON object with `Effect`, `Action` and `Resource` keys, not an array\n",
    );
    s3c(&["policy", "Not_A_Bucket"]).run().fails_with(
        2,
        "Error: bucket name `Not_A_Bucket` contains `N`: bucket names can only use lowercase letters, digits, \
         `.` and `-`\n",
    );
}
