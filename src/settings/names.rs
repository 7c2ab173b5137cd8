//! Names checked before any AWS call: bucket names and `--prefix` values as
//! S3 allows them, the IAM and STS names the tool derives from them, a user
//! named on the command line, and the command `man` is asked for.

use crate::error::UsageError;

/// The longest IAM user name (and role name).
pub const MAX_USER_NAME_LENGTH: usize = 64;

/// The longest IAM inline policy name.
pub const MAX_POLICY_NAME_LENGTH: usize = 128;

/// The longest STS role session name.
pub const MAX_ROLE_SESSION_NAME_LENGTH: usize = 64;

/// Suffixes S3 reserves for access points, aliases and directory buckets.
const RESERVED_SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/// Prefixes S3 does not allow for bucket names.
const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];

/// Check a bucket name against the S3 rules for general purpose buckets
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html>).
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("bucket name cannot be empty".to_owned());
    }
    let fail = |rule: &str| Err(format!("bucket name `{name}` {rule}"));
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-')))
    {
        return fail(&format!(
            "contains `{bad}`: bucket names can only use lowercase letters, digits, `.` and `-`"
        ));
    }
    if !(3..=63).contains(&name.len()) {
        return fail(&format!(
            "is {} characters long: bucket names are 3 to 63 characters",
            name.len()
        ));
    }
    let alphanumeric = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alphanumeric(name.chars().next()) || !alphanumeric(name.chars().last()) {
        return fail("must begin and end with a letter or digit");
    }
    if name.contains("..") {
        return fail("must not contain two adjacent periods");
    }
    if looks_like_ip_address(name) {
        return fail("must not be formatted as an IP address");
    }
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| name.starts_with(**p)) {
        return fail(&format!("must not start with `{prefix}`"));
    }
    if let Some(suffix) = RESERVED_SUFFIXES.iter().find(|s| name.ends_with(**s)) {
        return fail(&format!("must not end with `{suffix}`"));
    }
    Ok(())
}

/// `192.168.5.4`: four dot-separated groups of one to three digits.
fn looks_like_ip_address(name: &str) -> bool {
    let groups: Vec<&str> = name.split('.').collect();
    groups.len() == 4
        && groups
            .iter()
            .all(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()))
}

/// Check a `--prefix`: not empty, and no leading `/` (S3 keys have none).
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Err("--prefix cannot be empty (leave it out to allow the whole bucket)".to_owned());
    }
    if prefix.starts_with('/') {
        let without = prefix.trim_start_matches('/');
        let hint = if without.is_empty() {
            "leave out --prefix to allow the whole bucket".to_owned()
        } else {
            format!("use `--prefix {without}`")
        };
        return Err(format!(
            "prefix `{prefix}` starts with `/`, but S3 keys have no leading slash; {hint}"
        ));
    }
    Ok(())
}

/// The longest S3 object key, in bytes of UTF-8.
const MAX_KEY_BYTES: usize = 1024;

/// Check a `--key`: a key S3 accepts, that names exactly one object in a
/// resource ARN.
///
/// Refused: an empty key; one over S3's 1,024 bytes; a leading `/` (as for
/// `--prefix`); a `.` or `..` segment, which S3 keeps as written but many
/// clients normalise away before sending, so the granted object would not be
/// the one they reach; and `*`, `?` and `$`, which IAM reads in a resource
/// ARN as wildcards and the start of a policy variable (`${aws:username}`),
/// so the grant would cover other keys too. IAM documents `${*}`, `${?}` and
/// `${$}` for the literal characters, but nothing here can check that AWS
/// honours them in a resource, so the tool refuses rather than widen.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("--key cannot be empty".to_owned());
    }
    let fail = |rule: String| Err(format!("--key `{key}` {rule}"));
    if key.len() > MAX_KEY_BYTES {
        return fail(format!(
            "is {} bytes long: S3 keys are at most {MAX_KEY_BYTES} bytes",
            key.len()
        ));
    }
    if let Some(special) = key.chars().find(|c| matches!(c, '*' | '?' | '$')) {
        return fail(format!(
            "contains `{special}`, which IAM reads as a wildcard or policy variable in a resource \
             ARN, so the grant would cover other keys too; rename the object or use --prefix"
        ));
    }
    if key.starts_with('/') {
        return fail(format!(
            "starts with `/`, but S3 keys have no leading slash; use `--key {}`",
            key.trim_start_matches('/')
        ));
    }
    if key
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return fail(
            "has a `.` or `..` segment, which many clients resolve before sending, so they \
             would reach another object than the one granted"
                .to_owned(),
        );
    }
    Ok(())
}

