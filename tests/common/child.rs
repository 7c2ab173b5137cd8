//! A run of the binary the test signals and times: send SIGINT or SIGTERM by
//! PID, wait a bounded time, and read its peak memory; and the signal
//! dispositions every run starts with.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// How a signalled or measured run ended.
#[derive(Debug)]
pub struct Ended {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// From the signal (or the start) to the exit.
    pub took: Duration,
    /// Peak resident memory in bytes, as last seen while it ran (`VmHWM`:
    /// not `ru_maxrss`, which counts the test process it was forked from).
    pub peak_memory: u64,
}

impl From<Ended> for super::Output {
    /// What the run printed and its exit code, without the timings.
    fn from(ended: Ended) -> Self {
        Self {
            code: ended.code,
            stdout: ended.stdout,
            stderr: ended.stderr,
        }
    }
}

/// Start `command` with SIGINT and SIGTERM at their default action,
/// whatever this test process inherited: a test suite started from a
/// background job (`cargo test &`) has SIGINT ignored, and a child would
/// inherit that and (rightly) keep ignoring it.
pub fn default_signals(command: &mut Command) {
    // SAFETY: only `signal`, a system call, runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            for signal in [libc::SIGINT, libc::SIGTERM] {
                if libc::signal(signal, libc::SIG_DFL) == libc::SIG_ERR {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

/// Start `command` with SIGINT ignored, as a shell starts a background job.
/// Runs after any earlier [`default_signals`].
pub fn ignore_sigint(command: &mut Command) {
    // SAFETY: only `signal`, a system call, runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::signal(libc::SIGINT, libc::SIG_IGN) == libc::SIG_ERR {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Send `signal` (`libc::SIGINT`, `libc::SIGTERM`) to the child.
pub fn signal(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: a plain signal to a child this test spawned and has not reaped.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

/// Wait (up to 30 s) until the child handles `signal` itself rather than
/// dying of it: a signal sent earlier would test nothing but the default.
#[track_caller]
pub fn wait_until_handling(child: &Child, signal: libc::c_int) {
    let path = format!("/proc/{}/status", child.id());
    let bit = 1u64 << (signal - 1);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = std::fs::read_to_string(&path).unwrap_or_default();
        let caught = status
            .lines()
            .find_map(|line| line.strip_prefix("SigCgt:"))
            .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
            .unwrap_or(0);
        if caught & bit != 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the child never handled signal {signal}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Wait up to `limit` for the child to exit; kill it and fail the test if
/// it does not. Its stdout and stderr, if piped, are read to the end.
#[track_caller]
pub fn wait_within(mut child: Child, limit: Duration) -> Ended {
    let start = Instant::now();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let readers = [
        child.stdout.take().map(pipe_reader),
        child.stderr.take().map(pipe_reader),
    ];
    let mut peak_memory = 0;
    loop {
        peak_memory = peak_memory.max(high_water_mark(pid));
        let mut status = 0;
        // SAFETY: waitpid on our own child, writing only `status`.
        let waited = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if waited == pid {
            let took = start.elapsed();
            let [stdout, stderr] =
                readers.map(|r| r.map(|r| r.join().unwrap()).unwrap_or_default());
            let code = if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                -libc::WTERMSIG(status)
            };
            return Ended {
                code,
                stdout,
                stderr,
                took,
                peak_memory,
            };
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running {limit:?} later");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The process's peak resident memory so far, in bytes (0 once it is gone).
fn high_water_mark(pid: libc::pid_t) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

fn pipe_reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}
