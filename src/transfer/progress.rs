//! The one progress bar of a transfer (files and bytes), drawn on stderr only
//! when stderr is a terminal, and lines printed above it.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
