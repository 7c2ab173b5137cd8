//! Where downloaded keys land in the target folder, and the keys that must
//! not land anywhere: keys that name no file (`a/./b`, `dir/`), keys that
//! would escape the folder (`../x`, `/etc/x`, a symbolic link inside the
//! folder that points out of it), and a second key for a file another key
//! of the same run already writes (`x/y` and `x//y`, or `A` and `a` on a
//! file system that ignores case).

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::output::printable;

/// Why a key is not downloaded: the end of `refusing to download `KEY`: ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// An absolute key, or one whose `..` segments climb above the folder.
    Outside(PathBuf),
    /// A `.` or `..` segment that stays inside: still no name a file can have.
    DotSegment(&'static str),
    /// A NUL character, which no file name can hold.
    Nul,
    /// A key ending in `/` (or made only of `/`): a folder, not a file.
    Folder,
    /// Another key of this run is written to the same file.
    Taken(PathBuf),
    /// A symbolic link on the way leads out of the folder.
    Link {
        link: PathBuf,
        target: PathBuf,
        folder: PathBuf,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Outside(folder) => {
                write!(f, "it would be written outside `{}`", folder.display())
            }
            Self::DotSegment(segment) => write!(
                f,
                "the key has a `{segment}` segment, which cannot be a file or folder name"
            ),
            Self::Nul => write!(
                f,
                "the key contains a NUL character, which no file name can hold"
            ),
            Self::Folder => write!(f, "the key ends in `/`, so it names a folder, not a file"),
            Self::Taken(path) => write!(
                f,
                "another key of this run is written to the same file, `{}`",
                printable(&path.display().to_string())
            ),
            Self::Link {
                link,
                target,
                folder,
            } => write!(
                f,
                "`{}` is a symbolic link to `{}`, outside `{}`",
                link.display(),
                target.display(),
                folder.display()
            ),
        }
    }
}

/// Where `key` goes under `dir`: its `/`-separated segments as folders, empty
/// segments (`a//b`) dropped as a shell would.
pub(crate) fn local_path(dir: &Path, key: &str) -> Result<PathBuf, Refusal> {
    if key.starts_with('/') {
        return Err(Refusal::Outside(dir.to_owned()));
    }
    let mut path = dir.to_path_buf();
    let mut depth = 0_usize;
    let mut dot = None;
    for segment in key.split('/') {
        match segment {
            "" => {}
            "." => dot = dot.or(Some(".")),
            ".." if depth == 0 => return Err(Refusal::Outside(dir.to_owned())),
            ".." => {
                depth -= 1;
                dot = Some("..");
            }
            segment => {
                path.push(segment);
                depth += 1;
            }
        }
    }
    if let Some(segment) = dot {
        return Err(Refusal::DotSegment(segment));
    }
    if key.contains('\0') {
        return Err(Refusal::Nul);
    }
    if key.ends_with('/') || depth == 0 {
        return Err(Refusal::Folder);
    }
    Ok(path)
}

/// Refuse `path` (under `dir`) when one of the folders on the way is a
/// symbolic link that leads out of `dir`: writing there would put the file
/// outside. Links that stay inside are followed. The file itself may be a
/// link: it is replaced, not written through. `Ok(true)` when every folder
/// on the way exists already (so the answer holds for every file in it).
pub(crate) fn check_links(dir: &Path, path: &Path) -> Result<bool, Refusal> {
    let Ok(inside) = path.strip_prefix(dir) else {
        return Ok(false);
    };
    let Some(folders) = inside.parent() else {
        return Ok(false);
    };
    let mut current = dir.to_path_buf();
    for component in folders.components() {
        current.push(component);
        let Ok(metadata) = fs::symlink_metadata(&current) else {
            // Nothing there yet: the rest is created as plain folders.
            return Ok(false);
        };
        if metadata.file_type().is_symlink() {
            let target = fs::canonicalize(&current)
                .unwrap_or_else(|_| fs::read_link(&current).unwrap_or_else(|_| current.clone()));
            let root = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
            if !target.starts_with(&root) {
                return Err(Refusal::Link {
                    link: current,
                    target,
                    folder: dir.to_owned(),
                });
            }
        }
    }
    Ok(true)
}

