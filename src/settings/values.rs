//! Checks and parsers for single values, used by many commands: policy and
//! statement JSON, durations, bucket names, prefixes, and the IAM and STS
//! names derived from them.
//!
//! Everything here is pure (apart from reading a `--policy` file or standard
//! input) and fails with a one-line message; the caller turns it into a usage
//! error before the first AWS call.

use std::io::Read;

use serde_json::Value;

use super::input::OptionText;
use crate::error::UsageError;

/// The shortest duration STS issues credentials for, in seconds.
pub const MIN_DURATION_SECONDS: u32 = 15 * 60;

/// The longest session the tool's role allows, in seconds.
pub const MAX_DURATION_SECONDS: u32 = 12 * 60 * 60;

/// The longest IAM user name (and role name).
pub const MAX_USER_NAME_LENGTH: usize = 64;

/// The longest IAM inline policy name.
pub const MAX_POLICY_NAME_LENGTH: usize = 128;

/// The longest STS role session name.
pub const MAX_ROLE_SESSION_NAME_LENGTH: usize = 64;

/// Parse JSON a person wrote, accepting trailing commas before `}` and `]`
/// (the seed README's own `--policy` example has one). The value serializes
/// back as strict JSON. Any other syntax error names its line and column.
pub fn parse_lenient_json(text: &str) -> Result<Value, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut cleaned = text.to_owned();
    for position in trailing_commas(text.as_bytes()) {
        // A space in place of the comma keeps every line and column where it was.
        cleaned.replace_range(position..=position, " ");
    }
    serde_json::from_str(&cleaned).map_err(|error| {
        let message = error.to_string();
        let location = format!(" at line {} column {}", error.line(), error.column());
        let reason = message.strip_suffix(&location).unwrap_or(&message);
        format!(
            "invalid JSON at line {}, column {}: {reason}",
            error.line(),
            error.column()
        )
    })
}

/// The byte offsets of the commas, outside strings, that close a list or an
/// object: followed by `}` or `]` and preceded by a value (so `[,]` and
/// `[1,,]` are still errors).
fn trailing_commas(bytes: &[u8]) -> Vec<usize> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut commas = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut previous = None;
    for (index, &byte) in bytes.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b',' if !matches!(previous, None | Some(b'[' | b'{' | b',' | b':')) => {
                let next = bytes[index + 1..].iter().find(|b| !is_space(b));
                if matches!(next, Some(b'}' | b']')) {
                    commas.push(index);
                    // The comma is gone: what precedes the `}` is the value.
                    continue;
                }
            }
            _ => {}
        }
        if !is_space(&byte) {
            previous = Some(byte);
        }
    }
    commas
}

/// Read a `--policy` value: literal JSON when it starts with `{`, standard
/// input for `-`, otherwise a file path. The document must be an object with
/// a `Statement` (one statement object or an array of them).
pub fn parse_policy_arg(arg: &str, stdin: impl Read) -> Result<Value, String> {
    let input = if arg.trim_start().starts_with('{') {
        OptionText {
            source: "--policy".to_owned(),
            text: arg.to_owned(),
        }
    } else {
        OptionText::read("--policy", arg, stdin).map_err(|e| {
            format!(
                "{} (--policy takes a file path, literal JSON or `-` for standard input)",
                e.0
            )
        })?
    };
    let document = parse_lenient_json(&input.text).map_err(|e| input.error(e).0)?;
    check_policy_document(&document).map_err(|e| input.error(e).0)?;
    Ok(document)
}

/// A policy document is an object whose `Statement` is a statement object or
/// an array of them.
pub fn check_policy_document(document: &Value) -> Result<(), String> {
    let Value::Object(map) = document else {
        return Err(format!(
            "a policy must be a JSON object with a `Statement` key, not {}",
            kind_of(document)
        ));
    };
    match map.get("Statement") {
        None => Err("the policy has no `Statement` key".to_owned()),
        Some(Value::Object(_)) => Ok(()),
        Some(Value::Array(statements)) if statements.iter().all(Value::is_object) => Ok(()),
        Some(_) => Err("`Statement` must be an object or an array of objects".to_owned()),
    }
}

/// Read a `--statement` value: a JSON object with `Effect`, `Action` and
/// `Resource` keys.
pub fn parse_statement(arg: &str) -> Result<Value, String> {
    let statement = parse_lenient_json(arg).map_err(|e| format!("--statement: {e}"))?;
    let Value::Object(map) = &statement else {
        return Err(format!(
            "--statement must be a JSON object with `Effect`, `Action` and `Resource` keys, not {}",
            kind_of(&statement)
        ));
    };
    let missing: Vec<String> = ["Effect", "Action", "Resource"]
        .iter()
        .filter(|key| !map.contains_key(**key))
        .map(|key| format!("`{key}`"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "--statement is missing required keys: {}",
            missing.join(", ")
        ));
    }
    Ok(statement)
}

