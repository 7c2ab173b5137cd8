//! Writing a download into its file from a given offset, in buffered
//! positional writes (`pwrite`): the ranges of one file are written side by
//! side through separate handles, with no seeking and no shared cursor.

use std::fs::File;
use std::io;

use anyhow::Context;

/// How much is gathered before each write to disk: large enough that system
/// calls cost little, small enough that 16 streams hold only 1 MiB.
const BUFFER: usize = 64 * 1024;

/// Writes a stream of chunks into `file` from an offset on.
pub(crate) struct PositionalWriter {
    file: File,
    position: u64,
    buffer: Vec<u8>,
}

impl PositionalWriter {
    /// Start writing at `offset`.
    pub(crate) fn new(file: File, offset: u64) -> Self {
        Self {
            file,
            position: offset,
            buffer: Vec::with_capacity(BUFFER),
        }
    }

    /// Add `chunk`, writing to disk each time the buffer fills.
    pub(crate) fn write(&mut self, chunk: &[u8]) -> anyhow::Result<()> {
        self.buffer.extend_from_slice(chunk);
        if self.buffer.len() >= BUFFER {
            self.flush()?;
        }
        Ok(())
    }

    /// Write what is left.
    pub(crate) fn finish(mut self) -> anyhow::Result<()> {
        self.flush()
    }

    /// Write the buffer where it belongs. This runs on the async worker
    /// itself: a write of this size into the page cache takes microseconds,
    /// and handing each one to the blocking pool cost more CPU (two thread
    /// wake-ups per write) than the write itself.
    fn flush(&mut self) -> anyhow::Result<()> {
        write_all_at(&self.file, &self.buffer, self.position)
            .context("could not write the file")?;
        self.position += self.buffer.len() as u64;
        self.buffer.clear();
        Ok(())
    }
}

#[cfg(unix)]
fn write_all_at(file: &File, buffer: &[u8], position: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buffer, position)
}

#[cfg(windows)]
fn write_all_at(file: &File, mut buffer: &[u8], mut position: u64) -> io::Result<()> {
    while !buffer.is_empty() {
        let written = std::os::windows::fs::FileExt::seek_write(file, buffer, position)?;
        if written == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        buffer = &buffer[written..];
        position += written as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_land_at_their_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![b'.'; 10]).unwrap();
        let data: Vec<u8> = (0..BUFFER * 2 + 7)
            .map(|i| u8::try_from(i % 251).unwrap())
            .collect();
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let mut writer = PositionalWriter::new(file, 3);
        for chunk in data.chunks(10_000) {
            writer.write(chunk).unwrap();
        }
        writer.finish().unwrap();
        let written = std::fs::read(&path).unwrap();
        assert_eq!(&written[..3], b"...");
        assert!(written[3..] == data[..]);
    }
}
