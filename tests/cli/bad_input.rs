//! Bad input for every command: one `Error:` line, exit 2, and — because
//! everything local is checked before the first AWS call — no connection
//! to the endpoint at all.

use crate::common::commands::one_bucket_commands;
use crate::common::counter::ConnectionCounter;
use crate::common::s3c;

/// `(arguments, what the error line must contain)`. Every case runs with
/// `--endpoint-url` pointing at a connection counter, except where the
/// command takes no connection options (marked `local`).
fn cases(dir: &std::path::Path) -> Vec<(Vec<String>, &'static str)> {
    let empty = dir.join("empty.json");
    std::fs::write(&empty, "").unwrap();
    let empty_object = dir.join("empty-object.json");
    std::fs::write(&empty_object, "{}").unwrap();
    let array_policy = dir.join("array.json");
    std::fs::write(&array_policy, "[1, 2]").unwrap();
    let no_statement = dir.join("no-statement.json");
    std::fs::write(&no_statement, r#"{"Version": "2012-10-17"}"#).unwrap();
    let unreadable = dir.to_str().unwrap().to_owned(); // a folder is not a readable file
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let long = "a".repeat(64);
    let raw: Vec<(Vec<&str>, &str)> = vec![
        // Missing arguments and unknown flags.
        (vec!["create"], "required arguments were not provided"),
        (vec!["delete-user"], "required arguments were not provided"),
        (vec!["delete-role"], "required arguments were not provided"),
        (
            vec!["create", "b-bucket", "--trust", "github:o/*"],
            "the GitHub repository name `*` contains `*`",
        ),
        (
            vec!["list-users", "--frobnicate"],
            "unexpected argument '--frobnicate'",
        ),
        (vec!["whoami", "extra"], "unexpected argument 'extra'"),
        (vec!["rotate-key"], "required arguments were not provided"),
        (vec!["rotate-key", ""], "the user name cannot be empty"),
        (
            vec!["list-credentials", "--unused-for", "3x"],
            "--unused-for: must be a number with a unit",
        ),
        (
            vec!["list-credentials", "--nl", "--csv"],
            "cannot be used with",
        ),
        (vec!["delete-user", "u", "--expired"], "cannot be used with"),
        (vec!["delete-user", "u", "--dry-run"], "cannot be used with"),
        (
            vec!["create", "my-bucket", "--tag", "a=b,c"],
            "tags may only hold letters",
        ),
        (
            vec!["create", "my-bucket", "--expires", "2001-01-01"],
            "--expires: `2001-01-01` is not in the future",
        ),
        (
            vec!["policy", "my-bucket", "--expires", "whenever"],
            "--expires: must be a number with a unit",
        ),
        // Conflicting flags.
        (
            vec!["create", "my-bucket", "--read-only", "--write-only"],
            "cannot be used with",
        ),
        (
            vec!["create", "my-bucket", "-d", "1h", "--username", "u"],
            "cannot be used with",
        ),
        (
            vec!["list-buckets", "--nl", "--array"],
            "cannot be used with",
        ),
        (vec!["list-roles", "--csv", "--tsv"], "cannot be used with"),
        (
            vec![
                "whoami",
                "--auth",
                "x.json",
                "--access-key",
                "a",
                "--secret-key",
                "b",
            ],
            "cannot be used with",
        ),
        (
            vec!["whoami", "--access-key", "a"],
            "required arguments were not provided",
        ),
        // Bad values.
        (
            vec!["create", "my-bucket", "-d", "0"],
            "duration must be between 15 minutes and 12 hours",
        ),
        (
            vec!["create", "my-bucket", "-d", "15x"],
            "duration must look like",
        ),
        (
            vec!["create", "my-bucket", "-d", "13h"],
            "duration must be between 15 minutes and 12 hours",
        ),
        (
            vec!["create", "my-bucket", "-f", "yaml"],
            "invalid value 'yaml'",
        ),
        (vec!["create", "A"], "bucket name `A`"),
        (vec!["create", "a..b"], "bucket name `a..b`"),
        (vec!["create", &long], "is 64 characters long"),
        (vec!["policy", "a..b"], "bucket name `a..b`"),
        (
            vec!["create", "my-bucket", "--prefix", "/logs/"],
            "no leading slash",
        ),
        (
            vec!["policy", "my-bucket", "--prefix", "/logs/"],
            "no leading slash",
        ),
        (
            vec!["create", "my-bucket", "--prefix", ""],
            "--prefix cannot be empty",
        ),
        (
            vec!["create", "my-bucket", "--policy", "{\"Statement\": [}"],
            "invalid JSON at line 1, column 16",
        ),
        (
            vec!["create", "my-bucket", "--statement", "[1]"],
            "--statement",
        ),
        (
            vec![
                "create",
                "my-bucket",
                "--statement",
                "{\"Action\": \"s3:*\", \"Resource\": \"*\"}",
            ],
            "Effect",
        ),
        (
            vec![
                "policy",
                "my-bucket",
                "--statement",
                "{\"Effect\": \"Allow\"",
            ],
            "invalid JSON",
        ),
        (
            vec![
                "create",
                "my-bucket",
                "--user-permissions-boundary",
                "S3Full",
            ],
            "must be a policy ARN",
        ),
        (vec!["create", "my-bucket", "--public"], "--create-bucket"),
        (
            vec!["whoami", "--endpoint-url", "localhost:1"],
            "is not a URL",
        ),
        (
            vec!["set-cors-policy", "my-bucket", "-m", "PATCH"],
            "is not one S3 supports",
        ),
        (
            vec![
                "set-cors-policy",
                "my-bucket",
                "-o",
                "https://*.*.example.com",
            ],
            "more than one `*`",
        ),
        (
            vec!["set-cors-policy", "my-bucket", "--max-age-seconds", "soon"],
            "invalid value 'soon'",
        ),
        (
            vec!["set-bucket-policy", "my-bucket"],
            "required arguments were not provided",
        ),
        (
            vec![
                "set-bucket-policy",
                "my-bucket",
                "--allow-all-get",
                "--policy-file",
                "p.json",
            ],
            "cannot be used with",
        ),
        (
            vec!["set-public-access-block", "my-bucket"],
            "required arguments were not provided",
        ),
        (
            vec![
                "set-public-access-block",
                "my-bucket",
                "--block-public-acls",
                "maybe",
            ],
            "invalid value 'maybe'",
        ),
        (
            vec![
                "set-public-access-block",
                "my-bucket",
                "--allow-public-access",
                "--block-public-acls",
                "true",
            ],
            "cannot be used with",
        ),
        (
            vec!["localserver", "my-bucket"],
            "required arguments were not provided",
        ),
        (
            vec!["localserver", "my-bucket", "-d", "10m"],
            "duration must be between 15 minutes and 12 hours",
        ),
        (
            vec!["localserver", "my-bucket", "-d", "1h", "--prefix", "/logs/"],
            "no leading slash",
        ),
        (
            vec![
                "localserver",
                "my-bucket",
                "-d",
                "1h",
                "--read-only",
                "--write-only",
            ],
            "cannot be used with",
        ),
        (
            vec![
                "localserver",
                "my-bucket",
                "-d",
                "1h",
                "--token-file",
                "t",
                "--generate-token",
            ],
            "cannot be used with",
        ),
        (vec!["completions", "tcsh"], "invalid value 'tcsh'"),
        (
            vec!["list-user-policies", "--nl", "--tsv"],
            "cannot be used with",
        ),
        // Object commands.
        (
            vec!["list-bucket", "Bad_Bucket"],
            "bucket name `Bad_Bucket`",
        ),
        (
            vec!["list-bucket", "a..b", "--nl", "--csv"],
            "bucket name `a..b`",
        ),
        (
            vec!["put-object", "my-bucket", "key", "/nonexistent/file"],
            "/nonexistent/file",
        ),
        (
            vec!["put-object", "my-bucket", "key"],
            "required arguments were not provided",
        ),
        (
            vec!["put-objects", "my-bucket", "/nonexistent/folder"],
            "does not exist",
        ),
        (
            vec!["put-objects", "my-bucket", ".", "-j", "0"],
            "invalid value '0'",
        ),
        (
            vec!["get-object", "my-bucket"],
            "required arguments were not provided",
        ),
        (
            vec!["get-objects", "my-bucket", "-p", "["],
            "bad `--pattern [`",
        ),
        (vec!["get-objects", "A"], "bucket name `A`"),
        // An empty key names no object.
        (vec!["get-object", "my-bucket", ""], "a key cannot be empty"),
        (vec!["presign", "my-bucket", ""], "a key cannot be empty"),
        (
            vec!["presign", "Bad_Bucket", "k"],
            "bucket name `Bad_Bucket`",
        ),
        (
            vec!["presign", "my-bucket", "k", "--expires", "8d"],
            "--expires: `8d` is out of range",
        ),
        (
            vec!["presign", "my-bucket", "k", "--method", "POST"],
            "invalid value 'POST' for '--method <METHOD>'",
        ),
        (
            vec!["get-objects", "my-bucket", "a", ""],
            "a key cannot be empty",
        ),
        (
            vec!["put-object", "my-bucket", "", "Cargo.toml"],
            "a key cannot be empty",
        ),
        (
            vec!["delete-objects", "my-bucket", ""],
            "a key cannot be empty",
        ),
        (
            vec!["delete-objects", "my-bucket"],
            "required arguments were not provided",
        ),
        (
            vec!["delete-objects", "my-bucket", "key", "--prefix", "p/"],
            "cannot be used with",
        ),
        (vec!["man", "nope"], "no command named `nope`"),
    ];
    let owned: Vec<(Vec<String>, &str)> = raw
        .into_iter()
        .map(|(args, message)| (args.into_iter().map(str::to_owned).collect(), message))
        .collect();
    let files: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "create".into(),
                "my-bucket".into(),
                "--policy".into(),
                path(&array_policy),
            ],
            "must be a JSON object",
        ),
        (
            vec![
                "create".into(),
                "my-bucket".into(),
                "--policy".into(),
                path(&no_statement),
            ],
            "Statement",
        ),
        (
            vec![
                "create".into(),
                "my-bucket".into(),
                "--policy".into(),
                path(&dir.join("missing.json")),
            ],
            "no such file",
        ),
        (
            vec![
                "create".into(),
                "my-bucket".into(),
                "--policy".into(),
                unreadable.clone(),
            ],
            "could not read --policy `",
        ),
        (
            vec![
                "set-bucket-policy".into(),
                "my-bucket".into(),
                "--policy-file".into(),
                path(&no_statement),
            ],
            "the policy has no `Statement` key",
        ),
        (
            vec![
                "set-bucket-policy".into(),
                "my-bucket".into(),
                "--policy-file".into(),
                path(&dir.join("missing.json")),
            ],
            "no such file",
        ),
        (
            vec![
                "localserver".into(),
                "my-bucket".into(),
                "-d".into(),
                "1h".into(),
                "--token-file".into(),
                path(&empty),
            ],
            "is empty",
        ),
        (
            vec![
                "whoami".into(),
                "--auth".into(),
                path(&dir.join("missing.json")),
            ],
            "no such file",
        ),
        (
            vec!["list-users".into(), "--auth".into(), path(&empty)],
            "the file is empty",
        ),
        (
            vec!["list-buckets".into(), "--auth".into(), path(&empty_object)],
            "missing `AccessKeyId`",
        ),
        (
            vec![
                "delete-user".into(),
                "u".into(),
                "--auth".into(),
                unreadable,
            ],
            "could not read --auth `",
        ),
    ];
    owned
        .into_iter()
        .chain(files)
        .chain(one_bucket_cases())
        .collect()
}

