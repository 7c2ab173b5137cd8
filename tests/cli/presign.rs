//! `presign`: the printed URL works in a plain HTTP client, for downloads and
//! uploads, on an emulator that checks signatures; bad lifetimes are usage
//! errors; credentials that end before the URL are warned about.

use crate::common::http::fetch;
use crate::common::s3::{get, new_bucket, put};
use crate::common::{moto, s3c, unique};

/// The one line `presign` printed: the URL.
fn url_of(stdout: &str) -> &str {
    let url = stdout.strip_suffix('\n').expect("one line");
    assert!(!url.contains('\n'), "{stdout}");
    url
}

#[test]
fn a_get_url_downloads_the_object_without_credentials() {
    let bucket = new_bucket(&moto().clients(), "presign");
    put(moto(), &bucket, "dir/report.csv", b"a,b\n1,2\n");
    let output = s3c(&["presign", &bucket, "dir/report.csv"])
        .against(moto())
        .run();
    let url = url_of(output.success()).to_owned();
    let prefix = format!("{}/{bucket}/dir/report.csv?", moto().endpoint);
    assert!(url.starts_with(&prefix), "{url}");
    assert!(url.contains("X-Amz-Expires=3600&"), "{url}");
    assert_eq!(fetch(&url, "GET", b""), (200, b"a,b\n1,2\n".to_vec()));
}

#[test]
fn a_put_url_uploads_a_new_body() {
    let bucket = new_bucket(&moto().clients(), "presign");
    let output = s3c(&[
        "presign",
        &bucket,
        "inbox/new.txt",
        "--method",
        "PUT",
        "--expires",
        "15m",
    ])
    .against(moto())
    .run();
    let url = url_of(output.success()).to_owned();
    assert!(url.contains("X-Amz-Expires=900&"), "{url}");
    // Signed without a checksum of its own: any body may be sent.
    assert!(!url.to_ascii_lowercase().contains("checksum"), "{url}");
    let (status, _) = fetch(&url, "PUT", b"uploaded through a presigned URL\n");
    assert_eq!(status, 200);
    assert_eq!(
        get(moto(), &bucket, "inbox/new.txt").as_deref(),
        Some(&b"uploaded through a presigned URL\n"[..])
    );
}

/// The longest lifetime SigV4 allows is accepted. (moto with signature
/// checks on answers `500` to every presigned URL, so no test here shows a
/// changed URL being refused; that rests on the SDK's SigV4 query signing.)
#[test]
fn seven_days_is_the_longest_lifetime() {
    let bucket = new_bucket(&moto().clients(), "presign");
    put(moto(), &bucket, "mine.txt", b"mine");
    let output = s3c(&["presign", &bucket, "mine.txt", "--expires", "7d"])
        .against(moto())
        .run();
    let url = url_of(output.success()).to_owned();
    assert!(url.contains("X-Amz-Expires=604800&"), "{url}");
    assert_eq!(fetch(&url, "GET", b""), (200, b"mine".to_vec()));
}

#[test]
fn lifetimes_outside_one_second_to_seven_days_are_usage_errors() {
    let out_of_range = "a presigned URL works for one second to 7 days \
                        (the longest a SigV4 signature is valid)";
    let forms = "must be a number of seconds such as `3600`, or a number with a unit \
                 such as `15m`, `12h` or `7d`";
    for (value, message) in [
        ("8d", format!("`8d` is out of range: {out_of_range}")),
        (
            "604801",
            format!("`604801` is out of range: {out_of_range}"),
        ),
        ("0s", format!("`0s` is out of range: {out_of_range}")),
        ("-1h", format!("{forms}, not `-1h`")),
        ("1.5h", format!("{forms}, not `1.5h`")),
    ] {
        // No emulator: the check comes before any request.
        s3c(&["presign", "bucket", "key", "--expires", value])
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .run()
            .fails_with(2, &format!("Error: --expires: {message}\n"));
    }
    s3c(&["presign", "bucket", "key", "--method", "DELETE"])
        .run()
        .fails_with(
            2,
            "Error: invalid value 'DELETE' for '--method <METHOD>' \
             [possible values: GET, PUT]; see `s3-credentials presign --help`\n",
        );
}

