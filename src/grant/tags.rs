//! The IAM tags that describe a grant: which buckets a user (or role) made by
//! this tool may use, how, under which prefixes, until when, and which version
//! of the tool made it. `list-credentials` and `delete-user --expired` read
//! them back; `--tag KEY=VALUE` tags given by the user sit beside them.
//!
//! Layout (every key starts with [`KEY_PREFIX`]):
//!
//! | key | value |
//! | --- | --- |
//! | `s3-credentials:version` | the tool's version, e.g. `0.1.0`; marks the grant |
//! | `s3-credentials:kind` | `user` or `role` |
//! | `s3-credentials:access` | `read-write`, `read-only`, `write-only`, `custom` or `mixed` |
//! | `s3-credentials:buckets`, `…:buckets:2`, … | bucket names joined by `+` |
//! | `s3-credentials:prefixes`, `…:prefixes:2`, … | prefixes, escaped, joined by `+` |
//! | `s3-credentials:keys`, `…:keys:2`, … | `--key` object keys, escaped, joined by `+`; absent without `--key` |
//! | `s3-credentials:source-ips`, `…:source-ips:2`, … | `--source-ip` networks joined by `+`; absent without `--source-ip` |
//! | `s3-credentials:expires` | `2026-12-31T00:00:00Z`, absent when permanent |
//!
//! IAM allows 50 tags per user or role, values of at most 256 characters,
//! and only letters, digits, spaces and `_ . : / = + - @` in them. A list
//! longer than one value continues in numbered tags, so any bucket list fits
//! until the 50 tags run out (about 11,000 characters of names, more than a
//! user's 2,048 characters of inline policy hold; a grant in managed
//! policies, or with many long `--key`s, can run out of tags first, and
//! `create` then refuses it before any change). Prefix and key characters
//! outside that set, and `=` and `+` themselves, are written `=XX` per UTF-8
//! byte; a network is written as `--source-ip` normalised it (digits, hex
//! letters, `.`, `:` and `/` only). The separator is `+` rather than a space, which would read better:
//! no bucket name holds a `+`, and moto's signature check (the test
//! emulator's) rejects IAM requests from the Rust SDK whose values hold spaces.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use time::OffsetDateTime;

use crate::policy::source_ip::Cidr;
use crate::settings::dates::{format_utc, parse_utc};

/// Every key of the grant layout starts with this.
pub const KEY_PREFIX: &str = "s3-credentials:";
/// IAM's limit on tags per user or role (and S3's per bucket).
pub const MAX_TAGS: usize = 50;
/// IAM's (and S3's) longest tag key.
pub const MAX_KEY_LENGTH: usize = 128;
/// IAM's (and S3's) longest tag value.
pub const MAX_VALUE_LENGTH: usize = 256;

const VERSION: &str = "s3-credentials:version";
const KIND: &str = "s3-credentials:kind";
const ACCESS: &str = "s3-credentials:access";
const BUCKETS: &str = "s3-credentials:buckets";
const PREFIXES: &str = "s3-credentials:prefixes";
const EXPIRES: &str = "s3-credentials:expires";
const KEYS: &str = "s3-credentials:keys";
const SOURCE_IPS: &str = "s3-credentials:source-ips";
/// Between the items of a list value.
const SEPARATOR: char = '+';

/// What holds a grant: a user with access keys, or a role that is assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Role,
}

impl Kind {
    /// `user` or `role`, as tagged and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Role => "role",
        }
    }
}

/// What a user or role was granted, as the tags record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub kind: Kind,
    /// `read-write`, `read-only`, `write-only`, `custom`, or `mixed` when
    /// runs with different access modes gave the same user keys.
    pub access: String,
    pub buckets: Vec<String>,
    /// The `--prefix` values as given; empty means whole buckets.
    pub prefixes: Vec<String>,
    /// The `--key` values: when there are any, exactly these objects.
    pub keys: Vec<String>,
    /// The `--source-ip` networks as the tool writes them into the
    /// policies; empty means any address.
    pub source_ips: Vec<String>,
    /// When AWS stops honouring the policies; `None` for permanent grants.
    pub expires: Option<OffsetDateTime>,
    /// The version of the tool that wrote the tags.
    pub version: String,
}

