//! Uploads of what is not a regular file: FIFOs, sockets, devices, pipes of
//! unknown length (streamed in parts, with bounded memory, up to S3's part
//! limit) and symbolic links.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::common::child::wait_within;
use crate::common::fake_s3::FakeS3;
use crate::common::s3::{get, head, keys, new_bucket, pattern};
use crate::common::{Output, moto, s3c};
use crate::interrupts::mkfifo;
use crate::put_object::PART;

/// Run to the end, failing the test if that takes more than a minute (a
/// walk that opens a FIFO would wait forever).
fn run_within_a_minute(command: crate::common::S3c) -> Output {
    wait_within(command.spawn(), Duration::from_secs(60)).into()
}

/// Write `data` into the FIFO at `path` from another thread.
fn feed(path: &Path, data: Vec<u8>) -> std::thread::JoinHandle<()> {
    let path = path.to_owned();
    std::thread::spawn(move || {
        let mut fifo = fs::OpenOptions::new().write(true).open(path).unwrap();
        fifo.write_all(&data).unwrap();
    })
}

#[test]
fn folder_walks_skip_fifos_sockets_and_devices_with_one_warning_each() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let source = tempfile::tempdir().unwrap();
    let dir = source.path().join("d");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("a.txt"), "a!").unwrap();
    mkfifo(&dir.join("fifo"));
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("socket")).unwrap();
    let null = std::ffi::CString::new(dir.join("null").to_str().unwrap()).unwrap();
    // SAFETY: a plain system call on a NUL-terminated path (as root: /dev/null's numbers).
    let made = unsafe { libc::mknod(null.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    assert_eq!(made, 0, "mknod needs root");
    let output = run_within_a_minute(
        s3c(&["put-objects", &bucket, "d"])
            .current_dir(source.path())
            .against(moto()),
    );
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            0,
            "",
            "Warning: skipped `d/fifo`: a FIFO (named pipe), not a regular file\n\
             Warning: skipped `d/null`: a character device, not a regular file\n\
             Warning: skipped `d/socket`: a socket, not a regular file\n\
             Uploaded 1 file (2 B)\n"
        )
    );
    assert_eq!(keys(moto(), &bucket), ["d/a.txt"]);
}

#[test]
fn put_object_streams_a_fifo_in_parts_like_standard_input() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("data.json");
    mkfifo(&fifo);
    let data = pattern(2 * PART + 1000);
    let writer = feed(&fifo, data.clone());
    let output = run_within_a_minute(
        s3c(&["put-object", &bucket, "k", fifo.to_str().unwrap()])
            .env("S3_CREDENTIALS_PART_SIZE", PART.to_string())
            .against(moto()),
    );
    writer.join().unwrap();
    assert_eq!((output.code, output.stderr.as_str()), (0, ""));
    assert!(
        get(moto(), &bucket, "k").unwrap() == data,
        "stored bytes differ"
    );
    let head = head(moto(), &bucket, "k");
    assert_eq!(
        head.e_tag().unwrap().rsplit('-').next(),
        Some("3\""),
        "3 parts"
    );
    assert_eq!(head.content_type(), Some("application/json"));
}

#[test]
fn input_of_unknown_size_is_sent_in_parts_with_bounded_memory() {
    const MIB: usize = 1024 * 1024;
    let fake = FakeS3::start();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    // 128 MiB through a pipe, as `<(head -c 134217728 /dev/urandom)` would.
    let writer = feed(&fifo, vec![7; 128 * MIB]);
    let child = s3c(&["put-object", "bkt", "k", fifo.to_str().unwrap()])
        .env("S3_CREDENTIALS_PART_SIZE", MIB.to_string())
        .env("AWS_ENDPOINT_URL", &fake.endpoint)
        .spawn();
    let ended = wait_within(child, Duration::from_secs(120));
    writer.join().unwrap();
    assert_eq!((ended.code, ended.stderr.as_str()), (0, ""), "{ended:#?}");
    let received = fake.received();
    assert_eq!(
        (
            received.puts,
            received.created,
            received.parts,
            received.completed
        ),
        (0, 1, 128, 1)
    );
    // Parts of 16 MiB at most in memory at a time, not the whole input.
    assert!(
        ended.peak_memory < 64 * MIB as u64,
        "peak {} bytes",
        ended.peak_memory
    );
}

