//! Listing every key under a prefix in key order, a folder at a time and
//! several folders at once when the keys are in folders.
//!
//! `ListObjectsV2` hands out one page of up to 1,000 keys per request, and
//! each page needs the previous page's token, so one listing is a chain of
//! round trips. A bucket whose keys sit in folders (`logs/2024/...`) can be
//! listed faster: ask once with `delimiter=/`, which answers the keys at the
//! top and the folders (common prefixes) below it, then list the folders
//! side by side, as rclone does.
//!
//! The rules, so that nothing but the speed changes:
//! - **Order.** Pages come out in exactly the order of a plain listing: S3
//!   sorts keys by their UTF-8 bytes, a folder's keys all sort between the
//!   keys before and after its prefix, so the top-level answer (keys and
//!   folders merged in order) fixes where each folder's keys go.
//! - **Requests.** A key space without folders costs what a plain listing
//!   costs: the `delimiter=/` pages of a flat key space are the same pages.
//!   A folder costs one request more than its share of a plain listing (its
//!   last, partly filled page); a top level that is one folder alone is
//!   walked into (one request per level) so `data/2024/...` still spreads.
//! - **Memory.** At most [`FOLDERS_AT_ONCE`] folders are listed ahead of
//!   the one being printed, each holding at most [`PAGES_AHEAD`] pages.
//! - **Permissions.** A policy that allows the plain listing but not the
//!   `delimiter=/` one (a condition on `s3:delimiter`) gets the plain
//!   listing: the first request's `AccessDenied` is retried without it.

use std::collections::VecDeque;

use aws_sdk_s3::Client;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::types::Object;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::listing;
use crate::error::AwsResultExt;

/// How many folders are listed at once.
const FOLDERS_AT_ONCE: usize = 16;

/// How many pages a listing may get ahead of the printing.
const PAGES_AHEAD: usize = 2;

/// How many levels of lone folders (`a/`, then `a/b/`, ...) are walked into
/// before the keys below are listed one folder at a time anyway.
const LONE_FOLDER_LEVELS: usize = 8;

/// What a listing task sends: a page, or that it ended. A channel that
/// closes without [`Sent::End`] means the task stopped before its end.
#[derive(Debug)]
enum Sent<T> {
    Page(T),
    End,
}

/// The keys and folders of one `delimiter=/` page, merged in key order.
#[derive(Debug)]
enum Segment {
    Objects(Vec<Object>),
    Folder(String),
}

/// A part of the output still to come: keys in hand, or a folder whose
/// listing has (or has not yet) been started.
enum Pending {
    Objects(Vec<Object>),
    Folder {
        prefix: String,
        pages: Option<mpsc::Receiver<anyhow::Result<Sent<Vec<Object>>>>>,
    },
}

/// Every object under a prefix of one bucket, page by page, in key order.
pub(crate) struct KeyWalk {
    s3: Client,
    bucket: String,
    /// The top level's pages, from the task that lists it.
    top: mpsc::Receiver<anyhow::Result<Sent<Vec<Segment>>>>,
    top_ended: bool,
    queue: VecDeque<Pending>,
    /// Every listing task; dropping the walk stops them.
    tasks: JoinSet<()>,
}

impl KeyWalk {
    /// Start listing `bucket`'s keys under `prefix` (all when `None`).
    pub(crate) fn start(s3: &Client, bucket: &str, prefix: Option<&str>) -> Self {
        let mut tasks = JoinSet::new();
        let (send, top) = mpsc::channel(1);
        let (client, name) = (s3.clone(), bucket.to_owned());
        let prefix = prefix.unwrap_or_default().to_owned();
        tasks.spawn(async move { list_top(&client, &name, prefix, &send).await });
        Self {
            s3: s3.clone(),
            bucket: bucket.to_owned(),
            top,
            top_ended: false,
            queue: VecDeque::new(),
            tasks,
        }
    }

