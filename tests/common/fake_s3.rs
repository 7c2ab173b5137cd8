//! A stand-in for S3's multipart upload API that keeps nothing but counts:
//! for inputs too large for moto (which holds every byte in memory), such as
//! an endless one. Like S3, it refuses part numbers above 10,000.

use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use super::http::Head;

/// What the fake received.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Received {
    /// UploadPart requests.
    pub parts: u64,
    /// The highest part number asked for.
    pub highest_part: u64,
    /// The largest request body.
    pub largest_body: u64,
    /// PutObject requests.
    pub puts: u64,
    /// CreateMultipartUpload, CompleteMultipartUpload, AbortMultipartUpload.
    pub created: u64,
    pub completed: u64,
    pub aborted: u64,
}

pub struct FakeS3 {
    pub endpoint: String,
    received: Arc<Mutex<Received>>,
}

impl FakeS3 {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Received::default()));
        let counts = received.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let counts = counts.clone();
                std::thread::spawn(move || while let Ok(true) = answer(&client, &counts) {});
            }
        });
        Self { endpoint, received }
    }

    pub fn received(&self) -> Received {
        self.received.lock().unwrap().clone()
    }
}

/// Answer one request on the connection; `false` when it closed.
fn answer(client: &TcpStream, received: &Mutex<Received>) -> std::io::Result<bool> {
    let mut reader = BufReader::new(client);
    let Some(head) = Head::read(&mut reader)? else {
        return Ok(false);
    };
    let length = head.content_length() as u64;
    std::io::copy(&mut (&mut reader).take(length), &mut std::io::sink())?;
    let (method, target) = (head.method.as_str(), head.target.as_str());
    let query = target.split_once('?').map_or("", |(_, query)| query);
    let field = |name: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
    };
    let mut counts = received.lock().unwrap();
    counts.largest_body = counts.largest_body.max(length);
    let (status, body) = match (method, field("partNumber"), field("uploadId")) {
        ("PUT", Some(number), Some(_)) => {
            let number: u64 = number.parse().unwrap_or(0);
            counts.highest_part = counts.highest_part.max(number);
            if !(1..=10_000).contains(&number) {
                (400, "<Error><Code>InvalidArgument</Code><Message>Part number must be an integer between 1 and 10000, inclusive</Message></Error>".to_owned())
            } else {
                counts.parts += 1;
                (200, String::new())
            }
        }
        ("PUT", None, None) => {
            counts.puts += 1;
            (200, String::new())
        }
        ("POST", _, None) if query.starts_with("uploads") => {
            counts.created += 1;
            (200, "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>fake-upload</UploadId></InitiateMultipartUploadResult>".to_owned())
        }
        ("POST", _, Some(_)) => {
            counts.completed += 1;
            (200, "<CompleteMultipartUploadResult><ETag>\"e-1\"</ETag></CompleteMultipartUploadResult>".to_owned())
        }
        ("DELETE", _, Some(_)) => {
            counts.aborted += 1;
            (204, String::new())
        }
        _ => (400, "<Error><Code>NotImplemented</Code></Error>".to_owned()),
    };
    drop(counts);
    let mut client = client;
    write!(
        client,
        "HTTP/1.1 {status} Fake\r\nETag: \"e\"\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    Ok(true)
}
