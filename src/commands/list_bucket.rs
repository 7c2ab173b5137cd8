//! `list-bucket`: the objects in a bucket, streamed page by page, in key
//! order (a bucket with folders is listed several folders at once: see
//! [`crate::transfer::key_walk`]).

use aws_sdk_s3::types::Object as S3Object;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::aws::Clients;
use crate::cli::ListBucketArgs;
use crate::error::ExitStatus;
use crate::output::{Console, Format, Object, RowWriter, timestamp};
use crate::transfer::key_walk::KeyWalk;

/// The CSV/TSV columns, in the original tool's order.
const COLUMNS: &[&str] = &[
    "Key",
    "LastModified",
    "ETag",
    "Size",
    "StorageClass",
    "Owner",
];

/// The same, with the URL of each object.
const COLUMNS_WITH_URL: &[&str] = &[
    "Key",
    "LastModified",
    "ETag",
    "Size",
    "StorageClass",
    "Owner",
    "URL",
];

/// Characters left as they are in a URL path: RFC 3986's unreserved ones and
/// `/`, which separates the "folders" of a key.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// Print each object as its page arrives: memory stays flat for any number of keys.
pub(crate) async fn run(
    args: &ListBucketArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let columns = if args.urls { COLUMNS_WITH_URL } else { COLUMNS };
    let base = args
        .urls
        .then(|| bucket_url(clients.endpoint_url.as_deref(), &args.bucket));
    let mut rows = RowWriter::new(console.out, Format::from_args(args.output), columns);
    let mut pages = KeyWalk::start(&clients.s3, &args.bucket, args.prefix.as_deref());
    while let Some(page) = pages.next_page().await {
        for object in page? {
            rows.row(&object_json(&object, base.as_deref()))?;
        }
        rows.flush()?;
    }
    rows.finish()?;
    Ok(ExitStatus::Success)
}

/// An object as `ListObjectsV2` describes it, every field S3 returned in
/// the order the original tool printed them (the API model's), with its URL
/// when asked for. CSV and TSV pick their fixed columns from this.
fn object_json(object: &S3Object, base: Option<&str>) -> Value {
    let key = object.key().unwrap_or_default();
    let owner = object.owner().map(|owner| {
        Value::from(
            Object::new()
                .with_opt("DisplayName", owner.display_name())
                .with_opt("ID", owner.id()),
        )
    });
    let algorithms: Vec<Value> = object
        .checksum_algorithm()
        .iter()
        .map(|algorithm| Value::from(algorithm.as_str()))
        .collect();
    let algorithms = (!algorithms.is_empty()).then_some(algorithms);
    let restore = object.restore_status().map(|status| {
        Value::from(
            Object::new()
                .with_opt("IsRestoreInProgress", status.is_restore_in_progress())
                .with_opt(
                    "RestoreExpiryDate",
                    status.restore_expiry_date().map(timestamp),
                ),
        )
    });
    Object::new()
        .with("Key", key)
        .with_opt("LastModified", object.last_modified().map(timestamp))
        .with_opt("ETag", object.e_tag())
        .with_opt("ChecksumAlgorithm", algorithms)
        .with_opt("ChecksumType", object.checksum_type().map(|t| t.as_str()))
        .with_opt("Size", object.size())
        .with_opt(
            "StorageClass",
            object.storage_class().map(|class| class.as_str()),
        )
        .with_opt("Owner", owner)
        .with_opt("RestoreStatus", restore)
        .with_opt("URL", base.map(|base| object_url(base, key)))
        .into()
}

/// The URL of the bucket: on the custom endpoint when one is set (path
/// style, as requests go there), else the S3 address the original tool printed.
fn bucket_url(endpoint: Option<&str>, bucket: &str) -> String {
    let endpoint = endpoint.map_or("https://s3.amazonaws.com", |url| url.trim_end_matches('/'));
    format!("{endpoint}/{}", utf8_percent_encode(bucket, PATH))
}

