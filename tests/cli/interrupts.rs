//! Ctrl+C (SIGINT) and SIGTERM, sent by PID to a running command: it ends
//! within a second or two whatever it is blocked on, aborts what it left
//! half done, and says what happened.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::common::child::{Ended, signal, wait_until_handling, wait_within};
use crate::common::gate::{Gate, Rule};
use crate::common::s3::{get, keys, new_bucket, pattern};
use crate::common::{Emulator, block_on, exclusive_moto, moto, s3c};
use crate::put_object::PART;

/// A run may take this long to end after the signal: the watchdog's 3 s
/// and a margin for a loaded machine.
const PROMPT: Duration = Duration::from_millis(3500);

/// Signal the child, then wait for it to end, promptly.
#[track_caller]
fn stop(child: std::process::Child, with: libc::c_int) -> Ended {
    signal(&child, with);
    let ended = wait_within(child, Duration::from_secs(10));
    assert!(
        ended.took < PROMPT,
        "took {:?} to stop: {ended:#?}",
        ended.took
    );
    ended
}

/// Multipart uploads still open in the bucket (their parts are billed).
fn open_uploads(emulator: &Emulator, bucket: &str) -> Vec<String> {
    let s3 = emulator.clients().s3;
    let listed = block_on(s3.list_multipart_uploads().bucket(bucket).send()).unwrap();
    listed
        .uploads()
        .iter()
        .filter_map(|upload| upload.key().map(str::to_owned))
        .collect()
}

/// A FIFO at `path`, made as `mkfifo` would.
pub(crate) fn mkfifo(path: &Path) {
    let name = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a plain system call on a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
}

#[test]
fn put_object_of_a_fifo_nobody_writes_to_ends_on_ctrl_c() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let child = s3c(&["put-object", &bucket, "k", fifo.to_str().unwrap()])
        .against(moto())
        .spawn();
    wait_until_handling(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(200));
    let ended = stop(child, libc::SIGINT);
    assert_eq!(
        (ended.code, ended.stderr.as_str()),
        (
            1,
            format!("Error: `s3://{bucket}/k` was not stored: interrupted by Ctrl+C\n").as_str()
        )
    );
    assert!(keys(moto(), &bucket).is_empty());
}

#[test]
fn put_object_reading_standard_input_ends_on_sigterm() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let mut child = s3c(&["put-object", &bucket, "k", "-"])
        .against(moto())
        .spawn_with_open_stdin();
    // Some input, then nothing more: the pipe stays open.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"partial").unwrap();
    wait_until_handling(&child, libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(200));
    let ended = stop(child, libc::SIGTERM);
    assert_eq!(
        (ended.code, ended.stderr.as_str()),
        (
            1,
            format!("Error: `s3://{bucket}/k` was not stored: interrupted by SIGTERM\n").as_str()
        )
    );
    drop(stdin);
    assert!(keys(moto(), &bucket).is_empty());
}

#[test]
fn a_run_started_with_ctrl_c_ignored_keeps_ignoring_it_and_stops_on_sigterm() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    // As `put-object ... &` from a shell: SIGINT ignored from the start.
    let mut child = s3c(&["put-object", &bucket, "k", fifo.to_str().unwrap()])
        .against(moto())
        .ignoring_sigint()
        .spawn();
    wait_until_handling(&child, libc::SIGTERM);
    signal(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "Ctrl+C, ignored when it started, ended the run"
    );
    let ended = stop(child, libc::SIGTERM);
    assert_eq!(
        (ended.code, ended.stderr.as_str()),
        (
            1,
            format!("Error: `s3://{bucket}/k` was not stored: interrupted by SIGTERM\n").as_str()
        )
    );
    assert!(keys(moto(), &bucket).is_empty());
}

/// How a command stopped by `signal` while its first request is unanswered
/// ends: the ones that clean up exit 1 and say so on their last line (they
/// listen before that request); the others die of the signal, as any
/// command that stores nothing half-way may. `(exit code, last line of
/// stderr contains)`.
fn expected_end(command: &str, signal: libc::c_int) -> (i32, &'static str) {
    match (command, signal) {
        ("delete-objects" | "list-bucket", _) => (-signal, ""),
        (_, libc::SIGINT) => (1, "interrupted by Ctrl+C"),
        _ => (1, "interrupted by SIGTERM"),
    }
}