/// The folders of a run's downloads already checked by [`check_links`] and
/// found to exist inside the target folder: the files that follow in them
/// skip the walk, one check per folder rather than per file. A folder that
/// did not exist yet is checked again for the next file, until it does.
#[derive(Debug, Default)]
pub(crate) struct CheckedFolders(HashSet<PathBuf>);

impl CheckedFolders {
    /// [`check_links`] for `path`, unless its folder passed already.
    pub(crate) fn check(&mut self, dir: &Path, path: &Path) -> Result<(), Refusal> {
        let folder = path.parent().unwrap_or(dir);
        if self.0.contains(folder) {
            return Ok(());
        }
        if check_links(dir, path)? {
            self.0.insert(folder.to_owned());
        }
        Ok(())
    }
}

/// The files the keys of one run are written to, so that a second key for
/// the same file is refused rather than silently replacing the first.
///
/// Only a 64-bit hash of each path is kept, so a run over millions of keys
/// holds megabytes, not the keys themselves; two paths sharing a hash by
/// chance (about one run in 10^7 at a million keys) would refuse one key.
#[derive(Debug, Default)]
pub(crate) struct Claims {
    /// Each claimed path's hash.
    exact: HashSet<u64>,
    /// The same, of each path lower-cased.
    folded: HashSet<u64>,
    /// Whether the target folder's file system ignores case, once known.
    fold_case: Option<bool>,
}

impl Claims {
    /// Claim `path` for its key, unless another key already has it. Paths
    /// that differ only in case clash when the folder `dir` ignores case,
    /// which is asked of the file system the first time it matters.
    pub(crate) fn claim(&mut self, dir: &Path, path: &Path) -> Result<(), Refusal> {
        let taken = || Refusal::Taken(path.to_owned());
        if !self.exact.insert(hash(path.as_os_str())) {
            return Err(taken());
        }
        let folded = hash(path.to_string_lossy().to_lowercase());
        if !self.folded.insert(folded) && *self.fold_case.get_or_insert_with(|| ignores_case(dir)) {
            return Err(taken());
        }
        Ok(())
    }
}

