use crate::common::s3c;

/// A golden policy from `tests/fixtures/policies/`, printed as `policy` prints it.
pub(crate) fn golden(name: &str) -> String {
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

/// `--prefix 'foo/*'` grants the pattern `foo/*`: exactly the keys under
/// `foo/`, so there is nothing to warn about (the old warning claimed it also
/// granted `foo/*-old/...` and advised `foo/*/`, which drops the objects
/// directly under `foo/`). `reports*` does grant `reports-old/...`.
#[test]
fn prefix_warning_fires_only_when_it_grants_more_than_a_folder() {
    for prefix in ["foo/*", "foo/**", "foo/?"] {
        let output = s3c(&["policy", "my-bucket", "--read-only", "--prefix", prefix]).run();
        let pattern = if prefix.ends_with('*') {
            prefix.to_owned()
        } else {
            format!("{prefix}*")
        };
        assert!(
            output
                .success_with_stderr("")
                .contains(&format!("\"arn:aws:s3:::my-bucket/{pattern}\"")),
            "{prefix}"
        );
    }
    s3c(&["policy", "my-bucket", "--prefix", "reports*"])
        .run()
        .success_with_stderr(
            "Warning: --prefix `reports*` does not end in `/`, so it also grants keys such as \
             `reports-old/...`; use `--prefix reports/` for a folder\n",
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

/// Run the offline IAM policy linter (parliament, installed into `.venv-lint`
/// by `scripts/setup-test-env`) on a policy; returns its findings as text,
/// empty when it found nothing.
pub(crate) fn lint(policy: &str) -> String {
    let linter = format!("{}/.venv-lint/bin/parliament", env!("CARGO_MANIFEST_DIR"));
    assert!(
        std::path::Path::new(&linter).exists(),
        "the policy linter is not installed: run `scripts/setup-test-env` first"
    );
    let output = std::process::Command::new(linter)
        .args(["--json", "--string", policy])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let findings = String::from_utf8(output.stdout.clone()).unwrap();
    assert_eq!(
        output.status.success(),
        findings.is_empty(),
        "parliament: {output:?}"
    );
    findings
}

#[test]
fn expiring_policies_match_golden_files_and_pass_the_linter() {
    // moto does not evaluate conditions, so what proves the expiry is the
    // exact document (golden files) and a linter that knows IAM's condition
    // keys and their types.
    let deny = r#"{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::my-bucket/keep/*"}"#;
    let cases: &[(&[&str], &str)] = &[
        (&["--expires", "2030-01-01"], "read-write-expires"),
        (
            &[
                "--read-only",
                "--prefix",
                "my-prefix/",
                "--expires",
                "2030-01-01T12:30:00+02:00",
            ],
            "read-only-prefix-expires",
        ),
        (
            &["--write-only", "--expires", "2030-01-01"],
            "write-only-expires",
        ),
        (
            &["--expires", "2030-01-01", "--statement", deny],
            "read-write-statement-expires",
        ),
    ];
    for (options, fixture) in cases {
        let mut args = vec!["policy", "my-bucket"];
        args.extend_from_slice(options);
        let output = s3c(&args).run();
        assert_eq!(output.success(), golden(fixture), "policy {options:?}");
        assert_eq!(output.stderr, "");
        assert_eq!(lint(&output.stdout), "", "policy {options:?}");
    }
}

#[test]
fn the_linter_catches_a_broken_expiry_condition() {
    // Without this, a linter that checks nothing would pass the test above.
    let broken = golden("read-write-expires").replace("2030-01-01T00:00:00Z", "soon");
    let findings = lint(&broken);
    assert!(
        findings.contains("aws:CurrentTime requires a value of type Date but given ['soon']"),
        "{findings}"
    );
}

#[test]
fn expires_must_be_a_future_time() {
    s3c(&["policy", "my-bucket", "--expires", "2020-01-01"])
        .run()
        .fails_with(
            2,
            "Error: --expires: `2020-01-01` is not in the future (it is 2020-01-01 00:00:00 UTC)\n",
        );
    s3c(&["policy", "my-bucket", "--expires", "soon"]).run().fails_with(
        2,
        "Error: --expires: must be a number with a unit such as `90m`, `12h`, `30d` or `2w`, a date \
         such as `2026-12-31`, or a date-time such as `2026-12-31T18:00:00Z`, not `soon`\n",
    );
    let output = s3c(&["policy", "my-bucket", "--public-bucket", "--expires", "1d"]).run();
    assert_eq!(output.code, 2, "{output:#?}");
}

#[test]
fn the_size_limit_counts_the_expiry_conditions() {
    // Four buckets listed one by one fit a session policy's 2,048
    // characters; with the expiry on each statement they do not, and the
    // compact form is printed: one statement for the buckets, one reading
    // and writing their objects.
    let buckets = ["policy", "bkt-1", "bkt-2", "bkt-3", "bkt-4"];
    let statements = |extra: &[&str]| {
        let mut args = buckets.to_vec();
        args.extend_from_slice(extra);
        let output = s3c(&args).run();
        let document: serde_json::Value = serde_json::from_str(output.success()).unwrap();
        document["Statement"].as_array().unwrap().len()
    };
    assert_eq!(statements(&[]), 12);
    assert_eq!(statements(&["--expires", "2030-01-01"]), 2);
}

/// `policy --write-only --expires 2099-01-01` with one `--statement` whose
/// `DateLessThan aws:CurrentTime` is `existing`: the whole printed document.
fn expiring_with(existing: &serde_json::Value) -> crate::common::Output {
    let statement = serde_json::json!({"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::other/*",
        "Condition": {"DateLessThan": {"aws:CurrentTime": existing}}});
    s3c(&[
        "policy",
        "my-bucket",
        "--write-only",
        "--expires",
        "2099-01-01",
        "--statement",
        &statement.to_string(),
    ])
    .run()
}

/// The document `expiring_with` prints when the statement ends at `kept`.
fn expected(kept: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::my-bucket/*"],
         "Condition": {"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other/*",
         "Condition": {"DateLessThan": {"aws:CurrentTime": kept}}},
    ]})
}

/// IAM reads a date condition as ISO 8601 or epoch seconds, and a list as
/// any-of, so a list ends at its latest element
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>,
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html>).
/// The earlier of that and `--expires` stays, as written; a later one becomes
/// `--expires`.
#[test]
fn the_earlier_expiry_wins_in_every_date_form() {
    use serde_json::json;
    let earlier = [
        json!("2098-12-05T00:00:00+00:00"),
        json!("2098-12-05"),
        json!("2098-12-05T00:00:00.250Z"),
        json!("2098-12-05T01:00:00+01:00"),
        json!(4_068_576_000_i64),
        json!("4068576000"),
        json!(["2098-12-05T00:00:00Z"]),
        json!(["2098-12-05", 4_068_576_000_i64]),
        json!("2099-01-01T00:00:00Z"),
    ];
    for existing in &earlier {
        let output = expiring_with(existing);
        let printed: serde_json::Value =
            serde_json::from_str(output.success_with_stderr("")).unwrap();
        assert_eq!(printed, expected(existing), "{existing}");
    }
    let later = [
        json!("2100-01-01"),
        json!("2099-01-01T00:00:00.001Z"),
        json!(4_102_444_800_i64),
        json!("4102444800"),
        json!(["2098-12-05T00:00:00Z", "2100-01-01T00:00:00Z"]),
    ];
    for existing in &later {
        let output = expiring_with(existing);
        let printed: serde_json::Value =
            serde_json::from_str(output.success_with_stderr("")).unwrap();
        assert_eq!(
            printed,
            expected(&json!("2099-01-01T00:00:00Z")),
            "{existing}"
        );
    }
}

/// A value the tool cannot read as IAM does is refused, not overwritten.
#[test]
fn an_unreadable_existing_expiry_is_refused() {
    use serde_json::json;
    for existing in [
        json!("soon"),
        json!("2098-12-05T00:00:00"),
        json!([]),
        json!(true),
    ] {
        expiring_with(&existing).fails_with(
            2,
            &format!(
                "Error: --statement: cannot combine --expires with the DateLessThan \
                 aws:CurrentTime value {existing}: use an ISO 8601 date or date-time with a \
                 time zone, or epoch seconds\n"
            ),
        );
    }
}
