//! `put-objects`: upload files and folders, several files at a time.

use std::sync::Arc;

use anyhow::Context;
use tokio::task::JoinSet;

use crate::aws::Clients;
use crate::cli::PutObjectsArgs;
use crate::error::{ExitStatus, error_text};
use crate::output::Console;
use crate::settings::TransferConfig;
use crate::signals::{Interrupted, StopWatch};
use crate::tally::{Tally, plural};
use crate::transfer::upload::{Target, content_type, upload_file};
use crate::transfer::walk::{LocalFile, Walk, files_to_upload};
use crate::transfer::{Progress, Transfer};

/// What one upload task hands back: the file and how it went.
type Finished = (LocalFile, anyhow::Result<()>);

/// Check every path, then upload all files with at most `-j` requests at
/// once. A failed file is reported and the others carry on; exit 1 then.
/// Ctrl+C or SIGTERM starts no new file and aborts multipart uploads.
pub(crate) async fn run(
    args: &PutObjectsArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let prefix = crate::settings::objects::upload_prefix(args.prefix.as_deref())?;
    let walk = files_to_upload(&args.paths, &prefix, args.follow_links)?;
    for line in &walk.skipped {
        console.log(line)?;
    }
    if args.dry_run {
        return dry_run(args, walk, clients, console);
    }
    let mut tally = Tally::new("file");
    report_unreadable(walk.failed, &mut tally, console, clients)?;
    let files = walk.files;
    let total = files.iter().map(|file| file.size).sum();
    let transfer = Transfer::new(
        clients,
        &args.bucket,
        TransferConfig::from_args(args.transfer),
    )
    .for_uploads(total);
    let transfer = Arc::new(transfer);
    let progress = Progress::new("Uploading", args.silent);
    progress.add_total(files.len() as u64, total);
    let stop = StopWatch::listen()?;
    let run = Run {
        transfer,
        progress: progress.clone(),
        stop: stop.clone(),
    };
    let not_uploaded = run.upload_all(files, &mut tally, console, clients).await?;
    progress.finish();
    if !args.silent {
        console.log(&tally.summary("Uploaded", true))?;
    }
    if let Some(line) = tally.failure_line() {
        console.log(&line)?;
    }
    if let Some(signal) = stop.signal().filter(|_| not_uploaded > 0) {
        console.log(&error_text(format_args!(
            "{}: {} not uploaded",
            Interrupted(signal),
            plural(not_uploaded, "file")
        )))?;
        return Ok(ExitStatus::Failure);
    }
    Ok(tally.status())
}

/// Print the plan; entries that cannot be uploaded are reported (exit 1).
fn dry_run(
    args: &PutObjectsArgs,
    walk: Walk,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    for file in &walk.files {
        writeln!(
            console.out,
            "{} => s3://{}/{}",
            file.path.display(),
            args.bucket,
            file.key
        )?;
    }
    let mut tally = Tally::new("file");
    report_unreadable(walk.failed, &mut tally, console, clients)?;
    Ok(tally.status())
}

/// Report each entry the walk could not take (a link to nothing, say) as a
/// failed file.
fn report_unreadable(
    failed: Vec<(std::path::PathBuf, anyhow::Error)>,
    tally: &mut Tally,
    console: &mut Console<'_>,
    clients: &Clients,
) -> std::io::Result<()> {
    for (path, error) in failed {
        let error = error.context(format!("could not upload `{}`", path.display()));
        console.log(&clients.error_line(error))?;
        tally.failed(&path.display().to_string());
    }
    Ok(())
}

/// What every upload task of a run shares.
struct Run {
    transfer: Arc<Transfer>,
    progress: Progress,
    stop: StopWatch,
}

impl Run {
    /// Upload every file, starting the next as soon as fewer than `-j` run,
    /// until a signal comes. Returns how many files were not uploaded
    /// because of it.
    async fn upload_all(
        &self,
        files: Vec<LocalFile>,
        tally: &mut Tally,
        console: &mut Console<'_>,
        clients: &Clients,
    ) -> anyhow::Result<u64> {
        let mut tasks = JoinSet::new();
        let mut not_uploaded = 0;
        let count = files.len() as u64;
        for (started, file) in (0..).zip(files) {
            while tasks.len() >= self.transfer.concurrency {
                let finished = tasks.join_next().await.context("no upload running")?;
                not_uploaded += self.record(finished?, tally, console, clients)?;
            }
            if self.stop.signal().is_some() {
                not_uploaded += count - started;
                break;
            }
            tasks.spawn(self.upload(file));
        }
        while let Some(finished) = tasks.join_next().await {
            not_uploaded += self.record(finished?, tally, console, clients)?;
        }
        Ok(not_uploaded)
    }

    /// The task that uploads `file`.
    fn upload(&self, file: LocalFile) -> impl Future<Output = Finished> + Send + 'static {
        let (transfer, progress, stop) = (
            self.transfer.clone(),
            self.progress.clone(),
            self.stop.clone(),
        );
        async move {
            let target = Target {
                key: file.key.clone(),
                content_type: content_type(&file.path, None),
            };
            let result =
                upload_file(&transfer, &file.path, file.size, &target, &progress, &stop).await;
            (file, result)
        }
    }

    /// Count a finished upload, reporting it if it failed; 1 when a signal
    /// stopped it before anything was stored.
    fn record(
        &self,
        (file, result): Finished,
        tally: &mut Tally,
        console: &mut Console<'_>,
        clients: &Clients,
    ) -> std::io::Result<u64> {
        self.progress.file_done();
        match result {
            Ok(()) => tally.succeeded(file.size),
            Err(error) if error.root_cause().is::<Interrupted>() && error.chain().count() == 1 => {
                return Ok(1);
            }
            Err(error) => {
                let error = error.context(format!("could not upload `{}`", file.path.display()));
                self.progress
                    .println(console.err, &clients.error_line(error))?;
                tally.failed(&file.path.display().to_string());
            }
        }
        Ok(0)
    }
}
