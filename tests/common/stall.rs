//! Loopback servers that are slow in the ways real networks are: one that
//! accepts connections and never answers (a stuck proxy, a half-dead
//! connection), and one that answers every request with a body trickled out
//! in small pieces.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Accepts connections, reads what comes, never answers.
pub struct Silent {
    pub endpoint: String,
    connections: Arc<AtomicUsize>,
}

impl Silent {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counted.fetch_add(1, Ordering::SeqCst);
                // Read and hold the connection open until the client leaves.
                std::thread::spawn(move || drain(stream));
            }
        });
        Self {
            endpoint,
            connections,
        }
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn drain(stream: TcpStream) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
        line.clear();
    }
}

/// Answers every request with `200` and `body`, sent `piece` bytes at a time
/// with `pause` between pieces. Returns the endpoint.
pub fn trickle(body: Vec<u8>, piece: usize, pause: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let body = Arc::new(body);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let body = body.clone();
            std::thread::spawn(move || {
                let _ = answer_slowly(stream, &body, piece, pause);
            });
        }
    });
    endpoint
}

fn answer_slowly(
    stream: TcpStream,
    body: &[u8],
    piece: usize,
    pause: Duration,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )?;
    for chunk in body.chunks(piece) {
        stream.write_all(chunk)?;
        stream.flush()?;
        std::thread::sleep(pause);
    }
    Ok(())
}
