//! The end-to-end test harness: local AWS emulators, running the built
//! binary, and AWS clients for setting up and checking emulator state.
//!
//! Emulators are moto servers on free loopback ports, started on first use
//! and shared by every test of the run; each test uses its own names (see
//! [`unique`]). They stop when the test process exits: by PID from an
//! `atexit` hook, and by themselves when the pipe to their stdin closes.

pub mod child;
pub mod commands;
pub mod composite;
pub mod counter;
pub mod fake_s3;
pub mod gate;
pub mod http;
pub mod iam;
pub mod iam_limits;
pub mod iam_proxy;
pub mod proxy;
pub mod region_proxy;
pub mod roles;
pub mod s3;
pub mod s3s_fs;
pub mod stall;
pub mod tool_users;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use s3_credentials::aws::Clients;

/// One running moto server.
pub struct Emulator {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    /// Held open: the server exits when this pipe closes.
    _stdin: Mutex<ChildStdin>,
}

/// PIDs of the servers this process started, stopped at exit.
static STARTED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

extern "C" fn stop_emulators() {
    let pids = STARTED.lock().map(|p| p.clone()).unwrap_or_default();
    for pid in pids {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            continue;
        };
        // SAFETY: plain libc calls on a PID this process spawned and has not reaped.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
    }
}

/// Stop the server with this PID when the test process exits.
fn register(pid: u32) {
    let mut started = STARTED.lock().unwrap();
    if started.is_empty() {
        // SAFETY: registering a plain `extern "C" fn` with no captured state.
        unsafe { libc::atexit(stop_emulators) };
    }
    started.push(pid);
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

impl Emulator {
    /// Start moto with the given extra environment and wait until it answers.
    // The child is reaped by `stop_emulators` when the test process exits.
    #[allow(clippy::zombie_processes)]
    pub fn start(env: &[(&str, &str)]) -> Self {
        let python = repo().join(".venv-test/bin/python");
        assert!(
            python.exists(),
            "the test emulator is not installed: run `scripts/test` (or `scripts/setup-test-env`) first"
        );
        let mut child: Child = Command::new(python)
            .arg(repo().join("scripts/moto_server.py"))
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        register(child.id());
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read moto's port");
        let port: u16 = line.trim().parse().expect("moto printed its port");
        Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            _stdin: Mutex::new(child.stdin.take().unwrap()),
        }
    }

    /// Clear all state (used by the exclusive server only).
    pub fn reset(&self) {
        self.post("/moto-api/reset", "");
    }

    /// Check the signature and IAM permissions of every request from now
    /// on. Only for a server of the test's own: it changes the whole server.
    pub fn enforce_from_now(&self) {
        self.post("/moto-api/reset-auth", "0");
    }

    fn post(&self, path: &str, body: &str) {
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).expect("connect to moto");
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        BufReader::new(stream).read_line(&mut response).unwrap();
        assert!(response.contains(" 200 "), "moto {path} failed: {response}");
    }

    /// SDK clients for this server, signed with the default test credentials.
    pub fn clients(&self) -> Clients {
        self.clients_as(TEST_KEY, TEST_SECRET)
    }

    /// SDK clients for this server with the given credentials.
    pub fn clients_as(&self, key: &str, secret: &str) -> Clients {
        Clients::from_config(&sdk_config(&self.endpoint, key, secret))
    }
}

/// SDK configuration for `endpoint` (an emulator, or a proxy in front of
/// one) with these credentials, in `us-east-1`.
pub fn sdk_config(endpoint: &str, key: &str, secret: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::from_static("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(key, secret, None, None, "tests"),
            ),
        )
        .build()
}

/// Credentials the tests use against the permissive emulators.
pub const TEST_KEY: &str = "AKIATESTTESTTESTTEST";
/// The secret that goes with [`TEST_KEY`].
pub const TEST_SECRET: &str = "test-secret-key-that-must-never-be-printed";

/// The emulator most tests share. Every test must use its own names.
pub fn moto() -> &'static Emulator {
    static SHARED: OnceLock<Emulator> = OnceLock::new();
    SHARED.get_or_init(|| Emulator::start(&[]))
}

