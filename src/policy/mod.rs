//! The IAM policy documents the tool generates: pure functions from bucket
//! names, key prefixes and extra statements to `serde_json::Value`.
//!
//! A port of the original tool's `s3_credentials/policies.py`
//! (<https://github.com/simonw/s3-credentials>, version 0.17). Key order
//! follows the original (`serde_json` keeps insertion order here), so with no
//! prefix or one prefix the printed documents are byte-identical to the
//! original's; the golden files in `tests/fixtures/policies/` pin that.
//!
//! One extension: `--prefix` may be repeated. Every prefix then gets its own
//! resource in each statement, and the `s3:prefix` condition lists them all.
//!
//! Beside them: [`assemble`] turns a grant into the documents sent (the one
//! place the steps below are put together), [`size`] fits documents to IAM's
//! size limits, [`managed`] names the managed policies of large grants, [`expiry`] adds the `--expires` condition, [`source_ip`] the
//! `--source-ip` one, [`trust`] builds
//! the trust policies of roles.

pub mod assemble;
pub mod expiry;
pub mod managed;
pub(crate) mod size;
pub mod source_ip;
pub mod trust;

use std::fmt;

use serde_json::{Map, Value, json};

/// The policy language version every generated document declares.
pub const POLICY_VERSION: &str = "2012-10-17";

/// The placeholder in a `--policy` document that is replaced by each bucket's name.
pub const BUCKET_NAME_PLACEHOLDER: &str = "$!BUCKET_NAME!$";

/// The actions that read an object, as the original grants them
/// (<https://github.com/simonw/s3-credentials/issues/23>).
const GET_OBJECT_ACTIONS: [&str; 5] = [
    "s3:GetObject",
    "s3:GetObjectAcl",
    "s3:GetObjectLegalHold",
    "s3:GetObjectRetention",
    "s3:GetObjectTagging",
];

/// What the generated policy lets the credentials do with a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Permission {
    /// List, read, write and delete objects (the default).
    #[default]
    ReadWrite,
    /// List and read objects (`--read-only`).
    ReadOnly,
    /// Write objects, without reading or listing them (`--write-only`).
    WriteOnly,
}

impl Permission {
    /// The permission chosen by the `--read-only` and `--write-only` flags.
    pub fn from_flags(read_only: bool, write_only: bool) -> Result<Self, String> {
        match (read_only, write_only) {
            (true, true) => {
                Err("cannot use --read-only and --write-only at the same time".to_owned())
            }
            (true, false) => Ok(Self::ReadOnly),
            (false, true) => Ok(Self::WriteOnly),
            (false, false) => Ok(Self::ReadWrite),
        }
    }

