//! `delete-objects`: delete named keys, or every key under a prefix, in
//! batches of 1,000 (the most one `DeleteObjects` request takes).

use anyhow::Context;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use tokio::task::JoinSet;

use crate::aws::Clients;
use crate::cli::DeleteObjectsArgs;
use crate::error::{AwsResultExt, ExitStatus, error_text};
use crate::output::{Console, printable};
use crate::tally::{Tally, plural};
use crate::transfer::listing;

/// The most keys one `DeleteObjects` request may name.
const BATCH: usize = 1000;

/// How many batches of named keys may be deleted at once.
const BATCHES_IN_FLIGHT: usize = 4;

/// The line a dry run prints on stdout before the keys, even with
/// `--silent`: the original tool's, kept so that scripts written for it
/// (`tail -n +2`) still see every key.
const DRY_RUN_HEADER: &str = "The following keys would be deleted:";

/// The keys of one batch and the ones S3 refused, with its reason.
type Finished = (Vec<String>, anyhow::Result<Vec<(String, String)>>);

/// Delete in batches; with `--prefix`, each listed page is deleted before the
/// next is fetched, so memory stays flat for any number of keys. Every key
/// S3 refuses is reported, and the exit code is then 1.
pub(crate) async fn run(
    args: &DeleteObjectsArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    crate::settings::objects::delete_prefix(args.prefix.as_deref())?;
    let mut run = Deletion {
        clients,
        bucket: &args.bucket,
        dry_run: args.dry_run,
        header_printed: false,
        tasks: JoinSet::new(),
        tally: Tally::new("object"),
        console,
    };
    match &args.prefix {
        Some(prefix) => run.prefix(prefix).await?,
        None => {
            for batch in args.keys.chunks(BATCH) {
                run.batch(batch.to_vec()).await?;
            }
        }
    }
    run.drain().await?;
    if args.dry_run {
        // Nothing to delete: the header alone, as the original prints it.
        run.header()?;
    }
    if !args.silent {
        let verb = if args.dry_run {
            "Would delete"
        } else {
            "Deleted"
        };
        let summary = format!("{} from `{}`", run.tally.summary(verb, false), args.bucket);
        run.console.log(&summary)?;
    }
    if let Some(line) = run.tally.failure_line() {
        run.console.log(&line)?;
    }
    Ok(run.tally.status())
}

/// One run of `delete-objects`.
struct Deletion<'a, 'c> {
    clients: &'a Clients,
    bucket: &'a str,
    dry_run: bool,
    /// Whether a dry run printed [`DRY_RUN_HEADER`] yet.
    header_printed: bool,
    tasks: JoinSet<Finished>,
    tally: Tally,
    console: &'a mut Console<'c>,
}