#[test]
fn every_transfer_command_ends_promptly_when_the_server_stalls() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("d/a.txt"), "a").unwrap();
    std::fs::write(dir.path().join("f.txt"), "f").unwrap();
    let commands: [&[&str]; 7] = [
        &["put-object", "bkt", "k", "f.txt"],
        &["put-objects", "bkt", "d", "f.txt"],
        &["get-object", "bkt", "k", "-o", "out.txt"],
        &["get-objects", "bkt", "-o", "out"],
        &["delete-objects", "bkt", "k"],
        &["list-bucket", "bkt"],
        &["localserver", "bkt", "--port", "0", "-d", "15m"],
    ];
    for (args, with) in commands
        .iter()
        .zip([libc::SIGINT, libc::SIGTERM].iter().cycle())
    {
        let stalled = Gate::stalled();
        let child = s3c(args)
            .env("AWS_ENDPOINT_URL", &stalled.endpoint)
            .current_dir(dir.path())
            .spawn();
        // Any request: localserver starts with STS.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while stalled.seen().is_empty() {
            if std::time::Instant::now() > deadline {
                let ended = stop(child, libc::SIGKILL);
                panic!("{args:?} sent nothing: {ended:#?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let ended = stop(child, *with);
        let (code, said) = expected_end(args[0], *with);
        let last = ended.stderr.lines().last().unwrap_or_default();
        assert!(
            ended.code == code && last.contains(said),
            "{args:?}: expected exit {code} saying `{said}`: {ended:#?}"
        );
    }
}

/// Hold every part of a multipart upload; pass the rest to `emulator`.
fn hold_parts(emulator: &Emulator) -> Gate {
    Gate::start(&emulator.endpoint, |method, path| {
        if method == "PUT" && path.contains("partNumber=") {
            Rule::Hold
        } else {
            Rule::Pass
        }
    })
}

#[test]
fn an_interrupted_multipart_put_object_is_aborted() {
    // A server of its own: the abort must be answered within 2 s.
    let (_guard, emulator) = exclusive_moto();
    let bucket = new_bucket(&emulator.clients(), "bkt");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    std::fs::write(&path, pattern(3 * PART)).unwrap();
    let gate = hold_parts(emulator);
    let child = s3c(&["put-object", &bucket, "big.bin", path.to_str().unwrap()])
        .env("S3_CREDENTIALS_PART_SIZE", PART.to_string())
        .env("AWS_ENDPOINT_URL", &gate.endpoint)
        .spawn();
    gate.wait_for("partNumber=");
    assert_eq!(open_uploads(emulator, &bucket), ["big.bin"]);
    let ended = stop(child, libc::SIGINT);
    assert_eq!(
        (ended.code, ended.stderr.as_str()),
        (
            1,
            format!("Error: `s3://{bucket}/big.bin` was not stored: interrupted by Ctrl+C\n")
                .as_str()
        )
    );
    assert_eq!(open_uploads(emulator, &bucket), Vec::<String>::new());
    assert!(keys(emulator, &bucket).is_empty());
}

#[test]
fn an_interrupted_put_objects_aborts_its_multipart_uploads() {
    // A server of its own: the abort must be answered within 2 s.
    let (_guard, emulator) = exclusive_moto();
    let bucket = new_bucket(&emulator.clients(), "bkt");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("d/big.bin"), pattern(3 * PART)).unwrap();
    let gate = hold_parts(emulator);
    let child = s3c(&["put-objects", &bucket, "d"])
        .env("S3_CREDENTIALS_PART_SIZE", PART.to_string())
        .env("AWS_ENDPOINT_URL", &gate.endpoint)
        .current_dir(dir.path())
        .spawn();
    gate.wait_for("partNumber=");
    assert_eq!(open_uploads(emulator, &bucket), ["d/big.bin"]);
    let ended = stop(child, libc::SIGTERM);
    assert_eq!(
        (ended.code, ended.stderr.as_str()),
        (
            1,
            "Uploaded 0 files (0 B)\nError: interrupted by SIGTERM: 1 file not uploaded\n"
        )
    );
    assert_eq!(open_uploads(emulator, &bucket), Vec::<String>::new());
}