/// An emulator for tests that need to see the whole account (exact listings):
/// one such test at a time, starting from an empty state.
pub fn exclusive_moto() -> (MutexGuard<'static, ()>, &'static Emulator) {
    static SERVER: OnceLock<Emulator> = OnceLock::new();
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let server = SERVER.get_or_init(|| Emulator::start(&[]));
    server.reset();
    (guard, server)
}

/// An emulator that checks signatures and IAM permissions, with an admin user
/// whose key is returned: every request but the first three is authorized.
pub struct Enforcing {
    pub emulator: Emulator,
    pub admin_key: String,
    pub admin_secret: String,
}

pub fn enforcing_moto() -> &'static Enforcing {
    static SERVER: OnceLock<Enforcing> = OnceLock::new();
    SERVER.get_or_init(start_enforcing)
}

/// A new enforcing emulator of the caller's own, as [`enforcing_moto`]'s:
/// for a test that reads the whole account while other tests delete
/// users and roles on the shared one.
pub fn start_enforcing() -> Enforcing {
    {
        // moto lets the first N requests through unchecked: exactly the
        // three that create the admin below.
        let emulator = Emulator::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "3")]);
        let iam = emulator.clients().iam;
        let (key, secret) = block_on(async {
            iam.create_user().user_name("admin").send().await.unwrap();
            iam.put_user_policy()
                .user_name("admin")
                .policy_name("everything")
                .policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                )
                .send()
                .await
                .unwrap();
            let key = iam
                .create_access_key()
                .user_name("admin")
                .send()
                .await
                .unwrap();
            let key = key.access_key.unwrap();
            (key.access_key_id, key.secret_access_key)
        });
        Enforcing {
            emulator,
            admin_key: key,
            admin_secret: secret,
        }
    }
}

/// Whether AWS says it exists; any answer but yes or "not found" fails the test.
pub fn exists<T, E: std::fmt::Debug>(
    result: Result<
        T,
        aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
    >,
) -> bool {
    found(result).is_some()
}

/// The answer, `None` for "not found" (404); any other failure fails the test.
pub fn found<T, E: std::fmt::Debug>(
    result: Result<
        T,
        aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
    >,
) -> Option<T> {
    match result {
        Ok(answer) => Some(answer),
        Err(error) if error.raw_response().map(|r| r.status().as_u16()) == Some(404) => None,
        Err(error) => panic!("could not tell whether it exists: {error:?}"),
    }
}

/// Run a future to completion from a synchronous test.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// An AWS timestamp as the tool prints it, `2021-11-03 01:38:24+00:00` (the
/// original tool's form): written out here rather than taken from the
/// tool's `output::timestamp`, so that a bug there fails the tests.
pub fn printed_date(date: &aws_smithy_types::DateTime) -> String {
    let iso = date
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap();
    format!("{} {}+00:00", &iso[..10], &iso[11..19])
}

/// A name no other test of this run uses, valid as a bucket, user or role name.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// A home folder with no AWS configuration, so tests never read the
/// developer's own `~/.aws` files.
fn empty_home() -> &'static Path {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    HOME.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the built `s3-credentials` binary in a clean environment.
pub struct S3c {
    command: Command,
    stdin: Option<Vec<u8>>,
}

