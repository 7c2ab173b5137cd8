//! Command-line mistakes: exit 2 with one `Error:` line.

use crate::common::s3c;

#[test]
fn conflicting_output_flags_are_a_usage_error() {
    s3c(&["list-users", "--nl", "--csv"]).run().fails_with(
        2,
        "Error: the argument '--nl' cannot be used with '--csv'; see `s3-credentials list-users --help`\n",
    );
}

#[test]
fn unknown_flags_suggest_the_right_one() {
    s3c(&["list-users", "--n"]).run().fails_with(
        2,
        "Error: unexpected argument '--n' found (a similar argument exists: '--nl'); \
         see `s3-credentials list-users --help`\n",
    );
}

#[test]
fn missing_required_arguments_are_named() {
    s3c(&["delete-user"]).run().fails_with(
        2,
        "Error: the following required arguments were not provided: <USERNAMES|--expired>; \
         see `s3-credentials delete-user --help`\n",
    );
    s3c(&["whoami", "--access-key", "A"]).run().fails_with(
        2,
        "Error: the following required arguments were not provided: --secret-key <SECRET>; \
         see `s3-credentials whoami --help`\n",
    );
}

#[test]
fn unknown_commands_are_a_usage_error() {
    s3c(&["nope"]).run().fails_with(
        2,
        "Error: unrecognized subcommand 'nope'; see `s3-credentials --help`\n",
    );
}

#[test]
fn help_goes_to_stdout_and_succeeds() {
    let output = s3c(&["--help"]).run();
    assert!(
        output
            .success()
            .starts_with("Create AWS credentials that can only access the S3 buckets you name")
    );
    for command in [
        "whoami",
        "list-users",
        "list-buckets",
        "list-roles",
        "list-user-policies",
        "delete-user",
    ] {
        assert!(
            output.stdout.contains(command),
            "{command} missing from --help"
        );
    }
}

/// A value that starts with `-` is named with its option, not reported as an
/// unknown argument `-1`.
#[test]
fn hyphen_values_name_their_option() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["create", "my-bucket", "--duration", "-15m"],
            "Error: --duration: duration must look like 3600, 900s, 15m or 1h, not `-15m`\n",
        ),
        (
            &["get-objects", "my-bucket", "-j", "-3"],
            "Error: invalid value '-3' for '--concurrency <N>': -3 is not in 1..=512; \
             see `s3-credentials get-objects --help`\n",
        ),
        (
            &["localserver", "my-bucket", "-d", "1h", "-p", "-1"],
            "Error: invalid value '-1' for '--port <PORT>': -1 is not in 0..=65535; \
             see `s3-credentials localserver --help`\n",
        ),
        (
            &["policy", "my-bucket", "--prefix", "-x"],
            "Error: --prefix needs a value, and `-x` looks like an option; write `--prefix=-x` \
             if it is the value; see `s3-credentials policy --help`\n",
        ),
        (
            &["create", "my-bucket", "--username", "-u", "--dry-run"],
            "Error: --username needs a value, and `-u` looks like an option; write `--username=-u` \
             if it is the value; see `s3-credentials create --help`\n",
        ),
    ];
    for (args, stderr) in cases {
        s3c(args).run().fails_with(2, stderr);
    }
}

/// An unknown option after an option's value is reported as unknown: the
/// hint above is only for a word that follows an option taking a value (the
/// value `1h` is no option, though as short as one).
#[test]
fn an_unknown_option_after_a_value_is_unknown() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["create", "my-bucket", "--duration", "1h", "--no-such-flag"],
            "Error: unexpected argument '--no-such-flag' found (to pass '--no-such-flag' as a \
             value, use '-- --no-such-flag'); see `s3-credentials create --help`\n",
        ),
        (
            &["policy", "my-bucket", "--prefix", "ab", "-z"],
            "Error: unexpected argument '-z' found (to pass '-z' as a value, use '-- -z'); \
             see `s3-credentials policy --help`\n",
        ),
    ];
    for (args, stderr) in cases {
        s3c(args).run().fails_with(2, stderr);
    }
}
