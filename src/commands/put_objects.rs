//! `put-objects`: upload files and folders, several files at a time.

use std::sync::Arc;

use anyhow::Context;
use tokio::task::JoinSet;

use crate::aws::Clients;
use crate::cli::PutObjectsArgs;
use crate::error::ExitStatus;
use crate::output::Console;
use crate::settings::TransferConfig;
use crate::tally::Tally;
use crate::transfer::local::{LocalFile, files_to_upload, key_prefix};
use crate::transfer::upload::{Target, content_type, upload_file};
use crate::transfer::{Progress, Transfer, until_interrupted};

/// What one upload task hands back: the file and how it went.
type Finished = (LocalFile, anyhow::Result<()>);

/// Check every path, then upload all files with at most `-j` requests at
/// once. A failed file is reported and the others carry on; exit 1 then.
pub(crate) async fn run(
    args: &PutObjectsArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let prefix = key_prefix(args.prefix.as_deref())?;
    let files = files_to_upload(&args.paths, &prefix)?;
    if args.dry_run {
        for file in &files {
            writeln!(
                console.out,
                "{} => s3://{}/{}",
                file.path.display(),
                args.bucket,
                file.key
            )?;
        }
        return Ok(ExitStatus::Success);
    }
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
    let mut tally = Tally::new("file");
    let work = upload_all(files, &transfer, &progress, &mut tally, console, clients);
    until_interrupted(work).await?;
    progress.finish();
    if !args.silent {
        console.log(&tally.summary("Uploaded", true))?;
    }
    if let Some(line) = tally.failure_line() {
        console.log(&line)?;
    }
    Ok(tally.status())
}

/// Upload every file, starting the next as soon as fewer than `-j` run.
async fn upload_all(
    files: Vec<LocalFile>,
    transfer: &Arc<Transfer>,
    progress: &Progress,
    tally: &mut Tally,
    console: &mut Console<'_>,
    clients: &Clients,
) -> anyhow::Result<()> {
    let mut tasks = JoinSet::new();
    for file in files {
        while tasks.len() >= transfer.concurrency {
            let finished = tasks.join_next().await.context("no upload running")?;
            record(finished?, tally, progress, console, clients)?;
        }
        let (transfer, progress) = (transfer.clone(), progress.clone());
        tasks.spawn(async move {
            let target = Target {
                key: file.key.clone(),
                content_type: content_type(&file.path, None),
            };
            let result = upload_file(&transfer, &file.path, file.size, &target, &progress).await;
            (file, result)
        });
    }
    while let Some(finished) = tasks.join_next().await {
        record(finished?, tally, progress, console, clients)?;
    }
    Ok(())
}

/// Count a finished upload, reporting it if it failed.
fn record(
    (file, result): Finished,
    tally: &mut Tally,
    progress: &Progress,
    console: &mut Console<'_>,
    clients: &Clients,
) -> std::io::Result<()> {
    progress.file_done();
    match result {
        Ok(()) => tally.succeeded(file.size),
        Err(error) => {
            let error = error.context(format!("could not upload `{}`", file.path.display()));
            progress.println(console.err, &clients.error_line(error))?;
            tally.failed(&file.path.display().to_string());
        }
    }
    Ok(())
}
