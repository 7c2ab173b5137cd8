use crate::common::s3::{keys, new_bucket, put, put_many};
use crate::common::{block_on, moto, s3c};

#[test]
fn deletes_the_named_keys() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    for key in ["a.txt", "b.txt", "c.txt"] {
        put(moto(), &bucket, key, b"x");
    }
    let output = s3c(&["delete-objects", &bucket, "a.txt", "c.txt"])
        .against(moto())
        .run();
    assert_eq!(
        output.success_with_stderr(&format!("Deleted 2 objects from `{bucket}`\n")),
        ""
    );
    assert_eq!(keys(moto(), &bucket), ["b.txt"]);
}

#[test]
fn a_prefix_deletes_every_key_under_it_in_batches_of_1000() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let mut objects: Vec<(String, Vec<u8>)> = (0..1003)
        .map(|i| (format!("logs/{i:04}.txt"), Vec::new()))
        .collect();
    objects.push(("logsbook.txt".to_owned(), Vec::new()));
    objects.push(("keep/1.txt".to_owned(), Vec::new()));
    put_many(moto(), &bucket, &objects);
    let output = s3c(&["delete-objects", &bucket, "--prefix", "logs/"])
        .against(moto())
        .run();
    assert_eq!(
        output.success_with_stderr(&format!("Deleted 1003 objects from `{bucket}`\n")),
        ""
    );
    assert_eq!(keys(moto(), &bucket), ["keep/1.txt", "logsbook.txt"]);
}

/// The header line 0.17 prints on stdout before the keys of a dry run, even
/// with `--silent`; scripts written for it skip it (`tail -n +2`).
const DRY_RUN_HEADER: &str = "The following keys would be deleted:\n";

#[test]
fn dry_run_prints_the_original_header_then_the_keys_and_deletes_nothing() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    for key in ["tmp/1", "tmp/2", "other"] {
        put(moto(), &bucket, key, b"x");
    }
    let output = s3c(&["delete-objects", &bucket, "--prefix", "tmp/", "--dry-run"])
        .against(moto())
        .run();
    assert_eq!(
        output.success_with_stderr(&format!("Would delete 2 objects from `{bucket}`\n")),
        format!("{DRY_RUN_HEADER}tmp/1\ntmp/2\n")
    );
    let silent = s3c(&["delete-objects", &bucket, "other", "-d", "-s"])
        .against(moto())
        .run();
    assert_eq!(silent.success(), format!("{DRY_RUN_HEADER}other\n"));
    // A prefix with nothing under it: the header alone, as 0.17 prints it.
    let empty = s3c(&["delete-objects", &bucket, "--prefix", "none/", "-d"])
        .against(moto())
        .run();
    assert_eq!(
        empty.success_with_stderr(&format!("Would delete 0 objects from `{bucket}`\n")),
        DRY_RUN_HEADER
    );
    assert_eq!(keys(moto(), &bucket), ["other", "tmp/1", "tmp/2"]);
}

#[test]
fn a_dry_run_whose_listing_fails_prints_no_header() {
    let output = s3c(&[
        "delete-objects",
        "no-such-bucket-here",
        "--prefix",
        "p/",
        "-d",
    ])
    .against(moto())
    .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            "",
            "Error: ListObjectsV2 failed: NoSuchBucket: The specified bucket does not exist\n"
        )
    );
}

#[test]
fn every_refused_key_is_reported() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    for key in ["a.txt", "locked/b.txt", "locked/c.txt"] {
        put(moto(), &bucket, key, b"x");
    }
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::{bucket}/locked/*"}}]}}"#
    );
    let s3 = moto().clients().s3;
    block_on(s3.put_bucket_policy().bucket(&bucket).policy(policy).send()).unwrap();
    let output = s3c(&[
        "delete-objects",
        &bucket,
        "a.txt",
        "locked/b.txt",
        "locked/c.txt",
    ])
    .against(moto())
    .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            "",
            format!(
                "Error: could not delete `locked/b.txt`: AccessDenied: Access Denied\n\
                 Error: could not delete `locked/c.txt`: AccessDenied: Access Denied\n\
                 Deleted 1 object from `{bucket}`\n\
                 Error: 2 of 3 objects failed: `locked/b.txt`, `locked/c.txt`\n"
            )
            .as_str()
        )
    );
    assert_eq!(keys(moto(), &bucket), ["locked/b.txt", "locked/c.txt"]);
}

#[test]
fn a_missing_bucket_is_an_error() {
    let output = s3c(&["delete-objects", "no-such-bucket-here", "k", "-s"])
        .against(moto())
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            "",
            "Error: could not delete 1 key starting at `k`: DeleteObjects failed: NoSuchBucket: \
             The specified bucket does not exist\n\
             Error: 1 of 1 object failed: `k`\n"
        )
    );
}

#[test]
fn keys_or_a_prefix_are_needed_but_not_both() {
    s3c(&["delete-objects", "bucket"]).run().fails_with(
        2,
        "Error: the following required arguments were not provided: <KEYS|--prefix <PREFIX>>; \
         see `s3-credentials delete-objects --help`\n",
    );
    s3c(&["delete-objects", "bucket", "k", "--prefix", "p"])
        .run()
        .fails_with(
            2,
            "Error: the argument '[KEYS]...' cannot be used with '--prefix <PREFIX>'; \
             see `s3-credentials delete-objects --help`\n",
        );
    s3c(&["delete-objects", "bucket", "--prefix", ""])
        .run()
        .fails_with(
            2,
            "Error: `--prefix` must not be empty (that would delete the whole bucket)\n",
        );
}

#[test]
fn keys_with_control_characters_are_listed_printed_escaped_and_deleted() {
    use crate::common::s3::get;
    let bucket = new_bucket(&moto().clients(), "bkt");
    for key in ["ctrl\u{1b}x", "ctrl\u{1b}y", "ctrl/ok", "plain", "keep"] {
        put(moto(), &bucket, key, b"x");
    }
    let named = s3c(&["delete-objects", &bucket, "ctrl\u{1b}x", "plain"])
        .against(moto())
        .run();
    assert_eq!(
        (named.code, named.stdout.as_str(), named.stderr.as_str()),
        (
            0,
            "",
            format!("Deleted 2 objects from `{bucket}`\n").as_str()
        )
    );
    assert_eq!(get(moto(), &bucket, "ctrl\u{1b}x"), None);
    assert_eq!(get(moto(), &bucket, "plain"), None);

    let dry = s3c(&["delete-objects", &bucket, "--prefix", "ctrl", "--dry-run"])
        .against(moto())
        .run();
    assert_eq!(
        (dry.code, dry.stdout.as_str(), dry.stderr.as_str()),
        (
            0,
            "The following keys would be deleted:\nctrl\\u{1b}y\nctrl/ok\n",
            format!("Would delete 2 objects from `{bucket}`\n").as_str()
        )
    );
    let prefix = s3c(&["delete-objects", &bucket, "--prefix", "ctrl"])
        .against(moto())
        .run();
    assert_eq!(
        (prefix.code, prefix.stdout.as_str(), prefix.stderr.as_str()),
        (
            0,
            "",
            format!("Deleted 2 objects from `{bucket}`\n").as_str()
        )
    );
    assert_eq!(keys(moto(), &bucket), ["keep"]);
}
