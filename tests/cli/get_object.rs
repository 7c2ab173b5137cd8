use aws_sdk_s3::types::ChecksumAlgorithm;

use crate::common::s3::{crc64, new_bucket, pattern, put};
use crate::common::{block_on, moto, s3c};

/// Store `body` with a CRC-64/NVME that belongs to other bytes, as if the
/// object had been damaged: downloads must refuse it.
pub(crate) fn put_damaged(bucket: &str, key: &str, body: &[u8]) {
    let s3 = moto().clients().s3;
    let wrong = crc64(b"something else entirely");
    block_on(
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .checksum_algorithm(ChecksumAlgorithm::Crc64Nvme)
            .checksum_crc64_nvme(wrong)
            .body(body.to_vec().into())
            .send(),
    )
    .unwrap();
}

/// The names in a folder, temporary files included.
pub(crate) fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn prints_the_object_on_standard_output() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "dir/hello.txt", b"Hello, world\n");
    let output = s3c(&["get-object", &bucket, "dir/hello.txt"])
        .against(moto())
        .run();
    assert_eq!(output.success(), "Hello, world\n");
}

#[test]
fn writes_the_object_to_a_file() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let data = pattern(400_000);
    put(moto(), &bucket, "data.bin", &data);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.bin");
    let output = s3c(&[
        "get-object",
        &bucket,
        "data.bin",
        "-o",
        path.to_str().unwrap(),
    ])
    .against(moto())
    .run();
    assert_eq!(output.success(), "");
    assert!(std::fs::read(&path).unwrap() == data);
    assert_eq!(names(dir.path()), ["out.bin"], "no temporary file left");
}

#[test]
fn a_missing_key_or_bucket_is_named() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    s3c(&["get-object", &bucket, "nope.txt"])
        .against(moto())
        .run()
        .fails_with(
            1,
            &format!("Error: no object with the key `nope.txt` in the bucket `{bucket}`\n"),
        );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    s3c(&[
        "get-object",
        &bucket,
        "nope.txt",
        "-o",
        path.to_str().unwrap(),
    ])
    .against(moto())
    .run()
    .fails_with(
        1,
        &format!("Error: no object with the key `nope.txt` in the bucket `{bucket}`\n"),
    );
    assert!(names(dir.path()).is_empty());
}

#[test]
fn a_damaged_object_is_an_error_and_leaves_no_file() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put_damaged(&bucket, "bad.txt", b"these bytes do not match");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.txt");
    let output = s3c(&[
        "get-object",
        &bucket,
        "bad.txt",
        "-o",
        path.to_str().unwrap(),
    ])
    .against(moto())
    .run();
    assert_eq!(output.code, 1, "{output:#?}");
    assert!(
        output.stderr.starts_with(
            "Error: could not download `bad.txt`: the downloaded data does not match the \
             object's checksum: expected body checksum to be "
        ),
        "{output:#?}"
    );
    assert!(names(dir.path()).is_empty());

    // In parallel ranges, checked against the object's checksum at the end.
    let data = pattern(300_000);
    put_damaged(&bucket, "bad.bin", &data);
    let path = dir.path().join("bad.bin");
    let output = s3c(&[
        "get-object",
        &bucket,
        "bad.bin",
        "-o",
        path.to_str().unwrap(),
    ])
    .env("S3_CREDENTIALS_PART_SIZE", "65536")
    .against(moto())
    .run();
    assert_eq!(output.code, 1, "{output:#?}");
    assert!(
        output.stderr.starts_with(
            "Error: could not download `bad.bin`: the downloaded data does not match the \
             object's CRC64NVME checksum: expected "
        ),
        "{output:#?}"
    );
    assert!(names(dir.path()).is_empty());
}

#[test]
fn a_folder_as_output_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    s3c(&[
        "get-object",
        "bucket",
        "k",
        "-o",
        dir.path().to_str().unwrap(),
    ])
    .against(moto())
    .run()
    .fails_with(
        2,
        &format!(
            "Error: `-o {}` is a folder: give a file name (or use `get-objects -o DIR`)\n",
            dir.path().display()
        ),
    );
}