impl Deletion<'_, '_> {
    /// Delete every key under `prefix`, page by page: each page is deleted
    /// before the next is listed. Listing while deleting would save a little
    /// time on S3, but S3-compatible servers that list by walking a folder
    /// (s3s-fs among them) then fail the listing with a 500 when a file
    /// vanishes under the walk, and the retry after it costs far more.
    async fn prefix(&mut self, prefix: &str) -> anyhow::Result<()> {
        let mut pages = listing::list(&self.clients.s3, self.bucket, Some(prefix))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let keys: Vec<String> = listing::objects(page.aws("ListObjectsV2")?)?
                .into_iter()
                .filter_map(|object| object.key)
                .collect();
            if !keys.is_empty() {
                self.batch(keys).await?;
                self.drain().await?;
            }
        }
        Ok(())
    }

    /// Delete (or, in a dry run, print) one batch of at most 1,000 keys.
    async fn batch(&mut self, keys: Vec<String>) -> anyhow::Result<()> {
        if self.dry_run {
            self.header()?;
            for key in &keys {
                writeln!(self.console.out, "{}", printable(key))?;
                self.tally.succeeded(0);
            }
            return Ok(());
        }
        while self.tasks.len() >= BATCHES_IN_FLIGHT {
            let finished = self
                .tasks
                .join_next()
                .await
                .context("no deletion running")?;
            self.record(finished?)?;
        }
        let (s3, bucket) = (self.clients.s3.clone(), self.bucket.to_owned());
        self.tasks.spawn(async move {
            let result = delete_batch(&s3, &bucket, &keys).await;
            (keys, result)
        });
        Ok(())
    }

    /// Print [`DRY_RUN_HEADER`] once, before the first key: only once the
    /// keys are known, so a listing that fails prints nothing on stdout.
    fn header(&mut self) -> std::io::Result<()> {
        if !self.header_printed {
            self.header_printed = true;
            writeln!(self.console.out, "{DRY_RUN_HEADER}")?;
        }
        Ok(())
    }

    async fn drain(&mut self) -> anyhow::Result<()> {
        while let Some(finished) = self.tasks.join_next().await {
            self.record(finished?)?;
        }
        Ok(())
    }

    /// Count a finished batch and report every key that was not deleted.
    fn record(&mut self, (keys, result): Finished) -> std::io::Result<()> {
        let refused = match result {
            Ok(refused) => refused,
            Err(error) => {
                let first = printable(keys.first().map_or("", String::as_str));
                let error = error.context(format!(
                    "could not delete {} starting at `{first}`",
                    plural(keys.len() as u64, "key")
                ));
                self.console.log(&self.clients.error_line(error))?;
                for key in &keys {
                    self.tally.failed(key);
                }
                return Ok(());
            }
        };
        for (key, reason) in &refused {
            self.console.log(&error_text(format_args!(
                "could not delete `{}`: {reason}",
                printable(key)
            )))?;
            self.tally.failed(key);
        }
        for _ in refused.len()..keys.len() {
            self.tally.succeeded(0);
        }
        Ok(())
    }
}

/// Delete one batch: returns the keys S3 did not delete and why. Keys that
/// XML 1.0 cannot carry (most control characters) cannot go in a
/// `DeleteObjects` request body, so each of them gets a `DeleteObject`.
async fn delete_batch(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    keys: &[String],
) -> anyhow::Result<Vec<(String, String)>> {
    let (plain, awkward): (Vec<&String>, Vec<&String>) = keys.iter().partition(|key| xml_safe(key));
    let mut refused = if plain.is_empty() {
        Vec::new()
    } else {
        delete_many(s3, bucket, &plain).await?
    };
    for key in awkward {
        let deleted = s3
            .delete_object()
            .bucket(bucket)
            .key(key.as_str())
            .send()
            .await
            .aws("DeleteObject");
        if let Err(error) = deleted {
            refused.push((key.clone(), crate::error::one_line(&error)));
        }
    }
    Ok(refused)
}

/// Whether XML 1.0 can hold `key`: no control characters but tab, line
/// feed and carriage return, and no U+FFFE or U+FFFF.
fn xml_safe(key: &str) -> bool {
    !key.chars().any(|c| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    })
}

/// One quiet `DeleteObjects`: returns the keys S3 did not delete and why.
async fn delete_many(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    keys: &[&String],
) -> anyhow::Result<Vec<(String, String)>> {
    let objects = keys
        .iter()
        .map(|key| ObjectIdentifier::builder().key(key.as_str()).build())
        .collect::<Result<Vec<_>, _>>()
        .context("could not build the request")?;
    let delete = Delete::builder()
        .set_objects(Some(objects))
        .quiet(true)
        .build()
        .context("could not build the request")?;
    let output = s3
        .delete_objects()
        .bucket(bucket)
        .delete(delete)
        .send()
        .await
        .aws("DeleteObjects")?;
    Ok(output
        .errors()
        .iter()
        .map(|error| {
            let reason = match (error.code(), error.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_owned(),
                (None, Some(message)) => message.to_owned(),
                (None, None) => "no reason given".to_owned(),
            };
            (error.key().unwrap_or_default().to_owned(), reason)
        })
        .collect())
}
