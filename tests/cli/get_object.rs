use aws_sdk_s3::types::ChecksumAlgorithm;

use crate::common::composite::CompositeChecksums;
use crate::common::s3::{crc64, new_bucket, pattern, put};
use crate::common::{Output, block_on, moto, s3c};

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

/// Store `data` as another tool would in two parts, with a composite CRC-32
/// (the default for multipart uploads with a checksum): a 5 MiB part and
/// the rest.
pub(crate) fn put_in_parts(bucket: &str, key: &str, data: &[u8]) {
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    let s3 = moto().clients().s3;
    block_on(async {
        let upload = s3
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .send()
            .await
            .unwrap();
        let id = upload.upload_id().unwrap();
        let mut parts = Vec::new();
        for (number, chunk) in (1..).zip(data.chunks(5 * 1024 * 1024)) {
            let part = s3
                .upload_part()
                .bucket(bucket)
                .key(key)
                .upload_id(id)
                .part_number(number)
                .checksum_algorithm(ChecksumAlgorithm::Crc32)
                .body(chunk.to_vec().into())
                .send()
                .await
                .unwrap();
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(part.e_tag().map(str::to_owned))
                    .set_checksum_crc32(part.checksum_crc32().map(str::to_owned))
                    .build(),
            );
        }
        s3.complete_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
}

#[test]
fn an_object_with_a_composite_checksum_downloads_with_a_warning() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let data = ascii(5 * 1024 * 1024 + 1000);
    put_in_parts(&bucket, "parts.bin", &data);
    let s3_like = CompositeChecksums::start(&moto().endpoint);
    let warning = "Warning: `parts.bin` was not checked: it has only a composite CRC32 \
                   checksum (of its uploaded parts), not one of the whole object\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parts.bin");
    let output = s3c(&[
        "get-object",
        &bucket,
        "parts.bin",
        "-o",
        path.to_str().unwrap(),
    ])
    .env("AWS_ENDPOINT_URL", &s3_like.endpoint)
    .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (0, "", warning)
    );
    assert!(std::fs::read(&path).unwrap() == data);

    let output = s3c(&["get-object", &bucket, "parts.bin"])
        .env("AWS_ENDPOINT_URL", &s3_like.endpoint)
        .run();
    assert_eq!((output.code, output.stderr.as_str()), (0, warning));
    assert!(output.stdout.as_bytes() == data);
}

/// Printable bytes that differ from line to line, for checks on stdout.
fn ascii(length: usize) -> Vec<u8> {
    let text: String = (0..)
        .map(|n| format!("line {n}\n"))
        .take_while({
            let mut total = 0;
            move |line: &String| {
                total += line.len();
                total <= length
            }
        })
        .collect();
    let mut bytes = text.into_bytes();
    bytes.resize(length, b'.');
    bytes
}

/// `get-object` of `key` into `-o target`: `(exit code, stderr)`.
fn get_into(bucket: &str, key: &str, target: &std::path::Path) -> (i32, String) {
    let output = s3c(&["get-object", bucket, key, "-o", target.to_str().unwrap()])
        .against(moto())
        .run();
    assert_eq!(output.stdout, "");
    (output.code, output.stderr)
}

#[cfg(unix)]
#[test]
fn devices_and_fifos_are_written_into_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let bucket = new_bucket(&moto().clients(), "bkt");
    let data = ascii(300_000);
    put(moto(), &bucket, "data.bin", &data);
    let dir = tempfile::tempdir().unwrap();

    // A character device: `/dev/null`'s numbers, made in the test folder.
    let null = dir.path().join("null");
    let c_null = std::ffi::CString::new(null.to_str().unwrap()).unwrap();
    // SAFETY: mknod with a valid C string; the test runs as root.
    let made = unsafe { libc::mknod(c_null.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    assert_eq!(made, 0, "mknod: {}", std::io::Error::last_os_error());
    assert_eq!(get_into(&bucket, "data.bin", &null), (0, String::new()));
    let kind = std::fs::symlink_metadata(&null).unwrap().file_type();
    assert!(kind.is_char_device(), "replaced by {kind:?}");
    assert_eq!(names(dir.path()), ["null"], "no temporary file");

    // A FIFO, read by another process as the data streams in.
    let fifo = dir.path().join("fifo");
    let c_fifo = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c_fifo.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    assert_eq!(get_into(&bucket, "data.bin", &fifo), (0, String::new()));
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "replaced by {kind:?}");
    assert!(reader.join().unwrap() == data);
    assert_eq!(names(dir.path()), ["fifo", "null"]);

    // Standard output, by name.
    for stdout in ["-", "/dev/stdout"] {
        let output = s3c(&["get-object", &bucket, "data.bin", "-o", stdout])
            .against(moto())
            .run();
        assert_eq!((output.code, output.stderr.as_str()), (0, ""), "{stdout}");
        assert!(output.stdout.as_bytes() == data, "{stdout}");
    }
}