/// Credentials from a `credential_process` that end in 30 minutes: a URL
/// asked for 2 hours is still printed, with a warning saying when it stops.
#[test]
fn credentials_that_end_before_the_url_are_warned_about() {
    let bucket = new_bucket(&moto().clients(), "presign");
    let dir = tempfile::tempdir().unwrap();
    let expiry = time::OffsetDateTime::now_utc() + time::Duration::minutes(30);
    let expiry = expiry.replace_nanosecond(0).unwrap();
    let stamp = expiry
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let process = format!(
        r#"{{"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "secret", "SessionToken": "token", "Expiration": "{stamp}"}}"#
    );
    let script = dir.path().join("creds.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho '{process}'\n")).unwrap();
    let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&script, executable).unwrap();
    let config = dir.path().join("config");
    let profile = unique("process");
    std::fs::write(
        &config,
        format!(
            "[profile {profile}]\ncredential_process = {}\nregion = us-east-1\n",
            script.display()
        ),
    )
    .unwrap();
    let output = s3c(&[
        "presign",
        &bucket,
        "k",
        "--expires",
        "2h",
        "--profile",
        &profile,
    ])
    .against(moto())
    .env_remove("AWS_ACCESS_KEY_ID")
    .env_remove("AWS_SECRET_ACCESS_KEY")
    .env("AWS_CONFIG_FILE", &config)
    .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
    .run();
    let expected = format!(
        "Warning: the credentials that signed this URL expire at {}, before the URL does; \
         it stops working then\n",
        stamp.replace("+00:00", "Z")
    );
    let url = url_of(output.success_with_stderr(&expected)).to_owned();
    assert!(url.contains("X-Amz-Credential=AKIAPROCESS%2F"), "{url}");
    assert!(url.ends_with("&X-Amz-Security-Token=token"), "{url}");
}

/// A bucket in another region than the configured one: the URL is signed
/// for the bucket's region (S3 refuses a signature for any other), found
/// with one misdirected request through a proxy that answers as S3 does.
#[test]
fn the_url_is_signed_for_the_buckets_region() {
    use crate::common::region_proxy::{Answer, RegionProxy};
    let bucket = crate::common::s3::new_bucket_in(&moto().clients(), "eu-west-1");
    put(moto(), &bucket, "far.txt", b"far away");
    let proxy = RegionProxy::start(&moto().endpoint, Answer::Redirect);
    proxy.place(&bucket, "eu-west-1");
    let output = s3c(&["presign", &bucket, "far.txt"])
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .env("AWS_REGION", "us-east-1")
        .run();
    let url = url_of(output.success()).to_owned();
    assert!(url.contains("%2Feu-west-1%2Fs3%2Faws4_request&"), "{url}");
    assert_eq!(proxy.misdirected(&bucket), 1);
    assert_eq!(fetch(&url, "GET", b""), (200, b"far away".to_vec()));
}

/// The URL is made for others to use, so it carries the access key ID and,
/// for temporary credentials, the session token (SigV4 query signing
/// requires both:
/// <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html>),
/// but never the secret key, on stdout or stderr, whether the bucket is
/// found or not.
#[test]
fn the_secret_key_never_appears() {
    const SECRET: &str = "SECRETsecretSECRETsecretSECRETsecret1234";
    const TOKEN: &str = "TOKENtokenTOKENtokenTOKENtokenTOKENtoken";
    let bucket = new_bucket(&moto().clients(), "presign");
    for (bucket, code) in [(bucket.as_str(), 0), ("no-such-bucket-here", 1)] {
        let output = s3c(&[
            "presign",
            bucket,
            "k",
            "--access-key",
            "AKIAKNOWNKEY00000001",
            "--secret-key",
            SECRET,
            "--session-token",
            TOKEN,
        ])
        .against(moto())
        .run();
        assert_eq!(output.code, code, "{output:#?}");
        assert!(!output.stdout.contains(SECRET), "{output:#?}");
        assert!(!output.stderr.contains(SECRET), "{output:#?}");
        assert!(!output.stderr.contains(TOKEN), "{output:#?}");
        if code == 0 {
            let url = url_of(&output.stdout);
            assert!(
                url.ends_with(&format!("&X-Amz-Security-Token={TOKEN}")),
                "{url}"
            );
            assert_eq!(url.matches(TOKEN).count(), 1, "{url}");
        }
    }
}