    /// The next page of objects in key order; `None` once all were given.
    pub(crate) async fn next_page(&mut self) -> Option<anyhow::Result<Vec<Object>>> {
        loop {
            self.start_folders();
            match self.queue.front_mut() {
                Some(Pending::Objects(objects)) => {
                    let objects = std::mem::take(objects);
                    self.queue.pop_front();
                    return Some(Ok(objects));
                }
                Some(Pending::Folder { prefix, pages }) => {
                    let Some(pages) = pages else {
                        continue;
                    };
                    match received(pages.recv().await, prefix) {
                        Ok(Sent::Page(objects)) => return Some(Ok(objects)),
                        Ok(Sent::End) => {
                            self.queue.pop_front();
                        }
                        Err(error) => return Some(Err(error)),
                    }
                }
                None if self.top_ended => return None,
                None => match received(self.top.recv().await, "") {
                    Ok(Sent::Page(segments)) => {
                        self.queue
                            .extend(segments.into_iter().map(|segment| match segment {
                                Segment::Objects(objects) => Pending::Objects(objects),
                                Segment::Folder(prefix) => Pending::Folder {
                                    prefix,
                                    pages: None,
                                },
                            }))
                    }
                    Ok(Sent::End) => self.top_ended = true,
                    Err(error) => return Some(Err(error)),
                },
            }
        }
    }

    /// Start the listings of the first [`FOLDERS_AT_ONCE`] folders waiting.
    fn start_folders(&mut self) {
        let waiting = self
            .queue
            .iter_mut()
            .filter_map(|pending| match pending {
                Pending::Folder { prefix, pages } => Some((prefix, pages)),
                Pending::Objects(_) => None,
            })
            .take(FOLDERS_AT_ONCE);
        for (prefix, pages) in waiting {
            if pages.is_none() {
                let (send, receive) = mpsc::channel(PAGES_AHEAD);
                let (s3, bucket, prefix) = (self.s3.clone(), self.bucket.clone(), prefix.clone());
                self.tasks
                    .spawn(async move { list_folder(&s3, &bucket, &prefix, &send).await });
                *pages = Some(receive);
            }
        }
    }
}

/// What came out of a listing task's channel, a closed channel that never
/// said [`Sent::End`] turned into an error.
fn received<T>(message: Option<anyhow::Result<Sent<T>>>, prefix: &str) -> anyhow::Result<Sent<T>> {
    message.unwrap_or_else(|| {
        Err(anyhow::anyhow!(
            "the listing of `{}` stopped before its end",
            crate::output::printable(prefix)
        ))
    })
}

/// List one folder plainly (no delimiter), page by page, into `send`.
async fn list_folder(
    s3: &Client,
    bucket: &str,
    prefix: &str,
    send: &mpsc::Sender<anyhow::Result<Sent<Vec<Object>>>>,
) {
    let mut pages = listing::list(s3, bucket, Some(prefix))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let objects = page
            .aws("ListObjectsV2")
            .map_err(anyhow::Error::from)
            .and_then(listing::objects);
        let failed = objects.is_err();
        if send.send(objects.map(Sent::Page)).await.is_err() || failed {
            return;
        }
    }
    // The walk may be gone already: then nobody needs the end either.
    let _ = send.send(Ok(Sent::End)).await;
}

/// List the top level with `delimiter=/`, walking into a lone folder, and
/// send its keys and folders page by page; without the delimiter when the
/// first such request is denied.
async fn list_top(
    s3: &Client,
    bucket: &str,
    mut prefix: String,
    send: &mpsc::Sender<anyhow::Result<Sent<Vec<Segment>>>>,
) {
    let mut levels = 0;
    let mut token: Option<String> = None;
    loop {
        let page = listing::list(s3, bucket, Some(&prefix))
            .delimiter("/")
            .set_continuation_token(token.clone())
            .send()
            .await;
        let page = match page {
            Err(error) if token.is_none() && levels == 0 && denied(&error) => {
                return list_plainly(s3, bucket, &prefix, send).await;
            }
            other => other.aws("ListObjectsV2").map_err(anyhow::Error::from),
        };
        let (segments, next) = match page.and_then(segments) {
            Ok(page) => page,
            Err(error) => {
                let _ = send.send(Err(error)).await;
                return;
            }
        };
        if token.is_none() && next.is_none() && levels < LONE_FOLDER_LEVELS {
            if let [Segment::Folder(folder)] = segments.as_slice() {
                prefix.clone_from(folder);
                levels += 1;
                continue;
            }
        }
        if send.send(Ok(Sent::Page(segments))).await.is_err() {
            return;
        }
        token = next;
        if token.is_none() {
            let _ = send.send(Ok(Sent::End)).await;
            return;
        }
    }
}

