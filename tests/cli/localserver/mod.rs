//! `localserver`: the built binary serving credentials on a free loopback
//! port, fetched over plain HTTP and used against the emulator.

pub(crate) mod running;

use std::sync::Arc;

use serde_json::Value;

use crate::common::proxy::Proxy;
use crate::common::s3::new_bucket;
use crate::common::{block_on, moto, s3c};
use running::{Running, clients_with, seconds_left};

#[test]
fn serves_credentials_for_the_bucket_that_work_against_the_emulator() {
    let bucket = new_bucket(&moto().clients(), "localserver");
    let server = Running::start(&[&bucket, "-d", "15m"]);
    let credentials = server.credentials(&[]);
    let keys: Vec<&str> = credentials
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "Version",
            "AccessKeyId",
            "SecretAccessKey",
            "SessionToken",
            "Expiration"
        ]
    );
    assert_eq!(credentials["Version"], 1);
    assert!(
        (890..=900).contains(&seconds_left(&credentials)),
        "{credentials}"
    );
    assert_eq!(
        server.credentials(&[]),
        credentials,
        "served from the cache"
    );

    let clients = clients_with(&credentials);
    let identity = block_on(clients.sts.get_caller_identity().send()).unwrap();
    assert_eq!(
        identity.arn(),
        Some(
            format!(
                "arn:aws:sts::123456789012:assumed-role/s3-credentials.AmazonS3FullAccess/\
                 s3.read-write.{bucket}"
            )
            .as_str()
        )
    );
    block_on(async {
        let body = aws_sdk_s3::primitives::ByteStream::from_static(b"hello");
        let put = clients.s3.put_object().bucket(&bucket).key("hello.txt");
        put.body(body).send().await.unwrap();
        let listed = clients
            .s3
            .list_objects_v2()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.contents()[0].key(), Some("hello.txt"));
    });

    let secret = credentials["SecretAccessKey"].as_str().unwrap().to_owned();
    let token = credentials["SessionToken"].as_str().unwrap().to_owned();
    let port = server.port;
    let stderr = server.terminate_cleanly();
    let lines: Vec<&str> = stderr.iter().map(String::as_str).collect();
    let serving =
        format!("Serving read-write credentials for bucket `{bucket}` at http://127.0.0.1:{port}/");
    assert_eq!(
        lines[..4],
        [
            "Generating initial credentials...",
            &serving,
            "Duration: 900 seconds",
            "Press Ctrl+C to stop"
        ]
    );
    assert_eq!(lines[4..6].len(), 2);
    for line in &lines[4..6] {
        assert_request_log(line, "GET / 200");
    }
    assert_eq!(lines[6..], ["Terminated: shutting down"]);
    assert!(
        !stderr
            .iter()
            .any(|l| l.contains(&secret) || l.contains(&token))
    );
}

/// A request log line: `2026-11-29 03:48:09+00:00 GET / 200`.
#[track_caller]
fn assert_request_log(line: &str, request: &str) {
    let (time, rest) = line.split_at(25);
    assert_eq!(rest, format!(" {request}"), "{line}");
    assert!(
        time.ends_with("+00:00") && time.as_bytes()[10] == b' ',
        "{line}"
    );
}