/// The STS role session name `s3.<permission>.<bucket1,bucket2>`, made valid:
/// characters outside `[\w+=,.@-]` become `-`, and it is cut to 64 characters.
pub fn role_session_name(permission: &str, buckets: &[String]) -> String {
    let name = format!("s3.{permission}.{}", buckets.join(","));
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(MAX_ROLE_SESSION_NAME_LENGTH)
        .collect()
}

/// A kind of IAM name the tool derives from the bucket names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamName {
    /// A user name, such as the default `s3.read-write.<bucket1,bucket2>`.
    User,
    /// An inline policy name, `s3.<permission>.<bucket>`.
    Policy,
    /// A role name (`create --trust`), by default like a user name.
    Role,
}

impl IamName {
    /// The longest name of this kind IAM accepts.
    pub fn max_length(self) -> usize {
        match self {
            Self::User | Self::Role => MAX_USER_NAME_LENGTH,
            Self::Policy => MAX_POLICY_NAME_LENGTH,
        }
    }
}

/// Check that a generated IAM name is not longer than IAM allows.
pub fn check_name_length(kind: IamName, name: &str) -> Result<(), String> {
    let length = name.chars().count();
    let max = kind.max_length();
    if length <= max {
        return Ok(());
    }
    let (what, hint) = match kind {
        IamName::User => (
            "user name",
            "choose a shorter one with --username, or name fewer buckets",
        ),
        IamName::Role => (
            "role name",
            "choose a shorter one with --role-name, or name fewer buckets",
        ),
        // Only a bucket name longer than S3 allows makes a policy name this long.
        IamName::Policy => ("policy name", "the bucket name is too long"),
    };
    Err(format!(
        "{what} `{name}` is {length} characters long, more than the {max} IAM allows; {hint}"
    ))
}

/// A user named on the command line (`rotate-key USER`): not blank.
pub fn user_argument(name: &str) -> Result<&str, UsageError> {
    if name.trim().is_empty() {
        return Err(UsageError::new("the user name cannot be empty"));
    }
    Ok(name)
}

