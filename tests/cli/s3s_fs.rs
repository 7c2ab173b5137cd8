//! The object commands against s3s-fs, a second S3 implementation (see
//! `tests/common/s3s_fs.rs`): what works on moto must work on another
//! server unchanged, multipart transfers and checksums included.

use std::fs;

use crate::common::s3::{get, keys, new_bucket, pattern, put};
use crate::common::s3s_fs::s3s_fs;
use crate::common::{Output, s3c};

/// The smallest part s3s-fs accepts, as S3: 5 MiB.
const PART: usize = 5 * 1024 * 1024;

/// Run against s3s-fs with multipart transfers from 5 MiB.
fn run(args: &[&str]) -> Output {
    s3c(args)
        .against(s3s_fs())
        .env("S3_CREDENTIALS_PART_SIZE", PART.to_string())
        .run()
}

#[test]
fn put_object_and_get_object_whole_and_in_parts() {
    let bucket = new_bucket(&s3s_fs().clients(), "s3s");
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.txt");
    fs::write(&small, "hello").unwrap();
    let large = dir.path().join("large.bin");
    let data = pattern(2 * PART + 1000);
    fs::write(&large, &data).unwrap();
    let b = bucket.as_str();
    let put_small = run(&["put-object", b, "small.txt", small.to_str().unwrap(), "-s"]);
    assert_eq!(put_small.success(), "");
    let put_large = run(&["put-object", b, "large.bin", large.to_str().unwrap(), "-s"]);
    assert_eq!(put_large.success(), "");
    assert_eq!(get(s3s_fs(), b, "large.bin").unwrap(), data);
    let piped = s3c(&["put-object", b, "piped.bin", "-", "-s"])
        .against(s3s_fs())
        .env("S3_CREDENTIALS_PART_SIZE", PART.to_string())
        .stdin(data.clone())
        .run();
    assert_eq!(piped.success(), "");
    assert_eq!(get(s3s_fs(), b, "piped.bin").unwrap(), data);

    let got = run(&["get-object", b, "small.txt"]);
    assert_eq!(got.success(), "hello");
    let out = dir.path().join("out.bin");
    run(&[
        "get-object",
        b,
        "large.bin",
        "-o",
        out.to_str().unwrap(),
        "-s",
    ])
    .success();
    assert_eq!(fs::read(&out).unwrap(), data);
}

#[test]
fn put_objects_list_bucket_get_objects_and_delete_objects() {
    let bucket = new_bucket(&s3s_fs().clients(), "s3s");
    let b = bucket.as_str();
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path().join("up");
    fs::create_dir_all(up.join("sub")).unwrap();
    fs::write(up.join("a.txt"), "a").unwrap();
    fs::write(up.join("sub/b.txt"), "bb").unwrap();
    fs::write(up.join("sub/c.bin"), pattern(PART + 1000)).unwrap();
    let uploaded = run(&["put-objects", b, up.to_str().unwrap()]);
    assert_eq!(
        uploaded.success_with_stderr("Uploaded 3 files (5.00 MiB)\n"),
        ""
    );
    assert_eq!(
        keys(s3s_fs(), b),
        ["up/a.txt", "up/sub/b.txt", "up/sub/c.bin"]
    );

    let listed = run(&["list-bucket", b, "--csv"]);
    assert_eq!(listed.stderr, "");
    let names: Vec<&str> = listed
        .success()
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap())
        .collect();
    assert_eq!(names, ["up/a.txt", "up/sub/b.txt", "up/sub/c.bin"]);

    let down = dir.path().join("down");
    let fetched = run(&["get-objects", b, "-o", down.to_str().unwrap()]);
    assert_eq!(
        fetched.success_with_stderr("Downloaded 3 files (5.00 MiB)\n"),
        ""
    );
    assert_eq!(
        fs::read(down.join("up/sub/c.bin")).unwrap(),
        pattern(PART + 1000)
    );

    let deleted = run(&["delete-objects", b, "--prefix", "up/sub/"]);
    let said = format!("Deleted 2 objects from `{b}`\n");
    assert_eq!(deleted.success_with_stderr(&said), "");
    let deleted_one = run(&["delete-objects", b, "up/a.txt", "-s"]);
    assert_eq!(deleted_one.success(), "");
    assert!(keys(s3s_fs(), b).is_empty());
}

#[test]
fn a_missing_key_is_named() {
    let bucket = new_bucket(&s3s_fs().clients(), "s3s");
    put(s3s_fs(), &bucket, "there.txt", b"x");
    run(&["get-object", &bucket, "missing.txt"]).fails_with(
        1,
        &format!("Error: no object with the key `missing.txt` in the bucket `{bucket}`\n"),
    );
}
