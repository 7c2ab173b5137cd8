//! Standard error that cannot be written to (a closed pipe, as with
//! `2>&1 | head -1` once `head` has exited, or a full disk) changes neither
//! the work a command does nor its exit code.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::child::{signal, wait_within};
use crate::common::s3::{new_bucket, put_many};
use crate::common::{moto, s3c};

/// The writing end of a pipe whose reading end is closed: writes fail with
/// `EPIPE`.
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the two descriptors; the reading one is closed at
    // once and the writing one owned from here on.
    unsafe {
        assert_eq!(libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC), 0);
        libc::close(fds[0]);
        Stdio::from(OwnedFd::from_raw_fd(fds[1]))
    }
}

/// `/dev/full`: writes fail with `ENOSPC`.
fn full_disk() -> Stdio {
    Stdio::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap(),
    )
}

/// Each way standard error can fail, by name.
fn broken_stderrs() -> [(&'static str, Stdio); 2] {
    [("closed pipe", closed_pipe()), ("full disk", full_disk())]
}

#[test]
fn get_objects_downloads_everything_when_stderr_is_closed() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let objects: Vec<(String, Vec<u8>)> = (0..17)
        .map(|n| (format!("f{n:02}.txt"), vec![b'x'; n]))
        .collect();
    put_many(moto(), &bucket, &objects);
    for (how, stderr) in broken_stderrs() {
        let target = tempfile::tempdir().unwrap();
        let child = s3c(&["get-objects", &bucket, "-o", "out"])
            .current_dir(target.path())
            .against(moto())
            .spawn_with_stderr(stderr);
        let ended = wait_within(child, Duration::from_secs(60));
        let files = std::fs::read_dir(target.path().join("out")).map_or(0, Iterator::count);
        assert_eq!((ended.code, files), (0, 17), "{how}: {ended:#?}");
    }
}

#[test]
fn a_failed_upload_still_exits_1_when_stderr_is_closed() {
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("a.txt"), "a").unwrap();
    for (how, stderr) in broken_stderrs() {
        let child = s3c(&["put-objects", "no-such-bucket-for-stderr", "a.txt"])
            .current_dir(source.path())
            .against(moto())
            .spawn_with_stderr(stderr);
        let ended = wait_within(child, Duration::from_secs(60));
        assert_eq!(ended.code, 1, "put-objects, {how}: {ended:#?}");
    }
    for (how, stderr) in broken_stderrs() {
        let child = s3c(&["put-object", "no-such-bucket-for-stderr", "k", "a.txt"])
            .current_dir(source.path())
            .against(moto())
            .spawn_with_stderr(stderr);
        let ended = wait_within(child, Duration::from_secs(60));
        assert_eq!(ended.code, 1, "put-object, {how}: {ended:#?}");
    }
}

/// `GET /` on `port`: the status, or `None` when nothing answers.
fn status_of_get(port: u16) -> Option<u16> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.get(9..12)?.parse().ok()
}

#[test]
fn localserver_keeps_serving_when_stderr_is_closed() {
    let bucket = new_bucket(&moto().clients(), "closed-stderr");
    for (how, stderr) in broken_stderrs() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let port_text = port.to_string();
        let args = [
            "localserver",
            &bucket,
            "-d",
            "15m",
            "--host",
            "127.0.0.1",
            "--port",
            &port_text,
        ];
        let child = s3c(&args).against(moto()).spawn_with_stderr(stderr);
        let deadline = Instant::now() + Duration::from_secs(30);
        while status_of_get(port).is_none() {
            assert!(Instant::now() < deadline, "{how}: localserver never served");
            std::thread::sleep(Duration::from_millis(20));
        }
        // Each request is logged; none of those lines can be written.
        for _ in 0..3 {
            assert_eq!(status_of_get(port), Some(200), "{how}");
        }
        signal(&child, libc::SIGTERM);
        let ended = wait_within(child, Duration::from_secs(10));
        assert_eq!(ended.code, 0, "{how}: {ended:#?}");
    }
}
