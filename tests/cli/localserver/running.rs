//! A `localserver` child process for the tests: started on a free
//! loopback port, asked over plain HTTP, stopped by PID when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::common::{S3c, moto, s3c};

/// A running `localserver`, stopped when dropped (also when a test panics).
pub struct Running {
    child: Child,
    pub port: u16,
    stderr: Arc<Mutex<Vec<String>>>,
    stdout: Option<BufReader<std::process::ChildStdout>>,
}

impl Running {
    /// Start `s3-credentials localserver ARGS --host 127.0.0.1 --port 0`
    /// against the shared emulator and wait until it says it is serving.
    pub fn start(args: &[&str]) -> Self {
        Self::start_at(&moto().endpoint, args)
    }

    /// [`Running::start`] against `endpoint` (a proxy in front of moto, say).
    pub fn start_at(endpoint: &str, args: &[&str]) -> Self {
        Self::start_run(Self::run_of(endpoint, args))
    }

    /// The run [`Running::start_at`] starts, to change before starting it
    /// with [`Running::start_run`].
    pub fn run_of(endpoint: &str, args: &[&str]) -> S3c {
        let mut all = vec!["localserver", "--host", "127.0.0.1", "--port", "0"];
        all.extend_from_slice(args);
        s3c(&all).env("AWS_ENDPOINT_URL", endpoint)
    }

    /// Start `run` (see [`Running::run_of`]) and wait until it serves.
    pub fn start_run(run: S3c) -> Self {
        let mut child = run.spawn();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let collected = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                collected.lock().unwrap().push(line);
            }
        });
        let mut running = Self {
            stdout: child.stdout.take().map(BufReader::new),
            child,
            port: 0,
            stderr,
        };
        running.port = running.wait_for_port();
        running
    }

    fn wait_for_port(&mut self) -> u16 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let serving = self.stderr().iter().find_map(|line| {
                let rest = line.split("at http://127.0.0.1:").nth(1)?;
                rest.trim_end_matches('/').parse().ok()
            });
            if let Some(port) = serving {
                return port;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("localserver exited with {status}: {:#?}", self.stderr());
            }
            assert!(Instant::now() < deadline, "no server: {:#?}", self.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Wait (up to 10 seconds) until a stderr line ends with `end`: the
    /// server logs a request after answering it, and its stderr is read by
    /// another thread, so the line can come a moment after the answer.
    pub fn wait_for_stderr_ending(&self, end: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.stderr().iter().any(|line| line.ends_with(end)) {
            assert!(
                Instant::now() < deadline,
                "no line ending with {end:?}: {:#?}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The first line the server printed on stdout.
    pub fn stdout_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.as_mut().unwrap().read_line(&mut line).unwrap();
        line.trim_end().to_owned()
    }

    /// `METHOD PATH` with extra header lines: (status, JSON body).
    pub fn request(&self, method: &str, path: &str, headers: &[&str]) -> (u16, Value) {
        let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        if !headers.iter().any(|h| h.starts_with("Host:")) {
            request.push_str(&format!("Host: 127.0.0.1:{}\r\n", self.port));
        }
        for header in headers {
            request.push_str(&format!("{header}\r\n"));
        }
        self.raw(format!("{request}\r\n").as_bytes())
    }

    /// Send `request` exactly as given: (status, JSON body).
    pub fn raw(&self, request: &[u8]) -> (u16, Value) {
        let (status, body) = self.raw_text(request);
        (status, serde_json::from_str(&body).unwrap())
    }

    /// Send `request` exactly as given: (status, body text).
    pub fn raw_text(&self, request: &[u8]) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        // The server may answer (and close) before reading all of a huge request.
        let _ = stream.write_all(request);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let response = String::from_utf8_lossy(&response).into_owned();
        let status = response[9..12].parse().unwrap();
        let body = response.split_once("\r\n\r\n").unwrap().1.to_owned();
        (status, body)
    }

    /// The credentials `GET /` serves.
    pub fn credentials(&self, headers: &[&str]) -> Value {
        let (status, body) = self.request("GET", "/", headers);
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Whether it still runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Send `signal` by PID.
    pub fn signal(&self, signal: libc::c_int) {
        crate::common::child::signal(&self.child, signal);
    }

    /// Stop with SIGTERM, as a service manager would: (exit code, stderr).
    pub fn terminate(mut self) -> (Option<i32>, Vec<String>) {
        crate::common::child::signal(&self.child, libc::SIGTERM);
        let status = self.child.wait().unwrap();
        // Let the reader thread take the last lines.
        std::thread::sleep(Duration::from_millis(100));
        (status.code(), self.stderr())
    }

    /// Stop the server, assert that it exited 0, and return its log lines
    /// but the `Created role` line, which only the test that happens to
    /// create the shared role sees.
    pub fn terminate_cleanly(self) -> Vec<String> {
        let (code, stderr) = self.terminate();
        assert_eq!(code, Some(0), "{stderr:#?}");
        stderr
            .into_iter()
            .filter(|line| line != "Created role: s3-credentials.AmazonS3FullAccess")
            .collect()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// SDK clients that use the served credentials.
pub fn clients_with(credentials: &Value) -> s3_credentials::aws::Clients {
    let text = |key: &str| credentials[key].as_str().unwrap().to_owned();
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::from_static("us-east-1"))
        .endpoint_url(&moto().endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(
                    text("AccessKeyId"),
                    text("SecretAccessKey"),
                    Some(text("SessionToken")),
                    None,
                    "localserver",
                ),
            ),
        )
        .build();
    s3_credentials::aws::Clients::from_config(&config)
}

/// Seconds from now until an `Expiration` the server sent.
pub fn seconds_left(credentials: &Value) -> i64 {
    let expiration = credentials["Expiration"].as_str().unwrap();
    let expiration = aws_smithy_types::DateTime::from_str(
        expiration,
        aws_smithy_types::date_time::Format::DateTime,
    )
    .unwrap();
    let now = aws_smithy_types::DateTime::from(SystemTime::now());
    expiration.secs() - now.secs()
}
