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
use hyper::{Request, Response, StatusCode};
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
    let view = respond::Request {
        method: request.method().as_str(),
        path: request.uri().path(),
        host: header(HOST),
        authorization: header(AUTHORIZATION),
    };
    let (status, body) = match server.admission.route(&view) {
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
