//! The flags of the object commands that can be checked without AWS or the
//! local disk: `get-objects --pattern`, `put-objects --prefix`,
//! `delete-objects --prefix`. What needs the disk (does `-o` name a
//! folder, does an upload path exist) is checked where the file is opened,
//! when the answer is current.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::error::UsageError;

/// The `--pattern` globs of `get-objects`; `*` matches across `/`, as in
/// the original tool.
pub fn pattern_set(patterns: &[String]) -> Result<GlobSet, UsageError> {
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern)
            .map_err(|error| UsageError::new(format!("bad `--pattern {pattern}`: {error}")))?;
        set.add(glob);
    }
    set.build()
        .map_err(|error| UsageError::new(format!("bad `--pattern`: {error}")))
}

/// `put-objects --prefix` as the start of every key: empty, or ending in `/`.
pub fn upload_prefix(prefix: Option<&str>) -> Result<String, UsageError> {
    match prefix {
        None | Some("") => Ok(String::new()),
        Some(prefix) if prefix.starts_with('/') => Err(UsageError::new(format!(
            "`--prefix {prefix}` must not start with `/`"
        ))),
        Some(prefix) if prefix.ends_with('/') => Ok(prefix.to_owned()),
        Some(prefix) => Ok(format!("{prefix}/")),
    }
}

/// `delete-objects --prefix`: an empty one would name the whole bucket.
pub fn delete_prefix(prefix: Option<&str>) -> Result<(), UsageError> {
    if prefix == Some("") {
        return Err(UsageError::new(
            "`--prefix` must not be empty (that would delete the whole bucket)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_prefixes_end_in_a_slash_and_never_start_with_one() {
        assert_eq!(upload_prefix(None).unwrap(), "");
        assert_eq!(upload_prefix(Some("a")).unwrap(), "a/");
        assert_eq!(upload_prefix(Some("a/b/")).unwrap(), "a/b/");
        assert!(upload_prefix(Some("/a")).is_err());
    }

    #[test]
    fn an_empty_delete_prefix_is_refused() {
        assert!(delete_prefix(Some("")).is_err());
        assert!(delete_prefix(Some("tmp/")).is_ok());
        assert!(delete_prefix(None).is_ok());
    }

    #[test]
    fn patterns_are_globs() {
        let set = pattern_set(&["*.txt".to_owned()]).unwrap();
        assert!(set.is_match("a/b.txt"));
        assert!(pattern_set(&["[".to_owned()]).is_err());
    }
}
