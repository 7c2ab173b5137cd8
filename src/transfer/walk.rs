//! Which files an upload takes, and the keys they get.
//!
//! The rules, as `docs/objects.md` states them:
//! - a path named on the command line is followed if it is a link;
//! - inside folders, links to files are followed (the file's content is
//!   stored under the link's name); links to folders are skipped with a
//!   warning unless `--follow-links`, and a folder already walked (a link
//!   loop) is walked once;
//! - FIFOs, sockets and devices are skipped with a warning, as rsync and
//!   rclone do: reading a FIFO would wait for a writer, and a device may
//!   never end (`put-object` streams them when named);
//! - a link to nothing, or an entry that cannot be read, fails that entry
//!   alone: it is reported and the rest still upload.

use std::collections::HashSet;
use std::fs::{self, Metadata};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::error::{UsageError, warning_text};

/// One file to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalFile {
    /// Where it is on disk.
    pub(crate) path: PathBuf,
    /// The key it is stored under.
    pub(crate) key: String,
    /// Its size when the folder was read.
    pub(crate) size: u64,
}

/// What the paths of an upload stand for.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    /// The files to upload, in order.
    pub(crate) files: Vec<LocalFile>,
    /// One `Warning: ...` line for each entry left out on purpose.
    pub(crate) skipped: Vec<String>,
    /// Entries that cannot be uploaded, with the error saying why.
    pub(crate) failed: Vec<(PathBuf, anyhow::Error)>,
}

/// Check that every path exists (a usage error otherwise, before anything is
/// uploaded), then list the files they stand for: a file is stored under its
/// name, a folder's files under the folder's name and their path inside it.
pub(crate) fn files_to_upload(
    paths: &[PathBuf],
    prefix: &str,
    follow_links: bool,
) -> anyhow::Result<Walk> {
    for path in paths {
        if fs::metadata(path).is_err() {
            return Err(UsageError::new(format!(
                "`{}` does not exist (or cannot be read); nothing was uploaded",
                path.display()
            ))
            .into());
        }
    }
    let mut walk = Walk::default();
    let mut visited = HashSet::new();
    for path in paths {
        let metadata =
            fs::metadata(path).with_context(|| format!("could not read `{}`", path.display()))?;
        let name = match path.file_name() {
            Some(name) => utf8(Path::new(name))?,
            // `.`, `..` and `/` have no name to keep.
            None if metadata.is_dir() => "",
            None => utf8(path)?,
        };
        let key = format!("{prefix}{name}");
        walk.add(path.clone(), key, &metadata, follow_links, &mut visited)?;
    }
    check_unique(&walk.files)?;
    Ok(walk)
}

impl Walk {
    /// Add the entry at `path`, stored as `key` (a folder's files under
    /// `key/`), whose metadata, links followed, is `metadata`.
    fn add(
        &mut self,
        path: PathBuf,
        key: String,
        metadata: &Metadata,
        follow_links: bool,
        visited: &mut HashSet<PathBuf>,
    ) -> anyhow::Result<()> {
        if metadata.is_dir() {
            let base = if key.is_empty() || key.ends_with('/') {
                key
            } else {
                format!("{key}/")
            };
            self.folder(&path, &base, follow_links, visited)
        } else if metadata.is_file() {
            self.files.push(LocalFile {
                path,
                key,
                size: metadata.len(),
            });
            Ok(())
        } else {
            self.skipped.push(warning_text(format_args!(
                "skipped `{}`: {}, not a regular file",
                path.display(),
                special_kind(metadata)
            )));
            Ok(())
        }
    }

    /// Add the entries of the folder `dir` in name order, their keys
    /// starting with `key`; a folder already visited is skipped.
    fn folder(
        &mut self,
        dir: &Path,
        key: &str,
        follow_links: bool,
        visited: &mut HashSet<PathBuf>,
    ) -> anyhow::Result<()> {
        let read_error = || format!("could not read the folder `{}`", dir.display());
        if !visited.insert(fs::canonicalize(dir).with_context(read_error)?) {
            return Ok(());
        }
        let mut entries = fs::read_dir(dir)
            .with_context(read_error)?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect::<Result<Vec<_>, _>>()
            .with_context(read_error)?;
        entries.sort();
        for path in entries {
            if let Err(error) = self.entry(&path, key, follow_links, visited) {
                self.failed.push((path, error));
            }
        }
        Ok(())
    }

    /// Add one entry of a folder whose keys start with `key`; an error fails
    /// this entry alone.
    fn entry(
        &mut self,
        path: &Path,
        key: &str,
        follow_links: bool,
        visited: &mut HashSet<PathBuf>,
    ) -> anyhow::Result<()> {
        let name = path
            .file_name()
            .map_or(Ok(""), |name| utf8(Path::new(name)))?;
        match entry_metadata(path, follow_links)? {
            Some(metadata) => self.add(
                path.to_owned(),
                format!("{key}{name}"),
                &metadata,
                follow_links,
                visited,
            ),
            None => {
                self.skipped.push(warning_text(format_args!(
                    "skipped `{}`: a link to a folder (add `--follow-links` to \
                     upload what it links to)",
                    path.display()
                )));
                Ok(())
            }
        }
    }
}

