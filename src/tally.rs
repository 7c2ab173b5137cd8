//! Counting what a multi-item command (`put-objects`, `get-objects`,
//! `delete-objects`) did, for its summary line and exit code.

use crate::error::ExitStatus;

/// Counts what a multi-item command did, for its summary and exit code.
#[derive(Debug)]
pub(crate) struct Tally {
    noun: &'static str,
    done: u64,
    bytes: u64,
    failed: Vec<String>,
}

/// How many failed items the summary names before `and N more`.
const NAMED_FAILURES: usize = 10;

impl Tally {
    /// Start counting items called `noun` ("file", "object").
    pub(crate) fn new(noun: &'static str) -> Self {
        Self {
            noun,
            done: 0,
            bytes: 0,
            failed: Vec::new(),
        }
    }

    /// One item of `bytes` bytes succeeded.
    pub(crate) fn succeeded(&mut self, bytes: u64) {
        self.done += 1;
        self.bytes += bytes;
    }

    /// The item `name` failed (its error was already reported).
    pub(crate) fn failed(&mut self, name: &str) {
        self.failed.push(name.to_owned());
    }

    /// Exit 1 when anything failed.
    pub(crate) fn status(&self) -> ExitStatus {
        if self.failed.is_empty() {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        }
    }

    /// `Uploaded 3 files (12 B)`, or `Deleted 2 objects` without sizes.
    pub(crate) fn summary(&self, verb: &str, with_bytes: bool) -> String {
        let count = plural(self.done, self.noun);
        if with_bytes {
            format!("{verb} {count} ({})", indicatif::BinaryBytes(self.bytes))
        } else {
            format!("{verb} {count}")
        }
    }

    /// `Error: 2 of 5 files failed: `a`, `b`` when anything failed.
    pub(crate) fn failure_line(&self) -> Option<String> {
        if self.failed.is_empty() {
            return None;
        }
        let total = self.done + self.failed.len() as u64;
        let mut names: Vec<String> = self
            .failed
            .iter()
            .take(NAMED_FAILURES)
            .map(|name| format!("`{}`", crate::output::printable(name)))
            .collect();
        if self.failed.len() > NAMED_FAILURES {
            names.push(format!("and {} more", self.failed.len() - NAMED_FAILURES));
        }
        Some(crate::error::error_text(format_args!(
            "{} of {} failed: {}",
            self.failed.len(),
            plural(total, self.noun),
            names.join(", ")
        )))
    }
}

/// `1 file`, `2 files`.
pub(crate) fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_count_sizes_and_name_failures() {
        let mut tally = Tally::new("file");
        tally.succeeded(1536);
        assert_eq!(
            tally.summary("Uploaded", true),
            "Uploaded 1 file (1.50 KiB)"
        );
        assert_eq!(tally.failure_line(), None);
        assert_eq!(tally.status(), ExitStatus::Success);
        for n in 0..12 {
            tally.failed(&format!("f{n}"));
        }
        assert_eq!(tally.status(), ExitStatus::Failure);
        assert_eq!(
            tally.failure_line().unwrap(),
            "Error: 12 of 13 files failed: `f0`, `f1`, `f2`, `f3`, `f4`, `f5`, `f6`, `f7`, \
             `f8`, `f9`, and 2 more"
        );
        assert_eq!(
            Tally::new("object").summary("Deleted", false),
            "Deleted 0 objects"
        );
    }
}
