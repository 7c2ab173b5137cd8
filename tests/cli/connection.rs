//! Connection options and the errors every AWS command shares.

use std::net::TcpListener;

use crate::common::iam::user_with_key;
use crate::common::{TEST_SECRET, enforcing_moto, moto, s3c};

/// The ARN `whoami` printed: moto answers with the user that owns the key.
fn arn(stdout: &str) -> String {
    let identity: serde_json::Value = serde_json::from_str(stdout).unwrap();
    identity["Arn"].as_str().unwrap().to_owned()
}

fn user_arn(user: &str) -> String {
    format!("arn:aws:iam::123456789012:user/{user}")
}

fn auth_file(name: &str, content: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path.to_str().unwrap().to_owned())
}

#[test]
fn access_key_options_take_precedence_over_the_environment() {
    let (user, key, secret) = user_with_key(moto());
    let output = s3c(&["whoami", "--access-key", &key, "--secret-key", &secret])
        .against(moto())
        .run();
    assert_eq!(arn(output.success()), user_arn(&user));
}

#[test]
fn auth_reads_the_json_that_create_prints() {
    let (user, key, secret) = user_with_key(moto());
    let (_dir, path) = auth_file(
        "auth.json",
        &format!(
            r#"{{
    "UserName": "{user}",
    "AccessKeyId": "{key}",
    "Status": "Active",
    "SecretAccessKey": "{secret}",
    "CreateDate": "2021-11-03 01:38:24+00:00"
}}"#
        ),
    );
    let output = s3c(&["whoami", "--auth", &path]).against(moto()).run();
    assert_eq!(arn(output.success()), user_arn(&user));
}

#[test]
fn auth_reads_an_ini_file() {
    let (user, key, secret) = user_with_key(moto());
    let (_dir, path) = auth_file(
        "credentials",
        &format!("[default]\naws_access_key_id={key}\naws_secret_access_key={secret}\n"),
    );
    let output = s3c(&["whoami", "-a", &path]).against(moto()).run();
    assert_eq!(arn(output.success()), user_arn(&user));
}

#[test]
fn auth_reads_standard_input() {
    let (user, key, secret) = user_with_key(moto());
    let output = s3c(&["whoami", "--auth", "-"])
        .against(moto())
        .stdin(format!(
            r#"{{"AccessKeyId": "{key}", "SecretAccessKey": "{secret}"}}"#
        ))
        .run();
    assert_eq!(arn(output.success()), user_arn(&user));
}

#[test]
fn missing_auth_file_is_a_usage_error_naming_the_file() {
    s3c(&["whoami", "--auth", "/nonexistent/auth.json"])
        .against(moto())
        .run()
        .fails_with(
            2,
            "Error: could not read --auth `/nonexistent/auth.json`: no such file\n",
        );
}

#[test]
fn malformed_auth_files_name_the_file_and_the_problem() {
    let cases = [
        (
            "bad.json",
            "{\"AccessKeyId\": ",
            "not valid JSON: EOF while parsing a value at line 1 column 15",
        ),
        (
            "partial.json",
            r#"{"AccessKeyId": "A"}"#,
            "missing `SecretAccessKey`",
        ),
        ("empty.ini", "\n", "the file is empty"),
        (
            "no-key.ini",
            "[default]\nregion = us-east-1\n",
            "no section has `aws_access_key_id`",
        ),
    ];
    for (name, content, problem) in cases {
        let (_dir, path) = auth_file(name, content);
        s3c(&["whoami", "--auth", &path])
            .against(moto())
            .run()
            .fails_with(2, &format!("Error: --auth `{path}`: {problem}\n"));
    }
}

#[test]
fn auth_cannot_be_combined_with_key_options() {
    let output = s3c(&[
        "whoami",
        "--auth",
        "x.json",
        "--access-key",
        "A",
        "--secret-key",
        "B",
    ])
    .run();
    assert_eq!(output.code, 2, "{output:#?}");
    assert_eq!(
        output.stderr,
        "Error: the argument '--auth <FILE>' cannot be used with: --access-key <KEY> \
         --secret-key <SECRET>; see `s3-credentials whoami --help`\n"
    );
}

#[test]
fn a_bad_endpoint_url_is_a_usage_error() {
    s3c(&["whoami", "--endpoint-url", "localhost:9000"]).run().fails_with(
        2,
        "Error: --endpoint-url `localhost:9000` is not a URL: expected something like `http://localhost:9000`\n",
    );
}

#[test]
fn an_unreachable_endpoint_is_named_in_one_line() {
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    s3c(&["list-users", "--endpoint-url", &endpoint]).run().fails_with(
        1,
        &format!(
            "Error: ListUsers failed: could not connect to {endpoint}: Connection refused (os error 111)\n"
        ),
    );
}