#[test]
fn other_paths_methods_and_host_names_are_refused() {
    let bucket = new_bucket(&moto().clients(), "localserver-refuse");
    let server = Running::start(&[&bucket, "-d", "15m", "--read-only"]);
    assert_eq!(
        server.request("GET", "/credentials", &[]),
        (
            404,
            serde_json::json!({"error": "not found: credentials are served at `/`"})
        )
    );
    assert_eq!(
        server.request("POST", "/", &["Content-Length: 0"]),
        (
            405,
            serde_json::json!({"error": "method not allowed: credentials are fetched with GET"})
        )
    );
    // What a web page would send after pointing its own name at 127.0.0.1.
    assert_eq!(
        server.request("GET", "/", &["Host: rebind.example:8094"]).0,
        403
    );
    assert_eq!(server.request("GET", "/?x=1", &["Host: localhost"]).0, 200);
    let port = server.port;
    let stderr = server.terminate_cleanly();
    let lines: Vec<&str> = stderr.iter().map(String::as_str).collect();
    let serving =
        format!("Serving read-only credentials for bucket `{bucket}` at http://127.0.0.1:{port}/");
    assert_eq!(
        lines[..4],
        [
            "Generating initial credentials...",
            &serving,
            "Duration: 900 seconds",
            "Press Ctrl+C to stop"
        ],
        "{stderr:#?}"
    );
    assert_eq!(lines[4..lines.len() - 1].len(), 4, "{stderr:#?}");
    for (line, expected) in lines[4..8].iter().zip([
        "GET /credentials 404",
        "POST / 405",
        "GET / 403",
        "GET / 200",
    ]) {
        assert_request_log(line, expected);
    }
    assert_eq!(lines[8..], ["Terminated: shutting down"]);
}

#[test]
fn missing_invalid_or_contradicted_host_headers_are_bad_requests() {
    let bucket = new_bucket(&moto().clients(), "localserver-host");
    let server = Running::start(&[&bucket, "-d", "15m"]);
    let error = |message: &str| serde_json::json!({ "error": message });
    let invalid = error("bad request: the Host header is not a valid host name");
    let cases: [(&[u8], u16, Value); 5] = [
        (
            b"GET / HTTP/1.1\r\nHost: evil\xff.example\r\nConnection: close\r\n\r\n",
            400,
            invalid,
        ),
        (
            b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
            400,
            error("bad request: the Host header is missing"),
        ),
        (
            b"GET http://evil.example/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            400,
            error("bad request: the request names another host than its Host header"),
        ),
        (
            b"GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
            400,
            error("bad request: more than one Host header"),
        ),
        // An absolute-form target naming this server itself is fine.
        (
            b"GET http://localhost/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            200,
            Value::Null,
        ),
    ];
    for (request, status, body) in cases {
        let (got_status, got_body) = server.raw(request);
        let shown = String::from_utf8_lossy(request);
        assert_eq!(got_status, status, "{shown}: {got_body}");
        if status == 400 {
            assert_eq!(got_body, body, "{shown}");
        }
    }
    // HTTP/1.0 may leave out Host (RFC 9112): such clients still get credentials.
    assert_eq!(server.raw(b"GET / HTTP/1.0\r\n\r\n").0, 200);
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0));
    let requests: Vec<&String> = stderr.iter().filter(|l| l.contains("+00:00 ")).collect();
    let expected = [
        "GET / 400",
        "GET / 400",
        "GET / 400",
        "GET / 400",
        "GET / 200",
        "GET / 200",
    ];
    assert_eq!(requests.len(), expected.len(), "{stderr:#?}");
    for (line, expected) in requests.iter().zip(expected) {
        assert_request_log(line, expected);
    }
}

/// What held up in issue 12 and must keep holding: a burst of 200 requests
/// is served from one AssumeRole, and oversized requests are refused by
/// status (431, 414) without a credential.
#[test]
fn bursts_and_oversized_requests() {
    let bucket = new_bucket(&moto().clients(), "localserver-burst");
    let proxy = Proxy::start(&moto().endpoint);
    let server = Arc::new(Running::start_at(&proxy.endpoint, &[&bucket, "-d", "15m"]));
    let fetches: Vec<_> = (0..200)
        .map(|_| {
            let server = Arc::clone(&server);
            std::thread::spawn(move || server.credentials(&[]))
        })
        .collect();
    let served: Vec<Value> = fetches.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(served.iter().all(|c| *c == served[0]));
    assert_eq!(proxy.actions("AssumeRole").len(), 1);
    let many_headers: String = (0..200).map(|n| format!("X-Filler-{n}: x\r\n")).collect();
    let request = format!("GET / HTTP/1.1\r\nHost: localhost\r\n{many_headers}\r\n");
    let (status, body) = server.raw_text(request.as_bytes());
    assert_eq!(status, 431, "{body}");
    let long = format!(
        "GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "a".repeat(70_000)
    );
    let (status, body) = server.raw_text(long.as_bytes());
    assert_eq!(status, 414, "{body}");
    assert!(!body.contains("SecretAccessKey"));
}

