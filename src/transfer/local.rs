//! Local files and folders on one side of a transfer: which files an upload
//! takes and the keys they get, and how a large object is cut into parts
//! (where a download is written is [`super::destination`]'s).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::error::UsageError;

/// S3 allows at most this many parts in one multipart upload.
const MAX_PARTS: u64 = 10_000;

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

/// Check that every path exists (a usage error otherwise, before anything is
/// uploaded), then list the files they stand for: a file is stored under its
/// name, a folder's files under the folder's name and their path inside it.
pub(crate) fn files_to_upload(paths: &[PathBuf], prefix: &str) -> anyhow::Result<Vec<LocalFile>> {
    for path in paths {
        if fs::metadata(path).is_err() {
            return Err(UsageError::new(format!(
                "`{}` does not exist (or cannot be read); nothing was uploaded",
                path.display()
            ))
            .into());
        }
    }
    let mut files = Vec::new();
    for path in paths {
        let metadata =
            fs::metadata(path).with_context(|| format!("could not read `{}`", path.display()))?;
        if metadata.is_dir() {
            let base = match path.file_name() {
                Some(name) => format!("{}/", utf8(Path::new(name))?),
                // `.`, `..` and `/` have no name to keep.
                None => String::new(),
            };
            walk(
                path,
                &format!("{prefix}{base}"),
                &mut HashSet::new(),
                &mut files,
            )?;
        } else {
            let name = path.file_name().map(Path::new).unwrap_or(path);
            files.push(LocalFile {
                path: path.clone(),
                key: format!("{prefix}{}", utf8(name)?),
                size: metadata.len(),
            });
        }
    }
    check_unique(&files)?;
    Ok(files)
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

/// Add the files under `dir` in name order, their keys starting with `key`.
/// Symbolic links are followed; a folder already visited (a link loop) is
/// skipped.
fn walk(
    dir: &Path,
    key: &str,
    visited: &mut HashSet<PathBuf>,
    files: &mut Vec<LocalFile>,
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
        let metadata =
            fs::metadata(&path).with_context(|| format!("could not read `{}`", path.display()))?;
        let name = path
            .file_name()
            .map_or(Ok(""), |name| utf8(Path::new(name)))?;
        if metadata.is_dir() {
            walk(&path, &format!("{key}{name}/"), visited, files)?;
        } else {
            files.push(LocalFile {
                key: format!("{key}{name}"),
                path,
                size: metadata.len(),
            });
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

/// `--prefix` as the start of every key: empty, or ending in `/`.
pub(crate) fn key_prefix(prefix: Option<&str>) -> Result<String, UsageError> {
    match prefix {
        None | Some("") => Ok(String::new()),
        Some(prefix) if prefix.starts_with('/') => Err(UsageError::new(format!(
            "`--prefix {prefix}` must not start with `/`"
        ))),
        Some(prefix) if prefix.ends_with('/') => Ok(prefix.to_owned()),
        Some(prefix) => Ok(format!("{prefix}/")),
    }
}

/// The part size for an object of `size` bytes: the configured one, or larger
/// when the object would otherwise need more parts than S3 allows.
pub(crate) fn part_size_for(size: u64, part_size: u64) -> u64 {
    part_size.max(size.div_ceil(MAX_PARTS))
}

/// Cut `size` bytes into `(offset, length)` parts of `part_size` bytes (the
/// last one shorter).
pub(crate) fn parts(size: u64, part_size: u64) -> Vec<(u64, u64)> {
    let part_size = part_size.max(1);
    (0..size.div_ceil(part_size))
        .map(|index| {
            let offset = index * part_size;
            (offset, part_size.min(size - offset))
        })
        .collect()
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
        let files = files_to_upload(&[dir.clone(), root.path().join("single.txt")], "up/").unwrap();
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
        let inside = files_to_upload(&[dir.join("2024/jan/..")], "").unwrap();
        assert_eq!(inside[0].key, "jan/a.jpg");
    }

    #[test]
    fn a_missing_path_is_a_usage_error() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("here.txt"), b"x").unwrap();
        let error = files_to_upload(
            &[root.path().join("here.txt"), root.path().join("gone")],
            "",
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
        let error = files_to_upload(&[a.clone(), b.clone()], "").unwrap_err();
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
    fn link_loops_are_walked_once() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("d");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("f"), b"x").unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
        let files = files_to_upload(&[dir], "").unwrap();
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["d/f"]);
    }

    #[test]
    fn prefixes_end_in_a_slash() {
        assert_eq!(key_prefix(None).unwrap(), "");
        assert_eq!(key_prefix(Some("a")).unwrap(), "a/");
        assert_eq!(key_prefix(Some("a/b/")).unwrap(), "a/b/");
        assert!(key_prefix(Some("/a")).is_err());
    }

    #[test]
    fn parts_cover_the_object_exactly() {
        assert_eq!(parts(10, 4), [(0, 4), (4, 4), (8, 2)]);
        assert_eq!(parts(8, 4), [(0, 4), (4, 4)]);
        assert_eq!(parts(0, 4), []);
        assert_eq!(part_size_for(100, 8), 8);
        assert_eq!(part_size_for(200_000, 8), 20);
    }
}
