//! Listing every key under a prefix in key order, a folder at a time and
//! several folders at once when the keys are in folders (`list-bucket`, and
//! `get-objects`, whose first downloads then start after the first folder's
//! answer rather than after a page of the whole bucket).
//!
//! `ListObjectsV2` hands out one page of up to 1,000 keys per request, and
//! each page needs the previous page's token, so one listing is a chain of
//! round trips. A bucket whose keys sit in folders (`logs/2024/...`) can be
//! listed faster: ask once with `delimiter=/`, which answers the keys at the
//! top and the folders (common prefixes) below it, then list the folders
//! side by side, as rclone does. A server that keeps keys as files (s3s-fs)
//! answers a `delimiter=/` listing of a folder from that folder alone.
//!
//! Every folder is listed the same way, so a tree spreads as deep as it
//! goes: `data/2024/...` is walked into, one request a level.
//!
//! The rules, so that nothing but the speed changes:
//! - **Order.** Pages come out in exactly the order of a plain listing: S3
//!   sorts keys by their UTF-8 bytes, a folder's keys all sort between the
//!   keys before and after its prefix, so each answer (keys and folders
//!   merged in order) fixes where each folder's keys go.
//! - **Requests.** A key space without folders costs what a plain listing
//!   costs: the `delimiter=/` pages of a flat key space are the same pages.
//!   Each folder costs one request (more if it holds over 1,000 entries).
//!   So that a tree of many tiny folders cannot cost a request per key, at
//!   most [`DELIMITED_FREE`] folders, plus one per [`KEYS_PER_DELIMITED`]
//!   keys listed, are listed with `delimiter=/`; the others plainly, their
//!   folders included.
//! - **Memory.** At most [`FOLDERS_AT_ONCE`] folders are listed ahead of
//!   the one being printed, each holding at most [`PAGES_AHEAD`] pages.
//! - **Permissions.** A policy that allows the plain listing but not the
//!   `delimiter=/` one (a condition on `s3:delimiter`) gets the plain
//!   listing: a first `delimiter=/` request denied is sent again without.

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

/// Folders listed with `delimiter=/` (whose own folders are then listed
/// apart) before any key came: enough to spread most trees.
const DELIMITED_FREE: usize = 1000;

/// Beyond [`DELIMITED_FREE`], one more folder listed with `delimiter=/` for
/// every this many keys listed; the others are listed plainly, their
/// folders included. A tree of many tiny folders then costs at most some
/// ten times the requests of a plain listing, never one per folder.
const KEYS_PER_DELIMITED: usize = 100;

/// What a listing task sends: a page, or that it ended. A channel that
/// closes without [`Sent::End`] means the task stopped before its end.
#[derive(Debug)]
enum Sent {
    Page(Vec<Segment>),
    End,
}

type Pages = mpsc::Receiver<anyhow::Result<Sent>>;

/// The keys and folders of one page, merged in key order.
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
        pages: Option<Pages>,
    },
}

impl From<Segment> for Pending {
    fn from(segment: Segment) -> Self {
        match segment {
            Segment::Objects(objects) => Self::Objects(objects),
            Segment::Folder(prefix) => Self::Folder {
                prefix,
                pages: None,
            },
        }
    }
}

/// Every object under a prefix of one bucket, page by page, in key order.
pub(crate) struct KeyWalk {
    s3: Client,
    bucket: String,
    /// What is still to come, in key order: the front is given next, and a
    /// folder's page is put in front of the rest of that folder.
    queue: VecDeque<Pending>,
    /// How many folders were listed with `delimiter=/`, how many may be
    /// before any key came ([`DELIMITED_FREE`]), and how many keys came:
    /// see [`KEYS_PER_DELIMITED`].
    delimited: usize,
    free: usize,
    keys: usize,
    /// Every listing task; dropping the walk stops them.
    tasks: JoinSet<()>,
}

impl KeyWalk {
    /// Start listing `bucket`'s keys under `prefix` (all when `None`).
    pub(crate) fn start(s3: &Client, bucket: &str, prefix: Option<&str>) -> Self {
        Self::with_free(s3, bucket, prefix, DELIMITED_FREE)
    }

    /// [`KeyWalk::start`] with another [`DELIMITED_FREE`].
    fn with_free(s3: &Client, bucket: &str, prefix: Option<&str>, free: usize) -> Self {
        let top = Pending::Folder {
            prefix: prefix.unwrap_or_default().to_owned(),
            pages: None,
        };
        let mut walk = Self {
            s3: s3.clone(),
            bucket: bucket.to_owned(),
            queue: VecDeque::from([top]),
            delimited: 0,
            free,
            keys: 0,
            tasks: JoinSet::new(),
        };
        walk.start_folders();
        walk
    }

