//! Unit tests of the grant tag layout.

use proptest::prelude::*;
use time::macros::datetime;

use super::*;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn pairs(tags: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

#[test]
fn a_small_grant_is_one_tag_per_field() {
    let mut grant = Grant::new(
        Kind::User,
        "read-only",
        &strings(&["logs", "data.example.com"]),
        &strings(&["uploads/", "a b,c=d+e"]),
    );
    grant.version = "1.2.3".to_owned();
    grant.expires = Some(datetime!(2026-12-31 00:00 UTC));
    let tags = grant.to_tags();
    assert_eq!(
        tags,
        [
            ("s3-credentials:version", "1.2.3"),
            ("s3-credentials:kind", "user"),
            ("s3-credentials:access", "read-only"),
            ("s3-credentials:buckets", "logs+data.example.com"),
            ("s3-credentials:prefixes", "uploads/+a=20b=2Cc=3Dd=2Be"),
            ("s3-credentials:expires", "2026-12-31T00:00:00Z"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    for (key, value) in &tags {
        assert!(is_allowed_tag_text(key) && is_allowed_tag_text(value));
    }
    assert_eq!(Grant::from_tags(pairs(&tags)), Some(grant));
}

#[test]
fn long_bucket_lists_continue_in_numbered_tags() {
    // 40 buckets of 63 characters: 2,559 characters, ten values.
    let buckets: Vec<String> = (0..40)
        .map(|n| format!("{n:02}{}", "b".repeat(61)))
        .collect();
    let grant = Grant::new(Kind::Role, "read-write", &buckets, &[]);
    let tags = grant.to_tags();
    let keys: Vec<&str> = tags.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys[3], "s3-credentials:buckets");
    assert_eq!(keys[4], "s3-credentials:buckets:2");
    assert_eq!(keys.last(), Some(&"s3-credentials:buckets:10"));
    for (key, value) in &tags {
        assert!(value.len() <= MAX_VALUE_LENGTH, "{key}");
    }
    // Tags come back from AWS in any order.
    let mut shuffled = tags.clone();
    shuffled.reverse();
    assert_eq!(Grant::from_tags(pairs(&shuffled)), Some(grant));
}

#[test]
fn tags_without_a_version_are_no_grant() {
    let tags = [("team", "data"), ("s3-credentials:buckets", "a")];
    assert_eq!(Grant::from_tags(tags), None);
}

#[test]
fn merging_keeps_what_both_grants_allow() {
    let mut old = Grant::new(
        Kind::User,
        "read-only",
        &strings(&["a", "b"]),
        &strings(&["x/"]),
    );
    old.expires = Some(datetime!(2027-01-01 00:00 UTC));
    let mut new = Grant::new(
        Kind::User,
        "read-only",
        &strings(&["b", "c"]),
        &strings(&["y/"]),
    );
    new.expires = Some(datetime!(2026-06-01 00:00 UTC));
    let merged = new.merged_with(&old);
    assert_eq!(merged.buckets, strings(&["b", "c", "a"]));
    assert_eq!(merged.prefixes, strings(&["y/", "x/"]));
    assert_eq!(merged.access, "read-only");
    assert_eq!(merged.expires, Some(datetime!(2027-01-01 00:00 UTC)));

    let permanent = Grant::new(Kind::User, "write-only", &strings(&["c"]), &[]);
    let merged = permanent.merged_with(&old);
    assert_eq!((merged.access.as_str(), merged.expires), ("mixed", None));
    assert!(merged.prefixes.is_empty(), "whole buckets cover any prefix");
}

#[test]
fn expiry_is_checked_against_now() {
    let mut grant = Grant::new(Kind::User, "read-write", &strings(&["a"]), &[]);
    assert!(!grant.is_expired(datetime!(2100-01-01 00:00 UTC)));
    grant.expires = Some(datetime!(2026-01-01 00:00 UTC));
    assert!(grant.is_expired(datetime!(2026-01-01 00:00 UTC)));
    assert!(!grant.is_expired(datetime!(2025-12-31 23:59:59 UTC)));
}

proptest! {
    #[test]
    fn any_grant_round_trips_through_valid_tags(
        buckets in prop::collection::vec("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", 1..60),
        prefixes in prop::collection::vec("\\PC{1,40}", 0..8),
        keys in prop::collection::vec("\\PC{1,300}", 0..4),
        access in "(read-write|read-only|write-only|custom)",
    ) {
        let mut grant = Grant::new(Kind::User, &access, &buckets, &prefixes);
        grant.keys = keys;
        let tags = grant.to_tags();
        for (key, value) in &tags {
            prop_assert!(key.len() <= MAX_KEY_LENGTH);
            prop_assert!(value.chars().count() <= MAX_VALUE_LENGTH);
            prop_assert!(is_allowed_tag_text(value), "{key}: {value:?}");
            prop_assert!(!value.contains(' '), "moto rejects spaces: {value:?}");
        }
        prop_assert_eq!(Grant::from_tags(pairs(&tags)), Some(grant));
    }
}

#[test]
fn a_run_that_rewrites_every_policy_replaces_the_grant() {
    let mut whole = Grant::new(Kind::User, "read-write", &strings(&["b"]), &[]);
    whole.expires = Some(datetime!(2030-01-01 00:00 UTC));
    let narrowed = Grant::new(
        Kind::User,
        "read-write",
        &strings(&["b"]),
        &strings(&["x/"]),
    );
    assert_eq!(narrowed.merged_with(&whole), narrowed);
    let other_access = Grant::new(Kind::User, "read-only", &strings(&["b"]), &strings(&["x/"]));
    assert_eq!(other_access.merged_with(&whole).access, "mixed");
}

#[test]
fn tags_the_tool_would_not_write_are_named() {
    let problems = |tags: &[(&str, &str)]| tag_problems(tags.iter().copied());
    let good = Grant::new(Kind::User, "read-only", &strings(&["b"]), &[]).to_tags();
    assert_eq!(
        tag_problems(good.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        Vec::<String>::new()
    );
    assert_eq!(
        problems(&[
            ("s3-credentials:version", "99.0.0"),
            ("s3-credentials:kind", "robot"),
            ("s3-credentials:access", "god-mode"),
            ("s3-credentials:expires", "soon"),
        ]),
        [
            format!(
                "its tags were written by s3-credentials 99.0.0, newer than this one ({})",
                env!("CARGO_PKG_VERSION")
            ),
            "its `s3-credentials:kind` tag `robot` is not one s3-credentials writes".to_owned(),
            "its `s3-credentials:access` tag `god-mode` is not one s3-credentials writes"
                .to_owned(),
            "its tags name no bucket".to_owned(),
            "its `s3-credentials:expires` tag `soon` is not a time".to_owned(),
        ]
    );
    assert_eq!(
        problems(&[("s3-credentials:version", "x")])[0],
        "its `s3-credentials:version` tag `x` is not a version"
    );
}

#[test]
fn keys_and_networks_are_tagged_escaped_and_continued() {
    let mut grant = Grant::new(Kind::User, "read-only", &strings(&["b"]), &[]);
    // A key of 200 characters escapes to 600: three values.
    let long = "é".repeat(100);
    grant.keys = strings(&["reports/q1 data.csv", "b+c=d", &long]);
    grant.source_ips = strings(&["203.0.113.0/24", "2001:db8::/32"]);
    let tags = grant.to_tags();
    let keys: Vec<&str> = tags.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys[4..],
        [
            "s3-credentials:keys",
            "s3-credentials:keys:2",
            "s3-credentials:keys:3",
            "s3-credentials:source-ips",
        ]
    );
    assert!(
        tags[4]
            .1
            .starts_with("reports/q1=20data.csv+b=2Bc=3Dd+=C3=A9")
    );
    assert_eq!(tags[7].1, "203.0.113.0/24+2001:db8::/32");
    for (key, value) in &tags {
        assert!(
            is_allowed_tag_text(value) && value.len() <= MAX_VALUE_LENGTH,
            "{key}"
        );
    }
    assert_eq!(Grant::from_tags(pairs(&tags)), Some(grant.clone()));
    assert_eq!(tag_problems(pairs(&tags)), Vec::<String>::new());
    let mut bad = tags.clone();
    bad[7].1 = "203.0.113.0/24+nowhere".to_owned();
    assert_eq!(
        tag_problems(pairs(&bad)),
        ["its `s3-credentials:source-ips` tags hold `nowhere`, which is not a network"]
    );
}

#[test]
fn merged_keys_and_networks_are_the_union_or_everything() {
    let mut old = Grant::new(Kind::User, "read-only", &strings(&["a"]), &[]);
    old.keys = strings(&["k1"]);
    old.source_ips = strings(&["203.0.113.0/24"]);
    let mut new = Grant::new(Kind::User, "read-only", &strings(&["b"]), &[]);
    new.keys = strings(&["k2"]);
    new.source_ips = strings(&["198.51.100.0/24"]);
    let merged = new.merged_with(&old);
    assert_eq!(merged.keys, strings(&["k2", "k1"]));
    assert_eq!(
        merged.source_ips,
        strings(&["198.51.100.0/24", "203.0.113.0/24"])
    );
    // No key, or no network, on one side: any object, any address.
    let anywhere = Grant::new(Kind::User, "read-only", &strings(&["b"]), &[]);
    let merged = anywhere.merged_with(&old);
    assert!(merged.keys.is_empty() && merged.source_ips.is_empty());
}
