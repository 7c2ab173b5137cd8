//! Reading the head of one HTTP/1.1 request off a connection: every proxy and
//! fake server in this folder starts that way.

use std::io::BufRead;

/// The request line and headers of one request.
pub struct Head {
    /// `GET`, `PUT`, ...
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// Every header, names in lower case, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The head as received, less any `Connection` header and with
    /// `Connection: close` added, so that the emulator it is forwarded to
    /// closes the connection after its answer and the answer can be read to
    /// the end.
    pub forward: Vec<u8>,
}

impl Head {
    /// Read one request head; `None` when the client closed the connection
    /// before sending one.
    pub fn read(reader: &mut impl BufRead) -> std::io::Result<Option<Self>> {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(None);
        }
        let mut forward = request_line.clone().into_bytes();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(None);
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
            if !line.to_ascii_lowercase().starts_with("connection:") {
                forward.extend_from_slice(line.as_bytes());
            }
        }
        forward.extend_from_slice(b"Connection: close\r\n\r\n");
        let mut words = request_line.split_whitespace();
        Ok(Some(Self {
            method: words.next().unwrap_or_default().to_owned(),
            target: words.next().unwrap_or_default().to_owned(),
            headers,
            forward,
        }))
    }

    /// The value of header `name` (lower case), if it was sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body's length from `Content-Length`, 0 without one.
    pub fn content_length(&self) -> usize {
        self.header("content-length")
            .and_then(|value| value.parse().ok())
            .unwrap_or(0)
    }
}

/// A plain HTTP/1.1 client for one request to a `http://host:port/...` URL,
/// as someone handed a presigned URL would use it: no SDK, no signing.
/// Returns the status code and the body.
pub fn fetch(url: &str, method: &str, body: &[u8]) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, target) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let end = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&response[..end]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, response[end + 4..].to_vec())
}