/// Start building a run of `s3-credentials ARGS` with the test credentials
/// and no endpoint (add one with [`S3c::against`]).
pub fn s3c(args: &[&str]) -> S3c {
    let mut command = Command::new(env!("CARGO_BIN_EXE_s3-credentials"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", empty_home())
        .env("AWS_CONFIG_FILE", empty_home().join("config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            empty_home().join("credentials"),
        )
        // Never wait on instance metadata: there is none here.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", TEST_KEY)
        .env("AWS_SECRET_ACCESS_KEY", TEST_SECRET)
        .stdin(Stdio::null());
    // However the suite was started, each run starts as from a terminal.
    child::default_signals(&mut command);
    S3c {
        command,
        stdin: None,
    }
}

impl S3c {
    /// Point the run at an emulator through `AWS_ENDPOINT_URL`.
    pub fn against(mut self, emulator: &Emulator) -> Self {
        self.command.env("AWS_ENDPOINT_URL", &emulator.endpoint);
        self
    }

    /// Set an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Start with SIGINT ignored, as a shell starts a background job.
    pub fn ignoring_sigint(mut self) -> Self {
        child::ignore_sigint(&mut self.command);
        self
    }

    /// Remove an environment variable.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.command.env_remove(key);
        self
    }

    /// Feed this to standard input.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Run in this folder.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.command.current_dir(dir.into());
        self
    }

    /// Start the run with a soft limit of `soft` open files, as a shell's
    /// `ulimit -Sn` would, and a hard limit of `hard` (`ulimit -Hn`) when
    /// one is given.
    pub fn open_file_limits(mut self, soft: u64, hard: Option<u64>) -> Self {
        use std::os::unix::process::CommandExt;
        // SAFETY: between fork and exec only async-signal-safe calls are
        // allowed; getrlimit and setrlimit are system calls, and nothing
        // here allocates.
        unsafe {
            self.command.pre_exec(move || {
                let mut limit = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                limit.rlim_max = hard.unwrap_or(limit.rlim_max);
                limit.rlim_cur = soft.min(limit.rlim_max);
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        self
    }

    /// Start the run with at most `bytes` of address space (`ulimit -v`), so
    /// that a run whose memory grows with its input fails instead of eating
    /// the machine's.
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        use std::os::unix::process::CommandExt;
        // SAFETY: only the setrlimit system call runs between fork and exec.
        unsafe {
            self.command.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: bytes,
                    rlim_max: bytes,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        self
    }

    /// Start with standard input a pipe the test holds open, as a terminal
    /// or a slow producer would.
    pub fn spawn_with_open_stdin(mut self) -> Child {
        self.command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start s3-credentials")
    }

    /// Start without waiting, stdout piped and stderr going to `stderr`.
    pub fn spawn_with_stderr(mut self, stderr: Stdio) -> Child {
        self.command
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start s3-credentials")
    }

    /// Start without waiting, with stdout and stderr piped: for servers.
    pub fn spawn(mut self) -> Child {
        self.command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start s3-credentials")
    }

    /// Run to completion with standard output closed before anything is
    /// written to it, as when the reader of a pipe has gone away.
    pub fn run_with_stdout_closed(mut self) -> Output {
        let mut child = self
            .command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run s3-credentials");
        drop(child.stdout.take());
        Output::collect(child)
    }

    /// Run to completion.
    pub fn run(mut self) -> Output {
        if self.stdin.is_some() {
            self.command.stdin(Stdio::piped());
        }
        let mut child = self
            .command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run s3-credentials");
        if let Some(input) = self.stdin {
            child.stdin.take().unwrap().write_all(&input).unwrap();
        }
        Output::collect(child)
    }
}

impl Output {
    /// Wait for a run started with one of the `spawn` methods to end and
    /// take what it printed. A stream not piped, or already taken from the
    /// child, reads as empty; a run killed by a signal has code -1.
    pub fn collect(child: Child) -> Self {
        let output = child.wait_with_output().expect("wait for s3-credentials");
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }

    /// Assert success with nothing on stderr, and return stdout.
    #[track_caller]
    pub fn success(&self) -> &str {
        self.success_with_stderr("")
    }

    /// Assert success with exactly `stderr` on stderr (a run that succeeds
    /// declares every line it writes there), and return stdout.
    #[track_caller]
    pub fn success_with_stderr(&self, stderr: &str) -> &str {
        assert_eq!(
            (self.code, self.stderr.as_str()),
            (0, stderr),
            "expected success with exactly this stderr, got {self:#?}"
        );
        &self.stdout
    }

    /// Assert exit code `code`, nothing on stdout, and exactly `stderr`.
    #[track_caller]
    pub fn fails_with(&self, code: i32, stderr: &str) {
        assert_eq!(
            (self.code, self.stdout.as_str(), self.stderr.as_str()),
            (code, "", stderr),
            "unexpected result: {self:#?}"
        );
    }
}
