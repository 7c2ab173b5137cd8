//! `put-object`: upload one file, or standard input, to one key.

use std::path::Path;

use crate::aws::Clients;
use crate::cli::PutObjectArgs;
use crate::error::{ExitStatus, UsageError};
use crate::output::Console;
use crate::settings::TransferConfig;
use crate::signals::{Interrupted, StopWatch};
use crate::transfer::upload::{Source, Target, content_type, upload_file, upload_stream};
use crate::transfer::{Progress, Transfer};

/// Upload the file (in parallel parts when large), or stream standard input
/// or anything else whose size is not known (a FIFO, a pipe, a device).
pub(crate) async fn run(
    args: &PutObjectArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let transfer = Transfer::new(
        clients,
        &args.bucket,
        TransferConfig::from_args(args.transfer),
    );
    let input = Input::of(&args.path)?;
    let stop = StopWatch::listen()?;
    upload(args, transfer, input, &stop)
        .await
        .map_err(|error| interrupted(error, args))?;
    if let Some(signal) = stop.signal() {
        // The signal came while the object was being stored, and S3 said it
        // was: that is what happened, whatever the signal wanted.
        console.log(&format!(
            "Stored `s3://{}/{}`: {} came after it had been sent",
            args.bucket,
            args.key,
            signal.name()
        ))?;
    }
    Ok(ExitStatus::Success)
}

/// Send `input` as the object.
async fn upload(
    args: &PutObjectArgs,
    transfer: Transfer,
    input: Input,
    stop: &StopWatch,
) -> anyhow::Result<()> {
    match input {
        Input::Stdin => {
            // Nothing names the data but the key, so its extension decides.
            let target = target(args, Path::new(&args.key));
            let progress = Progress::new_stream("Uploading", args.silent);
            let stdin = tokio::io::stdin();
            upload_stream(&transfer, stdin, Source::Stdin, &target, &progress, stop).await?;
            progress.finish();
        }
        Input::Stream => {
            let target = target(args, &args.path);
            let progress = Progress::new_stream("Uploading", args.silent);
            let source = Source::Path(&args.path);
            // Opening a FIFO waits for a writer: in the blocking pool, so a
            // signal still stops the run.
            let file = stop.cancel(open(&args.path)).await?;
            upload_stream(&transfer, file, source, &target, &progress, stop).await?;
            progress.finish();
        }
        Input::File(size) => {
            let transfer = transfer.for_uploads(size);
            let target = target(args, &args.path);
            let progress = Progress::new("Uploading", args.silent);
            progress.add_total(1, size);
            upload_file(&transfer, &args.path, size, &target, &progress, stop).await?;
            progress.finish();
        }
    }
    Ok(())
}

/// Say that nothing was stored when a signal stopped the upload before it
/// was sent (a multipart upload is aborted then).
fn interrupted(error: anyhow::Error, args: &PutObjectArgs) -> anyhow::Error {
    if error.root_cause().is::<Interrupted>() {
        error.context(format!(
            "`s3://{}/{}` was not stored",
            args.bucket, args.key
        ))
    } else {
        error
    }
}

/// The object's key and Content-Type: the one given, or guessed from `name`.
fn target(args: &PutObjectArgs, name: &Path) -> Target {
    Target {
        key: args.key.clone(),
        content_type: content_type(name, args.content_type.as_deref()),
    }
}

/// What `PATH` names.
enum Input {
    /// `-`.
    Stdin,
    /// Something read to its end whatever its size says: a FIFO, a pipe
    /// (`<(command)`), a character or block device.
    Stream,
    /// A regular file of this many bytes.
    File(u64),
}

impl Input {
    /// Look at `path`; a missing path or a folder is a usage error.
    fn of(path: &Path) -> Result<Self, UsageError> {
        if path == Path::new("-") {
            return Ok(Self::Stdin);
        }
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => Err(UsageError::new(format!(
                "`{}` is a folder: use `put-objects` to upload folders",
                path.display()
            ))),
            Ok(metadata) if metadata.is_file() => Ok(Self::File(metadata.len())),
            Ok(_) => Ok(Self::Stream),
            Err(error) => Err(UsageError::new(format!(
                "cannot read `{}`: {}",
                path.display(),
                crate::error::one_line(&error)
            ))),
        }
    }
}

/// Open `path` for reading.
async fn open(path: &Path) -> anyhow::Result<tokio::fs::File> {
    use anyhow::Context;
    tokio::fs::File::open(path)
        .await
        .with_context(|| format!("could not open `{}`", path.display()))
}
