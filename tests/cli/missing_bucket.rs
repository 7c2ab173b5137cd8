//! Every command that works on an existing bucket, run on a bucket that does
//! not exist: a one-line error per failure, exit 1, nothing on stdout.
//! `create` (which can make the bucket) and `list-buckets` (which filters
//! the account's list) say more, and are tested in their own modules.

use crate::bucket_setup::missing_bucket;
use crate::common::commands::one_bucket_commands;
use crate::common::{moto, s3c};

#[test]
fn a_missing_bucket_is_a_clear_error_in_every_command() {
    // (arguments with `BUCKET` for the bucket, stderr with `BUCKET` too)
    let does_not_exist = "Error: bucket `BUCKET` does not exist\n";
    let cases: &[(&[&str], &str)] = &[
        (&["set-cors-policy", "BUCKET"], does_not_exist),
        (
            &["set-bucket-policy", "BUCKET", "--allow-all-get"],
            does_not_exist,
        ),
        (
            &["set-public-access-block", "BUCKET", "--allow-public-access"],
            does_not_exist,
        ),
        (
            &[
                "localserver",
                "BUCKET",
                "-d",
                "1h",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
            ],
            does_not_exist,
        ),
        (
            &["get-object", "BUCKET", "k"],
            "Error: the bucket `BUCKET` does not exist\n",
        ),
        (
            &["list-bucket", "BUCKET"],
            "Error: ListObjectsV2 failed: NoSuchBucket: The specified bucket does not exist\n",
        ),
        (
            &["get-objects", "BUCKET", "-o", "."],
            "Error: ListObjectsV2 failed: NoSuchBucket: The specified bucket does not exist\n",
        ),
        (
            &["put-object", "BUCKET", "k", "-"],
            "Error: PutObject failed: NoSuchBucket: The specified bucket does not exist\n",
        ),
        (
            &["delete-objects", "BUCKET", "--prefix", "p"],
            "Error: ListObjectsV2 failed: NoSuchBucket: The specified bucket does not exist\n",
        ),
    ];
    // Every command that takes only a bucket says the same.
    let one_bucket = one_bucket_commands();
    for known in [
        "get-cors-policy",
        "get-bucket-policy",
        "get-public-access-block",
    ] {
        assert!(one_bucket.contains(&known.to_owned()), "{one_bucket:?}");
    }
    let one_bucket: Vec<[&str; 2]> = one_bucket.iter().map(|c| [c.as_str(), "BUCKET"]).collect();
    let cases = cases.iter().copied().chain(
        one_bucket
            .iter()
            .map(|args| (args.as_slice(), does_not_exist)),
    );
    let out = tempfile::tempdir().unwrap();
    for (args, stderr) in cases {
        let bucket = missing_bucket();
        let args: Vec<String> = args.iter().map(|a| a.replace("BUCKET", &bucket)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        s3c(&args)
            .against(moto())
            .current_dir(out.path())
            .stdin("x")
            .run()
            .fails_with(1, &stderr.replace("BUCKET", &bucket));
    }
    let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing written: {left:?}");
}
