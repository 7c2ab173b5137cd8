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
        "Error: the following required arguments were not provided: <USERNAMES>...; \
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
