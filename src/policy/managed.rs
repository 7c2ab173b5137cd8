//! The customer managed policies the tool makes for a user whose grant does
//! not fit IAM's 2,048 characters of inline policies: their path, their
//! names, and how the tool tells them from everyone else's.
//!
//! A policy is the tool's own for user `U` only when both its path is
//! [`PATH`] and its name is `s3-credentials.U.N` ([`policy_name`], `N` from
//! 1, written without leading zeros). Anything else attached to the user is
//! someone else's: the tool never changes or deletes it. IAM policy names
//! allow the same characters as user names (letters, digits and `+=,.@_-`),
//! and at most 128 of them: a 64-character user name gives 82
//! (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html>).
//! PURE: no AWS types.

/// The path of every managed policy the tool makes.
pub const PATH: &str = "/s3-credentials/";

/// What every name starts with, before the user's name.
const NAME_PREFIX: &str = "s3-credentials.";

/// The name of the `number`th (from 1) managed policy of `user`.
pub fn policy_name(user: &str, number: usize) -> String {
    format!("{NAME_PREFIX}{user}.{number}")
}

/// The name of the policy an ARN names, if its path is [`PATH`]:
/// `arn:aws:iam::123456789012:policy/s3-credentials/NAME` gives `NAME`.
fn own_path_name(arn: &str) -> Option<&str> {
    let (_, resource) = arn.split_once(":policy/")?;
    let name = resource.strip_prefix(&PATH[1..])?;
    (!name.contains('/')).then_some(name)
}

/// Which of `user`'s managed policies a name is (from 1), if it is one.
fn number_of(user: &str, name: &str) -> Option<usize> {
    let number = name.strip_prefix(NAME_PREFIX)?.strip_prefix(user)?;
    let number = number.strip_prefix('.')?;
    let valid = !number.is_empty()
        && !number.starts_with('0')
        && number.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| number.parse().ok()).flatten()
}

/// Whether the policy `arn` is one the tool made for `user`: path and
/// name both as the tool writes them.
pub fn is_own(user: &str, arn: &str) -> bool {
    own_path_name(arn).is_some_and(|name| number_of(user, name).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "arn:aws:iam::123456789012:policy";

    #[test]
    fn only_the_path_and_the_derived_name_together_are_the_tools() {
        let arn = |rest: &str| format!("{ACCOUNT}{rest}");
        assert_eq!(policy_name("alice", 1), "s3-credentials.alice.1");
        assert!(is_own(
            "alice",
            &arn("/s3-credentials/s3-credentials.alice.1")
        ));
        assert!(is_own(
            "alice",
            &arn("/s3-credentials/s3-credentials.alice.10")
        ));
        for other in [
            // Another path, or none.
            "/s3-credentials.alice.1",
            "/other/s3-credentials.alice.1",
            "/s3-credentials/deeper/s3-credentials.alice.1",
            // Another name under the path.
            "/s3-credentials/s3-credentials.alice",
            "/s3-credentials/s3-credentials.alice.01",
            "/s3-credentials/s3-credentials.alice.0",
            "/s3-credentials/s3-credentials.alice.x",
            "/s3-credentials/s3-credentials.alice.bob.1",
            "/s3-credentials/s3-credentials.alicia.1",
            "/s3-credentials/my-policy",
        ] {
            assert!(!is_own("alice", &arn(other)), "{other}");
        }
        // Another user's are not alice's.
        assert!(!is_own(
            "bob",
            &arn("/s3-credentials/s3-credentials.alice.1")
        ));
        assert!(!is_own(
            "alice",
            "arn:aws:iam::aws:policy/AmazonS3FullAccess"
        ));
    }
}
