//! s3s-fs, a second S3 implementation (the one `bench/` measures against),
//! for running the object commands against something that is not moto.
//!
//! `scripts/setup-test-env` installs it into `.tools/s3s-fs` (as `bench/`
//! does, with `cargo install`); it is started once per test run on a free
//! loopback port with the test credentials, and stopped by PID at exit like
//! the moto servers.

use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{Emulator, TEST_KEY, TEST_SECRET, repo};

/// The shared s3s-fs server, started on first use.
pub fn s3s_fs() -> &'static Emulator {
    static SERVER: OnceLock<Emulator> = OnceLock::new();
    SERVER.get_or_init(start)
}

// The child is reaped by `stop_emulators` when the test process exits.
#[allow(clippy::zombie_processes)]
fn start() -> Emulator {
    let binary = repo().join(".tools/s3s-fs/bin/s3s-fs");
    assert!(
        binary.exists(),
        "s3s-fs is not installed: run `scripts/test` (or `scripts/setup-test-env`) first"
    );
    // Kept for the whole run; the OS cleans the temporary folder's files
    // when the server is gone, not before.
    let root = tempfile::tempdir().unwrap().keep();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(binary)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--access-key", TEST_KEY, "--secret-key", TEST_SECRET])
        .arg(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start s3s-fs");
    super::register(child.id());
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "s3s-fs did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Emulator {
        endpoint: format!("http://127.0.0.1:{port}"),
        _stdin: Mutex::new(child.stdin.take().unwrap()),
    }
}
