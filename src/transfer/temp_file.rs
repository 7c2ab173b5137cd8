//! A download's file under a hidden temporary name beside its destination,
//! renamed to the real name only when complete and verified, and removed
//! when dropped before that: no partial file ever carries the real name.

use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};

/// Where a download goes, and whether it may replace a file already there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dest<'a> {
    pub(crate) path: &'a Path,
    pub(crate) replace: bool,
}

/// A file being downloaded, under a hidden temporary name beside its
/// destination; removed again unless [`TempFile::commit`] renames it.
pub(crate) struct TempFile {
    path: PathBuf,
    committed: bool,
}

/// Opens a [`TempFile`] again for writing. It never creates the file: once
/// the download is dropped and the file removed, opening fails.
#[derive(Debug, Clone)]
pub(crate) struct Reopen(Arc<Path>);

impl Reopen {
    /// Another handle for writing.
    pub(crate) fn open(&self) -> anyhow::Result<File> {
        OpenOptions::new()
            .write(true)
            .open(&self.0)
            .with_context(|| format!("could not open `{}`", self.0.display()))
    }
}

impl TempFile {
    /// Create the temporary file (and the destination's folder), with a
    /// handle to write it.
    pub(crate) fn create(dest: &Path) -> anyhow::Result<(Self, File)> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let folder = dest.parent().unwrap_or(Path::new("."));
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = folder.join(format!(
            ".s3-credentials-{}-{n}.partial",
            std::process::id()
        ));
        let open = || OpenOptions::new().write(true).create_new(true).open(&path);
        // The folder is created only when the file cannot be for want of
        // it (or a file is in its way, which `create_dir_all` then names):
        // most files of a run go to folders that already exist, and trying
        // `mkdir` first would cost every file two system calls.
        let file = match open() {
            Err(error)
                if matches!(error.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) =>
            {
                fs::create_dir_all(folder).with_context(|| {
                    format!("could not create the folder `{}`", folder.display())
                })?;
                open()
            }
            opened => opened,
        }
        .with_context(|| format!("could not create `{}`", path.display()))?;
        let temp = Self {
            path,
            committed: false,
        };
        Ok((temp, file))
    }

    /// What opens further handles for writing, so ranges can be written
    /// side by side by tasks of their own.
    pub(crate) fn reopener(&self) -> Reopen {
        Reopen(Arc::from(self.path.as_path()))
    }

    /// Give the finished file its real name: replacing a file of that name,
    /// or, unless `dest.replace`, only if there is none.
    pub(crate) fn commit(mut self, dest: Dest<'_>) -> anyhow::Result<()> {
        let written = || format!("could not write `{}`", dest.path.display());
        if dest.replace {
            fs::rename(&self.path, dest.path).with_context(written)?;
            self.committed = true;
            return Ok(());
        }
        // A hard link is made only if the name is free, in one step; the
        // temporary name is then removed on drop.
        match fs::hard_link(&self.path, dest.path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == ErrorKind::AlreadyExists => bail!(
                "`{}` appeared during the download and was left as it was",
                dest.path.display()
            ),
            // File systems without hard links (FAT): check, then rename.
            Err(_) if fs::symlink_metadata(dest.path).is_err() => {
                fs::rename(&self.path, dest.path).with_context(written)?;
                self.committed = true;
                Ok(())
            }
            Err(error) => Err(error).with_context(written),
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            // Nothing more can be done if this fails; the name is hidden.
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_folders_are_made_and_the_file_lands_under_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a/b/c.txt");
        let (temp, mut file) = TempFile::create(&dest).unwrap();
        std::io::Write::write_all(&mut file, b"body").unwrap();
        drop(file);
        temp.commit(Dest {
            path: &dest,
            replace: false,
        })
        .unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"body");
        let names: Vec<_> = fs::read_dir(dest.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["c.txt"], "no temporary file is left beside it");
    }

    #[test]
    fn a_file_in_the_way_of_the_folder_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a"), b"").unwrap();
        let dest = dir.path().join("a/b/c.txt");
        let error = TempFile::create(&dest).err().unwrap();
        let folder = dir.path().join("a/b");
        assert_eq!(
            error.to_string(),
            format!("could not create the folder `{}`", folder.display())
        );
    }
}