/// The top level listed the plain way: every key a segment of its page.
async fn list_plainly(
    s3: &Client,
    bucket: &str,
    prefix: &str,
    send: &mpsc::Sender<anyhow::Result<Sent<Vec<Segment>>>>,
) {
    let mut pages = listing::list(s3, bucket, Some(prefix))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let objects = page
            .aws("ListObjectsV2")
            .map_err(anyhow::Error::from)
            .and_then(listing::objects);
        let failed = objects.is_err();
        let segments = objects.map(|objects| Sent::Page(vec![Segment::Objects(objects)]));
        if send.send(segments).await.is_err() || failed {
            return;
        }
    }
    let _ = send.send(Ok(Sent::End)).await;
}

/// Whether S3 refused the request for want of permission.
fn denied<E, R>(error: &aws_sdk_s3::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_s3::error::ProvideErrorMetadata,
{
    error.as_service_error().and_then(|e| e.code()) == Some("AccessDenied")
}

/// One `delimiter=/` page as segments in key order, and the token of the
/// next page, if any.
fn segments(page: ListObjectsV2Output) -> anyhow::Result<(Vec<Segment>, Option<String>)> {
    let next = page
        .is_truncated()
        .unwrap_or(false)
        .then(|| page.next_continuation_token().map(str::to_owned))
        .flatten();
    let folders = listing::folders(&page)?;
    let objects = listing::objects(page)?;
    Ok((merge(objects, folders), next))
}

/// Merge a page's keys and folders (each sorted) into one sorted list:
/// keys between two folders become one segment.
fn merge(objects: Vec<Object>, folders: Vec<String>) -> Vec<Segment> {
    let mut merged = Vec::new();
    let mut run: Vec<Object> = Vec::new();
    let mut folders = folders.into_iter().peekable();
    for object in objects {
        let key = object.key().unwrap_or_default();
        while let Some(folder) = folders.next_if(|folder| folder.as_str() < key) {
            if !run.is_empty() {
                merged.push(Segment::Objects(std::mem::take(&mut run)));
            }
            merged.push(Segment::Folder(folder));
        }
        run.push(object);
    }
    if !run.is_empty() {
        merged.push(Segment::Objects(run));
    }
    merged.extend(folders.map(Segment::Folder));
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(key: &str) -> Object {
        Object::builder().key(key).build()
    }

    fn shape(segments: &[Segment]) -> Vec<String> {
        segments
            .iter()
            .map(|segment| match segment {
                Segment::Objects(objects) => objects
                    .iter()
                    .filter_map(Object::key)
                    .collect::<Vec<_>>()
                    .join(","),
                Segment::Folder(prefix) => format!("[{prefix}]"),
            })
            .collect()
    }

    #[test]
    fn keys_and_folders_merge_in_key_order() {
        // `a` < `a-b` < `a/` (its keys) < `a0` < `b/` < `c`: byte order, as S3 sorts.
        let merged = merge(
            vec![object("a"), object("a-b"), object("a0"), object("c")],
            vec!["a/".into(), "b/".into()],
        );
        assert_eq!(shape(&merged), ["a,a-b", "[a/]", "a0", "[b/]", "c"]);
        assert_eq!(shape(&merge(Vec::new(), vec!["x/".into()])), ["[x/]"]);
        assert_eq!(shape(&merge(vec![object("k")], Vec::new())), ["k"]);
    }
}