/// `put-object - ` of a few bytes through a gate that delays PutObject's
/// answer by `delay`, signalled with SIGTERM once moto has stored it.
fn sigterm_while_the_answer_is_on_its_way(delay: Duration) -> (String, Ended) {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let gate = Gate::start(&moto().endpoint, move |method, path| {
        if method == "PUT" && !path.contains("partNumber=") {
            Rule::Delay(delay)
        } else {
            Rule::Pass
        }
    });
    let mut child = s3c(&["put-object", &bucket, "k.txt", "-"])
        .env("AWS_ENDPOINT_URL", &gate.endpoint)
        .spawn_with_open_stdin();
    child.stdin.take().unwrap().write_all(b"stored\n").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while get(moto(), &bucket, "k.txt").is_none() {
        assert!(std::time::Instant::now() < deadline, "never stored");
        std::thread::sleep(Duration::from_millis(10));
    }
    let ended = stop(child, libc::SIGTERM);
    assert_eq!(get(moto(), &bucket, "k.txt").unwrap(), b"stored\n");
    (bucket, ended)
}

#[test]
fn sigterm_after_the_object_was_stored_reports_it_stored() {
    let (bucket, ended) = sigterm_while_the_answer_is_on_its_way(Duration::from_millis(700));
    assert_eq!(
        (ended.code, ended.stdout.as_str(), ended.stderr.as_str()),
        (
            0,
            "",
            format!("Stored `s3://{bucket}/k.txt`: SIGTERM came after it had been sent\n").as_str()
        )
    );
}

#[test]
fn sigterm_with_no_answer_in_time_says_the_object_may_be_stored() {
    let (_, ended) = sigterm_while_the_answer_is_on_its_way(Duration::from_secs(20));
    assert_eq!(
        (ended.code, ended.stderr.as_str()),
        (
            1,
            "Error: interrupted by SIGTERM before PutObject was answered: `k.txt` may or may \
             not be stored\n"
        )
    );
}

#[test]
fn localserver_ends_promptly_while_iam_and_sts_stall() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    // S3 answers (the bucket is found); IAM and STS (`POST /`) never do.
    let gate = Gate::start(&moto().endpoint, |method, path| {
        if method == "POST" && path == "/" {
            Rule::Hold
        } else {
            Rule::Pass
        }
    });
    let child = s3c(&["localserver", &bucket, "-d", "15m", "--port", "0"])
        .env("AWS_ENDPOINT_URL", &gate.endpoint)
        .spawn();
    gate.wait_for("POST /");
    let ended = stop(child, libc::SIGTERM);
    assert_eq!(
        (ended.code, ended.stderr.as_str()),
        (
            1,
            "Generating initial credentials...\n\
             Error: interrupted by SIGTERM; stopped without waiting any longer\n"
        )
    );
}

#[test]
fn a_multipart_upload_whose_part_fails_is_aborted() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    std::fs::write(&path, pattern(3 * PART)).unwrap();
    let proxy = crate::common::proxy::Proxy::with_faults(
        &moto().endpoint,
        std::sync::Arc::new(|request| {
            (request.method == "PUT" && request.path.contains("partNumber=2"))
                .then_some((400, "InvalidPart"))
        }),
    );
    let output = s3c(&["put-object", &bucket, "big.bin", path.to_str().unwrap()])
        .env("S3_CREDENTIALS_PART_SIZE", PART.to_string())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .run();
    output.fails_with(
        1,
        "Error: UploadPart failed: InvalidPart: injected by the test proxy\n",
    );
    assert_eq!(open_uploads(moto(), &bucket), Vec::<String>::new());
    assert!(keys(moto(), &bucket).is_empty());
}