/// The command `man NAME` asks for, found in the CLI definition.
pub fn man_command(name: &str) -> Result<clap::Command, UsageError> {
    use clap::CommandFactory;
    crate::cli::Cli::command()
        .find_subcommand(name)
        .cloned()
        .ok_or_else(|| {
            UsageError(format!(
                "no command named `{name}`; see `s3-credentials --help`"
            ))
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_name_one_object() {
        use super::check_key;
        assert_eq!(check_key("reports/2026.csv"), Ok(()));
        assert_eq!(check_key("a b/ünïcode+=,@.txt"), Ok(()));
        assert_eq!(check_key("..data/x..y/.hidden"), Ok(()));
        assert_eq!(check_key(""), Err("--key cannot be empty".to_owned()));
        for bad in [
            "a*",
            "a?b",
            "${aws:username}",
            "/x",
            "a/../b",
            "./a",
            "a/.",
            &"k".repeat(1025),
        ] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
        assert_eq!(check_key(&"é".repeat(512)), Ok(()));
        assert!(
            check_key(&"é".repeat(513))
                .unwrap_err()
                .contains("1026 bytes")
        );
    }

    use super::*;

    #[test]
    fn bucket_names() {
        for good in [
            "abc",
            "my-bucket",
            "static.niche-museums.com",
            "1-2-3",
            "192.168.5.4.5",
            &"a".repeat(63),
        ] {
            assert_eq!(check_bucket_name(good), Ok(()), "{good}");
        }
        let cases = [
            ("", "bucket name cannot be empty"),
            (
                "ab",
                "bucket name `ab` is 2 characters long: bucket names are 3 to 63 characters",
            ),
            (
                "My-Bucket",
                "bucket name `My-Bucket` contains `M`: bucket names can only use lowercase letters, digits, `.` and `-`",
            ),
            (
                "my_bucket",
                "bucket name `my_bucket` contains `_`: bucket names can only use lowercase letters, digits, `.` and `-`",
            ),
            (
                "-bucket",
                "bucket name `-bucket` must begin and end with a letter or digit",
            ),
            (
                "bucket.",
                "bucket name `bucket.` must begin and end with a letter or digit",
            ),
            (
                "my..bucket",
                "bucket name `my..bucket` must not contain two adjacent periods",
            ),
            (
                "192.168.5.4",
                "bucket name `192.168.5.4` must not be formatted as an IP address",
            ),
            (
                "xn--bucket",
                "bucket name `xn--bucket` must not start with `xn--`",
            ),
            (
                "sthree-bucket",
                "bucket name `sthree-bucket` must not start with `sthree-`",
            ),
            (
                "amzn-s3-demo-bucket",
                "bucket name `amzn-s3-demo-bucket` must not start with `amzn-s3-demo-`",
            ),
            (
                "bucket-s3alias",
                "bucket name `bucket-s3alias` must not end with `-s3alias`",
            ),
            (
                "bucket--ol-s3",
                "bucket name `bucket--ol-s3` must not end with `--ol-s3`",
            ),
            (
                "bucket.mrap",
                "bucket name `bucket.mrap` must not end with `.mrap`",
            ),
            (
                "bucket--x-s3",
                "bucket name `bucket--x-s3` must not end with `--x-s3`",
            ),
            (
                "bucket--table-s3",
                "bucket name `bucket--table-s3` must not end with `--table-s3`",
            ),
        ];
        for (name, message) in cases {
            assert_eq!(check_bucket_name(name), Err(message.to_owned()));
        }
        assert!(
            check_bucket_name(&"a".repeat(64))
                .unwrap_err()
                .contains("64 characters")
        );
        assert!(check_bucket_name("bücket").unwrap_err().contains("`ü`"));
    }

    #[test]
    fn prefixes() {
        assert_eq!(check_prefix("my-prefix/"), Ok(()));
        assert_eq!(check_prefix("*"), Ok(()));
        assert_eq!(
            check_prefix("/my-prefix/"),
            Err("prefix `/my-prefix/` starts with `/`, but S3 keys have no leading slash; use `--prefix my-prefix/`".to_owned())
        );
        assert!(
            check_prefix("/")
                .unwrap_err()
                .ends_with("leave out --prefix to allow the whole bucket")
        );
        assert!(
            check_prefix("")
                .unwrap_err()
                .starts_with("--prefix cannot be empty")
        );
    }

    #[test]
    fn session_names() {
        let buckets = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            role_session_name("read-write", &buckets(&["a.b", "c-d"])),
            "s3.read-write.a.b,c-d"
        );
        assert_eq!(
            role_session_name("custom", &buckets(&["a b/c", "ü_@+="])),
            "s3.custom.a-b-c,-_@+="
        );
        let long = role_session_name("read-only", &buckets(&[&"a".repeat(63), &"b".repeat(63)]));
        assert_eq!(long.len(), 64);
        assert!(long.starts_with("s3.read-only.aaa"));
    }

    #[test]
    fn name_lengths() {
        assert_eq!(check_name_length(IamName::User, &"u".repeat(64)), Ok(()));
        let name = "u".repeat(65);
        assert_eq!(
            check_name_length(IamName::User, &name),
            Err(format!(
                "user name `{name}` is 65 characters long, more than the 64 IAM allows; \
                 choose a shorter one with --username, or name fewer buckets"
            ))
        );
        assert!(check_name_length(IamName::Policy, &"p".repeat(128)).is_ok());
        let error = check_name_length(IamName::Policy, &"p".repeat(129)).unwrap_err();
        assert!(error.starts_with("policy name `ppp"), "{error}");
        assert!(
            error.contains("129 characters long, more than the 128 IAM allows"),
            "{error}"
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn accepted_bucket_names_follow_the_s3_rules(name in prop_oneof!["[a-z0-9][a-z0-9-]{59,64}[a-z0-9]", "[a-z0-9.-]{0,70}", ".{0,70}"]) {
            match check_bucket_name(&name) {
                Ok(()) => {
                    prop_assert!((3..=63).contains(&name.len()), "{}", name);
                    prop_assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'), "{}", name);
                    prop_assert!(name.starts_with(|c: char| c.is_ascii_alphanumeric()), "{}", name);
                    prop_assert!(name.ends_with(|c: char| c.is_ascii_alphanumeric()), "{}", name);
                }
                Err(error) => prop_assert!(error.starts_with("bucket name"), "{}", error),
            }
        }

        #[test]
        fn well_formed_bucket_names_pass(name in "[a-z0-9][a-z0-9-]{1,61}[a-z0-9]") {
            prop_assume!(!["xn--", "sthree-", "amzn-s3-demo-"].iter().any(|p| name.starts_with(p)));
            prop_assume!(!["-s3alias", "--ol-s3", "--x-s3", "--table-s3"].iter().any(|s| name.ends_with(s)));
            prop_assert_eq!(check_bucket_name(&name), Ok(()));
        }

        #[test]
        fn names_with_uppercase_or_underscore_fail(name in "[a-z0-9]{1,30}[A-Z_][a-z0-9]{1,30}") {
            prop_assert!(check_bucket_name(&name).is_err());
        }

        #[test]
        fn prefixes_with_a_leading_slash_fail(rest in ".{0,40}") {
            let prefix = format!("/{rest}");
            prop_assert!(check_prefix(&prefix).is_err());
        }

        #[test]
        fn session_names_are_always_valid(permission in ".{0,20}", buckets in prop::collection::vec(".{0,70}", 1..4)) {
            let name = role_session_name(&permission, &buckets);
            prop_assert!(name.chars().count() <= MAX_ROLE_SESSION_NAME_LENGTH);
            prop_assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)), "{}", name);
        }
    }
}