/// The metadata of a folder entry with links followed, or `None` for a link
/// to a folder that is not to be followed.
fn entry_metadata(path: &Path, follow_links: bool) -> anyhow::Result<Option<Metadata>> {
    let own = fs::symlink_metadata(path).context("could not read it")?;
    if !own.file_type().is_symlink() {
        return Ok(Some(own));
    }
    let target = fs::metadata(path).with_context(|| {
        let to = fs::read_link(path).unwrap_or_default();
        format!("it is a link to `{}`, which cannot be read", to.display())
    })?;
    Ok((follow_links || !target.is_dir()).then_some(target))
}

/// `a FIFO`, `a socket`, `a character device`...: what a non-regular,
/// non-folder entry is.
fn special_kind(metadata: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        } else if kind.is_socket() {
            return "a socket";
        } else if kind.is_char_device() {
            return "a character device";
        } else if kind.is_block_device() {
            return "a block device";
        }
    }
    let _ = metadata;
    "a special file"
}

/// Two files for one key would overwrite each other in the bucket: refuse
/// before uploading either.
fn check_unique(files: &[LocalFile]) -> Result<(), UsageError> {
    let mut seen = std::collections::HashMap::new();
    for file in files {
        if let Some(first) = seen.insert(file.key.as_str(), &file.path) {
            return Err(UsageError::new(format!(
                "`{}` and `{}` would both be stored as `{}`; nothing was uploaded",
                first.display(),
                file.path.display(),
                file.key
            )));
        }
    }
    Ok(())
}

fn utf8(path: &Path) -> anyhow::Result<&str> {
    path.to_str().with_context(|| {
        format!(
            "the name of `{}` is not valid UTF-8, so it cannot be a key",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_the_folder_name_and_the_prefix() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("photos");
        fs::create_dir_all(dir.join("2024/jan")).unwrap();
        fs::write(dir.join("2024/jan/a.jpg"), b"abc").unwrap();
        fs::write(dir.join("top.txt"), b"x").unwrap();
        fs::write(root.path().join("single.txt"), b"12345").unwrap();
        let files = files_to_upload(&[dir.clone(), root.path().join("single.txt")], "up/", false)
            .unwrap()
            .files;
        let keys: Vec<(&str, u64)> = files.iter().map(|f| (f.key.as_str(), f.size)).collect();
        assert_eq!(
            keys,
            [
                ("up/photos/2024/jan/a.jpg", 3),
                ("up/photos/top.txt", 1),
                ("up/single.txt", 5)
            ]
        );
        assert_eq!(files[0].path, dir.join("2024/jan/a.jpg"));

        // A folder given as `..` (or `.`) has no name to keep.
        let inside = files_to_upload(&[dir.join("2024/jan/..")], "", false)
            .unwrap()
            .files;
        assert_eq!(inside[0].key, "jan/a.jpg");
    }

    #[test]
    fn a_missing_path_is_a_usage_error() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("here.txt"), b"x").unwrap();
        let error = files_to_upload(
            &[root.path().join("here.txt"), root.path().join("gone")],
            "",
            false,
        )
        .unwrap_err();
        assert!(error.downcast_ref::<UsageError>().is_some());
        assert!(
            error.to_string().contains("gone` does not exist"),
            "{error}"
        );
    }

    #[test]
    fn two_files_for_one_key_are_refused() {
        let root = tempfile::tempdir().unwrap();
        for dir in ["a", "b"] {
            fs::create_dir(root.path().join(dir)).unwrap();
            fs::write(root.path().join(dir).join("x.txt"), b"x").unwrap();
        }
        let (a, b) = (root.path().join("a/x.txt"), root.path().join("b/x.txt"));
        let error = files_to_upload(&[a.clone(), b.clone()], "", false).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "`{}` and `{}` would both be stored as `x.txt`; nothing was uploaded",
                a.display(),
                b.display()
            )
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_entry_that_cannot_be_a_key_fails_alone() {
        use std::os::unix::ffi::OsStrExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("d");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("ok.txt"), b"x").unwrap();
        let bad = dir.join(std::ffi::OsStr::from_bytes(b"bad\xff"));
        fs::write(&bad, b"x").unwrap();
        let walk = files_to_upload(&[dir], "", false).unwrap();
        let keys: Vec<&str> = walk.files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["d/ok.txt"]);
        assert_eq!(walk.failed.len(), 1);
        assert_eq!(walk.failed[0].0, bad);
        assert!(walk.failed[0].1.to_string().contains("is not valid UTF-8"));
    }

    #[cfg(unix)]
    #[test]
    fn link_loops_are_walked_once() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("d");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("f"), b"x").unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
        let files = files_to_upload(&[dir], "", true).unwrap().files;
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["d/f"]);
    }

    #[test]
    fn prefixes_end_in_a_slash() {}
}
