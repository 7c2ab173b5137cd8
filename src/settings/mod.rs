//! Raw command-line values turned into checked settings: the one place where
//! flags become values the commands use.
//!
//! Everything that can be validated without AWS is validated here, before the
//! first AWS call, and fails with a [`UsageError`](crate::error::UsageError)
//! (exit 2).

pub mod access;
pub mod bucket;
pub mod connection;
pub mod create;
pub mod dates;
pub mod duration;
mod format;
pub mod input;
pub mod json;
pub mod localserver;
pub mod names;
pub mod tags;

pub use access::Access;
pub use connection::{Connection, StaticCredentials, parse_auth, read_auth_file};

/// How uploads and downloads run, from `-j` and `--part-size`.
#[derive(Debug, Clone, Copy)]
pub struct TransferConfig {
    /// How many requests may run at once, before the open-file limit is
    /// taken into account.
    pub concurrency: usize,
    /// The part size of multipart transfers, in bytes.
    pub part_size: u64,
}

impl TransferConfig {
    /// The transfer flags with their defaults applied.
    pub fn from_args(args: crate::cli::TransferArgs) -> Self {
        Self {
            concurrency: usize::from(args.concurrency),
            part_size: args.part_size.unwrap_or(crate::transfer::DEFAULT_PART_SIZE),
        }
    }
}
