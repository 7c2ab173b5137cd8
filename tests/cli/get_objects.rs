use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::proxy::Proxy;
use crate::common::s3::{new_bucket, pattern, put, put_many};
use crate::common::{moto, s3c};
use crate::get_object::{names, put_damaged};

/// Every file under `dir` with its bytes, paths relative to `dir`.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<(String, Vec<u8>)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned();
                found.push((relative, fs::read(&path).unwrap()));
            }
        }
    }
    let mut found = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut found);
    }
    found.sort();
    found
}

fn text(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    pairs
        .iter()
        .map(|(path, body)| ((*path).to_owned(), body.as_bytes().to_vec()))
        .collect()
}

#[test]
fn downloads_the_whole_bucket_into_a_folder_named_after_it() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "a.txt", b"a");
    put(moto(), &bucket, "x/y/z.txt", b"xyz");
    // A folder marker, as the AWS console makes: no file for it.
    put(moto(), &bucket, "x/empty/", b"");
    let cwd = tempfile::tempdir().unwrap();
    let output = s3c(&["get-objects", &bucket])
        .current_dir(cwd.path())
        .against(moto())
        .run();
    assert_eq!(output.success_with_stderr("Downloaded 2 files (4 B)\n"), "");
    assert_eq!(
        files(&cwd.path().join(&bucket)),
        text(&[("a.txt", "a"), ("x/y/z.txt", "xyz")])
    );
}

#[test]
fn named_keys_and_patterns_choose_what_to_download() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    for key in [
        "a.txt",
        "b.txt",
        "js/app.js",
        "js/lib/util.js",
        "css/app.css",
    ] {
        put(moto(), &bucket, key, key.as_bytes());
    }
    let out = tempfile::tempdir().unwrap();
    let output = s3c(&[
        "get-objects",
        &bucket,
        "b.txt",
        "-p",
        "*.js",
        "-p",
        "css/*",
        "-s",
        "-o",
        out.path().to_str().unwrap(),
    ])
    .against(moto())
    .run();
    assert_eq!(output.success(), "");
    assert_eq!(
        files(out.path()),
        text(&[
            ("b.txt", "b.txt"),
            ("css/app.css", "css/app.css"),
            ("js/app.js", "js/app.js"),
            ("js/lib/util.js", "js/lib/util.js"),
        ])
    );

    let only = tempfile::tempdir().unwrap();
    s3c(&[
        "get-objects",
        &bucket,
        "a.txt",
        "js/app.js",
        "-s",
        "-o",
        only.path().to_str().unwrap(),
    ])
    .against(moto())
    .run()
    .success();
    assert_eq!(
        files(only.path()),
        text(&[("a.txt", "a.txt"), ("js/app.js", "js/app.js")])
    );
}

#[test]
fn keys_that_would_escape_the_folder_are_refused() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "fine.txt", b"ok");
    put(moto(), &bucket, "../escape.txt", b"evil");
    put(moto(), &bucket, "a/../../up.txt", b"evil");
    let cwd = tempfile::tempdir().unwrap();
    let output = s3c(&["get-objects", &bucket, "-o", "out/inner"])
        .current_dir(cwd.path())
        .against(moto())
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            "",
            "Error: refusing to download `../escape.txt`: it would be written outside `out/inner`\n\
             Error: refusing to download `a/../../up.txt`: it would be written outside `out/inner`\n\
             Downloaded 1 file (2 B)\n\
             Error: 2 of 3 files failed: `../escape.txt`, `a/../../up.txt`\n"
        )
    );
    assert_eq!(files(cwd.path()), text(&[("out/inner/fine.txt", "ok")]));
}

#[test]
fn a_missing_key_is_reported_and_the_others_still_downloaded() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "here.txt", b"here");
    let out = tempfile::tempdir().unwrap();
    let output = s3c(&[
        "get-objects",
        &bucket,
        "gone.txt",
        "here.txt",
        "-o",
        out.path().to_str().unwrap(),
    ])
    .against(moto())
    .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            "",
            "Error: could not download `gone.txt`: no such key\n\
             Downloaded 1 file (4 B)\n\
             Error: 1 of 2 files failed: `gone.txt`\n"
        )
    );
    assert_eq!(files(out.path()), text(&[("here.txt", "here")]));
}

