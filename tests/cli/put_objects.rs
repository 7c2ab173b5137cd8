use std::fs;
use std::path::Path;

use crate::common::s3::{get, keys, new_bucket, pattern};
use crate::common::{block_on, enforcing_moto, moto, s3c};

/// A folder tree with files at several depths; returns `(relative path, bytes)`.
fn tree(root: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let files = vec![
        ("site/index.html", b"<h1>home</h1>".to_vec()),
        ("site/css/main.css", b"body {}".to_vec()),
        ("site/img/2024/logo.png", pattern(70_000)),
        ("site/img/2024/deep/er/empty.txt", Vec::new()),
        ("site/data.bin", pattern(300_000)),
    ];
    for (path, body) in &files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, body).unwrap();
    }
    files
}

#[test]
fn a_nested_folder_round_trips_byte_for_byte() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let source = tempfile::tempdir().unwrap();
    let files = tree(source.path());
    let upload = s3c(&["put-objects", &bucket, "site"])
        .current_dir(source.path())
        .against(moto())
        .run();
    assert_eq!(
        upload.success_with_stderr("Uploaded 5 files (361.35 KiB)\n"),
        ""
    );
    let mut expected: Vec<&str> = files.iter().map(|(path, _)| *path).collect();
    expected.sort_unstable();
    assert_eq!(keys(moto(), &bucket), expected);

    let target = tempfile::tempdir().unwrap();
    let download = s3c(&["get-objects", &bucket, "-o", "copy"])
        .current_dir(target.path())
        .against(moto())
        .run();
    assert_eq!(
        download.success_with_stderr("Downloaded 5 files (361.35 KiB)\n"),
        ""
    );
    for (path, body) in &files {
        let copy = fs::read(target.path().join("copy").join(path)).unwrap();
        assert!(copy == *body, "{path} differs");
    }
}

#[test]
fn files_keep_their_names_under_the_prefix() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let source = tempfile::tempdir().unwrap();
    tree(source.path());
    fs::write(source.path().join("notes.txt"), "n").unwrap();
    let output = s3c(&[
        "put-objects",
        &bucket,
        "notes.txt",
        "site/css",
        "--prefix",
        "backup",
        "-s",
    ])
    .current_dir(source.path())
    .against(moto())
    .run();
    assert_eq!(output.success(), "");
    assert_eq!(
        keys(moto(), &bucket),
        ["backup/css/main.css", "backup/notes.txt"]
    );
    assert_eq!(get(moto(), &bucket, "backup/notes.txt").unwrap(), b"n");
}

#[test]
fn dry_run_prints_the_plan_and_uploads_nothing() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let source = tempfile::tempdir().unwrap();
    tree(source.path());
    let output = s3c(&[
        "put-objects",
        &bucket,
        "site/img",
        "site/index.html",
        "--dry-run",
    ])
    .current_dir(source.path())
    .against(moto())
    .run();
    assert_eq!(
        output.success(),
        format!(
            "site/img/2024/deep/er/empty.txt => s3://{bucket}/img/2024/deep/er/empty.txt\n\
             site/img/2024/logo.png => s3://{bucket}/img/2024/logo.png\n\
             site/index.html => s3://{bucket}/index.html\n"
        )
    );
    assert!(keys(moto(), &bucket).is_empty());
}

#[test]
fn a_missing_path_fails_before_anything_is_uploaded() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let source = tempfile::tempdir().unwrap();
    tree(source.path());
    s3c(&[
        "put-objects",
        &bucket,
        "site",
        "no-such-dir",
        "site/index.html",
    ])
    .current_dir(source.path())
    .against(moto())
    .run()
    .fails_with(
        2,
        "Error: `no-such-dir` does not exist (or cannot be read); nothing was uploaded\n",
    );
    assert!(keys(moto(), &bucket).is_empty());
}