    /// The next page of objects in key order; `None` once all were given.
    pub(crate) async fn next_page(&mut self) -> Option<anyhow::Result<Vec<Object>>> {
        loop {
            self.start_folders();
            match self.queue.front_mut()? {
                Pending::Objects(objects) => {
                    let objects = std::mem::take(objects);
                    self.queue.pop_front();
                    self.keys += objects.len();
                    return Some(Ok(objects));
                }
                Pending::Folder {
                    prefix,
                    pages: Some(pages),
                } => match received(pages.recv().await, prefix) {
                    Ok(Sent::Page(segments)) => {
                        for segment in segments.into_iter().rev() {
                            self.queue.push_front(segment.into());
                        }
                    }
                    Ok(Sent::End) => {
                        self.queue.pop_front();
                    }
                    Err(error) => return Some(Err(error)),
                },
                // Never: `start_folders` starts the front folder first.
                Pending::Folder {
                    prefix,
                    pages: None,
                } => {
                    let prefix = crate::output::printable(prefix);
                    return Some(Err(anyhow::anyhow!(
                        "the listing of `{prefix}` was never started"
                    )));
                }
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
                let delimited = self.delimited < self.free + self.keys / KEYS_PER_DELIMITED;
                self.delimited += usize::from(delimited);
                let (send, receive) = mpsc::channel(PAGES_AHEAD);
                let (s3, bucket, prefix) = (self.s3.clone(), self.bucket.clone(), prefix.clone());
                self.tasks.spawn(async move {
                    list(&s3, &bucket, &prefix, delimited, &send).await;
                });
                *pages = Some(receive);
            }
        }
    }
}

/// What came out of a listing task's channel, a closed channel that never
/// said [`Sent::End`] turned into an error.
fn received(message: Option<anyhow::Result<Sent>>, prefix: &str) -> anyhow::Result<Sent> {
    message.unwrap_or_else(|| {
        Err(anyhow::anyhow!(
            "the listing of `{}` stopped before its end",
            crate::output::printable(prefix)
        ))
    })
}

/// List the keys under `prefix` page by page into `send`: with
/// `delimiter=/` when `delimited` (its folders come as folders, to be
/// listed apart), plainly when not, or when the first `delimiter=/`
/// request is denied.
async fn list(
    s3: &Client,
    bucket: &str,
    prefix: &str,
    mut delimited: bool,
    send: &mpsc::Sender<anyhow::Result<Sent>>,
) {
    let mut token: Option<String> = None;
    loop {
        let request = listing::list(s3, bucket, Some(prefix))
            .set_delimiter(delimited.then(|| "/".to_owned()))
            .set_continuation_token(token.clone());
        let page = match request.send().await.aws("ListObjectsV2") {
            Err(error) if delimited && token.is_none() && error.is_access_denied() => {
                delimited = false;
                continue;
            }
            other => other.map_err(anyhow::Error::from),
        };
        let (segments, next) = match page.and_then(segments) {
            Ok(page) => page,
            Err(error) => {
                let _ = send.send(Err(error)).await;
                return;
            }
        };
        if send.send(Ok(Sent::Page(segments))).await.is_err() {
            return;
        }
        token = next;
        if token.is_none() {
            // The walk may be gone already: then nobody needs the end either.
            let _ = send.send(Ok(Sent::End)).await;
            return;
        }
    }
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
    use aws_sdk_s3::types::CommonPrefix;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;

    /// Once the folders allowed `delimiter=/` are used up, the next are
    /// listed plainly, their own folders included: a tree of tiny folders
    /// costs no request per folder.
    #[tokio::test]
    async fn folders_beyond_the_allowance_are_listed_plainly() {
        let top = mock!(Client::list_objects_v2)
            .match_requests(|r| r.prefix().is_none() && r.delimiter() == Some("/"))
            .then_output(|| {
                let folders = ["a/", "b/"].map(|p| CommonPrefix::builder().prefix(p).build());
                ListObjectsV2Output::builder()
                    .set_common_prefixes(Some(folders.to_vec()))
                    .build()
            });
        let plain = |prefix: &'static str| {
            mock!(Client::list_objects_v2)
                .match_requests(move |r| r.prefix() == Some(prefix) && r.delimiter().is_none())
                .then_output(move || {
                    let keys = [format!("{prefix}1"), format!("{prefix}deep/2")];
                    ListObjectsV2Output::builder()
                        .set_contents(Some(keys.map(|k| object(&k)).to_vec()))
                        .build()
                })
        };
        let (a, b) = (plain("a/"), plain("b/"));
        let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&top, &a, &b]);
        let mut walk = KeyWalk::with_free(&s3, "bucket", None, 1);
        let mut keys = Vec::new();
        while let Some(page) = walk.next_page().await {
            keys.extend(
                page.unwrap()
                    .iter()
                    .filter_map(Object::key)
                    .map(str::to_owned),
            );
        }
        assert_eq!(keys, ["a/1", "a/deep/2", "b/1", "b/deep/2"]);
        assert_eq!((top.num_calls(), a.num_calls(), b.num_calls()), (1, 1, 1));
    }

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
