//! `get-objects`: download a whole bucket, named keys, or keys matching
//! globs into a folder, several objects at a time.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use globset::GlobSet;
use tokio::task::JoinSet;

use crate::aws::Clients;
use crate::cli::GetObjectsArgs;
use crate::error::{ExitStatus, error_text};
use crate::output::{Console, printable};
use crate::settings::TransferConfig;
use crate::tally::{Tally, plural};
use crate::transfer::destination::{CheckedFolders, Claims, Refusal, local_path};
use crate::transfer::download::{Downloaded, download_file, not_found};
use crate::transfer::key_walk::KeyWalk;
use crate::transfer::{Progress, Transfer, until_interrupted};

/// What one download task hands back: the key and how it went.
type Finished = (String, anyhow::Result<Downloaded>);

/// The downloads of one run, with at most `-j` objects in progress.
struct Downloads<'a, 'c> {
    transfer: Arc<Transfer>,
    folder: PathBuf,
    tasks: JoinSet<Finished>,
    tally: Tally,
    progress: Progress,
    console: &'a mut Console<'c>,
    clients: &'a Clients,
    /// The file each key of this run is written to.
    claims: Claims,
    /// The folders found free of links that lead out.
    checked: CheckedFolders,
    /// `--no-clobber`: existing files are left alone.
    no_clobber: bool,
    /// How many existing files `--no-clobber` left alone.
    skipped: u64,
    silent: bool,
}

/// Download the named keys, then every listed key that matches a pattern (or
/// every key, when neither keys nor patterns are given). Keys that cannot be
/// written as a file in the folder (see [`Refusal`]) are refused and
/// reported; exit 1 then. Existing files are replaced, or with
/// `--no-clobber` left as they are and reported.
pub(crate) async fn run(
    args: &GetObjectsArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let patterns = crate::settings::objects::pattern_set(&args.patterns)?;
    let folder = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.bucket));
    let mut downloads = Downloads {
        transfer: Arc::new(Transfer::new(
            clients,
            &args.bucket,
            TransferConfig::from_args(args.transfer),
        )),
        folder,
        tasks: JoinSet::new(),
        tally: Tally::new("file"),
        progress: Progress::new("Downloading", args.silent),
        console,
        clients,
        claims: Claims::default(),
        checked: CheckedFolders::default(),
        no_clobber: args.no_clobber,
        skipped: 0,
        silent: args.silent,
    };
    until_interrupted(downloads.all(args, &patterns)).await?;
    downloads.finish()
}

impl Downloads<'_, '_> {
    async fn all(&mut self, args: &GetObjectsArgs, patterns: &GlobSet) -> anyhow::Result<()> {
        for key in &args.keys {
            self.start(key, None).await?;
        }
        if args.keys.is_empty() || !patterns.is_empty() {
            let named: HashSet<&str> = args.keys.iter().map(String::as_str).collect();
            let mut pages = KeyWalk::start(&self.transfer.s3, &args.bucket, None);
            while let Some(page) = pages.next_page().await {
                for object in page? {
                    let key = object.key().unwrap_or_default();
                    let wanted = patterns.is_empty() || patterns.is_match(key);
                    let size = object.size().and_then(|size| u64::try_from(size).ok());
                    // A key ending in `/` with no body marks a folder in
                    // consoles; it holds no file. Named, it is refused.
                    let marker = key.ends_with('/') && size == Some(0);
                    if wanted && !named.contains(key) && !marker {
                        self.start(key, size).await?;
                    }
                }
            }
        }
        while let Some(finished) = self.tasks.join_next().await {
            self.record(finished?)?;
        }
        Ok(())
    }

    /// Print the summary (unless `-s`) and what failed; exit 1 if anything did.
    fn finish(&mut self) -> anyhow::Result<ExitStatus> {
        self.progress.finish();
        if !self.silent {
            let mut summary = self.tally.summary("Downloaded", true);
            if self.skipped > 0 {
                let existing = plural(self.skipped, "existing file");
                summary.push_str(&format!(", skipped {existing}"));
            }
            self.console.log(&summary)?;
        }
        if let Some(line) = self.tally.failure_line() {
            self.console.log(&line)?;
        }
        Ok(self.tally.status())
    }

    /// Start downloading `key`, once fewer than `-j` downloads are running.
    async fn start(&mut self, key: &str, size: Option<u64>) -> anyhow::Result<()> {
        let dest = match self.destination(key) {
            Ok(dest) => dest,
            Err(refusal) => {
                let line = error_text(format_args!(
                    "refusing to download `{}`: {refusal}",
                    printable(key)
                ));
                self.progress.println(self.console.err, &line)?;
                self.tally.failed(key);
                return Ok(());
            }
        };
        if self.no_clobber && std::fs::symlink_metadata(&dest).is_ok() {
            return self.skip(key, &dest);
        }
        while self.tasks.len() >= self.transfer.concurrency {
            let finished = self
                .tasks
                .join_next()
                .await
                .context("no download running")?;
            self.record(finished?)?;
        }
        self.progress.add_total(1, size.unwrap_or(0));
        let (transfer, progress, key) =
            (self.transfer.clone(), self.progress.clone(), key.to_owned());
        let replace = !self.no_clobber;
        self.tasks.spawn(async move {
            let result = download_file(&transfer, &key, &dest, size, &progress, replace).await;
            (key, result)
        });
        Ok(())
    }

    /// The file `key` is written to, unless it must not be written at all.
    fn destination(&mut self, key: &str) -> Result<PathBuf, Refusal> {
        let dest = local_path(&self.folder, key)?;
        self.checked.check(&self.folder, &dest)?;
        self.claims.claim(&self.folder, &dest)?;
        Ok(dest)
    }

    /// Leave an existing file alone (`--no-clobber`), saying so.
    fn skip(&mut self, key: &str, dest: &Path) -> anyhow::Result<()> {
        self.skipped += 1;
        if !self.silent {
            let line = format!(
                "Skipped `{}`: `{}` already exists",
                printable(key),
                printable(&dest.display().to_string())
            );
            self.progress.println(self.console.err, &line)?;
        }
        Ok(())
    }

    /// Count a finished download, reporting it if it failed.
    fn record(&mut self, (key, result): Finished) -> std::io::Result<()> {
        self.progress.file_done();
        match result {
            Ok(downloaded) => {
                if let Some(note) = downloaded.unchecked_note(&key) {
                    self.progress.println(self.console.err, &note)?;
                }
                self.tally.succeeded(downloaded.bytes);
            }
            Err(error) => {
                let error =
                    not_found(error).context(format!("could not download `{}`", printable(&key)));
                let line = self.clients.error_line(error);
                self.progress.println(self.console.err, &line)?;
                self.tally.failed(&key);
            }
        }
        Ok(())
    }
}