#[test]
fn an_endless_input_is_stopped_by_the_part_limit_not_by_memory() {
    let fake = FakeS3::start();
    let child = s3c(&["put-object", "bkt", "k", "/dev/zero", "-s"])
        .env("S3_CREDENTIALS_PART_SIZE", "1024")
        .env("AWS_ENDPOINT_URL", &fake.endpoint)
        // A run whose memory grew with its input would fail here.
        .memory_limit(2 * 1024 * 1024 * 1024)
        .spawn();
    let ended = wait_within(child, Duration::from_secs(240));
    assert_eq!(
        (ended.code, ended.stderr.as_str()),
        (
            1,
            "Error: `/dev/zero` is longer than S3's limit of 10000 parts of 1024 bytes \
             (9.77 MiB); nothing was stored: save it to a file and upload that instead, whose \
             parts can be larger\n"
        ),
        "{ended:#?}"
    );
    // All the way to the limit (parts still in flight then are dropped),
    // never past it.
    let received = fake.received();
    assert!(
        (9_900..=10_000).contains(&received.highest_part) && received.parts <= 10_000,
        "{received:?}"
    );
    assert_eq!((received.completed, received.aborted), (0, 1));
}

/// `d/` with a file, links to it, to a folder outside and to nothing.
fn linked_tree(root: &Path) {
    let dir = root.join("d");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("a.txt"), "abc").unwrap();
    fs::create_dir(root.join("outside")).unwrap();
    fs::write(root.join("outside/secret.txt"), "s").unwrap();
    std::os::unix::fs::symlink("a.txt", dir.join("link.txt")).unwrap();
    std::os::unix::fs::symlink("../outside", dir.join("folder")).unwrap();
    std::os::unix::fs::symlink("nowhere", dir.join("dangling")).unwrap();
}

const LINK_TO_FOLDER: &str = "Warning: skipped `d/folder`: a link to a folder (add \
    `--follow-links` to upload what it links to)\n";
const DANGLING: &str = "Error: could not upload `d/dangling`: it is a link to `nowhere`, which \
    cannot be read: No such file or directory (os error 2)\n";

#[test]
fn links_to_files_are_followed_links_to_folders_skipped_and_a_dangling_link_fails_alone() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let source = tempfile::tempdir().unwrap();
    linked_tree(source.path());
    let output = s3c(&["put-objects", &bucket, "d"])
        .current_dir(source.path())
        .against(moto())
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            "",
            format!(
                "{LINK_TO_FOLDER}{DANGLING}Uploaded 2 files (6 B)\n\
                 Error: 1 of 3 files failed: `d/dangling`\n"
            )
            .as_str()
        )
    );
    assert_eq!(keys(moto(), &bucket), ["d/a.txt", "d/link.txt"]);
    assert_eq!(get(moto(), &bucket, "d/link.txt").unwrap(), b"abc");
}

#[test]
fn follow_links_uploads_what_links_to_folders_point_to_and_walks_loops_once() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let source = tempfile::tempdir().unwrap();
    linked_tree(source.path());
    fs::remove_file(source.path().join("d/dangling")).unwrap();
    // A link loop: walked once.
    std::os::unix::fs::symlink(".", source.path().join("d/again")).unwrap();
    let output = s3c(&["put-objects", &bucket, "d", "--follow-links", "-s"])
        .current_dir(source.path())
        .against(moto())
        .run();
    assert_eq!((output.code, output.stderr.as_str()), (0, ""));
    assert_eq!(
        keys(moto(), &bucket),
        ["d/a.txt", "d/folder/secret.txt", "d/link.txt"]
    );
}

#[test]
fn dry_run_reports_a_dangling_link_and_plans_the_rest() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let source = tempfile::tempdir().unwrap();
    linked_tree(source.path());
    let output = s3c(&["put-objects", &bucket, "d", "--dry-run"])
        .current_dir(source.path())
        .against(moto())
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            format!("d/a.txt => s3://{bucket}/d/a.txt\nd/link.txt => s3://{bucket}/d/link.txt\n")
                .as_str(),
            format!("{LINK_TO_FOLDER}{DANGLING}").as_str()
        )
    );
    assert!(keys(moto(), &bucket).is_empty());
}