/// For each command that takes only a bucket: no bucket, and a bad name.
fn one_bucket_cases() -> Vec<(Vec<String>, &'static str)> {
    one_bucket_commands()
        .into_iter()
        .flat_map(|command| {
            [
                (
                    vec![command.clone()],
                    "required arguments were not provided",
                ),
                (
                    vec![command, "Bad_Bucket".to_owned()],
                    "bucket name `Bad_Bucket`",
                ),
            ]
        })
        .collect()
}

#[test]
fn every_command_has_bad_input_cases() {
    use clap::CommandFactory;
    let dir = tempfile::tempdir().unwrap();
    let covered: Vec<String> = cases(dir.path())
        .into_iter()
        .map(|(args, _)| args[0].clone())
        .collect();
    for command in s3_credentials::cli::Cli::command().get_subcommands() {
        let name = command.get_name().to_owned();
        assert!(covered.contains(&name), "no bad-input case for `{name}`");
    }
}

#[test]
fn bad_input_is_a_usage_error_without_any_connection() {
    let dir = tempfile::tempdir().unwrap();
    let counter = ConnectionCounter::start();
    for (mut args, message) in cases(dir.path()) {
        let local = matches!(args[0].as_str(), "completions" | "man" | "policy");
        if !local && !args.iter().any(|a| a == "--endpoint-url") {
            args.extend(["--endpoint-url".to_owned(), counter.endpoint.clone()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = s3c(&args).run();
        assert_eq!(output.code, 2, "{args:?}: {output:#?}");
        assert_eq!(output.stdout, "", "{args:?}");
        assert!(
            output.stderr.starts_with("Error: "),
            "{args:?}: {output:#?}"
        );
        assert_eq!(output.stderr.lines().count(), 1, "{args:?}: {output:#?}");
        assert!(
            output.stderr.contains(message),
            "{args:?}: expected `{message}` in {:?}",
            output.stderr
        );
        assert_eq!(
            counter.connections(),
            0,
            "{args:?} connected to the endpoint"
        );
    }
}
