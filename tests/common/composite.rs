//! A proxy in front of moto that reports multipart checksums the way S3
//! does. moto stores the composite checksum of a multipart upload (the
//! checksum of its parts' checksums) without the `-N` part-count suffix and
//! without `x-amz-checksum-type`, so it looks like a checksum of the whole
//! object. S3 answers `x-amz-checksum-crc32: VALUE-N` with
//! `x-amz-checksum-type: COMPOSITE`; this proxy rewrites moto's answers to
//! that shape for every object whose ETag ends in `-N` (a multipart upload).
//!
//! One request per connection, forwarded with `Connection: close`.

use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use super::http::Head;

/// The proxy: point the tool at `endpoint`.
pub struct CompositeChecksums {
    pub endpoint: String,
}

impl CompositeChecksums {
    /// Start forwarding to `target` (`http://127.0.0.1:PORT`).
    pub fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let target = target.trim_start_matches("http://").to_owned();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let target = target.clone();
                std::thread::spawn(move || {
                    let _ = forward(client, &target);
                });
            }
        });
        Self { endpoint }
    }
}

fn forward(client: TcpStream, target: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let Some(head) = Head::read(&mut reader)? else {
        return Ok(());
    };
    let mut body = vec![0; head.content_length()];
    reader.read_exact(&mut body)?;
    let mut upstream = TcpStream::connect(target)?;
    upstream.write_all(&head.forward)?;
    upstream.write_all(&body)?;
    let mut response = Vec::new();
    upstream.read_to_end(&mut response)?;
    let mut client = client;
    client.write_all(&as_s3_answers(&response))?;
    client.shutdown(std::net::Shutdown::Both)
}

/// The response with its checksum headers as S3 sends them for a
/// multipart upload's composite checksum.
fn as_s3_answers(response: &[u8]) -> Vec<u8> {
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return response.to_vec();
    };
    let head = String::from_utf8_lossy(&response[..end]).into_owned();
    let parts = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        if !name.eq_ignore_ascii_case("etag") {
            return None;
        }
        let (_, parts) = value.trim().trim_matches('"').rsplit_once('-')?;
        parts.parse::<u32>().ok()
    });
    let Some(parts) = parts else {
        return response.to_vec();
    };
    let mut lines: Vec<String> = Vec::new();
    let mut checksummed = false;
    for line in head.lines() {
        let lower = line.to_ascii_lowercase();
        let is_value = lower.starts_with("x-amz-checksum-")
            && !lower.starts_with("x-amz-checksum-algorithm")
            && !lower.starts_with("x-amz-checksum-type");
        if is_value {
            checksummed = true;
            lines.push(format!("{line}-{parts}"));
        } else if !lower.starts_with("x-amz-checksum-type") {
            lines.push(line.to_owned());
        }
    }
    if checksummed {
        lines.push("x-amz-checksum-type: COMPOSITE".to_owned());
    }
    let mut rewritten = lines.join("\r\n").into_bytes();
    rewritten.extend_from_slice(&response[end..]);
    rewritten
}
