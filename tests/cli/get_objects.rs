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

/// Start downloading a 12 MiB object in 16 KiB ranges one at a time, and
/// wait until its temporary file appears.
fn start_slow_download() -> (std::process::Child, tempfile::TempDir) {
    let (child, out, _) = start_slow(|bucket, out| {
        ["get-objects", bucket, "-j", "1", "-s", "-o", out]
            .map(str::to_owned)
            .into()
    });
    (child, out)
}

/// [`start_slow_download`] with the command line `args(bucket, folder)`;
/// also returns the bucket. Standard output and error are piped.
fn start_slow(
    args: impl Fn(&str, &str) -> Vec<String>,
) -> (std::process::Child, tempfile::TempDir, String) {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "big.bin", &pattern(12 * 1024 * 1024));
    let out = tempfile::tempdir().unwrap();
    let args = args(&bucket, out.path().to_str().unwrap());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let child = s3c(&args)
        .env("S3_CREDENTIALS_PART_SIZE", "16384")
        .against(moto())
        .spawn();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !names(out.path())
        .iter()
        .any(|name| name.ends_with(".partial"))
    {
        assert!(Instant::now() < deadline, "the download never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    (child, out, bucket)
}

/// `get-object BUCKET big.bin -j N -s -o FOLDER/big.bin`.
fn get_big(concurrency: &'static str) -> impl Fn(&str, &str) -> Vec<String> {
    move |bucket, out| {
        let file = format!("{out}/big.bin");
        [
            "get-object",
            bucket,
            "big.bin",
            "-j",
            concurrency,
            "-s",
            "-o",
            &file,
        ]
        .map(str::to_owned)
        .into()
    }
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
    crate::common::child::signal(&child, libc::SIGINT);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    assert_eq!(names(out.path()), Vec::<String>::new());
}

/// `get-object` runs each range as a task of its own: an interrupt still
/// leaves no file behind, under either name.
#[test]
fn an_interrupted_ranged_get_object_leaves_no_file() {
    let (mut child, out, _) = start_slow(get_big("2"));
    crate::common::child::signal(&child, libc::SIGINT);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    assert_eq!(names(out.path()), Vec::<String>::new());
}

/// Every range asks for the version the download started with (`If-Match`
/// with its ETag), so an object replaced halfway through fails the download
/// instead of leaving a file made of both versions. S3 answers such a range
/// `412 Precondition Failed`:
/// <https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax>
#[test]
fn an_object_replaced_during_a_ranged_download_fails_it() {
    let (child, out, bucket) = start_slow(get_big("1"));
    put(moto(), &bucket, "big.bin", &vec![b'x'; 12 * 1024 * 1024]);
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ),
        (
            Some(1),
            "Error: could not download `big.bin`: the object was replaced during the \
             download (S3 answered PreconditionFailed to a range of the version it began \
             with); nothing was written\n"
                .into()
        )
    );
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

/// `get-objects ARGS` in `cwd`: `(exit code, stdout, stderr)`.
fn get_objects_in(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let output = s3c(&[&["get-objects"], args].concat())
        .current_dir(cwd)
        .against(moto())
        .run();
    (output.code, output.stdout, output.stderr)
}

#[test]
fn two_keys_for_one_file_fail_the_second_instead_of_overwriting() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "x/y", b"single");
    put(moto(), &bucket, "x//y", b"double");
    // Case-only differences are two files on this (case-sensitive) disk.
    put(moto(), &bucket, "A.txt", b"upper");
    put(moto(), &bucket, "a.txt", b"lower");
    let cwd = tempfile::tempdir().unwrap();
    // The listing comes in key order: `x//y` sorts before `x/y`.
    assert_eq!(
        get_objects_in(cwd.path(), &[&bucket, "-o", "out"]),
        (
            1,
            String::new(),
            "Error: refusing to download `x/y`: another key of this run is written to the \
             same file, `out/x/y`\n\
             Downloaded 3 files (16 B)\n\
             Error: 1 of 4 files failed: `x/y`\n"
                .to_owned()
        )
    );
    assert_eq!(
        files(&cwd.path().join("out")),
        text(&[("A.txt", "upper"), ("a.txt", "lower"), ("x/y", "double")])
    );
}