/// Special files are told by what they are, not where they are: `/dev/shm`
/// is a tmpfs folder, where a new or regular file is written the usual way
/// (a temporary file renamed into place), not opened as a device.
#[cfg(unix)]
#[test]
#[allow(clippy::print_stderr, reason = "says why the test did nothing")]
fn files_in_dev_shm_are_written_like_files_anywhere() {
    use std::os::unix::fs::MetadataExt;
    let shm = std::path::Path::new("/dev/shm");
    if !shm.is_dir() {
        eprintln!("skipped: this system has no /dev/shm");
        return;
    }
    let bucket = new_bucket(&moto().clients(), "bkt");
    let data = ascii(300_000);
    put(moto(), &bucket, "data.bin", &data);
    let dir = tempfile::tempdir_in(shm).unwrap();
    let new = dir.path().join("new.bin");
    assert_eq!(get_into(&bucket, "data.bin", &new), (0, String::new()));
    assert!(std::fs::read(&new).unwrap() == data, "new file differs");
    let existing = dir.path().join("existing.bin");
    std::fs::write(&existing, "old contents").unwrap();
    let before = std::fs::metadata(&existing).unwrap().ino();
    assert_eq!(get_into(&bucket, "data.bin", &existing), (0, String::new()));
    assert!(
        std::fs::read(&existing).unwrap() == data,
        "existing file differs"
    );
    let after = std::fs::metadata(&existing).unwrap().ino();
    assert_ne!(before, after, "written in place, not renamed into place");
    assert_eq!(
        names(dir.path()),
        ["existing.bin", "new.bin"],
        "no temporary file"
    );
}

#[test]
fn an_empty_key_is_a_usage_error() {
    s3c(&["get-object", "bucket", ""]).run().fails_with(
        2,
        "Error: invalid value '' for '<KEY>': a key cannot be empty; \
         see `s3-credentials get-object --help`\n",
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    s3c(&["put-object", "bucket", "", file.path().to_str().unwrap()])
        .run()
        .fails_with(
            2,
            "Error: invalid value '' for '<KEY>': a key cannot be empty; \
             see `s3-credentials put-object --help`\n",
        );
}

#[test]
fn a_key_with_a_control_character_goes_up_and_comes_down() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "bell").unwrap();
    let up = s3c(&[
        "put-object",
        &bucket,
        "ring\u{7}",
        file.path().to_str().unwrap(),
        "-s",
    ])
    .against(moto())
    .run();
    assert_eq!((up.code, up.stderr.as_str()), (0, ""));
    let down = s3c(&["get-object", &bucket, "ring\u{7}"])
        .against(moto())
        .run();
    assert_eq!((down.success(), down.stderr.as_str()), ("bell", ""));
    s3c(&["get-object", &bucket, "gone\u{1b}[2J"])
        .against(moto())
        .run()
        .fails_with(
            1,
            &format!("Error: no object with the key `gone\\u{{1b}}[2J` in the bucket `{bucket}`\n"),
        );
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "big.txt", &ascii(2_000_000));
    // As `get-object ... | head -c 10` does: read 10 bytes, close the pipe.
    let mut child = s3c(&["get-object", &bucket, "big.txt"])
        .against(moto())
        .spawn();
    let mut first = [0; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    assert_eq!(&first, b"line 0\nlin");
    // The rest of stdout was never read: the pipe is closed, nothing collected.
    Output::collect(child).success();
}

/// A 1 MiB tmpfs mounted on a new folder, unmounted on drop: a disk that
/// fills up.
struct SmallDisk {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl SmallDisk {
    fn mount() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_owned();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success(), "mount a tmpfs (the tests run as root)");
        Self { _dir: dir, path }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(&self.path)
            .status();
    }
}

#[test]
fn a_full_disk_leaves_the_old_file_and_no_partial_one() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "big.bin", &pattern(3 * 1024 * 1024));
    let disk = SmallDisk::mount();
    let path = disk.path.join("big.bin");
    std::fs::write(&path, "old").unwrap();
    let (code, stderr) = get_into(&bucket, "big.bin", &path);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with("Error: could not download `big.bin`: could not "),
        "{stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    assert_eq!(names(&disk.path), ["big.bin"]);
}

#[cfg(unix)]
#[test]
fn ctrl_c_ends_the_wait_for_a_fifo_reader() {
    use std::os::unix::fs::FileTypeExt;
    use std::time::{Duration, Instant};
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "k", b"data");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let c_fifo = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c_fifo.as_ptr(), 0o600) }, 0);
    // No one reads the FIFO: the download waits for a reader.
    let mut child = s3c(&["get-object", &bucket, "k", "-o", fifo.to_str().unwrap()])
        .against(moto())
        .spawn();
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        child.try_wait().unwrap().is_none(),
        "it should wait for a reader"
    );
    let interrupted = Instant::now();
    crate::common::child::signal(&child, libc::SIGINT);
    let output = Output::collect(child);
    assert!(interrupted.elapsed() < Duration::from_secs(2));
    output.fails_with(1, "Error: could not download `k`: interrupted by Ctrl+C\n");
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "replaced by {kind:?}");
}
