//! `--read-timeout` / `S3_CREDENTIALS_READ_TIMEOUT`: a server that accepts
//! the connection and never answers ends the command in bounded time with
//! one line naming the endpoint and the timeout; a slow but steady transfer
//! is not cut.

use std::time::{Duration, Instant};

use crate::common::s3c;
use crate::common::stall::{Silent, trickle};

/// Run `args` against a silent server with one attempt per request.
fn against_silent(args: &[&str]) -> (crate::common::Output, Duration, String) {
    let server = Silent::start();
    let started = Instant::now();
    let output = s3c(args)
        .env("AWS_ENDPOINT_URL", &server.endpoint)
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("S3_CREDENTIALS_READ_TIMEOUT", "1")
        .run();
    (output, started.elapsed(), server.endpoint)
}

/// The line for an operation that got no answer from `endpoint` in 1 s.
fn no_response(operation: &str, endpoint: &str) -> String {
    format!(
        "{operation} failed: no response from {endpoint} within 1s: the server accepted the \
         connection but did not answer (wait longer with --read-timeout SECONDS)"
    )
}

#[test]
fn whoami_gives_up_on_a_server_that_never_answers() {
    let (output, elapsed, endpoint) = against_silent(&["whoami"]);
    output.fails_with(
        1,
        &format!("Error: {}\n", no_response("GetCallerIdentity", &endpoint)),
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn list_bucket_gives_up_on_a_server_that_never_answers() {
    let (output, elapsed, endpoint) = against_silent(&["list-bucket", "some-bucket"]);
    output.fails_with(
        1,
        &format!("Error: {}\n", no_response("ListObjectsV2", &endpoint)),
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn get_object_gives_up_on_a_server_that_never_answers() {
    let (output, elapsed, endpoint) = against_silent(&["get-object", "some-bucket", "k.txt"]);
    output.fails_with(
        1,
        &format!(
            "Error: could not download `k.txt`: {}\n",
            no_response("GetObject", &endpoint)
        ),
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn each_attempt_has_the_timeout() {
    let server = Silent::start();
    let started = Instant::now();
    let output = s3c(&["whoami", "--read-timeout", "0.5"])
        .env("AWS_ENDPOINT_URL", &server.endpoint)
        .run();
    let elapsed = started.elapsed();
    assert_eq!(output.code, 1, "{output:#?}");
    assert!(output.stderr.ends_with("within 500ms: the server accepted the connection but did not answer (wait longer with --read-timeout SECONDS)\n"), "{output:#?}");
    // Three attempts of 0.5 s, with the SDK's back-off of at most 1 s and 2 s between.
    assert_eq!(server.connections(), 3);
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
}

#[test]
fn a_slow_but_steady_download_is_not_cut() {
    let body: Vec<u8> = (0..40u8).collect();
    // 10 pieces, 300 ms apart: 3 s in all, three times the timeout.
    let endpoint = trickle(body.clone(), 4, Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("slow.bin");
    let started = Instant::now();
    let output = s3c(&[
        "get-object",
        "slow-bucket",
        "slow.bin",
        "-o",
        out.to_str().unwrap(),
        "-s",
        "--read-timeout",
        "1",
    ])
    .env("AWS_ENDPOINT_URL", &endpoint)
    .run();
    assert_eq!((output.success(), output.stderr.as_str()), ("", ""));
    assert!(started.elapsed() > Duration::from_secs(2));
    assert_eq!(std::fs::read(&out).unwrap(), body);
}

#[test]
fn a_bad_read_timeout_is_a_usage_error() {
    for value in ["soon", "0", "-1", "inf", "NaN"] {
        s3c(&["whoami", &format!("--read-timeout={value}")]).run().fails_with(
            2,
            &format!(
                "Error: --read-timeout `{value}` is not a positive number of seconds (e.g. 60 or 2.5)\n"
            ),
        );
    }
}