/// A bucket on the enforcing emulator and credentials that may only write
/// keys under `up/ok/`: `(bucket, key, secret)`.
pub(crate) fn scoped_writer() -> (String, String, String) {
    let server = enforcing_moto();
    let bucket = new_bucket(&server.admin(), "bkt");
    let (_, key, secret) = server.user_with_statements(serde_json::json!([{
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:DeleteObject"],
        "Resource": format!("arn:aws:s3:::{bucket}/up/ok/*"),
    }]));
    (bucket, key, secret)
}

#[test]
fn a_failed_file_does_not_stop_the_others() {
    let (bucket, key, secret) = scoped_writer();
    let source = tempfile::tempdir().unwrap();
    fs::create_dir_all(source.path().join("up/ok")).unwrap();
    fs::write(source.path().join("up/ok/fine.txt"), "fine").unwrap();
    fs::write(source.path().join("up/secret.txt"), "no").unwrap();
    let output = s3c(&[
        "put-objects",
        &bucket,
        "up",
        "--access-key",
        &key,
        "--secret-key",
        &secret,
    ])
    .current_dir(source.path())
    .against(&enforcing_moto().emulator)
    .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            "",
            "Error: could not upload `up/secret.txt`: PutObject failed: AccessDenied: Access Denied\n\
             Uploaded 1 file (4 B)\n\
             Error: 1 of 2 files failed: `up/secret.txt`\n"
        )
    );
    let admin = enforcing_moto().admin();
    let listed = block_on(admin.s3.list_objects_v2().bucket(&bucket).send()).unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["up/ok/fine.txt"]);
}

#[test]
fn two_files_for_one_key_fail_before_anything_is_uploaded() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let source = tempfile::tempdir().unwrap();
    for dir in ["a", "b"] {
        fs::create_dir(source.path().join(dir)).unwrap();
        fs::write(source.path().join(dir).join("same.txt"), dir).unwrap();
    }
    s3c(&["put-objects", &bucket, "a/same.txt", "b/same.txt"])
        .current_dir(source.path())
        .against(moto())
        .run()
        .fails_with(
            2,
            "Error: `a/same.txt` and `b/same.txt` would both be stored as `same.txt`; \
             nothing was uploaded\n",
        );
    assert!(keys(moto(), &bucket).is_empty());
}

/// How many parts S3 says an object was uploaded in (1 when sent whole).
fn parts_of(bucket: &str, key: &str) -> usize {
    let head = crate::common::s3::head(moto(), bucket, key);
    let e_tag = head.e_tag().unwrap().trim_matches('"');
    e_tag
        .rsplit_once('-')
        .map_or(1, |(_, parts)| parts.parse().unwrap())
}

#[test]
fn large_files_go_whole_when_there_are_enough_of_them_to_fill_the_connections() {
    use crate::put_object::PART;
    let bucket = new_bucket(&moto().clients(), "bkt");
    let source = tempfile::tempdir().unwrap();
    let data = pattern(PART + 1000);
    for name in ["a.bin", "b.bin"] {
        fs::write(source.path().join(name), &data).unwrap();
    }
    fs::create_dir(source.path().join("alone")).unwrap();
    fs::write(source.path().join("alone/c.bin"), &data).unwrap();
    let upload = |paths: &[&str]| {
        let mut args = vec!["put-objects", &bucket, "-s", "-j", "2"];
        args.extend_from_slice(paths);
        s3c(&args)
            .env("S3_CREDENTIALS_PART_SIZE", PART.to_string())
            .current_dir(source.path())
            .against(moto())
            .run()
            .success();
    };
    // Two files for two connections: each goes whole.
    upload(&["a.bin", "b.bin"]);
    assert_eq!(
        (parts_of(&bucket, "a.bin"), parts_of(&bucket, "b.bin")),
        (1, 1)
    );
    // One file alone is split, so both connections carry it.
    upload(&["alone"]);
    assert_eq!(parts_of(&bucket, "alone/c.bin"), 2);
    for key in ["a.bin", "b.bin", "alone/c.bin"] {
        assert!(get(moto(), &bucket, key).unwrap() == data, "{key} differs");
    }
}
