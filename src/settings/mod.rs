//! Rule: every check of a command-line value that needs no AWS happens in
//! `settings/`, which turns a command's clap args into a checked settings
//! value before the first AWS call; the command receives that value and never
//! checks a flag itself. A failed check is a [`UsageError`](crate::error::UsageError)
//! (exit 2) naming the option. Pure parsers of a grammar that is not about
//! flags stay with their topic and are called from here: the trust principal
//! grammar (`policy/trust/`), the grant tag layout (`grant/tags.rs`).
//! Checks that read the local disk (does `get-object -o` name a folder, does
//! an upload path exist, do two files map to one key) are not flag checks:
//! they happen where the files are opened, when the answer is current.
//!
//! Where each command's flags are checked:
//!
//! | command | file |
//! | --- | --- |
//! | `create` | [`create`] (with [`access`], [`tags`], [`dates`], [`duration`], [`json`], [`names`]) |
//! | `policy` | [`policy`] (with [`access`], [`dates`]) |
//! | `localserver` | [`localserver`] (with [`access`], [`duration`]) |
//! | `list-credentials --unused-for` | [`dates`] |
//! | `presign --expires` | [`dates`] |
//! | `get-objects --pattern`, `put-objects --prefix`, `delete-objects --prefix` | [`objects`] |
//! | `rotate-key USER`, `man COMMAND` | [`names`] |
//! | `set-bucket-policy`, `set-cors-policy`, `set-public-access-block` | [`bucket`] |
//! | `--auth`, `--endpoint-url`, regions, timeouts (every AWS command) | [`connection`] |
//! | `--policy -`, `--policy-file -`, `--token-file`, `--auth -` (reading files) | [`input`] |
//! | `-j`, `--part-size` | [`TransferConfig`] here |
//! | bucket arguments (through clap) | [`names`] |

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
pub mod objects;
pub mod policy;
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
