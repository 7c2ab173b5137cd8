use crate::common::s3::{crc32, get, head, keys, new_bucket, pattern};
use crate::common::{block_on, moto, s3c};

/// Five MiB: the smallest part S3 (and moto) accept, so multipart tests
/// split small files into several parts.
pub(crate) const PART: usize = 5 * 1024 * 1024;

fn content_type(bucket: &str, key: &str) -> Option<String> {
    let s3 = moto().clients().s3;
    let head = block_on(s3.head_object().bucket(bucket).key(key).send()).unwrap();
    head.content_type().map(str::to_owned)
}

#[test]
fn uploads_a_file_with_a_guessed_content_type() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.html");
    std::fs::write(&path, "<p>hi</p>").unwrap();
    let output = s3c(&[
        "put-object",
        &bucket,
        "docs/index.html",
        path.to_str().unwrap(),
    ])
    .against(moto())
    .run();
    assert_eq!(output.success(), "");
    assert_eq!(
        get(moto(), &bucket, "docs/index.html").unwrap(),
        b"<p>hi</p>"
    );
    assert_eq!(
        content_type(&bucket, "docs/index.html").as_deref(),
        Some("text/html")
    );
    // What we sent is what S3 checked and stored.
    let head = head(moto(), &bucket, "docs/index.html");
    assert_eq!(head.checksum_crc32(), Some(crc32(b"<p>hi</p>").as_str()));
}

#[test]
fn content_type_can_be_given() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.bin");
    std::fs::write(&path, "{}").unwrap();
    let path = path.to_str().unwrap();
    s3c(&[
        "put-object",
        &bucket,
        "d",
        path,
        "--content-type",
        "application/json",
    ])
    .against(moto())
    .run()
    .success();
    assert_eq!(
        content_type(&bucket, "d").as_deref(),
        Some("application/json")
    );
}

#[test]
fn standard_input_is_uploaded() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let output = s3c(&["put-object", &bucket, "hello.txt", "-"])
        .stdin("Hello\n")
        .against(moto())
        .run();
    assert_eq!(output.success(), "");
    assert_eq!(get(moto(), &bucket, "hello.txt").unwrap(), b"Hello\n");
    assert_eq!(
        content_type(&bucket, "hello.txt").as_deref(),
        Some("text/plain")
    );
}

#[test]
fn large_standard_input_goes_up_in_parts() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let data = pattern(2 * PART + 1000);
    s3c(&["put-object", &bucket, "stream.bin", "-", "-s"])
        .env("S3_CREDENTIALS_PART_SIZE", PART.to_string())
        .stdin(data.clone())
        .against(moto())
        .run()
        .success();
    assert_eq!(get(moto(), &bucket, "stream.bin").unwrap(), data);
    let head = head(moto(), &bucket, "stream.bin");
    assert_eq!(
        head.e_tag().unwrap().rsplit('-').next(),
        Some("3\""),
        "3 parts"
    );
    assert_eq!(head.checksum_crc32(), Some(crc32(&data).as_str()));
}

#[test]
fn a_file_larger_than_the_part_size_round_trips_with_its_checksum() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    let data = pattern(2 * PART + 12_345);
    std::fs::write(&path, &data).unwrap();
    s3c(&[
        "put-object",
        &bucket,
        "big.bin",
        path.to_str().unwrap(),
        "-j",
        "3",
    ])
    .env("S3_CREDENTIALS_PART_SIZE", PART.to_string())
    .against(moto())
    .run()
    .success();
    let head = head(moto(), &bucket, "big.bin");
    assert_eq!(
        head.e_tag().unwrap().rsplit('-').next(),
        Some("3\""),
        "3 parts"
    );
    assert_eq!(head.checksum_crc32(), Some(crc32(&data).as_str()));
    assert_eq!(
        head.checksum_type().map(|t| t.as_str()),
        Some("FULL_OBJECT")
    );

    // And back, in 1 MiB ranges checked against that checksum.
    let copy = dir.path().join("copy.bin");
    s3c(&[
        "get-object",
        &bucket,
        "big.bin",
        "-o",
        copy.to_str().unwrap(),
    ])
    .env("S3_CREDENTIALS_PART_SIZE", (1024 * 1024).to_string())
    .against(moto())
    .run()
    .success();
    assert!(
        std::fs::read(&copy).unwrap() == data,
        "downloaded bytes differ"
    );
}

#[test]
fn a_missing_file_or_a_folder_is_a_usage_error() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.txt");
    s3c(&["put-object", &bucket, "k", missing.to_str().unwrap()])
        .against(moto())
        .run()
        .fails_with(
            2,
            &format!(
                "Error: cannot read `{}`: No such file or directory (os error 2)\n",
                missing.display()
            ),
        );
    s3c(&["put-object", &bucket, "k", dir.path().to_str().unwrap()])
        .against(moto())
        .run()
        .fails_with(
            2,
            &format!(
                "Error: `{}` is a folder: use `put-objects` to upload folders\n",
                dir.path().display()
            ),
        );
    assert!(keys(moto(), &bucket).is_empty());
}
