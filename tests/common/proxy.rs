//! A recording HTTP proxy in front of an emulator, for checking what the tool
//! sent (e.g. a permissions boundary moto accepts but does not store).
//!
//! One request per connection: each request is forwarded with
//! `Connection: close`, so the SDK opens a new connection for the next one.
//! It also counts how many requests it holds at once, and can hold each one
//! for a while, so a test can prove that requests really overlap.
//!
//! A request can also be answered late: forwarded, acted on by the
//! emulator, and its answer held back (see [`Proxy::with_answers`]), as when
//! AWS made a change but its answer never reached the client in time.

use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::http::Head;

/// A request the proxy forwarded.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: String,
    /// The `Authorization` header: its `Credential=` names the access key.
    pub authorization: String,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// A form field of an IAM/STS query request body, percent-decoded.
    pub fn form(&self, key: &str) -> Option<String> {
        self.body.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == key).then(|| {
                percent_encoding::percent_decode_str(&v.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
    }
}

/// Decides which requests the proxy fails instead of forwarding: returns
/// the HTTP status and AWS error code to answer with.
pub type Fault = Arc<dyn Fn(&Request) -> Option<(u16, &'static str)> + Send + Sync>;

/// Requests read in full and not yet answered: now and at most. A request
/// counts from when the client has sent all of it until just before its
/// answer goes out, so a client that waits for each answer is never seen
/// with two requests at once.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl InFlight {
    /// Count one more request until the returned guard is dropped.
    fn enter(&self) -> InFlightGuard<'_> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        InFlightGuard(self)
    }
}

/// One request in flight; dropping it (answered or failed) counts it out.
struct InFlightGuard<'a>(&'a InFlight);

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Decides which requests the proxy answers itself: returns the whole raw
/// HTTP response (status line, headers, body) to send instead of forwarding.
pub type Responder = Arc<dyn Fn(&Request) -> Option<String> + Send + Sync>;

/// Decides how long the answer to a forwarded request is held back after
/// the emulator gave it; `None`: passed on at once.
pub type Late = Arc<dyn Fn(&Request) -> Option<Duration> + Send + Sync>;

/// How the proxy treats the requests it forwards.
struct Behaviour {
    respond: Responder,
    late: Late,
    /// How long each request is held before it is forwarded.
    hold: Duration,
    in_flight: InFlight,
}

/// The proxy: point the tool at `endpoint`.
pub struct Proxy {
    pub endpoint: String,
    requests: Arc<Mutex<Vec<Request>>>,
    behaviour: Arc<Behaviour>,
}

impl Proxy {
    /// Start forwarding to `target` (`http://127.0.0.1:PORT`).
    pub fn start(target: &str) -> Self {
        Self::with_faults(target, Arc::new(|_| None))
    }

    /// Forward to `target`, but answer the requests `fault` picks with an
    /// AWS error instead (they are still recorded).
    pub fn with_faults(target: &str, fault: Fault) -> Self {
        Self::with_responder(
            target,
            Arc::new(move |request| {
                let (status, code) = fault(request)?;
                let body = format!(
                    "<ErrorResponse><Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error></ErrorResponse>"
                );
                Some(format!(
                    "HTTP/1.1 {status} Injected\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ))
            }),
        )
    }

    /// Forward to `target`, but let `respond` answer the requests it picks
    /// (they are still recorded).
    pub fn with_responder(target: &str, respond: Responder) -> Self {
        Self::with(target, respond, Arc::new(|_| None), Duration::ZERO)
    }

    /// Like [`Proxy::with_responder`]; the requests it forwards are acted on
    /// by the emulator at once, and their answers held back as `late` says.
    /// (Unlike [`super::gate::Gate`], which streams requests by method and
    /// path, this reads the whole request, so it can pick by IAM `Action`.)
    pub fn with_answers(target: &str, respond: Responder, late: Late) -> Self {
        Self::with(target, respond, late, Duration::ZERO)
    }

    /// Forward to `target`, holding each request for `hold` first: requests
    /// sent at once then overlap here, and [`Proxy::most_in_flight`] shows it.
    pub fn holding(target: &str, hold: Duration) -> Self {
        Self::with(target, Arc::new(|_| None), Arc::new(|_| None), hold)
    }

    fn with(target: &str, respond: Responder, late: Late, hold: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let target = target.trim_start_matches("http://").to_owned();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let behaviour = Arc::new(Behaviour {
            respond,
            late,
            hold,
            in_flight: InFlight::default(),
        });
        let (recorded, shared) = (requests.clone(), behaviour.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (target, recorded, shared) = (target.clone(), recorded.clone(), shared.clone());
                std::thread::spawn(move || {
                    let _ = forward(client, &target, &recorded, &shared);
                });
            }
        });
        Self {
            endpoint,
            requests,
            behaviour,
        }
    }

    /// The most requests the proxy held at the same time so far.
    pub fn most_in_flight(&self) -> usize {
        self.behaviour.in_flight.most.load(Ordering::SeqCst)
    }

    /// Every request so far with this IAM/STS `Action`.
    pub fn actions(&self, action: &str) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.form("Action").as_deref() == Some(action))
            .cloned()
            .collect()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

/// The whole raw answer IAM gives for an error: the query protocol's
/// `ErrorResponse` XML (`Type`, `Code`, `Message`, `RequestId`), as in
/// https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html and
/// each action's page (e.g. `409 DeleteConflict` on
/// https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html).
/// STS answers in the same form.
pub fn iam_error(status: u16, code: &str, message: &str) -> String {
    let reason = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    };
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n  <Error>\n    \
         <Type>{kind}</Type>\n    <Code>{code}</Code>\n    <Message>{message}</Message>\n  \
         </Error>\n  <RequestId>4e1c2a38-0000-4000-8000-test-proxy</RequestId>\n</ErrorResponse>\n"
    );
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn forward(
    client: TcpStream,
    target: &str,
    recorded: &Mutex<Vec<Request>>,
    behaviour: &Behaviour,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let Some(head) = Head::read(&mut reader)? else {
        return Ok(());
    };
    let mut body = vec![0; head.content_length()];
    reader.read_exact(&mut body)?;
    let request = Request {
        authorization: head.header("authorization").unwrap_or_default().to_owned(),
        body: String::from_utf8_lossy(&body).into_owned(),
        method: head.method,
        path: head.target,
        headers: head.headers,
    };
    let in_flight = behaviour.in_flight.enter();
    let answer = (behaviour.respond)(&request);
    let late = answer
        .is_none()
        .then(|| (behaviour.late)(&request))
        .flatten();
    recorded.lock().unwrap().push(request);
    std::thread::sleep(behaviour.hold);
    let mut client = client;
    if let Some(answer) = answer {
        drop(in_flight);
        client.write_all(answer.as_bytes())?;
        return client.shutdown(std::net::Shutdown::Both);
    }
    let mut upstream = TcpStream::connect(target)?;
    upstream.write_all(&head.forward)?;
    upstream.write_all(&body)?;
    let mut response = Vec::new();
    upstream.read_to_end(&mut response)?;
    if let Some(late) = late {
        std::thread::sleep(late);
    }
    drop(in_flight);
    client.write_all(&response)?;
    client.shutdown(std::net::Shutdown::Both)
}
