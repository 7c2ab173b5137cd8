//! The HTTP server behind `localserver`: listens on every address a host
//! name resolves to, answers each request from the [`cache::CredentialCache`]
//! as [`respond`] decides, and logs one line per request (time, method,
//! path, status; never a header or a secret).

pub mod cache;
pub mod respond;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HOST, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Version};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::output::to_pretty_json;
use cache::{CredentialCache, Log};
use respond::{Admission, Route};

/// Everything a request needs.
pub struct Server {
    /// The credentials.
    pub cache: CredentialCache,
    /// Who may ask, and the shape of the answer.
    pub admission: Admission,
    /// Where request log lines go.
    pub log: Log,
}

/// Listen on `host:port`: every address the name resolves to (`localhost`
/// is often both `127.0.0.1` and `::1`). With port 0 the system picks a free
/// port, and the other addresses get the same one.
pub async fn bind(host: &str, port: u16) -> anyhow::Result<Vec<TcpListener>> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .with_context(|| format!("could not resolve --host `{host}`"))?
        .collect();
    let mut listeners: Vec<TcpListener> = Vec::new();
    let mut first_error = None;
    for mut address in addresses {
        if let Some(bound) = listeners.first() {
            address.set_port(bound.local_addr()?.port());
        }
        match TcpListener::bind(address).await {
            Ok(listener) => listeners.push(listener),
            Err(error) => {
                first_error.get_or_insert((address, error));
            }
        }
    }
    if listeners.is_empty() {
        return Err(match first_error {
            Some((address, error)) => {
                anyhow::Error::new(error).context(format!("could not listen on {address}"))
            }
            None => anyhow::anyhow!("--host `{host}` resolves to no address"),
        });
    }
    Ok(listeners)
}

/// Accept connections on every listener until the returned set is dropped.
pub fn serve(listeners: Vec<TcpListener>, server: Arc<Server>) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    for listener in listeners {
        let server = Arc::clone(&server);
        tasks.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    // Out of file descriptors and the like: try again shortly.
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                };
                let server = Arc::clone(&server);
                tokio::spawn(async move {
                    let service = service_fn(|request| {
                        let server = Arc::clone(&server);
                        async move { Ok::<_, Infallible>(answer(&server, &request).await) }
                    });
                    // A client that goes away mid-request is nothing to report.
                    let _ = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    }
    tasks
}