fn hash(value: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Whether the file system of `dir` treats names that differ only in case
/// as one (as macOS and Windows do by default): create a file and look for
/// it under another case. `false` when the folder cannot be written, where
/// the downloads fail anyway.
fn ignores_case(dir: &Path) -> bool {
    if fs::create_dir_all(dir).is_err() {
        return false;
    }
    let name = format!(".s3-credentials-case-{}.probe", std::process::id());
    let probe = dir.join(&name);
    if fs::File::create(&probe).is_err() {
        return false;
    }
    let folds = fs::symlink_metadata(dir.join(name.to_uppercase())).is_ok();
    // Nothing more can be done if this fails; the name is hidden.
    let _ = fs::remove_file(&probe);
    folds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_paths_under_the_folder() {
        let dir = Path::new("out");
        assert_eq!(local_path(dir, "a/b.txt"), Ok(PathBuf::from("out/a/b.txt")));
        assert_eq!(
            local_path(dir, "a//b.txt"),
            Ok(PathBuf::from("out/a/b.txt"))
        );
        let outside = Err(Refusal::Outside(dir.to_owned()));
        for bad in ["../x", "a/../../x", "/etc/passwd", "..", "/", "//a"] {
            assert_eq!(local_path(dir, bad), outside, "{bad:?}");
        }
        assert_eq!(local_path(dir, "a/./b"), Err(Refusal::DotSegment(".")));
        assert_eq!(local_path(dir, "."), Err(Refusal::DotSegment(".")));
        assert_eq!(local_path(dir, "a/../b"), Err(Refusal::DotSegment("..")));
        assert_eq!(local_path(dir, "a\0b"), Err(Refusal::Nul));
        assert_eq!(local_path(dir, "trail/"), Err(Refusal::Folder));
        assert_eq!(local_path(dir, ""), Err(Refusal::Folder));
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(
            Refusal::DotSegment(".").to_string(),
            "the key has a `.` segment, which cannot be a file or folder name"
        );
        let taken = Refusal::Taken(PathBuf::from("d/x\u{1b}y"));
        assert_eq!(
            taken.to_string(),
            "another key of this run is written to the same file, `d/x\\u{1b}y`"
        );
    }

    #[test]
    fn a_second_key_for_a_file_is_refused_and_case_counts_only_where_the_disk_ignores_it() {
        let dir = Path::new("out");
        let taken = |path: &str| Err(Refusal::Taken(PathBuf::from(path)));
        let mut claims = Claims::default();
        claims.claim(dir, Path::new("out/x/y")).unwrap();
        assert_eq!(claims.claim(dir, Path::new("out/x/y")), taken("out/x/y"));
        // A case-sensitive disk: `X/Y` is another file.
        claims.fold_case = Some(false);
        claims.claim(dir, Path::new("out/X/Y")).unwrap();
        assert_eq!(claims.claim(dir, Path::new("out/X/Y")), taken("out/X/Y"));
        // A disk that ignores case, as on macOS: `A.txt` and `a.txt` clash.
        let mut folding = Claims {
            fold_case: Some(true),
            ..Claims::default()
        };
        folding.claim(dir, Path::new("out/A.txt")).unwrap();
        assert_eq!(
            folding.claim(dir, Path::new("out/a.txt")),
            taken("out/a.txt")
        );
    }

    #[test]
    fn the_case_probe_answers_for_this_disk_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // Linux file systems here are case-sensitive.
        assert!(!ignores_case(&dir.path().join("new")));
        assert_eq!(fs::read_dir(dir.path().join("new")).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_folder_are_refused_and_links_inside_followed() {
        let root = tempfile::tempdir().unwrap();
        let (dir, outside) = (root.path().join("d"), root.path().join("elsewhere"));
        fs::create_dir_all(dir.join("real")).unwrap();
        fs::create_dir(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("x")).unwrap();
        std::os::unix::fs::symlink(dir.join("real"), dir.join("inner")).unwrap();
        assert_eq!(
            check_links(&dir, &dir.join("x/y")),
            Err(Refusal::Link {
                link: dir.join("x"),
                target: fs::canonicalize(&outside).unwrap(),
                folder: dir.clone()
            })
        );
        assert_eq!(check_links(&dir, &dir.join("inner/y")), Ok(true));
        assert_eq!(check_links(&dir, &dir.join("new/deeper/y")), Ok(false));
        // The file itself being a link is fine: it is replaced.
        assert_eq!(check_links(&dir, &dir.join("x")), Ok(true));
    }

    /// A folder that did not exist when its first file was checked is
    /// checked again for the next: if a link out appeared there meanwhile,
    /// that file is refused.
    #[cfg(unix)]
    #[test]
    fn a_folder_is_remembered_only_once_it_exists() {
        let root = tempfile::tempdir().unwrap();
        let (dir, outside) = (root.path().join("d"), root.path().join("elsewhere"));
        fs::create_dir_all(dir.join("real")).unwrap();
        fs::create_dir(&outside).unwrap();
        let mut checked = CheckedFolders::default();
        assert_eq!(checked.check(&dir, &dir.join("real/a")), Ok(()));
        assert_eq!(checked.check(&dir, &dir.join("late/a")), Ok(()));
        std::os::unix::fs::symlink(&outside, dir.join("late")).unwrap();
        assert!(matches!(
            checked.check(&dir, &dir.join("late/b")),
            Err(Refusal::Link { .. })
        ));
        assert_eq!(checked.0.len(), 1);
    }
}