#[test]
fn many_objects_download_concurrently() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let objects: Vec<(String, Vec<u8>)> = (0..24)
        .map(|i| (format!("d{}/f{i}.bin", i % 4), pattern(1000 + i)))
        .collect();
    put_many(moto(), &bucket, &objects);
    // Each request is held a while: downloads sent one at a time would
    // never overlap there, downloads sent together always do.
    let proxy = Proxy::holding(&moto().endpoint, Duration::from_millis(200));
    let out = tempfile::tempdir().unwrap();
    s3c(&[
        "get-objects",
        &bucket,
        "-s",
        "-j",
        "8",
        "-o",
        out.path().to_str().unwrap(),
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run()
    .success();
    let mut expected = objects;
    expected.sort();
    assert_eq!(files(out.path()), expected);
    assert_eq!(proxy.most_in_flight(), 8, "-j 8: eight requests at once");
}

#[test]
fn a_damaged_object_is_reported_and_no_file_written() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "good.txt", b"good");
    put_damaged(&bucket, "bad.txt", b"bad bytes");
    let out = tempfile::tempdir().unwrap();
    let output = s3c(&["get-objects", &bucket, "-o", out.path().to_str().unwrap()])
        .against(moto())
        .run();
    assert_eq!(output.code, 1, "{output:#?}");
    assert!(
        output.stderr.starts_with(
            "Error: could not download `bad.txt`: the downloaded data does not match "
        ),
        "{output:#?}"
    );
    assert!(
        output
            .stderr
            .ends_with("Downloaded 1 file (4 B)\nError: 1 of 2 files failed: `bad.txt`\n")
    );
    assert_eq!(names(out.path()), ["good.txt"]);
}

/// Start downloading a 12 MiB object in 64 KiB ranges one at a time, and
/// wait until its temporary file appears.
fn start_slow_download() -> (std::process::Child, tempfile::TempDir) {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "big.bin", &pattern(12 * 1024 * 1024));
    let out = tempfile::tempdir().unwrap();
    let child = s3c(&[
        "get-objects",
        &bucket,
        "-j",
        "1",
        "-s",
        "-o",
        out.path().to_str().unwrap(),
    ])
    .env("S3_CREDENTIALS_PART_SIZE", "65536")
    .against(moto())
    .spawn_quiet();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !names(out.path())
        .iter()
        .any(|name| name.ends_with(".partial"))
    {
        assert!(Instant::now() < deadline, "the download never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    (child, out)
}

#[test]
fn a_killed_download_leaves_no_file_under_the_final_name() {
    let (mut child, out) = start_slow_download();
    child.kill().unwrap();
    child.wait().unwrap();
    let left = names(out.path());
    assert!(!left.contains(&"big.bin".to_owned()), "{left:?}");
    assert!(left.iter().all(|name| name.starts_with('.')), "{left:?}");
}

#[test]
fn an_interrupted_download_removes_its_temporary_file() {
    let (mut child, out) = start_slow_download();
    let pid = child.id() as libc::pid_t;
    // SAFETY: sending a signal to the child this test started and has not reaped.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    assert_eq!(names(out.path()), Vec::<String>::new());
}

#[test]
fn bad_patterns_and_concurrency_are_usage_errors() {
    s3c(&["get-objects", "bucket", "-p", "["]).run().fails_with(
        2,
        "Error: bad `--pattern [`: error parsing glob '[': unclosed character class; missing ']'\n",
    );
    s3c(&["get-objects", "bucket", "-j", "0"]).run().fails_with(
        2,
        "Error: invalid value '0' for '--concurrency <N>': 0 is not in 1..=512; \
         see `s3-credentials get-objects --help`\n",
    );
}

#[test]
fn a_low_open_file_limit_does_not_fail_downloads_with_many_requests_in_flight() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let objects: Vec<(String, Vec<u8>)> = (0..200)
        .map(|n| (format!("many/{n:03}.txt"), n.to_string().into_bytes()))
        .collect();
    put_many(moto(), &bucket, &objects);
    // A soft limit of 48 open files is below the connections alone that the
    // default `-j 128` opens (macOS shells start at 256): the tool raises
    // it to the hard limit. With the hard limit at 48 too, it runs fewer
    // requests at once instead.
    for hard in [None, Some(48)] {
        let out = tempfile::tempdir().unwrap();
        let output = s3c(&["get-objects", &bucket, "-o", out.path().to_str().unwrap()])
            .open_file_limits(48, hard)
            .against(moto())
            .run();
        assert_eq!(
            output.success_with_stderr("Downloaded 200 files (490 B)\n"),
            "",
            "hard limit {hard:?}"
        );
        assert_eq!(files(out.path()), objects, "hard limit {hard:?}");
    }
}