/// Answer one request and log it.
async fn answer(server: &Server, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
    let hosts: Vec<&[u8]> = request
        .headers()
        .get_all(HOST)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect();
    let target = request.uri().authority().map(|a| a.as_str());
    let checked = respond::checked_host(&respond::HostParts {
        headers: &hosts,
        requires_host: request.version() >= Version::HTTP_11,
        target,
    });
    let view = respond::Request {
        method: request.method().as_str(),
        path: request.uri().path(),
        host: checked.unwrap_or_default(),
        authorization: header(AUTHORIZATION),
    };
    let route = match checked {
        Ok(_) => server.admission.route(&view),
        Err(message) => Route::Refuse(StatusCode::BAD_REQUEST, message),
    };
    let (status, body) = match route {
        Route::Credentials => match server.cache.get().await {
            Ok(credentials) => (
                StatusCode::OK,
                server.admission.credentials_body(&credentials),
            ),
            Err(reason) => (
                StatusCode::SERVICE_UNAVAILABLE,
                respond::error_body(&reason),
            ),
        },
        Route::Refuse(status, message) => (status, respond::error_body(message)),
    };
    let _ = server.log.send(format!(
        "{} {} {} {}",
        now(),
        view.method,
        printable(view.path),
        status.as_u16()
    ));
    let mut response = Response::new(Full::new(Bytes::from(to_pretty_json(&body) + "\n")));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // Credentials must not end up in a proxy's or client's HTTP cache.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The current time as `2026-11-29 03:48:09+00:00`, as the tool prints times.
fn now() -> String {
    let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
    crate::output::timestamp(&now)
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A request path as it may appear in a log: at most 200 characters, and
/// nothing that could break the line or fake another one.
fn printable(path: &str) -> String {
    path.chars()
        .take(200)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use serde_json::Value;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::sync::mpsc;
    use tokio::time::Instant;

    use super::*;
    use cache::tests::Fixture;

    /// `GET /` on a new connection, as `credential_process` clients ask:
    /// the status and JSON body of the answer.
    async fn get(address: SocketAddr) -> (u16, Value) {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        (
            head[9..12].parse().unwrap(),
            serde_json::from_str(body).unwrap(),
        )
    }

    /// The JSON body of a 200 answer to `GET /`.
    async fn get_credentials(address: SocketAddr) -> Value {
        let (status, body) = get(address).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// A server on a free loopback port answering from `cache`: its address
    /// and the receiver of its request log lines.
    async fn start(
        cache: CredentialCache,
    ) -> (SocketAddr, mpsc::UnboundedReceiver<String>, JoinSet<()>) {
        let (log, request_lines) = mpsc::unbounded_channel();
        let admission = Admission {
            host_names: Some(vec!["localhost".to_owned()]),
            ..Admission::default()
        };
        let listeners = bind("127.0.0.1", 0).await.unwrap();
        let address = listeners[0].local_addr().unwrap();
        let server = Arc::new(Server {
            cache,
            admission,
            log,
        });
        (address, request_lines, serve(listeners, server))
    }

    /// Once the refresh point has passed, requests arriving together are
    /// answered at once with the still-valid set while one STS call, logged
    /// once, fetches the new set, which everyone gets from then on.
    #[tokio::test]
    async fn requests_after_the_refresh_point_share_one_new_set() {
        let fixture = Fixture::new();
        let (cache, mut cache_lines) = fixture.cache().await;
        let (address, mut request_lines, _tasks) = start(cache).await;
        let first = get_credentials(address).await;
        assert_eq!(
            (&first["AccessKeyId"], &first["Expiration"]),
            (&"ASIA0".into(), &"2027-01-15T09:00:00Z".into())
        );
        // The refresh point of one-hour credentials: 15 minutes before expiry.
        fixture.advance(2700);
        let served =
            futures_util::future::join_all((0..20).map(|_| get_credentials(address))).await;
        let key = |c: &Value| c["AccessKeyId"].as_str().unwrap().to_owned();
        assert!(
            served
                .iter()
                .all(|c| key(c) == "ASIA0" || key(c) == "ASIA1")
        );
        let deadline = Instant::now() + Duration::from_secs(5);
        while key(&get_credentials(address).await) != "ASIA1" {
            assert!(Instant::now() < deadline, "never refreshed");
        }
        let served =
            futures_util::future::join_all((0..20).map(|_| get_credentials(address))).await;
        for credentials in &served {
            assert_eq!(
                (&credentials["AccessKeyId"], &credentials["Expiration"]),
                (&"ASIA1".into(), &"2027-01-15T09:45:00Z".into())
            );
        }
        assert_eq!(fixture.calls(), 2, "one STS call each");
        assert_eq!(
            cache_lines.try_recv().unwrap(),
            "Refreshed credentials: ASIA1, valid until 2027-01-15T09:45:00Z"
        );
        assert!(cache_lines.try_recv().is_err(), "one refresh logged");
        let mut requests = Vec::new();
        while let Ok(line) = request_lines.try_recv() {
            requests.push(line);
        }
        assert!(requests.len() >= 42, "{requests:#?}");
        assert!(requests.iter().all(|line| line.ends_with(" GET / 200")));
    }

    /// Issue 12: with AssumeRole hanging (a dead connection), 5 requests
    /// waited 30 s for their 200, then each later request made its own
    /// 30-second attempt in turn. Now valid credentials are served at once,
    /// expired ones get a 503 within [`cache::REQUEST_WAIT`], and one refresh
    /// is in flight for everyone. Real time over real sockets.
    #[tokio::test]
    async fn a_hanging_sts_holds_no_request_and_is_called_once() {
        let fixture = Fixture::new();
        let (cache, mut cache_lines) = fixture.cache().await;
        let (address, mut request_lines, _tasks) = start(cache).await;
        fixture.hanging.store(true, Ordering::SeqCst);
        fixture.advance(2700);
        let started = Instant::now();
        let served = futures_util::future::join_all((0..5).map(|_| get(address))).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert!(
            served
                .iter()
                .all(|(status, body)| *status == 200 && body["AccessKeyId"] == "ASIA0")
        );
        fixture.advance(900);
        let started = Instant::now();
        let refused = futures_util::future::join_all((0..5).map(|_| get(address))).await;
        let took = started.elapsed();
        assert!(
            took >= cache::REQUEST_WAIT && took < cache::REQUEST_WAIT + Duration::from_secs(1),
            "{took:?}"
        );
        let unavailable = serde_json::json!({"error": "the credentials expired and could not be \
            refreshed: STS has not answered within 2 seconds"});
        assert!(
            refused
                .iter()
                .all(|answer| *answer == (503, unavailable.clone())),
            "{refused:#?}"
        );
        assert_eq!(fixture.calls(), 2, "one refresh in flight, shared");
        assert!(
            cache_lines.try_recv().is_err(),
            "nothing claims to serve expired credentials"
        );
        let mut requests = Vec::new();
        while let Ok(line) = request_lines.try_recv() {
            requests.push(line);
        }
        assert_eq!(
            requests
                .iter()
                .filter(|l| l.ends_with(" GET / 200"))
                .count(),
            5
        );
        assert_eq!(
            requests
                .iter()
                .filter(|l| l.ends_with(" GET / 503"))
                .count(),
            5
        );
    }
}