#[test]
fn keys_that_name_no_file_are_refused_with_the_reason() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "trail/", b"sixteen bytes!!!");
    put(moto(), &bucket, "folder/", b"");
    put(moto(), &bucket, "fine.txt", b"ok");
    let cwd = tempfile::tempdir().unwrap();
    assert_eq!(
        get_objects_in(
            cwd.path(),
            &[&bucket, "x/./y", "a/../b", "trail/", "-o", "named"]
        ),
        (
            1,
            String::new(),
            "Error: refusing to download `x/./y`: the key has a `.` segment, which cannot be a \
             file or folder name\n\
             Error: refusing to download `a/../b`: the key has a `..` segment, which cannot be a \
             file or folder name\n\
             Error: refusing to download `trail/`: the key ends in `/`, so it names a folder, \
             not a file\n\
             Downloaded 0 files (0 B)\n\
             Error: 3 of 3 files failed: `x/./y`, `a/../b`, `trail/`\n"
                .to_owned()
        )
    );
    // In a whole-bucket download, an empty folder marker is skipped, but a
    // `/` key with a body is data that cannot be written: reported.
    assert_eq!(
        get_objects_in(cwd.path(), &[&bucket, "-o", "all"]),
        (
            1,
            String::new(),
            "Error: refusing to download `trail/`: the key ends in `/`, so it names a folder, \
             not a file\n\
             Downloaded 1 file (2 B)\n\
             Error: 1 of 2 files failed: `trail/`\n"
                .to_owned()
        )
    );
    assert_eq!(files(cwd.path()), text(&[("all/fine.txt", "ok")]));
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_folder_is_never_followed() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "x/y", b"evil");
    put(moto(), &bucket, "inner/z", b"fine");
    put(moto(), &bucket, "top", b"ok");
    let cwd = tempfile::tempdir().unwrap();
    let outside = cwd.path().join("outside");
    fs::create_dir_all(cwd.path().join("d/real")).unwrap();
    fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, cwd.path().join("d/x")).unwrap();
    // A link that stays inside the folder is fine.
    std::os::unix::fs::symlink("real", cwd.path().join("d/inner")).unwrap();
    let (code, stdout, stderr) = get_objects_in(cwd.path(), &[&bucket, "-o", "d"]);
    assert_eq!(
        (code, stdout.as_str(), stderr),
        (
            1,
            "",
            format!(
                "Error: refusing to download `x/y`: `d/x` is a symbolic link to `{}`, \
                 outside `d`\n\
                 Downloaded 2 files (6 B)\n\
                 Error: 1 of 3 files failed: `x/y`\n",
                fs::canonicalize(&outside).unwrap().display()
            )
        )
    );
    assert_eq!(files(&outside), []);
    assert_eq!(files(&cwd.path().join("d/real")), text(&[("z", "fine")]));
}