#[test]
fn a_token_is_required_when_one_is_set() {
    let bucket = new_bucket(&moto().clients(), "localserver-token");
    let mut server = Running::start(&[&bucket, "-d", "15m", "--generate-token"]);
    let token = server.stdout_line();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let unauthorized = serde_json::json!({
        "error": "unauthorized: send the server's token in the Authorization header"
    });
    assert_eq!(server.request("GET", "/", &[]), (401, unauthorized.clone()));
    assert_eq!(
        server.request("GET", "/", &["Authorization: wrong"]),
        (401, unauthorized)
    );
    assert_eq!(
        server.request("GET", "/missing", &[]).0,
        401,
        "nothing else is revealed without the token"
    );
    server.credentials(&[&format!("Authorization: {token}")]);
    let stderr = server.stderr();
    assert!(
        !stderr.iter().any(|line| line.contains(&token)),
        "{stderr:#?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "from-a-file\n").unwrap();
    let server = Running::start(&[&bucket, "-d", "15m", "--token-file", path.to_str().unwrap()]);
    assert_eq!(server.request("GET", "/", &[]).0, 401);
    server.credentials(&["Authorization: from-a-file"]);
}

#[test]
fn the_rust_sdk_reads_credentials_through_the_container_provider() {
    let bucket = new_bucket(&moto().clients(), "localserver-container");
    let mut server = Running::start(&[&bucket, "-d", "15m", "--container", "--generate-token"]);
    let token = server.stdout_line();
    let credentials = server.credentials(&[&format!("Authorization: {token}")]);
    assert_eq!(credentials["Token"], credentials["SessionToken"]);

    // `whoami` without credentials of its own: the SDK's default chain ends
    // at `aws_config::ecs::EcsCredentialsProvider`, which follows
    // AWS_CONTAINER_CREDENTIALS_FULL_URI and sends the token.
    let whoami = |token: Option<&str>| {
        let mut run = s3c(&["whoami"])
            .against(moto())
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                format!("http://127.0.0.1:{}/", server.port),
            );
        if let Some(token) = token {
            run = run.env("AWS_CONTAINER_AUTHORIZATION_TOKEN", token);
        }
        run.run()
    };
    let output = whoami(Some(&token));
    let identity: Value = serde_json::from_str(output.success()).unwrap();
    assert_eq!(
        identity["Arn"],
        format!(
            "arn:aws:sts::123456789012:assumed-role/s3-credentials.AmazonS3FullAccess/\
             s3.read-write.{bucket}"
        )
    );
    let refused = whoami(None);
    assert_eq!(refused.code, 1, "{refused:#?}");
    server.wait_for_stderr_ending(" GET / 401");
}

