//! The one progress bar of a transfer (files and bytes), drawn on stderr only
//! when stderr is a terminal, and lines printed above it.

use std::io::{self, IsTerminal, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar shared by the tasks of a transfer; does nothing when hidden.
#[derive(Clone, Default)]
pub(crate) struct Progress(Option<Arc<Bar>>);

struct Bar {
    bar: ProgressBar,
    verb: &'static str,
    files_total: AtomicU64,
    files_done: AtomicU64,
}

impl Progress {
    /// A bar saying `verb` ("Uploading"), shown unless `silent` or stderr is
    /// not a terminal.
    pub(crate) fn new(verb: &'static str, silent: bool) -> Self {
        if silent || !io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{msg} [{wide_bar}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        Self(Some(Arc::new(Bar {
            bar,
            verb,
            files_total: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
        })))
    }

    /// A spinner for a stream of unknown length (standard input).
    pub(crate) fn new_stream(verb: &'static str, silent: bool) -> Self {
        let progress = Self::new(verb, silent);
        if let Some(inner) = &progress.0 {
            let style = ProgressStyle::with_template(
                "{spinner} {msg} {binary_bytes} {binary_bytes_per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
            inner.bar.set_style(style);
            inner.bar.set_message(verb);
        }
        progress
    }

    /// More work became known: `files` files of `bytes` bytes in all.
    pub(crate) fn add_total(&self, files: u64, bytes: u64) {
        if let Some(inner) = &self.0 {
            inner.files_total.fetch_add(files, Ordering::Relaxed);
            inner.bar.inc_length(bytes);
            inner.show_files();
        }
    }

    /// `bytes` more bytes went over the wire.
    pub(crate) fn advance(&self, bytes: u64) {
        if let Some(inner) = &self.0 {
            inner.bar.inc(bytes);
        }
    }

    /// `body`, moving the bar as the SDK reads it to send it, so a large
    /// request shows progress while it is under way.
    pub(crate) fn track(&self, body: ByteStream) -> ByteStream {
        match &self.0 {
            Some(inner) => {
                let inner = inner.clone();
                counted(body, move |bytes| inner.bar.inc(bytes))
            }
            None => body,
        }
    }

    /// One more file is finished (or failed).
    pub(crate) fn file_done(&self) {
        if let Some(inner) = &self.0 {
            inner.files_done.fetch_add(1, Ordering::Relaxed);
            inner.show_files();
        }
    }

    /// Write a line to `err` without tearing the bar.
    pub(crate) fn println(&self, err: &mut dyn Write, line: &str) -> io::Result<()> {
        match &self.0 {
            Some(inner) => inner.bar.suspend(|| writeln!(err, "{line}")),
            None => writeln!(err, "{line}"),
        }
    }

    /// Take the bar off the screen.
    pub(crate) fn finish(&self) {
        if let Some(inner) = &self.0 {
            inner.bar.finish_and_clear();
        }
    }
}

impl Bar {
    fn show_files(&self) {
        let done = self.files_done.load(Ordering::Relaxed);
        let total = self.files_total.load(Ordering::Relaxed);
        let noun = if total == 1 { "file" } else { "files" };
        self.bar
            .set_message(format!("{} {done}/{total} {noun}", self.verb));
    }
}

/// `body`, calling `report` with the number of new bytes as they are read. A
/// retried request reads its body again from the start; only bytes past the
/// furthest point already read are reported, so nothing counts twice.
fn counted(body: ByteStream, report: impl Fn(u64) + Send + Sync + 'static) -> ByteStream {
    let furthest = Arc::new(AtomicU64::new(0));
    let report = Arc::new(report);
    body.map(move |inner| {
        SdkBody::from_body_1_x(Counting {
            inner,
            position: 0,
            furthest: furthest.clone(),
            report: report.clone(),
        })
    })
}

/// One reading of a request body, reporting what it reads.
struct Counting<F> {
    inner: SdkBody,
    position: u64,
    furthest: Arc<AtomicU64>,
    report: Arc<F>,
}

impl<F: Fn(u64) + Send + Sync + 'static> Body for Counting<F> {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let read = match &polled {
            Poll::Ready(Some(Ok(frame))) => frame.data_ref().map_or(0, Bytes::len),
            _ => 0,
        };
        if read > 0 {
            self.position += read as u64;
            let before = self.furthest.fetch_max(self.position, Ordering::Relaxed);
            if self.position > before {
                (self.report)(self.position - before);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        Body::size_hint(&self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_read_twice_is_counted_once() {
        let total = Arc::new(AtomicU64::new(0));
        let sink = total.clone();
        let data = vec![7u8; 100_000];
        let body = counted(ByteStream::from(data.clone()), move |bytes| {
            sink.fetch_add(bytes, Ordering::Relaxed);
        });
        let body = body.into_inner();
        // The length is kept, so the request still says how long it is.
        assert_eq!(body.content_length(), Some(100_000));
        // A retry reads a fresh copy of the body from the start.
        let retry = body.try_clone().expect("a retryable body");
        for reading in [body, retry] {
            let read = ByteStream::new(reading).collect().await.unwrap();
            assert!(read.into_bytes() == data);
            assert_eq!(total.load(Ordering::Relaxed), 100_000);
        }
    }
}
