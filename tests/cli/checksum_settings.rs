//! The AWS checksum settings (`AWS_REQUEST_CHECKSUM_CALCULATION`,
//! `AWS_RESPONSE_CHECKSUM_VALIDATION`, or `request_checksum_calculation` /
//! `response_checksum_validation` in `~/.aws/config`) set to `when_required`
//! make transfers send no checksum headers: some S3-compatible services
//! reject them. A proxy in front of moto plays such a service.

use std::fs;
use std::sync::Arc;

use crate::common::proxy::{Proxy, Request};
use crate::common::s3::{get, new_bucket, pattern, put};
use crate::common::{S3c, moto, s3c};

/// Answers `400 InvalidArgument` to any request with a checksum header,
/// except `DeleteObjects`, which S3 requires a checksum for.
fn rejecting_checksums() -> Proxy {
    Proxy::with_responder(
        &moto().endpoint,
        Arc::new(|request: &Request| {
            let checksum = request.headers.iter().any(|(name, value)| {
                name.starts_with("x-amz-checksum")
                    || name == "x-amz-sdk-checksum-algorithm"
                    || (name == "x-amz-trailer" && value.contains("checksum"))
            });
            let delete = request.method == "POST" && request.path.contains("?delete");
            (checksum && !delete).then(|| {
                let body = "<Error><Code>InvalidArgument</Code><Message>checksum headers are not \
                            supported</Message></Error>";
                format!(
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/xml\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            })
        }),
    )
}

/// The smallest part moto accepts, as S3: 5 MiB.
const PART: usize = 5 * 1024 * 1024;

/// `s3-credentials ARGS` through `proxy`.
fn through(proxy: &Proxy, args: &[&str]) -> S3c {
    s3c(args).env("AWS_ENDPOINT_URL", &proxy.endpoint)
}

#[test]
fn the_proxy_rejects_the_checksums_sent_by_default() {
    let proxy = rejecting_checksums();
    let bucket = new_bucket(&moto().clients(), "checksums");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.txt");
    fs::write(&file, "data").unwrap();
    through(
        &proxy,
        &["put-object", &bucket, "f.txt", file.to_str().unwrap()],
    )
    .run()
    .fails_with(
        1,
        "Error: PutObject failed: InvalidArgument: checksum headers are not supported\n",
    );
}

/// Uploads and downloads, whole and in parts, through `proxy` with `setup`
/// applied to every run.
fn transfers_send_no_checksums(setup: impl Fn(S3c) -> S3c) {
    let proxy = rejecting_checksums();
    let bucket = new_bucket(&moto().clients(), "checksums");
    let b = bucket.as_str();
    let dir = tempfile::tempdir().unwrap();
    let large = dir.path().join("large.bin");
    let data = pattern(PART + 1000);
    fs::write(&large, &data).unwrap();
    let large_arg = large.to_str().unwrap();
    // Uploads in parts of 5 MiB, downloads in ranges of 64 KiB.
    let run = |args: &[&str]| {
        let part = if args[0].starts_with("put") {
            PART.to_string()
        } else {
            "65536".to_owned()
        };
        let run = through(&proxy, args).env("S3_CREDENTIALS_PART_SIZE", part);
        let output = setup(run).run();
        output.success();
        assert_eq!(output.stderr, "", "{output:#?}");
        output
    };
    run(&["put-object", b, "large.bin", large_arg, "-s"]);
    assert_eq!(get(moto(), b, "large.bin").unwrap(), data);
    run(&["put-objects", b, large_arg, "-s"]);
    put(moto(), b, "small.txt", b"small");
    assert_eq!(run(&["get-object", b, "small.txt"]).stdout, "small");
    let out = dir.path().join("out.bin");
    run(&[
        "get-object",
        b,
        "large.bin",
        "-o",
        out.to_str().unwrap(),
        "-s",
    ]);
    assert_eq!(fs::read(&out).unwrap(), data);
    let down = dir.path().join("down");
    run(&["get-objects", b, "-o", down.to_str().unwrap(), "-s"]);
    assert_eq!(fs::read(down.join("small.txt")).unwrap(), b"small");
}

#[test]
fn when_required_from_the_environment_sends_no_checksums() {
    transfers_send_no_checksums(|run| {
        run.env("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
            .env("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
    });
}

#[test]
fn when_required_from_the_config_file_sends_no_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    fs::write(
        &config,
        "[default]\nrequest_checksum_calculation = when_required\n\
         response_checksum_validation = when_required\n",
    )
    .unwrap();
    transfers_send_no_checksums(|run| run.env("AWS_CONFIG_FILE", &config));
}