#[test]
fn startup_problems_stop_the_server_with_one_line() {
    // A missing bucket is one row of the table in `missing_bucket`.
    let usage = |args: &[&str], message: &str| {
        let mut all = vec![
            "localserver",
            "bucket",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ];
        all.extend_from_slice(args);
        // No endpoint: an AWS call would not reach the emulator.
        s3c(&all)
            .run()
            .fails_with(2, &format!("Error: {message}\n"));
    };
    usage(
        &["-d", "10m"],
        "--duration: duration must be between 15 minutes and 12 hours, not `10m`",
    );
    usage(
        &["-d", "-15m"],
        "--duration: duration must look like 3600, 900s, 15m or 1h, not `-15m`",
    );
    let output = s3c(&[
        "localserver",
        "bucket",
        "-d",
        "1h",
        "--read-only",
        "--write-only",
    ])
    .run();
    output.fails_with(
        2,
        "Error: the argument '--read-only' cannot be used with '--write-only'; \
         see `s3-credentials localserver --help`\n",
    );
    usage(
        &["-d", "1h", "--prefix", "/logs"],
        "prefix `/logs` starts with `/`, but S3 keys have no leading slash; use `--prefix logs`",
    );
    usage(
        &["-d", "1h", "--statement", "{\"Effect\": \"Allow\"}"],
        // The `--statement` rules are shared with `create`, message included.
        "--statement is missing required keys: `Action`, `Resource`",
    );
    usage(
        &["-d", "1h", "--token-file", "/no/such/token"],
        "could not read --token-file `/no/such/token`: no such file",
    );
    let dir = tempfile::tempdir().unwrap();
    let two_lines = dir.path().join("two-lines");
    std::fs::write(&two_lines, "first\nsecond\n").unwrap();
    let two_lines = two_lines.to_str().unwrap();
    usage(
        &["-d", "1h", "--token-file", two_lines],
        &format!("--token-file `{two_lines}` must hold the token on one line"),
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let bucket = new_bucket(&moto().clients(), "localserver-busy");
    s3c(&[
        "localserver",
        &bucket,
        "-d",
        "1h",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
    ])
    .against(moto())
    .run()
    .fails_with(
        1,
        &format!(
            "Error: could not listen on 127.0.0.1:{port}: Address already in use (os error 98)\n"
        ),
    );
}

/// The token example of docs/localserver.md, run as written: the file it
/// makes works with boto3's container provider (which refuses a token with
/// a newline as a header value) and with the server.
#[test]
fn the_documented_token_example_works_with_boto3() {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/localserver.md"),
    )
    .unwrap();
    let example = page
        .lines()
        .map(str::trim)
        .find(|line| line.ends_with("> token"))
        .expect("docs/localserver.md makes a token file");
    let dir = tempfile::tempdir().unwrap();
    let made = std::process::Command::new("sh")
        .args(["-c", example])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(made.success(), "{example}");
    let token_file = dir.path().join("token");
    let bucket = new_bucket(&moto().clients(), "localserver-boto3");
    let server = Running::start(&[
        &bucket,
        "-d",
        "15m",
        "--container",
        "--token-file",
        token_file.to_str().unwrap(),
    ]);
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-test/bin/python");
    let fetched = std::process::Command::new(python)
        .args([
            "-c",
            "from botocore.credentials import ContainerProvider\n\
             print(ContainerProvider().load().get_frozen_credentials().access_key)",
        ])
        .env_clear()
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("http://127.0.0.1:{}/", server.port),
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &token_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&fetched.stderr);
    assert!(fetched.status.success(), "{stderr}");
    let key = String::from_utf8(fetched.stdout).unwrap();
    assert!(key.starts_with("ASIA"), "{key}");
    assert!(
        server
            .stderr()
            .iter()
            .any(|line| line.ends_with(" GET / 200")),
        "{:#?}",
        server.stderr()
    );
}

/// Started as a shell starts a background job (SIGINT ignored), it keeps
/// ignoring Ctrl+C, says to use SIGTERM instead, and stops on SIGTERM.
#[test]
fn started_with_ctrl_c_ignored_it_says_to_send_sigterm_and_ignores_ctrl_c() {
    let bucket = new_bucket(&moto().clients(), "localserver");
    let run = Running::run_of(&moto().endpoint, &[&bucket, "-d", "15m"]).ignoring_sigint();
    let mut server = Running::start_run(run);
    server.signal(libc::SIGINT);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        server.is_running(),
        "Ctrl+C stopped it: {:#?}",
        server.stderr()
    );
    let port = server.port;
    let stderr = server.terminate_cleanly();
    assert_eq!(
        stderr,
        [
            "Generating initial credentials...".to_owned(),
            format!(
                "Serving read-write credentials for bucket `{bucket}` at http://127.0.0.1:{port}/"
            ),
            "Duration: 900 seconds".to_owned(),
            "Send SIGTERM to stop (Ctrl+C was ignored when this started)".to_owned(),
            "Terminated: shutting down".to_owned(),
        ]
    );
}
