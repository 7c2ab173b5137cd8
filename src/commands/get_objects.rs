//! `get-objects`: download a whole bucket, named keys, or keys matching
//! globs into a folder, several objects at a time.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use globset::{Glob, GlobSet, GlobSetBuilder};
use tokio::task::JoinSet;

use crate::aws::Clients;
use crate::cli::GetObjectsArgs;
use crate::error::{AwsResultExt, ExitStatus, UsageError};
use crate::output::Console;
use crate::settings::TransferConfig;
use crate::tally::Tally;
use crate::transfer::download::{download_file, not_found};
use crate::transfer::local::local_path;
use crate::transfer::{Progress, Transfer, until_interrupted};

/// What one download task hands back: the key and how it went.
type Finished = (String, anyhow::Result<u64>);

/// The downloads of one run, with at most `-j` objects in progress.
struct Downloads<'a, 'c> {
    transfer: Arc<Transfer>,
    folder: PathBuf,
    tasks: JoinSet<Finished>,
    tally: Tally,
    progress: Progress,
    console: &'a mut Console<'c>,
    clients: &'a Clients,
}

/// Download the named keys, then every listed key that matches a pattern (or
/// every key, when neither keys nor patterns are given). Keys that would be
/// written outside the folder are refused and reported; exit 1 then.
pub(crate) async fn run(
    args: &GetObjectsArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let patterns = glob_set(&args.patterns)?;
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
    };
    until_interrupted(downloads.all(args, &patterns)).await?;
    downloads.progress.finish();
    if !args.silent {
        let summary = downloads.tally.summary("Downloaded", true);
        downloads.console.log(&summary)?;
    }
    if let Some(line) = downloads.tally.failure_line() {
        downloads.console.log(&line)?;
    }
    Ok(downloads.tally.status())
}

/// The `--pattern` globs; `*` matches across `/`, as in the original tool.
fn glob_set(patterns: &[String]) -> Result<GlobSet, UsageError> {
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern)
            .map_err(|error| UsageError::new(format!("bad `--pattern {pattern}`: {error}")))?;
        set.add(glob);
    }
    set.build()
        .map_err(|error| UsageError::new(format!("bad `--pattern`: {error}")))
}

impl Downloads<'_, '_> {
    async fn all(&mut self, args: &GetObjectsArgs, patterns: &GlobSet) -> anyhow::Result<()> {
        for key in &args.keys {
            self.start(key, None).await?;
        }
        if args.keys.is_empty() || !patterns.is_empty() {
            let named: HashSet<&str> = args.keys.iter().map(String::as_str).collect();
            let mut pages = self
                .transfer
                .s3
                .list_objects_v2()
                .bucket(&args.bucket)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                for object in page.aws("ListObjectsV2")?.contents() {
                    let key = object.key().unwrap_or_default();
                    let wanted = patterns.is_empty() || patterns.is_match(key);
                    if wanted && !named.contains(key) {
                        let size = object.size().and_then(|size| u64::try_from(size).ok());
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

    /// Start downloading `key`, once fewer than `-j` downloads are running.
    async fn start(&mut self, key: &str, size: Option<u64>) -> anyhow::Result<()> {
        // A key ending in `/` marks a folder in consoles; it holds no file.
        if key.ends_with('/') {
            return Ok(());
        }
        let Some(dest) = local_path(&self.folder, key) else {
            let line = format!(
                "Error: refusing to download `{key}`: it would be written outside `{}`",
                self.folder.display()
            );
            self.progress.println(self.console.err, &line)?;
            self.tally.failed(key);
            return Ok(());
        };
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
        self.tasks.spawn(async move {
            let result = download_file(&transfer, &key, &dest, size, &progress).await;
            (key, result)
        });
        Ok(())
    }

    /// Count a finished download, reporting it if it failed.
    fn record(&mut self, (key, result): Finished) -> std::io::Result<()> {
        self.progress.file_done();
        match result {
            Ok(bytes) => self.tally.succeeded(bytes),
            Err(error) => {
                let error = not_found(error).context(format!("could not download `{key}`"));
                let line = self.clients.error_line(error);
                self.progress.println(self.console.err, &line)?;
                self.tally.failed(&key);
            }
        }
        Ok(())
    }
}
