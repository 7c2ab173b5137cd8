//! `put-object`: upload one file, or standard input, to one key.

use std::path::Path;

use crate::aws::Clients;
use crate::cli::PutObjectArgs;
use crate::error::{ExitStatus, UsageError};
use crate::output::Console;
use crate::settings::TransferConfig;
use crate::transfer::upload::{Target, content_type, upload_file, upload_stream};
use crate::transfer::{Progress, Transfer, until_interrupted};

/// Upload the file (in parallel parts when large) or stream standard input.
pub(crate) async fn run(
    args: &PutObjectArgs,
    clients: &Clients,
    _console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let transfer = Transfer::new(
        clients,
        &args.bucket,
        TransferConfig::from_args(args.transfer),
    );
    if args.path == Path::new("-") {
        // Nothing names the data but the key, so its extension decides.
        let target = Target {
            key: args.key.clone(),
            content_type: content_type(Path::new(&args.key), args.content_type.as_deref()),
        };
        let progress = Progress::new_stream("Uploading", args.silent);
        let stdin = tokio::io::stdin();
        until_interrupted(upload_stream(&transfer, stdin, &target, &progress)).await?;
        progress.finish();
        return Ok(ExitStatus::Success);
    }
    let size = file_size(&args.path)?;
    let transfer = transfer.for_uploads(size);
    let target = Target {
        key: args.key.clone(),
        content_type: content_type(&args.path, args.content_type.as_deref()),
    };
    let progress = Progress::new("Uploading", args.silent);
    progress.add_total(1, size);
    until_interrupted(upload_file(&transfer, &args.path, size, &target, &progress)).await?;
    progress.finish();
    Ok(ExitStatus::Success)
}

/// The size of the file to upload; a missing path or a folder is a usage error.
fn file_size(path: &Path) -> Result<u64, UsageError> {
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => Err(UsageError::new(format!(
            "`{}` is a folder: use `put-objects` to upload folders",
            path.display()
        ))),
        Ok(metadata) => Ok(metadata.len()),
        Err(error) => Err(UsageError::new(format!(
            "cannot read `{}`: {}",
            path.display(),
            crate::error::one_line(&error)
        ))),
    }
}
