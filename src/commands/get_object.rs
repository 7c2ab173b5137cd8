//! `get-object`: download one object to standard output, a file, or a
//! device or pipe.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use crate::aws::Clients;
use crate::cli::GetObjectArgs;
use crate::error::{AwsError, ExitStatus, UsageError};
use crate::output::{Console, printable};
use crate::settings::TransferConfig;
use crate::transfer::download::{Downloaded, download_file, download_to};
use crate::transfer::{Progress, Transfer, until_interrupted};

/// Where `-o` sends the object.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// Standard output: no `-o`, `-o -` or `-o /dev/stdout`.
    Stdout,
    /// Something that is not a regular file (a device such as `/dev/null`,
    /// a FIFO, a socket) or is an open descriptor (`/dev/fd/3`): written
    /// into as it is, never replaced by a file.
    Stream(PathBuf),
    /// A regular file or a new name: written under a temporary name that
    /// is renamed to it when complete and verified.
    File(PathBuf),
}

/// Names of standard output itself: written through this process's own
/// descriptor, so a shell's `>` or `>>` keeps its meaning.
const STDOUT: &[&str] = &["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"];

/// Stream the object to stdout, a device or a pipe, or download it (in
/// parallel ranges when large) to a temporary file that is renamed to
/// `-o FILE` when complete.
pub(crate) async fn run(
    args: &GetObjectArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let transfer = Arc::new(Transfer::new(
        clients,
        &args.bucket,
        TransferConfig::from_args(args.transfer),
    ));
    let result = match target(args.output.as_deref())? {
        Target::Stdout => {
            let progress = Progress::default();
            until_interrupted(download_to(&transfer, &args.key, console.out, &progress)).await
        }
        Target::Stream(path) => {
            let progress = Progress::new("Downloading", args.silent);
            progress.add_total(1, 0);
            let result = until_interrupted(async {
                let mut file = open_for_writing(&path).await?;
                download_to(&transfer, &args.key, &mut file, &progress).await
            })
            .await;
            progress.finish();
            result
        }
        Target::File(path) => {
            let progress = Progress::new("Downloading", args.silent);
            progress.add_total(1, 0);
            let download = download_file(&transfer, &args.key, &path, None, &progress, true);
            let result = until_interrupted(download).await;
            progress.finish();
            result
        }
    };
    match result {
        Ok(downloaded) => report(downloaded, args, console),
        Err(error) => Err(explain_not_found(error, args, clients).await),
    }
}

/// What `-o` names; a folder is a usage error.
fn target(output: Option<&Path>) -> Result<Target, UsageError> {
    let Some(path) = output else {
        return Ok(Target::Stdout);
    };
    if STDOUT.iter().any(|name| path == Path::new(name)) {
        return Ok(Target::Stdout);
    }
    if path.is_dir() {
        return Err(UsageError::new(format!(
            "`-o {}` is a folder: give a file name (or use `get-objects -o DIR`)",
            path.display()
        )));
    }
    // Special files are told by what they are, never by where they are: a
    // new or regular file in `/dev/shm` (a tmpfs) is written the usual way.
    match fs::metadata(path) {
        // A device, FIFO or socket (`stat` says so).
        Ok(metadata) if !metadata.is_file() => Ok(Target::Stream(path.to_owned())),
        // An open descriptor (`/dev/stderr` -> `/proc/self/fd/2`), even one
        // that is not open: a temporary file renamed over it would replace
        // the link itself, even as root `/dev/null`.
        _ if is_descriptor(path) => Ok(Target::Stream(path.to_owned())),
        _ => Ok(Target::File(path.to_owned())),
    }
}

/// Whether `path`, or a symbolic link it leads through, is an entry of a
/// folder on procfs, where open descriptors live (`/proc/self/fd/2`, and
/// `/dev/fd/2` and `/dev/stderr`, which lead there): the file system it
/// is on says so, not its name.
#[cfg(target_os = "linux")]
fn is_descriptor(path: &Path) -> bool {
    let mut path = path.to_owned();
    // As many links as the kernel follows before giving up (ELOOP).
    for _ in 0..40 {
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        if on_procfs(&parent) {
            return true;
        }
        match fs::read_link(&path) {
            Ok(next) => path = parent.join(next),
            Err(_) => return false,
        }
    }
    false
}