#[test]
fn wrong_credentials_show_the_aws_error_code() {
    let server = enforcing_moto();
    s3c(&[
        "whoami",
        "--access-key",
        "AKIAWRONGWRONGWRONG1",
        "--secret-key",
        "wrong",
    ])
    .against(&server.emulator)
    .run()
    .fails_with(
        1,
        "Error: GetCallerIdentity failed: InvalidClientTokenId: \
             The security token included in the request is invalid.\n",
    );
}

#[test]
fn a_wrong_secret_for_a_real_key_is_refused() {
    let server = enforcing_moto();
    let output = s3c(&[
        "list-users",
        "--access-key",
        &server.admin_key,
        "--secret-key",
        "not-the-secret",
    ])
    .against(&server.emulator)
    .run();
    assert_eq!(output.code, 1, "{output:#?}");
    assert!(
        output
            .stderr
            .starts_with("Error: ListUsers failed: SignatureDoesNotMatch: "),
        "{output:#?}"
    );
    assert_eq!(output.stderr.lines().count(), 1);
}

#[test]
fn the_right_credentials_work_against_the_enforcing_emulator() {
    let server = enforcing_moto();
    let output = s3c(&[
        "list-users",
        "--nl",
        "--access-key",
        &server.admin_key,
        "--secret-key",
        &server.admin_secret,
    ])
    .against(&server.emulator)
    .run();
    assert!(
        output.success().contains("\"UserName\":\"admin\""),
        "{output:#?}"
    );
}

#[test]
fn no_credentials_anywhere_says_how_to_provide_them() {
    s3c(&["whoami"])
        .against(moto())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .run()
        .fails_with(
            1,
            "Error: GetCallerIdentity failed: no AWS credentials found: set `AWS_ACCESS_KEY_ID` and \
             `AWS_SECRET_ACCESS_KEY`, choose a profile with `--profile`, or pass `--auth FILE` or \
             `--access-key` and `--secret-key`\n",
        );
}

#[test]
fn a_named_profile_supplies_credentials_and_region() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials");
    let config = dir.path().join("config");
    let (user, key, secret) = user_with_key(moto());
    std::fs::write(
        &credentials,
        format!("[work]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    std::fs::write(&config, "[profile work]\nregion = eu-west-1\n").unwrap();
    let output = s3c(&["whoami", "--profile", "work"])
        .against(moto())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_CONFIG_FILE", &config)
        .run();
    assert_eq!(arn(output.success()), user_arn(&user));
}

#[test]
fn secrets_never_reach_stderr() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = s3c(&[
        "list-users",
        "--endpoint-url",
        &format!("http://127.0.0.1:{port}"),
    ])
    .env("AWS_SESSION_TOKEN", "session-token-that-must-stay-secret")
    .run();
    assert_eq!(output.code, 1);
    assert!(!output.stderr.contains(TEST_SECRET), "{output:#?}");
    assert!(
        !output
            .stderr
            .contains("session-token-that-must-stay-secret")
    );
}

/// A proxy that answers the first `failures` requests with `Throttling`.
fn throttling_proxy(failures: usize) -> crate::common::proxy::Proxy {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let seen = Arc::new(AtomicUsize::new(0));
    crate::common::proxy::Proxy::with_faults(
        &moto().endpoint,
        Arc::new(move |_| {
            (seen.fetch_add(1, Ordering::SeqCst) < failures).then_some((400, "Throttling"))
        }),
    )
}

#[test]
fn throttling_is_retried() {
    let proxy = throttling_proxy(2);
    let output = s3c(&["list-users", "--nl", "--endpoint-url", &proxy.endpoint]).run();
    output.success();
    assert_eq!(
        proxy.actions("ListUsers").len(),
        3,
        "two throttled attempts, then the answer"
    );
}

#[test]
fn retries_are_bounded() {
    let proxy = throttling_proxy(usize::MAX);
    s3c(&["list-users", "--endpoint-url", &proxy.endpoint])
        .run()
        .fails_with(
            1,
            "Error: ListUsers failed: Throttling: injected by the test proxy\n",
        );
    assert_eq!(
        proxy.actions("ListUsers").len(),
        3,
        "the SDK's standard retry mode: three attempts"
    );
}

#[test]
fn an_unknown_profile_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &credentials,
        "[work]\naws_access_key_id = a\naws_secret_access_key = b\n",
    )
    .unwrap();
    s3c(&["whoami", "--profile", "wrok"])
        .against(moto())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .run()
        .fails_with(
            1,
            "Error: GetCallerIdentity failed: no AWS credentials found for profile `wrok`: check that \
             ~/.aws/credentials or ~/.aws/config defines it\n",
        );
}
