//! The caller's secret key and session token never appear on stderr: not in
//! progress lines, not in errors, whatever happens.

use clap::CommandFactory;

use crate::common::commands::one_bucket_commands;
use crate::common::{enforcing_moto, moto, s3c, unique};

const SECRET: &str = "SECRETsecretSECRETsecretSECRETsecret1234";
const TOKEN: &str = "TOKENtokenTOKENtokenTOKENtokenTOKENtoken";

/// Arguments that make each AWS command do real work, with the exit code
/// each has against the permissive emulator: 0 but where the test means a
/// failure (a missing user or bucket).
fn commands() -> Vec<(Vec<String>, i32)> {
    // Files to upload, kept for the whole run (the test process is short-lived).
    static FILES: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let files = FILES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("folder")).unwrap();
        std::fs::write(dir.path().join("folder/a.txt"), "a").unwrap();
        dir
    });
    let folder = files.path().join("folder");
    let file = folder.join("a.txt");
    let (folder, file) = (
        folder.to_str().unwrap().to_owned(),
        file.to_str().unwrap().to_owned(),
    );
    let downloads = files.path().join("downloads");
    let downloads = downloads.to_str().unwrap().to_owned();
    let bucket = unique("secret");
    let user = unique("secret-user");
    let missing = unique("secret-missing");
    let role = unique("secret-role");
    let failing = [user.as_str(), missing.as_str()];
    let created = format!("s3.read-write.{bucket}");
    let one_bucket = one_bucket_commands();
    [
        vec!["whoami"],
        vec!["list-users"],
        vec!["list-buckets"],
        vec!["list-roles", "--details"],
        vec!["list-user-policies"],
        // A user that does not exist: fails.
        vec!["delete-user", &user],
        vec!["create", &bucket, "-c"],
        vec!["rotate-key", &created],
        vec!["list-credentials"],
        vec![
            "create",
            &bucket,
            "-c",
            "--trust",
            "github:o/r",
            "--role-name",
            &role,
        ],
        // Deletes the role just made, where it could be made.
        vec!["delete-role", &role],
        // The bucket exists from here on (where `create` could make it).
        vec!["set-cors-policy", &bucket],
        vec!["set-bucket-policy", &bucket, "--allow-all-get"],
        vec![
            "set-public-access-block",
            &bucket,
            "--block-public-acls",
            "true",
        ],
    ]
    .into_iter()
    // Every command that takes only a bucket, on the bucket just configured.
    .chain(
        one_bucket
            .iter()
            .map(|command| vec![command.as_str(), &bucket]),
    )
    .chain([
        vec!["list-buckets", "--details", &bucket],
        vec!["put-object", &bucket, "a.txt", &file, "-s"],
        vec!["put-objects", &bucket, &folder, "-s"],
        vec!["list-bucket", &bucket, "--urls"],
        vec!["get-object", &bucket, "a.txt"],
        vec!["get-objects", &bucket, "-o", &downloads, "-s"],
        vec!["delete-objects", &bucket, "a.txt", "-s"],
        // On a bucket that exists it would serve until stopped; its serving
        // path is checked in the `localserver` tests.
        vec!["localserver", &missing, "-d", "15m", "--port", "0"],
    ])
    .map(|args| {
        let code = i32::from(args.iter().any(|arg| failing.contains(arg)));
        (args.into_iter().map(str::to_owned).collect(), code)
    })
    .collect()
}

#[test]
fn every_aws_command_is_covered() {
    let covered: Vec<String> = commands()
        .into_iter()
        .map(|(args, _)| args[0].clone())
        .collect();
    for command in s3_credentials::cli::Cli::command().get_subcommands() {
        let takes_credentials = command.get_arguments().any(|a| a.get_id() == "secret_key");
        // A presigned URL carries the session token by design (SigV4's
        // `X-Amz-Security-Token`): `presign::the_secret_key_never_appears`
        // checks what it must keep out instead.
        if takes_credentials && command.get_name() != "presign" {
            assert!(
                covered.contains(&command.get_name().to_owned()),
                "{} is not covered",
                command.get_name()
            );
        }
    }
}

#[test]
fn secrets_stay_out_of_stderr_on_success_and_failure() {
    let unreachable = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    // Each run must get as far as AWS: a usage error (exit 2) would leave
    // nothing to leak. The enforcing emulator refuses the unknown key and
    // the unreachable one answers nothing: both exit 1.
    let endpoints = [
        (moto().endpoint.clone(), None),
        (enforcing_moto().emulator.endpoint.clone(), Some(1)),
        (unreachable, Some(1)),
    ];
    for (endpoint, code) in &endpoints {
        for (mut args, moto_code) in commands() {
            args.extend(
                [
                    "--endpoint-url",
                    endpoint,
                    "--access-key",
                    "AKIAKNOWNKEY00000001",
                    "--secret-key",
                    SECRET,
                ]
                .map(str::to_owned),
            );
            args.extend(["--session-token".to_owned(), TOKEN.to_owned()]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let output = s3c(&args).run();
            assert_eq!(
                output.code,
                code.unwrap_or(moto_code),
                "{args:?}: {output:#?}"
            );
            for secret in [SECRET, TOKEN] {
                assert!(
                    !output.stderr.contains(secret),
                    "{args:?} printed a secret: {output:#?}"
                );
                assert!(
                    !output.stdout.contains(secret),
                    "{args:?} printed a secret: {output:#?}"
                );
            }
        }
    }
}