impl Grant {
    /// A grant made by this version of the tool.
    pub fn new(kind: Kind, access: &str, buckets: &[String], prefixes: &[String]) -> Self {
        Self {
            kind,
            access: access.to_owned(),
            buckets: buckets.to_vec(),
            prefixes: prefixes.to_vec(),
            keys: Vec::new(),
            source_ips: Vec::new(),
            expires: None,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// The grant as `(key, value)` tags, in the layout above.
    pub fn to_tags(&self) -> Vec<(String, String)> {
        let mut tags = vec![
            (VERSION.to_owned(), self.version.clone()),
            (KIND.to_owned(), self.kind.as_str().to_owned()),
            (ACCESS.to_owned(), self.access.clone()),
        ];
        tags.extend(numbered(BUCKETS, &self.buckets.join("+")));
        let prefixes: Vec<String> = self.prefixes.iter().map(|p| escape(p)).collect();
        tags.extend(numbered(PREFIXES, &prefixes.join("+")));
        let keys: Vec<String> = self.keys.iter().map(|k| escape(k)).collect();
        tags.extend(numbered(KEYS, &keys.join("+")));
        tags.extend(numbered(SOURCE_IPS, &self.source_ips.join("+")));
        if let Some(expires) = self.expires {
            tags.push((EXPIRES.to_owned(), format_utc(expires)));
        }
        tags
    }

    /// Read a grant back from a user's or role's tags; `None` when the
    /// tags hold no grant (the user was not made by a tagging version).
    pub fn from_tags<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Self> {
        let tags: BTreeMap<&str, &str> = tags.into_iter().collect();
        let version = tags.get(VERSION)?;
        let kind = match tags.get(KIND).copied() {
            Some("role") => Kind::Role,
            _ => Kind::User,
        };
        let words = |base: &str| -> Vec<String> {
            joined(&tags, base)
                .split(SEPARATOR)
                .filter(|word| !word.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Some(Self {
            kind,
            access: tags.get(ACCESS).copied().unwrap_or("custom").to_owned(),
            buckets: words(BUCKETS),
            prefixes: words(PREFIXES).iter().map(|p| unescape(p)).collect(),
            keys: words(KEYS).iter().map(|k| unescape(k)).collect(),
            source_ips: words(SOURCE_IPS),
            expires: tags.get(EXPIRES).and_then(|text| parse_utc(text)),
            version: (*version).to_owned(),
        })
    }

    /// The grant of a user that already had `previous` and is given this one
    /// too: buckets, prefixes, keys and networks together, `mixed` access when they differ,
    /// and the later expiry, or none when either grant is permanent (the user
    /// keeps working until every policy has lapsed).
    ///
    /// When this run rewrites every policy the previous grant describes (same
    /// access, no bucket of its own), nothing of the previous grant is left:
    /// the result is this grant, so a narrowing `--prefix` or a new
    /// `--expires` shows in the tags as it does in the policies.
    #[must_use]
    pub fn merged_with(&self, previous: &Grant) -> Self {
        let rewritten = previous.access == self.access
            && previous.buckets.iter().all(|b| self.buckets.contains(b));
        if rewritten {
            return self.clone();
        }
        let mut merged = self.clone();
        for bucket in &previous.buckets {
            if !merged.buckets.contains(bucket) {
                merged.buckets.push(bucket.clone());
            }
        }
        // No prefix (key, network) on either side means whole buckets (any
        // object, any address), which covers the rest.
        merged.prefixes = union_or_all(&self.prefixes, &previous.prefixes);
        merged.keys = union_or_all(&self.keys, &previous.keys);
        merged.source_ips = union_or_all(&self.source_ips, &previous.source_ips);
        if previous.access != self.access {
            merged.access = "mixed".to_owned();
        }
        merged.expires = match (self.expires, previous.expires) {
            (Some(new), Some(old)) => Some(new.max(old)),
            _ => None,
        };
        merged
    }

    /// Whether the grant's expiry has passed at `now`.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires.is_some_and(|expires| expires <= now)
    }
}

/// `ours` and then those of `theirs` it lacks; empty (everything) when
/// either is empty.
fn union_or_all(ours: &[String], theirs: &[String]) -> Vec<String> {
    if ours.is_empty() || theirs.is_empty() {
        return Vec::new();
    }
    let mut union = ours.to_vec();
    for item in theirs {
        if !union.contains(item) {
            union.push(item.clone());
        }
    }
    union
}

/// Why a user's or role's `s3-credentials:*` tags are not a grant this tool
/// could have written: each problem as a phrase for a `Warning:`. Empty for
/// tags this version writes (or an older one did).
pub fn tag_problems<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let tags: BTreeMap<&str, &str> = tags.into_iter().collect();
    let mut problems = Vec::new();
    match tags.get(VERSION).copied() {
        None => problems.push(format!("it has no `{VERSION}` tag")),
        Some(version) => match (
            parse_version(version),
            parse_version(env!("CARGO_PKG_VERSION")),
        ) {
            (Some(theirs), Some(ours)) if theirs > ours => problems.push(format!(
                "its tags were written by s3-credentials {version}, newer than this one ({})",
                env!("CARGO_PKG_VERSION")
            )),
            (None, _) => problems.push(format!("its `{VERSION}` tag `{version}` is not a version")),
            _ => {}
        },
    }
    let known = |key: &str, value: Option<&str>, allowed: &[&str]| match value {
        Some(value) if allowed.contains(&value) => None,
        Some(value) => Some(format!(
            "its `{key}` tag `{value}` is not one s3-credentials writes"
        )),
        None => Some(format!("it has no `{key}` tag")),
    };
    problems.extend(known(KIND, tags.get(KIND).copied(), &["user", "role"]));
    let modes = ["read-write", "read-only", "write-only", "custom", "mixed"];
    problems.extend(known(ACCESS, tags.get(ACCESS).copied(), &modes));
    if joined(&tags, BUCKETS).split(SEPARATOR).all(str::is_empty) {
        problems.push("its tags name no bucket".to_owned());
    }
    if let Some(text) = tags.get(EXPIRES).filter(|text| parse_utc(text).is_none()) {
        problems.push(format!("its `{EXPIRES}` tag `{text}` is not a time"));
    }
    let networks = joined(&tags, SOURCE_IPS);
    let unreadable = networks.split(SEPARATOR).filter(|word| !word.is_empty());
    for text in unreadable.filter(|text| Cidr::parse(text).is_err()) {
        problems.push(format!(
            "its `{SOURCE_IPS}` tags hold `{text}`, which is not a network"
        ));
    }
    problems
}

/// `MAJOR.MINOR.PATCH` as numbers, for comparing versions.
fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.split('.').map(|part| part.parse::<u64>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

/// Whether a tag key belongs to the grant layout.
pub fn is_grant_key(key: &str) -> bool {
    key.starts_with(KEY_PREFIX)
}

/// `text` (ASCII) as tag `base`, continued in `base:2`, `base:3`… when
/// longer than one value; no tag at all when `text` is empty.
fn numbered(base: &str, text: &str) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut cut = rest.len().min(MAX_VALUE_LENGTH);
        // Bucket names and escaped prefixes are ASCII; this only guards.
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let key = match tags.len() {
            0 => base.to_owned(),
            n => format!("{base}:{}", n + 1),
        };
        tags.push((key, rest[..cut].to_owned()));
        rest = &rest[cut..];
    }
    tags
}

/// The values of `base`, `base:2`, … concatenated in order.
fn joined(tags: &BTreeMap<&str, &str>, base: &str) -> String {
    let mut parts: Vec<(u32, &str)> = tags
        .iter()
        .filter_map(|(key, value)| {
            let rest = key.strip_prefix(base)?;
            let n = match rest.strip_prefix(':') {
                None if rest.is_empty() => 1,
                Some(n) => n.parse().ok()?,
                None => return None,
            };
            Some((n, *value))
        })
        .collect();
    parts.sort_unstable();
    parts.into_iter().map(|(_, value)| value).collect()
}

/// Whether a character may stand for itself in an escaped prefix: the ASCII
/// IAM allows in tag values, minus `+` (the separator), `=` (the escape) and
/// the space.
fn is_plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"_.:/-@".contains(&byte)
}

/// A prefix with every other byte written `=XX`.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for byte in text.bytes() {
        if is_plain(byte) {
            escaped.push(char::from(byte));
        } else {
            let _ = write!(escaped, "={byte:02X}");
        }
    }
    escaped
}

/// Undo [`escape`]; malformed escapes are kept as they are.
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `text` only has characters IAM and S3 allow in tag keys and values.
pub fn is_allowed_tag_text(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c))
}

#[cfg(test)]
#[path = "tags_tests.rs"]
mod tests;