#[cfg(unix)]
#[test]
fn existing_files_are_replaced_unless_no_clobber_is_given() {
    use std::os::unix::fs::PermissionsExt;
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "a.txt", b"new a");
    put(moto(), &bucket, "b.txt", b"new b");
    put(moto(), &bucket, "c.txt", b"new c");
    let cwd = tempfile::tempdir().unwrap();
    let out = cwd.path().join("out");
    let existing = || {
        fs::create_dir_all(&out).unwrap();
        for name in ["a.txt", "b.txt"] {
            let path = out.join(name);
            if path.exists() {
                fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            }
            fs::write(&path, "old").unwrap();
        }
        // Read-only: replaced all the same, as documented.
        fs::set_permissions(out.join("b.txt"), fs::Permissions::from_mode(0o444)).unwrap();
    };
    existing();
    assert_eq!(
        get_objects_in(cwd.path(), &[&bucket, "-o", "out"]),
        (0, String::new(), "Downloaded 3 files (15 B)\n".to_owned())
    );
    assert_eq!(
        files(&out),
        text(&[("a.txt", "new a"), ("b.txt", "new b"), ("c.txt", "new c")])
    );

    fs::remove_file(out.join("c.txt")).unwrap();
    existing();
    assert_eq!(
        get_objects_in(cwd.path(), &[&bucket, "-o", "out", "--no-clobber"]),
        (
            0,
            String::new(),
            "Skipped `a.txt`: `out/a.txt` already exists\n\
             Skipped `b.txt`: `out/b.txt` already exists\n\
             Downloaded 1 file (5 B), skipped 2 existing files\n"
                .to_owned()
        )
    );
    assert_eq!(
        files(&out),
        text(&[("a.txt", "old"), ("b.txt", "old"), ("c.txt", "new c")])
    );
}

#[test]
fn an_object_with_a_composite_checksum_downloads_in_ranges_with_a_warning() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let data = pattern(5 * 1024 * 1024 + 1000);
    crate::get_object::put_in_parts(&bucket, "parts.bin", &data);
    let s3_like = crate::common::composite::CompositeChecksums::start(&moto().endpoint);
    let out = tempfile::tempdir().unwrap();
    let output = s3c(&["get-objects", &bucket, "-o", out.path().to_str().unwrap()])
        .env("S3_CREDENTIALS_PART_SIZE", "1048576")
        .env("AWS_ENDPOINT_URL", &s3_like.endpoint)
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            0,
            "",
            "Warning: `parts.bin` was not checked: it has only a composite CRC32 checksum \
             (of its uploaded parts), not one of the whole object\n\
             Downloaded 1 file (5.00 MiB)\n"
        )
    );
    assert_eq!(files(out.path()), [("parts.bin".to_owned(), data)]);
}

#[test]
fn keys_with_control_characters_download_and_print_escaped() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "ctrl\u{1b}x", b"escape");
    put(moto(), &bucket, "plain", b"plain");
    let cwd = tempfile::tempdir().unwrap();
    assert_eq!(
        get_objects_in(cwd.path(), &[&bucket, "gone\u{1b}[2J", "-o", "out"]),
        (
            1,
            String::new(),
            "Error: could not download `gone\\u{1b}[2J`: no such key\n\
             Downloaded 0 files (0 B)\n\
             Error: 1 of 1 file failed: `gone\\u{1b}[2J`\n"
                .to_owned()
        )
    );
    assert_eq!(
        get_objects_in(cwd.path(), &[&bucket, "-o", "all"]),
        (0, String::new(), "Downloaded 2 files (11 B)\n".to_owned())
    );
    assert_eq!(
        files(&cwd.path().join("all")),
        text(&[("ctrl\u{1b}x", "escape"), ("plain", "plain")])
    );
}

#[test]
fn named_keys_that_are_absolute_or_only_dots_are_refused() {
    let cwd = tempfile::tempdir().unwrap();
    let bucket = new_bucket(&moto().clients(), "bkt");
    assert_eq!(
        get_objects_in(cwd.path(), &[&bucket, "/etc/x", ".", "..", "-o", "out"]),
        (
            1,
            String::new(),
            "Error: refusing to download `/etc/x`: it would be written outside `out`\n\
             Error: refusing to download `.`: the key has a `.` segment, which cannot be a file \
             or folder name\n\
             Error: refusing to download `..`: it would be written outside `out`\n\
             Downloaded 0 files (0 B)\n\
             Error: 3 of 3 files failed: `/etc/x`, `.`, `..`\n"
                .to_owned()
        )
    );
    assert_eq!(files(cwd.path()), []);
}