    /// The name used in user, policy and session names: `read-write`, `read-only`, `write-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadWrite => "read-write",
            Self::ReadOnly => "read-only",
            Self::WriteOnly => "write-only",
        }
    }

    /// The name used in user, policy and session names: `custom` when the
    /// policy comes from `--policy` or has `--statement`s, as in the original.
    pub fn label(self, custom: bool) -> &'static str {
        if custom { "custom" } else { self.as_str() }
    }

    /// The statements this permission grants on one bucket.
    pub fn statements(self, bucket: &str, prefixes: &[String]) -> Vec<Value> {
        match self {
            Self::ReadWrite => read_write(bucket, prefixes),
            Self::ReadOnly => read_only(bucket, prefixes),
            Self::WriteOnly => write_only(bucket, prefixes),
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The default user name: `s3.<label>.<bucket1,bucket2>`, where `label` comes
/// from [`Permission::label`].
pub fn default_username(label: &str, buckets: &[String]) -> String {
    format!("s3.{label}.{}", buckets.join(","))
}

/// The name of the inline policy attached for one bucket: `s3.<label>.<bucket>`.
pub fn inline_policy_name(label: &str, bucket: &str) -> String {
    format!("s3.{label}.{bucket}")
}

/// The name of the one inline policy that covers every bucket, used when
/// one policy per bucket would exceed IAM's size limit:
/// `s3.<label>.all-buckets`.
pub fn combined_policy_name(label: &str) -> String {
    format!("s3.{label}.all-buckets")
}

/// The prefixes as they appear in the policy: each ends in `*` (the original
/// appends one), duplicates are dropped, and no prefix, or a `*` among them,
/// means the whole bucket (`["*"]`).
pub fn normalize_prefixes(prefixes: &[String]) -> Vec<String> {
    let mut normalized: Vec<String> = Vec::new();
    for prefix in prefixes {
        let mut prefix = prefix.clone();
        if !prefix.ends_with('*') {
            prefix.push('*');
        }
        if prefix == "*" {
            return vec![prefix];
        }
        if !normalized.contains(&prefix) {
            normalized.push(prefix);
        }
    }
    if normalized.is_empty() {
        normalized.push("*".to_owned());
    }
    normalized
}

/// The ARN of a bucket.
fn bucket_arn(bucket: &str) -> Value {
    Value::String(format!("arn:aws:s3:::{bucket}"))
}

/// The ARNs of the objects under each (normalized) prefix of a bucket.
fn object_arns(bucket: &str, prefixes: &[String]) -> Value {
    prefixes
        .iter()
        .map(|prefix| Value::String(format!("arn:aws:s3:::{bucket}/{prefix}")))
        .collect()
}

/// The statements of a read-write policy: the read-only ones, then `s3:PutObject`
/// and `s3:DeleteObject` on the objects
/// (<https://github.com/simonw/s3-credentials/issues/24>).
pub fn read_write(bucket: &str, prefixes: &[String]) -> Vec<Value> {
    let normalized = normalize_prefixes(prefixes);
    let mut statements = read_only(bucket, prefixes);
    statements.push(json!({
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:DeleteObject"],
        "Resource": object_arns(bucket, &normalized),
    }));
    statements
}

/// The statements of a read-only policy: list the bucket (only under the
/// prefixes, when there are any) and read its objects.
pub fn read_only(bucket: &str, prefixes: &[String]) -> Vec<Value> {
    let normalized = normalize_prefixes(prefixes);
    let mut statements = Vec::new();
    if normalized == ["*"] {
        // The original combines the two bucket actions when there is no prefix.
        statements.push(json!({
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
            "Resource": [bucket_arn(bucket)],
        }));
    } else {
        statements.push(json!({
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation"],
            "Resource": [bucket_arn(bucket)],
        }));
        statements.push(json!({
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [bucket_arn(bucket)],
            // A prefix must end in `/` to limit listing to a folder.
            "Condition": {"StringLike": {"s3:prefix": normalized}},
        }));
    }
    statements.push(json!({
        "Effect": "Allow",
        "Action": GET_OBJECT_ACTIONS,
        "Resource": object_arns(bucket, &normalized),
    }));
    statements
}

/// The statements of a write-only policy: `s3:PutObject` on the objects
/// (<https://github.com/simonw/s3-credentials/issues/25>).
pub fn write_only(bucket: &str, prefixes: &[String]) -> Vec<Value> {
    let normalized = normalize_prefixes(prefixes);
    vec![json!({
        "Effect": "Allow",
        "Action": ["s3:PutObject"],
        "Resource": object_arns(bucket, &normalized),
    })]
}

/// The statements granting exactly the objects `keys` of a bucket
/// (`--key`): the object actions of `permission` on those object ARNs, and
/// for reading `s3:GetBucketLocation`, but no `s3:ListBucket`. Listing with
/// `prefix=KEY` returns every key that starts with KEY (`KEY.bak` too), so
/// even a listing limited to the exact keys would show the names of other
/// objects. The keys are checked first ([`crate::settings::names::check_key`]):
/// none has a character IAM would read as a wildcard.
pub fn key_statements(permission: Permission, bucket: &str, keys: &[String]) -> Vec<Value> {
    let objects: Value = keys
        .iter()
        .map(|key| Value::String(format!("arn:aws:s3:::{bucket}/{key}")))
        .collect();
    let location = json!({
        "Effect": "Allow",
        "Action": ["s3:GetBucketLocation"],
        "Resource": [bucket_arn(bucket)],
    });
    let read = json!({"Effect": "Allow", "Action": GET_OBJECT_ACTIONS, "Resource": objects});
    match permission {
        Permission::ReadOnly => vec![location, read],
        Permission::ReadWrite => vec![
            location,
            read,
            json!({"Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": objects}),
        ],
        Permission::WriteOnly => {
            vec![json!({"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": objects})]
        }
    }
}

/// A policy document holding these statements.
pub fn wrap(statements: Vec<Value>) -> Value {
    let mut document = Map::new();
    document.insert("Version".to_owned(), Value::from(POLICY_VERSION));
    document.insert("Statement".to_owned(), Value::Array(statements));
    Value::Object(document)
}

/// The inline policy for one bucket: its generated statements, then the
/// `--statement`s, as the original's `create` builds each user policy.
pub fn bucket_policy(
    permission: Permission,
    bucket: &str,
    prefixes: &[String],
    extra: &[Value],
) -> Value {
    let mut statements = permission.statements(bucket, prefixes);
    statements.extend_from_slice(extra);
    wrap(statements)
}

/// One document for all the buckets: every bucket's statements in order, then
/// the `--statement`s once. Printed by `policy` and used as the session policy
/// of `create --duration`.
pub fn buckets_policy(
    permission: Permission,
    buckets: &[String],
    prefixes: &[String],
    extra: &[Value],
) -> Value {
    let mut statements: Vec<Value> = buckets
        .iter()
        .flat_map(|bucket| permission.statements(bucket, prefixes))
        .collect();
    statements.extend_from_slice(extra);
    wrap(statements)
}

/// The bucket policy of `--public`: anyone may `s3:GetObject` any object.
pub fn bucket_policy_allow_all_get(bucket: &str) -> Value {
    json!({
        "Version": POLICY_VERSION,
        "Statement": [{
            "Sid": "AllowAllGetObject",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject"],
            "Resource": [format!("arn:aws:s3:::{bucket}/*")],
        }],
    })
}

/// A copy of a `--policy` document with every [`BUCKET_NAME_PLACEHOLDER`]
/// replaced by the bucket's name, in string values and object keys alike (the
/// original replaced it anywhere in the JSON text).
pub fn substitute_bucket_name(document: &Value, bucket: &str) -> Value {
    match document {
        Value::String(text) => Value::String(text.replace(BUCKET_NAME_PLACEHOLDER, bucket)),
        Value::Array(items) => items
            .iter()
            .map(|item| substitute_bucket_name(item, bucket))
            .collect(),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    (
                        key.replace(BUCKET_NAME_PLACEHOLDER, bucket),
                        substitute_bucket_name(value, bucket),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The statements of a policy document as a list: `Statement` may be one
/// statement object or an array of them.
pub fn statements_of(document: &Value) -> Vec<Value> {
    match document.get("Statement") {
        Some(Value::Array(statements)) => statements.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(statement) => vec![statement.clone()],
    }
}

/// A copy of `document` whose `Statement` is this list, keeping the other
/// keys (`Version`, `Id`) as written and in their order.
fn with_statements(document: &Value, statements: Vec<Value>) -> Value {
    let mut map = match document {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    map.insert("Statement".to_owned(), Value::Array(statements));
    Value::Object(map)
}

/// The inline policy for one bucket from a `--policy` document: the
/// placeholder replaced, then any `--statement`s appended (the original
/// ignored `--statement` when `--policy` was given). Without extra statements
/// the document is kept as written.
pub fn custom_policy(document: &Value, bucket: &str, extra: &[Value]) -> Value {
    let document = substitute_bucket_name(document, bucket);
    if extra.is_empty() {
        return document;
    }
    let mut statements = statements_of(&document);
    statements.extend_from_slice(extra);
    with_statements(&document, statements)
}

/// One document for all the buckets from a `--policy` document: each bucket's
/// copy of the statements, identical statements kept once, then the
/// `--statement`s. Used as the session policy of `create --duration` (the
/// original substituted only the last bucket there).
pub fn combined_custom_policy(document: &Value, buckets: &[String], extra: &[Value]) -> Value {
    let mut statements: Vec<Value> = Vec::new();
    for bucket in buckets {
        for statement in statements_of(&substitute_bucket_name(document, bucket)) {
            if !statements.contains(&statement) {
                statements.push(statement);
            }
        }
    }
    statements.extend_from_slice(extra);
    with_statements(document, statements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::to_pretty_json;

    /// A golden file's text without the newline `click.echo` ended it with.
    fn golden(text: &str) -> &str {
        text.trim_end_matches('\n')
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    fn one_prefix() -> Vec<String> {
        strings(&["my-prefix/"])
    }

    fn two_prefixes() -> Vec<String> {
        strings(&["my-prefix/", "other/"])
    }

    fn printed(permission: Permission, buckets: &[&str], prefixes: &[String]) -> String {
        to_pretty_json(&buckets_policy(
            permission,
            &strings(buckets),
            prefixes,
            &[],
        ))
    }

    #[test]
    fn read_write_matches_the_original() {
        let p = Permission::ReadWrite;
        let expected = include_str!("../../tests/fixtures/policies/read-write.json");
        assert_eq!(printed(p, &["my-bucket"], &[]), golden(expected));
        let expected = include_str!("../../tests/fixtures/policies/read-write-prefix.json");
        assert_eq!(printed(p, &["my-bucket"], &one_prefix()), golden(expected));
        let expected = include_str!("../../tests/fixtures/policies/read-write-two-prefixes.json");
        assert_eq!(
            printed(p, &["my-bucket"], &two_prefixes()),
            golden(expected)
        );
    }

    #[test]
    fn read_only_matches_the_original() {
        let p = Permission::ReadOnly;
        let expected = include_str!("../../tests/fixtures/policies/read-only.json");
        assert_eq!(printed(p, &["my-bucket"], &[]), golden(expected));
        let expected = include_str!("../../tests/fixtures/policies/read-only-prefix.json");
        assert_eq!(printed(p, &["my-bucket"], &one_prefix()), golden(expected));
        let expected = include_str!("../../tests/fixtures/policies/read-only-two-prefixes.json");
        assert_eq!(
            printed(p, &["my-bucket"], &two_prefixes()),
            golden(expected)
        );
    }

    #[test]
    fn write_only_matches_the_original() {
        let p = Permission::WriteOnly;
        let expected = include_str!("../../tests/fixtures/policies/write-only.json");
        assert_eq!(printed(p, &["my-bucket"], &[]), golden(expected));
        let expected = include_str!("../../tests/fixtures/policies/write-only-prefix.json");
        assert_eq!(printed(p, &["my-bucket"], &one_prefix()), golden(expected));
        let expected = include_str!("../../tests/fixtures/policies/write-only-two-prefixes.json");
        assert_eq!(
            printed(p, &["my-bucket"], &two_prefixes()),
            golden(expected)
        );
    }

    #[test]
    fn two_buckets_share_one_document() {
        let expected = include_str!("../../tests/fixtures/policies/read-write-two-buckets.json");
        let buckets = ["my-bucket", "my-other-bucket"];
        assert_eq!(
            printed(Permission::ReadWrite, &buckets, &[]),
            golden(expected)
        );
    }

    #[test]
    fn public_bucket_policy_matches_the_original() {
        let expected = include_str!("../../tests/fixtures/policies/public-bucket.json");
        assert_eq!(
            to_pretty_json(&bucket_policy_allow_all_get("my-bucket")),
            golden(expected)
        );
    }

    #[test]
    fn extra_statements_come_after_the_generated_ones() {
        let expected = include_str!("../../tests/fixtures/policies/read-write-statement.json");
        let extra = [json!({"Effect": "Allow", "Action": "textract:*", "Resource": "*"})];
        let bucket = "my-bucket";
        let document = bucket_policy(Permission::ReadWrite, bucket, &[], &extra);
        assert_eq!(to_pretty_json(&document), golden(expected));
        let buckets = strings(&[bucket]);
        let document = buckets_policy(Permission::ReadWrite, &buckets, &[], &extra);
        assert_eq!(to_pretty_json(&document), golden(expected));
    }

    #[test]
    fn extra_statements_appear_once_in_a_several_bucket_document() {
        let extra = [json!({"Effect": "Allow", "Action": "textract:*", "Resource": "*"})];
        let buckets = strings(&["a-bucket", "b-bucket"]);
        let document = buckets_policy(Permission::WriteOnly, &buckets, &[], &extra);
        let statements = statements_of(&document);
        assert_eq!(statements.len(), 3);
        assert_eq!(
            statements[0]["Resource"],
            json!(["arn:aws:s3:::a-bucket/*"])
        );
        assert_eq!(
            statements[1]["Resource"],
            json!(["arn:aws:s3:::b-bucket/*"])
        );
        assert_eq!(statements[2], extra[0]);
    }

    #[test]
    fn prefixes_are_normalized() {
        assert_eq!(normalize_prefixes(&[]), ["*"]);
        assert_eq!(normalize_prefixes(&strings(&[""])), ["*"]);
        assert_eq!(normalize_prefixes(&strings(&["*"])), ["*"]);
        assert_eq!(normalize_prefixes(&strings(&["a/", "*"])), ["*"]);
        assert_eq!(normalize_prefixes(&strings(&["a/", "a/*"])), ["a/*"]);
        assert_eq!(normalize_prefixes(&strings(&["a", "b/*"])), ["a*", "b/*"]);
        // A prefix of `*` is the default, so the output is the original's default.
        let star = strings(&["*"]);
        assert_eq!(read_only("my-bucket", &star), read_only("my-bucket", &[]));
    }

    #[test]
    fn key_statements_match_the_golden_files() {
        let keyed = |p, keys: &[&str]| {
            to_pretty_json(&wrap(key_statements(p, "my-bucket", &strings(keys))))
        };
        let one = ["reports/2026.csv"];
        let cases = [
            (
                Permission::ReadWrite,
                include_str!("../../tests/fixtures/policies/read-write-key.json"),
            ),
            (
                Permission::ReadOnly,
                include_str!("../../tests/fixtures/policies/read-only-key.json"),
            ),
            (
                Permission::WriteOnly,
                include_str!("../../tests/fixtures/policies/write-only-key.json"),
            ),
        ];
        for (permission, expected) in cases {
            assert_eq!(keyed(permission, &one), golden(expected), "{permission}");
        }
        let two = include_str!("../../tests/fixtures/policies/read-write-two-keys.json");
        assert_eq!(
            keyed(
                Permission::ReadWrite,
                &["reports/2026.csv", "notes/a b.txt"]
            ),
            golden(two)
        );
    }

    #[test]
    fn permission_names() {
        assert_eq!(
            Permission::from_flags(false, false),
            Ok(Permission::ReadWrite)
        );
        assert_eq!(
            Permission::from_flags(true, false),
            Ok(Permission::ReadOnly)
        );
        assert_eq!(
            Permission::from_flags(false, true),
            Ok(Permission::WriteOnly)
        );
        assert!(Permission::from_flags(true, true).is_err());
        assert_eq!(Permission::ReadOnly.to_string(), "read-only");
        assert_eq!(Permission::WriteOnly.label(false), "write-only");
        assert_eq!(Permission::WriteOnly.label(true), "custom");
        let buckets = strings(&["static.niche-museums.com", "other"]);
        let label = Permission::ReadWrite.label(false);
        assert_eq!(
            default_username(label, &buckets),
            "s3.read-write.static.niche-museums.com,other"
        );
        assert_eq!(inline_policy_name("custom", "other"), "s3.custom.other");
    }

    fn custom_document() -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": ["s3:GetObject*", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::$!BUCKET_NAME!$", "arn:aws:s3:::$!BUCKET_NAME!$/*"],
            }, {
                "Effect": "Allow",
                "Action": "s3:ListAllMyBuckets",
                "Resource": "*",
            }]
        })
    }

    #[test]
    fn custom_policy_replaces_the_placeholder() {
        let document = custom_policy(&custom_document(), "my-bucket", &[]);
        assert_eq!(
            document["Statement"][0]["Resource"],
            json!(["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"])
        );
        assert!(!document.to_string().contains("BUCKET_NAME"));
        let keyed = json!({"$!BUCKET_NAME!$-key": ["x-$!BUCKET_NAME!$", 1, true, null]});
        assert_eq!(
            substitute_bucket_name(&keyed, "b"),
            json!({"b-key": ["x-b", 1, true, null]})
        );
    }

    #[test]
    fn custom_policy_takes_extra_statements() {
        let extra = [json!({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})];
        let single = json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}});
        let document = custom_policy(&single, "my-bucket", &extra);
        assert_eq!(
            to_pretty_json(&document),
            to_pretty_json(&json!({
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                    extra[0],
                ],
            }))
        );
    }

    #[test]
    fn combined_custom_policy_covers_every_bucket() {
        let buckets = strings(&["first-bucket", "second-bucket"]);
        let document = combined_custom_policy(&custom_document(), &buckets, &[]);
        let statements = statements_of(&document);
        // The bucket-free statement is kept once.
        assert_eq!(statements.len(), 3);
        assert_eq!(
            statements[0]["Resource"],
            json!(["arn:aws:s3:::first-bucket", "arn:aws:s3:::first-bucket/*"])
        );
        assert_eq!(statements[1]["Action"], json!("s3:ListAllMyBuckets"));
        assert_eq!(
            statements[2]["Resource"],
            json!(["arn:aws:s3:::second-bucket", "arn:aws:s3:::second-bucket/*"])
        );
        let keys: Vec<&String> = document
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["Version", "Statement"]);
    }
}