/// The URL of one object: the key percent-encoded, its `/` kept. A `.` or
/// `..` segment is encoded too (`%2E%2E`): left as it is, curl and browsers
/// resolve it and fetch another object (`d/../e` becomes `e`).
fn object_url(bucket_url: &str, key: &str) -> String {
    let segments: Vec<String> = key
        .split('/')
        .map(|segment| match segment {
            "." => "%2E".to_owned(),
            ".." => "%2E%2E".to_owned(),
            segment => utf8_percent_encode(segment, PATH).to_string(),
        })
        .collect();
    format!("{bucket_url}/{}", segments.join("/"))
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use aws_sdk_s3::Client;
    use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;
    use crate::cli::{ConnectionArgs, OutputArgs};

    /// stdout that the test can read while the command is still running.
    #[derive(Clone, Default)]
    struct SharedOut(Arc<Mutex<Vec<u8>>>);

    impl Write for SharedOut {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl SharedOut {
        fn lines(&self) -> usize {
            String::from_utf8(self.0.lock().unwrap().clone())
                .unwrap()
                .lines()
                .count()
        }
    }

    fn page(keys: &[&str], next: Option<&str>) -> ListObjectsV2Output {
        let contents = keys
            .iter()
            .map(|key| S3Object::builder().key(*key).size(1).build());
        ListObjectsV2Output::builder()
            .set_contents(Some(contents.collect()))
            .is_truncated(next.is_some())
            .set_next_continuation_token(next.map(str::to_owned))
            .build()
    }

    /// The listing runs at most a few pages ahead of the printing, so memory
    /// stays flat however many keys there are.
    #[tokio::test]
    async fn fetches_only_a_few_pages_ahead_of_the_printing() {
        let out = SharedOut::default();
        let printed_when_asked: Arc<Mutex<Vec<usize>>> = Arc::default();
        let pages = 8;
        let rules: Vec<_> = (0..pages)
            .map(|n| {
                let (out, asked) = (out.clone(), printed_when_asked.clone());
                mock!(Client::list_objects_v2)
                    .match_requests(move |request| {
                        request.continuation_token().map(str::to_owned)
                            == (n > 0).then(|| format!("page-{n}"))
                    })
                    .then_compute_output(move |_| {
                        asked.lock().unwrap().push(out.lines());
                        let next = (n + 1 < pages).then(|| format!("page-{}", n + 1));
                        page(&[&format!("k{n}")], next.as_deref())
                    })
            })
            .collect();
        let s3 = mock_client!(
            aws_sdk_s3,
            RuleMode::MatchAny,
            [&rules[0], &rules[1], &rules[2], &rules[3], &rules[4], &rules[5], &rules[6], &rules[7]]
        );
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::from_static("us-east-1"))
            .build();
        let mut clients = Clients::from_config(&config);
        clients.s3 = s3;
        let args = ListBucketArgs {
            bucket: "bucket".into(),
            prefix: None,
            urls: false,
            output: OutputArgs {
                nl: true,
                ..OutputArgs::default()
            },
            connection: ConnectionArgs::default(),
        };
        let (mut stdout, mut stderr) = (out.clone(), Vec::new());
        let mut console = Console {
            out: &mut stdout,
            err: &mut stderr,
        };
        let status = run(&args, &clients, &mut console).await.unwrap();
        assert_eq!(status, ExitStatus::Success);
        assert_eq!(out.lines(), pages);
        // Page n is asked for only once page n - 4 was printed: one page
        // being printed, one waiting, one being handed over, one asked for.
        let asked = printed_when_asked.lock().unwrap().clone();
        for (n, printed) in asked.iter().enumerate() {
            assert!(*printed + 4 >= n, "page {n} asked for with {printed} printed: {asked:?}");
        }
    }

    #[test]
    fn json_keeps_every_field_s3_returned() {
        use aws_sdk_s3::types::{
            ChecksumAlgorithm, ChecksumType, ObjectStorageClass, Owner, RestoreStatus,
        };
        use aws_smithy_types::DateTime;
        let object = S3Object::builder()
            .key("k")
            .last_modified(DateTime::from_secs(1_635_903_504))
            .e_tag("\"e\"")
            .checksum_algorithm(ChecksumAlgorithm::Crc64Nvme)
            .checksum_type(ChecksumType::FullObject)
            .size(3)
            .storage_class(ObjectStorageClass::Glacier)
            .owner(Owner::builder().display_name("me").id("1").build())
            .restore_status(
                RestoreStatus::builder()
                    .is_restore_in_progress(false)
                    .restore_expiry_date(DateTime::from_secs(1_636_000_000))
                    .build(),
            )
            .build();
        assert_eq!(
            object_json(&object, None).to_string(),
            r#"{"Key":"k","LastModified":"2021-11-03 01:38:24+00:00","ETag":"\"e\"","ChecksumAlgorithm":["CRC64NVME"],"ChecksumType":"FULL_OBJECT","Size":3,"StorageClass":"GLACIER","Owner":{"DisplayName":"me","ID":"1"},"RestoreStatus":{"IsRestoreInProgress":false,"RestoreExpiryDate":"2021-11-04 04:26:40+00:00"}}"#
        );
    }

    #[test]
    fn urls_are_percent_encoded_and_use_the_endpoint() {
        let aws = bucket_url(None, "my-bucket");
        assert_eq!(aws, "https://s3.amazonaws.com/my-bucket");
        assert_eq!(
            object_url(&aws, "a folder/ü+1 #2?.txt"),
            "https://s3.amazonaws.com/my-bucket/a%20folder/%C3%BC%2B1%20%232%3F.txt"
        );
        assert_eq!(
            object_url(&aws, "d/../e/./f/..x/.../."),
            "https://s3.amazonaws.com/my-bucket/d/%2E%2E/e/%2E/f/..x/.../%2E"
        );
        let local = bucket_url(Some("http://127.0.0.1:9000/"), "b");
        assert_eq!(
            object_url(&local, "x/~y_z-1.txt"),
            "http://127.0.0.1:9000/b/x/~y_z-1.txt"
        );
    }
}
