//! `get-object`: download one object to standard output or a file.

use crate::aws::Clients;
use crate::cli::GetObjectArgs;
use crate::error::{AwsError, ExitStatus, UsageError};
use crate::output::Console;
use crate::settings::TransferConfig;
use crate::transfer::download::{download_file, download_to};
use crate::transfer::{Progress, Transfer, until_interrupted};

/// Stream the object to stdout, or download it (in parallel ranges when
/// large) to a temporary file that is renamed to `-o FILE` when complete.
pub(crate) async fn run(
    args: &GetObjectArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let transfer = Transfer::new(
        clients,
        &args.bucket,
        TransferConfig::from_args(args.transfer),
    );
    let result = match &args.output {
        None => {
            let progress = Progress::default();
            until_interrupted(download_to(&transfer, &args.key, console.out, &progress)).await
        }
        Some(path) => {
            if path.is_dir() {
                return Err(UsageError::new(format!(
                    "`-o {}` is a folder: give a file name (or use `get-objects -o DIR`)",
                    path.display()
                ))
                .into());
            }
            let progress = Progress::new("Downloading", args.silent);
            progress.add_total(1, 0);
            let download = download_file(&transfer, &args.key, path, None, &progress);
            let result = until_interrupted(download).await;
            progress.finish();
            result
        }
    };
    match result {
        Ok(_) => Ok(ExitStatus::Success),
        Err(error) => Err(explain_not_found(error, args, clients).await),
    }
}

/// Say which is missing, the key or the bucket: a 404 from `HeadObject`
/// does not tell, so ask about the bucket.
async fn explain_not_found(
    error: anyhow::Error,
    args: &GetObjectArgs,
    clients: &Clients,
) -> anyhow::Error {
    let not_found = error
        .downcast_ref::<AwsError>()
        .is_some_and(AwsError::is_not_found);
    if !not_found {
        return error.context(format!("could not download `{}`", args.key));
    }
    let bucket = clients.s3.head_bucket().bucket(&args.bucket).send().await;
    let bucket_missing = bucket.is_err_and(|error| {
        error
            .raw_response()
            .is_some_and(|raw| raw.status().as_u16() == 404)
    });
    if bucket_missing {
        anyhow::anyhow!("the bucket `{}` does not exist", args.bucket)
    } else {
        anyhow::anyhow!(
            "no object with the key `{}` in the bucket `{}`",
            args.key,
            args.bucket
        )
    }
}