/// What kind of JSON value this is, for messages.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parse a `--duration`: `3600` or `900s` (seconds), `15m`, `1h`; it must be
/// from 15 minutes to 12 hours.
pub fn parse_duration(arg: &str) -> Result<u32, String> {
    let (digits, unit) = match arg.char_indices().last() {
        Some((index, 's')) => (&arg[..index], 1),
        Some((index, 'm')) => (&arg[..index], 60),
        Some((index, 'h')) => (&arg[..index], 3600),
        _ => (arg, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "duration must look like 3600, 900s, 15m or 1h, not `{arg}`"
        ));
    }
    // Too many digits for a u64 is out of range too.
    let seconds = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(n));
    seconds.ok_or_else(|| format!("duration must be between 15 minutes and 12 hours, not `{arg}`"))
}

/// Parse the `--duration` option, naming it in the error.
pub fn duration_option(arg: &str) -> Result<u32, UsageError> {
    parse_duration(arg).map_err(|e| UsageError(format!("--duration: {e}")))
}

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

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    const SEED_EXAMPLE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject*", "s3:ListBucket"],
      "Resource": [
        "arn:aws:s3:::$!BUCKET_NAME!$",
        "arn:aws:s3:::$!BUCKET_NAME!$/*"
      ],
    }
  ]
}"#;

    #[test]
    fn lenient_json_accepts_the_seed_example() {
        let value = parse_lenient_json(SEED_EXAMPLE).unwrap();
        assert_eq!(
            value.to_string(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject*","s3:ListBucket"],"Resource":["arn:aws:s3:::$!BUCKET_NAME!$","arn:aws:s3:::$!BUCKET_NAME!$/*"]}]}"#
        );
    }

    #[test]
    fn lenient_json_removes_only_trailing_commas() {
        let parse = |text: &str| parse_lenient_json(text).map(|v| v.to_string());
        assert_eq!(parse("[1, 2, ]").unwrap(), "[1,2]");
        assert_eq!(parse("{\"a\": [1,\n],\n}").unwrap(), r#"{"a":[1]}"#);
        assert_eq!(parse("[{},[],\"x\",]").unwrap(), r#"[{},[],"x"]"#);
        // Commas inside strings stay, escaped quotes included.
        assert_eq!(parse(r#"[",]", "a\",}",]"#).unwrap(), r#"[",]","a\",}"]"#);
        assert_eq!(parse(r#"["back\\",]"#).unwrap(), r#"["back\\"]"#);
        assert_eq!(parse("\u{feff}[1,]").unwrap(), "[1]");
        // Not a trailing comma after a value: still errors.
        assert!(parse("[,]").is_err());
        assert!(parse("{,}").is_err());
        assert!(parse("[1,,]").is_err());
        assert!(parse("{\"a\":,}").is_err());
        assert!(parse("[1],").is_err());
    }

    #[test]
    fn lenient_json_errors_name_line_and_column() {
        let error = parse_lenient_json("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!(error, "invalid JSON at line 3, column 7: expected `:`");
        // Columns after a removed comma are not shifted.
        let error = parse_lenient_json("[1,] x").unwrap_err();
        assert_eq!(
            error,
            "invalid JSON at line 1, column 6: trailing characters"
        );
        let error = parse_lenient_json("").unwrap_err();
        assert!(
            error.starts_with("invalid JSON at line 1, column 0: EOF"),
            "{error}"
        );
    }

    #[test]
    fn policy_from_literal_json() {
        let policy = parse_policy_arg(SEED_EXAMPLE, Cursor::new("")).unwrap();
        assert_eq!(policy["Statement"][0]["Effect"], "Allow");
        let single = r#"  {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#;
        assert!(parse_policy_arg(single, Cursor::new("")).is_ok());
    }

    #[test]
    fn policy_from_stdin_and_file() {
        let policy = parse_policy_arg("-", Cursor::new(SEED_EXAMPLE)).unwrap();
        assert_eq!(policy["Version"], "2012-10-17");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        std::fs::write(&path, SEED_EXAMPLE).unwrap();
        let path = path.to_str().unwrap();
        assert_eq!(parse_policy_arg(path, Cursor::new("")).unwrap(), policy);
        let missing = dir.path().join("missing.json");
        let missing = missing.to_str().unwrap();
        let error = parse_policy_arg(missing, Cursor::new("")).unwrap_err();
        assert!(
            error.starts_with(&format!(
                "could not read --policy `{missing}`: no such file"
            )),
            "{error}"
        );
    }

    #[test]
    fn policy_errors() {
        let error = |arg: &str, stdin: &str| {
            parse_policy_arg(arg, Cursor::new(stdin.to_owned())).unwrap_err()
        };
        assert_eq!(
            error("{\"Statement\": [}", ""),
            "--policy: invalid JSON at line 1, column 16: expected value"
        );
        assert_eq!(
            error("-", "[1]"),
            "--policy from standard input: a policy must be a JSON object with a `Statement` key, not an array"
        );
        assert_eq!(
            error("{\"Version\": \"2012-10-17\"}", ""),
            "--policy: the policy has no `Statement` key"
        );
        assert_eq!(
            error("{\"Statement\": \"s3:*\"}", ""),
            "--policy: `Statement` must be an object or an array of objects"
        );
        assert_eq!(
            error("{\"Statement\": [1]}", ""),
            "--policy: `Statement` must be an object or an array of objects"
        );
    }

    #[test]
    fn statements() {
        let statement =
            parse_statement(r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*",}"#).unwrap();
        assert_eq!(
            statement.to_string(),
            r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#
        );
        assert_eq!(
            parse_statement(r#"{"Effect": "Allow"}"#).unwrap_err(),
            "--statement is missing required keys: `Action`, `Resource`"
        );
        assert_eq!(
            parse_statement(r#"[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]"#)
                .unwrap_err(),
            "--statement must be a JSON object with `Effect`, `Action` and `Resource` keys, not an array"
        );
        assert!(
            parse_statement("\"x\"")
                .unwrap_err()
                .ends_with("not a string")
        );
        assert!(
            parse_statement("{")
                .unwrap_err()
                .starts_with("--statement: invalid JSON at line 1")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3600"), Ok(3600));
        assert_eq!(parse_duration("900s"), Ok(900));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("12h"), Ok(43200));
        assert_eq!(parse_duration("720m"), Ok(43200));
        let range = "duration must be between 15 minutes and 12 hours";
        for bad in [
            "0",
            "899",
            "14m",
            "13h",
            "43201s",
            "99999999999999999999h",
            "4294967296",
        ] {
            let error = parse_duration(bad).unwrap_err();
            assert_eq!(error, format!("{range}, not `{bad}`"));
        }
        let form = "duration must look like 3600, 900s, 15m or 1h";
        for bad in [
            "", "15x", "h", "1.5h", "-15m", " 15m", "15 m", "1H", "١h", "15mm",
        ] {
            let error = parse_duration(bad).unwrap_err();
            assert_eq!(error, format!("{form}, not `{bad}`"));
        }
    }

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
    use serde_json::Value;

    use super::*;

    /// Any JSON value, a few levels deep.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(".{0,8}", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// JSON text with a comma before every `]` and `}` that follows a value.
    fn with_trailing_commas(value: &Value) -> String {
        match value {
            Value::Array(items) if !items.is_empty() => {
                let items: Vec<String> = items.iter().map(with_trailing_commas).collect();
                format!("[{},]", items.join(","))
            }
            Value::Object(map) if !map.is_empty() => {
                let fields: Vec<String> = map
                    .iter()
                    .map(|(k, v)| {
                        format!("{}: {}", Value::String(k.clone()), with_trailing_commas(v))
                    })
                    .collect();
                format!("{{\n  {},\n}}", fields.join(",\n  "))
            }
            other => other.to_string(),
        }
    }

    proptest! {
        #[test]
        fn lenient_json_agrees_with_strict_json_or_names_the_position(text in ".{0,200}") {
            match parse_lenient_json(&text) {
                Ok(value) => {
                    if let Ok(strict) = serde_json::from_str::<Value>(&text) {
                        prop_assert_eq!(value, strict);
                    }
                }
                Err(error) => {
                    prop_assert!(error.starts_with("invalid JSON at line "), "{}", error);
                    prop_assert!(!error.contains('\n'), "{}", error);
                }
            }
        }

        #[test]
        fn strict_json_reads_back_unchanged(value in json_value()) {
            prop_assert_eq!(parse_lenient_json(&serde_json::to_string_pretty(&value).unwrap()).unwrap(), value);
        }

        #[test]
        fn trailing_commas_are_dropped_and_nothing_else(value in json_value()) {
            prop_assert_eq!(parse_lenient_json(&with_trailing_commas(&value)).unwrap(), value);
        }

        #[test]
        fn statements_have_the_three_keys_or_an_error_naming_the_option(text in ".{0,200}") {
            match parse_statement(&text) {
                Ok(statement) => {
                    for key in ["Effect", "Action", "Resource"] {
                        prop_assert!(statement.get(key).is_some(), "{}", statement);
                    }
                }
                Err(error) => {
                    prop_assert!(error.starts_with("--statement"), "{}", error);
                    prop_assert!(!error.contains('\n'), "{}", error);
                }
            }
        }

        #[test]
        fn any_duration_is_in_range_or_an_error(text in prop_oneof!["[0-9]{1,7}[smh]?", ".{0,30}"]) {
            match parse_duration(&text) {
                Ok(seconds) => prop_assert!((MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(&seconds)),
                Err(error) => prop_assert!(error.starts_with("duration must"), "{}", error),
            }
        }

        #[test]
        fn durations_in_range_round_trip(seconds in MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS) {
            prop_assert_eq!(parse_duration(&seconds.to_string()), Ok(seconds));
            prop_assert_eq!(parse_duration(&format!("{seconds}s")), Ok(seconds));
            let minutes = seconds / 60;
            if minutes * 60 >= MIN_DURATION_SECONDS {
                prop_assert_eq!(parse_duration(&format!("{minutes}m")), Ok(minutes * 60));
            }
        }

        #[test]
        fn durations_out_of_range_fail(seconds in prop_oneof![0u64..MIN_DURATION_SECONDS as u64, MAX_DURATION_SECONDS as u64 + 1..u64::MAX]) {
            prop_assert!(parse_duration(&seconds.to_string()).is_err());
        }

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
