//! A proxy in front of an emulator that holds or slows chosen requests, as
//! a stalled connection or a slow AWS region would: moto answers at once.
//! With no emulator behind it, it is a server that never answers.
//!
//! Unlike [`super::proxy::Proxy`], which reads whole requests and can hold
//! every one for a fixed time, the gate picks a rule per request, streams
//! bodies through (multipart parts), and can delay an answer *after* the
//! emulator acted on the request: the object is stored, the client does not
//! know yet.
//!
//! One request per connection: each is forwarded with `Connection: close`,
//! so the SDK opens a new connection for the next one.

use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::http::Head;

/// What the gate does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Forward it and pass the answer back.
    Pass,
    /// Never forward it nor answer: the connection stays open, silent.
    Hold,
    /// Forward it, then hold the answer this long before passing it back.
    Delay(Duration),
}

/// Picks the rule for a request from its method and target (`/b/k?uploads`).
pub type Rules = Arc<dyn Fn(&str, &str) -> Rule + Send + Sync>;

/// The gate: point the tool at `endpoint`.
pub struct Gate {
    pub endpoint: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Gate {
    /// Forward to `target` (`http://127.0.0.1:PORT`) by `rules`.
    pub fn start(target: &str, rules: impl Fn(&str, &str) -> Rule + Send + Sync + 'static) -> Self {
        Self::listen(
            Some(target.trim_start_matches("http://").to_owned()),
            Arc::new(rules),
        )
    }

    /// A server that accepts connections and never answers.
    pub fn stalled() -> Self {
        Self::listen(None, Arc::new(|_: &str, _: &str| Rule::Hold))
    }

    fn listen(target: Option<String>, rules: Rules) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorded = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (target, rules, recorded) = (target.clone(), rules.clone(), recorded.clone());
                std::thread::spawn(move || {
                    let _ = serve(client, target.as_deref(), &*rules, &recorded);
                });
            }
        });
        Self { endpoint, seen }
    }

    /// `METHOD target` of every request so far, held ones included.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// Wait up to 30 s for a request whose `METHOD target` contains `part`.
    pub fn wait_for(&self, part: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.seen().iter().any(|request| request.contains(part)) {
            assert!(
                Instant::now() < deadline,
                "no `{part}` request: {:#?}",
                self.seen()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn serve(
    client: TcpStream,
    target: Option<&str>,
    rules: &(dyn Fn(&str, &str) -> Rule + Send + Sync),
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let Some(head) = Head::read(&mut reader)? else {
        return Ok(());
    };
    let (method, path) = (head.method.as_str(), head.target.as_str());
    let rule = rules(method, path);
    seen.lock().unwrap().push(format!("{method} {path}"));
    let (Rule::Pass | Rule::Delay(_), Some(target)) = (rule, target) else {
        // Hold: read whatever comes until the client gives up.
        return std::io::copy(&mut reader, &mut std::io::sink()).map(drop);
    };
    let mut upstream = TcpStream::connect(target)?;
    upstream.write_all(&head.forward)?;
    upstream.write_all(reader.buffer())?;
    let mut to_upstream = upstream.try_clone()?;
    let mut from_client = reader.into_inner();
    std::thread::spawn(move || std::io::copy(&mut from_client, &mut to_upstream));
    let mut client = client;
    if let Rule::Delay(delay) = rule {
        let mut answer = Vec::new();
        upstream.read_to_end(&mut answer)?;
        std::thread::sleep(delay);
        client.write_all(&answer)?;
    } else {
        std::io::copy(&mut upstream, &mut client)?;
    }
    client.shutdown(Shutdown::Both)
}