/// Whether the folder `dir` is on procfs (`statfs`, following links).
#[cfg(target_os = "linux")]
#[allow(
    unsafe_code,
    reason = "libc::statfs has no safe wrapper in the standard library"
)]
fn on_procfs(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(name) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `statfs` is plain old data, valid zeroed; the call reads the
    // NUL-terminated path and fills only the struct it is given.
    let (found, stats) = unsafe {
        let mut stats: libc::statfs = std::mem::zeroed();
        (libc::statfs(name.as_ptr(), &mut stats) == 0, stats)
    };
    #[allow(clippy::unnecessary_cast)] // `f_type`'s type differs by architecture.
    let procfs = stats.f_type as i64 == libc::PROC_SUPER_MAGIC as i64;
    found && procfs
}

/// Without procfs to ask, the names that lead to open descriptors.
#[cfg(not(target_os = "linux"))]
fn is_descriptor(path: &Path) -> bool {
    path.starts_with("/dev/fd")
        || ["/dev/stdin", "/dev/stdout", "/dev/stderr"]
            .iter()
            .any(|name| path == Path::new(name))
}

/// Warn when the object could not be checked.
fn report(
    downloaded: Downloaded,
    args: &GetObjectArgs,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    if let Some(note) = downloaded.unchecked_note(&args.key) {
        console.log(&note)?;
    }
    Ok(ExitStatus::Success)
}

/// Open an existing device, FIFO or descriptor for writing, as a shell's
/// `>` would (without creating or truncating anything). A FIFO is opened
/// without blocking, waiting for a reader in between tries, so Ctrl+C still
/// ends the wait. A regular file reached through `/proc` or `/dev/fd` is
/// appended to, as `>>` would: its descriptor may have been opened so.
#[cfg(unix)]
#[allow(
    unsafe_code,
    reason = "fcntl has no safe wrapper in std; the block says why it is sound"
)]
async fn open_for_writing(path: &Path) -> anyhow::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = loop {
        let opened = fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path);
        match opened {
            Ok(file) => break file,
            // A FIFO that no one reads yet.
            Err(error) if error.raw_os_error() == Some(libc::ENXIO) => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(error) => {
                return Err(error).with_context(|| format!("could not open `{}`", path.display()));
            }
        }
    };
    let regular = file.metadata().is_ok_and(|metadata| metadata.is_file());
    let descriptor = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this function owns, with plain flags.
    let changed = unsafe {
        let flags = libc::fcntl(descriptor, libc::F_GETFL);
        let append = if regular { libc::O_APPEND } else { 0 };
        flags >= 0
            && libc::fcntl(
                descriptor,
                libc::F_SETFL,
                (flags & !libc::O_NONBLOCK) | append,
            ) == 0
    };
    if !changed {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("could not set up `{}` for writing", path.display()));
    }
    Ok(file)
}

#[cfg(not(unix))]
async fn open_for_writing(path: &Path) -> anyhow::Result<File> {
    fs::OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("could not open `{}`", path.display()))
}

/// Say which is missing, the key or the bucket: a 404 from `HeadObject`
/// does not tell, so ask about the bucket.
async fn explain_not_found(
    error: anyhow::Error,
    args: &GetObjectArgs,
    clients: &Clients,
) -> anyhow::Error {
    let key = printable(&args.key);
    let not_found = error
        .downcast_ref::<AwsError>()
        .is_some_and(AwsError::is_not_found);
    if !not_found {
        return error.context(format!("could not download `{key}`"));
    }
    let bucket = clients.s3.head_bucket().bucket(&args.bucket).send().await;
    let bucket_missing = bucket.is_err_and(|error| {
        error
            .raw_response()
            .is_some_and(|raw| raw.status().as_u16() == 404)
    });
    if bucket_missing {
        anyhow::anyhow!("the bucket `{}` does not exist", args.bucket)
    } else {
        anyhow::anyhow!(
            "no object with the key `{key}` in the bucket `{}`",
            args.bucket
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_targets() {
        assert_eq!(target(None).unwrap(), Target::Stdout);
        for stdout in ["-", "/dev/stdout", "/proc/self/fd/1"] {
            assert_eq!(target(Some(Path::new(stdout))).unwrap(), Target::Stdout);
        }
        let null = Path::new("/dev/null");
        assert_eq!(target(Some(null)).unwrap(), Target::Stream(null.into()));
        let fd = Path::new("/dev/fd/7");
        assert_eq!(target(Some(fd)).unwrap(), Target::Stream(fd.into()));
        let file = Path::new("some/new/file.txt");
        assert_eq!(target(Some(file)).unwrap(), Target::File(file.into()));
        let shm = Path::new("/dev/shm/new.bin");
        assert_eq!(target(Some(shm)).unwrap(), Target::File(shm.into()));
        assert!(target(Some(Path::new("/"))).is_err());
    }
}
