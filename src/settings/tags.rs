//! `--tag KEY=VALUE`, checked against IAM's rules for tags and against the
//! keys the tool keeps for itself (the grant layout of [`crate::grant::tags`]).

use crate::grant::tags::{
    KEY_PREFIX, MAX_KEY_LENGTH, MAX_TAGS, MAX_VALUE_LENGTH, is_allowed_tag_text, is_grant_key,
};

/// Parse a `--tag KEY=VALUE`, checked against IAM's rules for tags.
pub fn parse_user_tag(arg: &str) -> Result<(String, String), String> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(format!("--tag must look like KEY=VALUE, not `{arg}`"));
    };
    let problem = if key.is_empty() {
        Some("the key is empty".to_owned())
    } else if key.chars().count() > MAX_KEY_LENGTH {
        Some(format!(
            "the key is longer than {MAX_KEY_LENGTH} characters"
        ))
    } else if value.chars().count() > MAX_VALUE_LENGTH {
        Some(format!(
            "the value is longer than {MAX_VALUE_LENGTH} characters"
        ))
    } else if !is_allowed_tag_text(key) || !is_allowed_tag_text(value) {
        Some("tags may only hold letters, digits, spaces and `_ . : / = + - @`".to_owned())
    } else if key.to_ascii_lowercase().starts_with("aws:") {
        Some("keys starting with `aws:` are reserved by AWS".to_owned())
    } else if is_grant_key(&key.to_ascii_lowercase()) {
        // IAM treats tag keys that differ only in case as the same key.
        Some(format!(
            "keys starting with `{KEY_PREFIX}` are set by this tool"
        ))
    } else if key.starts_with(' ')
        || key.ends_with(' ')
        || value.starts_with(' ')
        || value.ends_with(' ')
    {
        Some("keys and values cannot start or end with a space".to_owned())
    } else {
        None
    };
    match problem {
        Some(problem) => Err(format!("--tag `{arg}`: {problem}")),
        None => Ok((key.to_owned(), value.to_owned())),
    }
}

/// Parse every `--tag`, refusing the same key twice and more tags than IAM
/// allows next to the `grant` ones.
pub fn parse_user_tags(
    args: &[String],
    grant_tags: usize,
) -> Result<Vec<(String, String)>, String> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for arg in args {
        let (key, value) = parse_user_tag(arg)?;
        if tags.iter().any(|(k, _)| *k == key) {
            return Err(format!("--tag `{key}` is given more than once"));
        }
        tags.push((key, value));
    }
    if tags.len() + grant_tags > MAX_TAGS {
        return Err(format!(
            "{} --tag options and the {grant_tags} tags that describe the grant make more than \
             the {MAX_TAGS} tags IAM allows on a user or role",
            tags.len()
        ));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn user_tags_are_checked() {
        assert_eq!(
            parse_user_tag("team=data eng"),
            Ok(("team".into(), "data eng".into()))
        );
        assert_eq!(parse_user_tag("url=a=b"), Ok(("url".into(), "a=b".into())));
        assert_eq!(
            parse_user_tag("empty="),
            Ok(("empty".into(), String::new()))
        );
        let error = |arg: &str| parse_user_tag(arg).unwrap_err();
        assert_eq!(error("team"), "--tag must look like KEY=VALUE, not `team`");
        assert_eq!(error("=x"), "--tag `=x`: the key is empty");
        assert_eq!(
            error("a=b,c"),
            "--tag `a=b,c`: tags may only hold letters, digits, spaces and `_ . : / = + - @`"
        );
        assert_eq!(
            error("aws:x=1"),
            "--tag `aws:x=1`: keys starting with `aws:` are reserved by AWS"
        );
        assert_eq!(
            error("s3-credentials:kind=role"),
            "--tag `s3-credentials:kind=role`: keys starting with `s3-credentials:` are set by this tool"
        );
        assert!(
            error(&format!("k={}", "v".repeat(257)))
                .ends_with("the value is longer than 256 characters")
        );
        assert!(
            error(&format!("{}=v", "k".repeat(129)))
                .ends_with("the key is longer than 128 characters")
        );
        assert_eq!(
            error("k= v"),
            "--tag `k= v`: keys and values cannot start or end with a space"
        );
    }

    #[test]
    fn user_tags_fit_beside_the_grant() {
        let many: Vec<String> = (0..45).map(|n| format!("k{n}=v")).collect();
        assert_eq!(parse_user_tags(&many, 5).unwrap().len(), 45);
        assert_eq!(
            parse_user_tags(&many, 6).unwrap_err(),
            "45 --tag options and the 6 tags that describe the grant make more than the 50 tags IAM allows on a user or role"
        );
        assert_eq!(
            parse_user_tags(&strings(&["a=1", "a=2"]), 4).unwrap_err(),
            "--tag `a` is given more than once"
        );
    }
}
