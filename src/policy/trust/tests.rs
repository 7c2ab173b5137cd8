//! Tests of [`super`]: each principal kind against its golden trust policy
//! in `tests/fixtures/trust/`, and every refusal of a principal that would
//! trust more than was asked.

use super::*;
use crate::output::to_pretty_json;

fn account() -> Account {
    Account {
        id: "123456789012".to_owned(),
        partition: "aws".to_owned(),
    }
}

/// The trust policy of `--trust arg`, printed as the tool prints JSON.
fn printed(arg: &str, external_id: Option<&str>) -> String {
    let principal = Principal::parse(arg, external_id).unwrap();
    format!("{}\n", to_pretty_json(&principal.trust_policy(&account())))
}

fn error(arg: &str) -> String {
    Principal::parse(arg, None).unwrap_err()
}

macro_rules! golden {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/trust/", $name, ".json"))
    };
}

#[test]
fn github_trust_policies() {
    assert_eq!(
        printed("github:octo-org/octo-repo", None),
        golden!("github-any")
    );
    assert_eq!(
        printed("github:octo-org/octo-repo:ref:refs/heads/main", None),
        golden!("github-ref")
    );
    assert_eq!(
        printed("github:octo-org/octo-repo:ref:refs/heads/release/*", None),
        golden!("github-ref-prefix")
    );
    assert_eq!(
        printed("github:octo-org/octo-repo:environment:prod", None),
        golden!("github-environment")
    );
    assert_eq!(
        printed("github:octo-org/octo-repo:pull_request", None),
        golden!("github-pull-request")
    );
}

#[test]
fn gitlab_trust_policies() {
    assert_eq!(
        printed("gitlab:my-group/my-project", None),
        golden!("gitlab-any")
    );
    assert_eq!(
        printed(
            "gitlab:my-group/sub.group/my-project:ref_type:branch:ref:main",
            None
        ),
        golden!("gitlab-ref")
    );
    assert_eq!(
        printed("gitlab:my-group/my-project:ref_type:tag", None),
        golden!("gitlab-tags")
    );
}

#[test]
fn service_trust_policies() {
    assert_eq!(printed("service:lambda", None), golden!("service-lambda"));
    assert_eq!(printed("service:ec2", None), golden!("service-ec2"));
    assert_eq!(
        printed("service:ecs-tasks", None),
        golden!("service-ecs-tasks")
    );
    assert_eq!(
        printed("service:states.amazonaws.com", None),
        golden!("service-states")
    );
    assert!(
        Principal::parse("service:ec2", None)
            .unwrap()
            .needs_instance_profile()
    );
    assert!(
        !Principal::parse("service:lambda", None)
            .unwrap()
            .needs_instance_profile()
    );
}

#[test]
fn account_trust_policies() {
    assert_eq!(printed("account:210987654321", None), golden!("account"));
    assert_eq!(
        printed("account:210987654321", Some("partner-7f3a")),
        golden!("account-external-id")
    );
}

#[test]
fn the_partition_comes_from_the_account() {
    let principal = Principal::parse("github:o/r", None).unwrap();
    let china = Account {
        id: "123456789012".to_owned(),
        partition: "aws-cn".to_owned(),
    };
    assert_eq!(
        principal.trust_policy(&china)["Statement"][0]["Principal"]["Federated"],
        "arn:aws-cn:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    );
}

#[test]
fn wildcards_in_the_repository_part_are_refused() {
    let wildcard = "a wildcard here would trust every repository or project it matches; name one";
    assert_eq!(
        error("github:octo-org/*"),
        format!("--trust: the GitHub repository name `*` contains `*`: {wildcard}")
    );
    assert_eq!(
        error("github:*/octo-repo"),
        format!("--trust: the GitHub owner name `*` contains `*`: {wildcard}")
    );
    assert_eq!(
        error("github:octo-org/octo-rep?"),
        format!("--trust: the GitHub repository name `octo-rep?` contains `?`: {wildcard}")
    );
    assert_eq!(
        error("gitlab:my-group/*"),
        format!("--trust: the GitLab group or project name `*` contains `*`: {wildcard}")
    );
    assert_eq!(
        error("github:octo-org"),
        "--trust github:octo-org: expected github:OWNER/REPO, e.g. github:octo-org/octo-repo"
    );
    assert_eq!(
        error("github:octo-org/"),
        "--trust: the GitHub repository name `` is not valid"
    );
    assert_eq!(
        error("github:octo-org/r/x"),
        "--trust: the GitHub repository name `r/x` contains `/`"
    );
    assert_eq!(
        error("gitlab:my-project"),
        "--trust gitlab:my-project: expected gitlab:GROUP/PROJECT, e.g. gitlab:my-group/my-project"
    );
    assert_eq!(
        error("github:octo-org/${aws:username}"),
        "--trust: the GitHub repository name `${aws` contains `$`"
    );
}

#[test]
fn wildcards_in_refs_and_environments_are_refused() {
    let iam =
        "IAM's wildcards also match `/` and `:`, so only one trailing `*` on a ref is allowed";
    assert_eq!(
        error("github:o/r:ref:refs/heads/*/main"),
        format!("--trust: the ref `refs/heads/*/main` contains `*`: {iam}")
    );
    assert_eq!(
        error("github:o/r:ref:refs/heads/**"),
        format!("--trust: the ref `refs/heads/*` contains `*`: {iam}")
    );
    assert_eq!(
        error("github:o/r:environment:*"),
        format!("--trust: the environment `*` contains `*`: {iam}")
    );
    assert_eq!(
        error("github:o/r:ref:*"),
        "--trust: the ref `*` must start with refs/heads/ or refs/tags/"
    );
    assert_eq!(
        error("github:o/r:ref:main"),
        "--trust: the ref `main` must start with refs/heads/ or refs/tags/"
    );
    assert_eq!(
        error("github:o/r:ref:refs/heads/"),
        "--trust: the ref `refs/heads/` names no branch or tag"
    );
    assert_eq!(
        error("github:o/r:ref:refs/heads/a:environment:x"),
        "--trust: the ref `refs/heads/a:environment:x` contains `:`"
    );
    assert_eq!(
        error("gitlab:g/p:ref_type:branch:ref:*"),
        "--trust: the ref cannot be empty"
    );
    // A trailing `*` after a fixed prefix is what was asked: any ref under it.
    assert!(Principal::parse("github:o/r:ref:refs/heads/*", None).is_ok());
    assert!(Principal::parse("gitlab:g/p:ref_type:branch:ref:release-*", None).is_ok());
}

#[test]
fn malformed_principals_are_refused() {
    let forms = "github:OWNER/REPO[:ref:REF|:environment:NAME|:pull_request], \
                 gitlab:GROUP/PROJECT[:ref_type:branch|tag[:ref:NAME]], \
                 service:lambda|ec2|ecs-tasks|NAME.amazonaws.com or account:ACCOUNT_ID";
    assert_eq!(
        error("octo-org/octo-repo"),
        format!("--trust `octo-org/octo-repo` is not one of {forms}")
    );
    assert_eq!(
        error("bitbucket:o/r"),
        format!("--trust `bitbucket:o/r` is not one of {forms}")
    );
    assert_eq!(error("github:o/r:"), "--trust github:o/r: ends with `:`");
    assert_eq!(
        error("github:o/r:branch:main"),
        "--trust github:o/r:branch:main: after OWNER/REPO, expected :ref:REF, :environment:NAME or :pull_request"
    );
    assert_eq!(
        error("gitlab:g/p:ref:main"),
        "--trust gitlab:g/p:ref:main: after GROUP/PROJECT, expected :ref_type:branch or :ref_type:tag, \
         optionally followed by :ref:NAME"
    );
    let service =
        "expected lambda, ec2, ecs-tasks or a full service principal such as states.amazonaws.com";
    assert_eq!(
        error("service:s3"),
        format!("--trust service:s3: {service}")
    );
    assert_eq!(error("service:*"), format!("--trust service:*: {service}"));
    assert_eq!(
        error("service:*.amazonaws.com"),
        format!("--trust service:*.amazonaws.com: {service}")
    );
    assert_eq!(
        error("account:1234"),
        "--trust account:1234: an AWS account ID is 12 digits, e.g. account:123456789012"
    );
    assert_eq!(
        Principal::parse("service:lambda", Some("x1")).unwrap_err(),
        "--external-id only applies to --trust account:ACCOUNT_ID"
    );
    assert_eq!(
        Principal::parse("account:123456789012", Some("a b")).unwrap_err(),
        "--external-id must be 2 to 1224 characters of letters, digits and _+=,.@:/-"
    );
}

#[test]
fn subject_check_refuses_patterns_wider_than_one_project() {
    for subject in [
        "*",
        "repo:*",
        "repo:octo-org/*",
        "repo:*/octo-repo:*",
        "repo:octo-org/octo-repo*",
        "repo:octo-org/octo-repo:ref:refs/heads/*/x",
        "repo:octo-org/octo-repo:environment:?",
        "project_path:g/p:*",
    ] {
        assert_eq!(
            check_subject(&GITHUB, subject),
            Err(format!(
                "--trust: the subject pattern `{subject}` would trust more than one repository or project"
            )),
            "{subject}"
        );
    }
    for subject in [
        "repo:octo-org/octo-repo:*",
        "repo:octo-org/octo-repo:ref:refs/heads/main",
        "repo:octo-org/octo-repo:ref:refs/heads/release/*",
    ] {
        assert_eq!(check_subject(&GITHUB, subject), Ok(()), "{subject}");
    }
    assert_eq!(
        check_subject(&GITLAB, "project_path:g/s/p:ref_type:tag:ref:*"),
        Ok(())
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any text is either a principal whose trust policy has one
        /// statement, or one line of error that names the option.
        #[test]
        fn any_text_is_a_principal_or_a_one_line_error(text in ".{0,80}") {
            match Principal::parse(&text, None) {
                Ok(principal) => {
                    let policy = principal.trust_policy(&account());
                    prop_assert_eq!(policy["Statement"].as_array().map(Vec::len), Some(1));
                }
                Err(error) => {
                    prop_assert!(error.starts_with("--trust"), "{}", error);
                    prop_assert!(!error.contains('\n'), "{}", error);
                }
            }
        }

        /// Whatever is accepted has a subject the last check also accepts,
        /// naming the repository literally.
        #[test]
        fn accepted_github_principals_name_their_repository(
            owner in "[a-zA-Z0-9*?-]{0,6}", repo in "[a-zA-Z0-9.*?_-]{0,6}", tail in "(:[a-z_/*:?]{0,16})?"
        ) {
            let arg = format!("github:{owner}/{repo}{tail}");
            if let Ok(Principal::Oidc { subject, .. }) = Principal::parse(&arg, None) {
                let literal = format!("repo:{owner}/{repo}:");
                prop_assert!(subject.starts_with(&literal), "{} -> {}", arg, subject);
                prop_assert!(!literal.contains(['*', '?']), "{}", arg);
                prop_assert!(check_subject(&GITHUB, &subject).is_ok());
            }
        }
    }
}

#[test]
fn a_federated_principal_is_found_alone_in_a_list_or_in_one_statement() {
    let arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
    let ours = Principal::parse("github:o/r", None)
        .unwrap()
        .trust_policy(&account());
    assert!(names_federated(&ours, arn));
    let listed = json!({"Statement": {"Principal": {"Federated": ["x", arn]}}});
    assert!(names_federated(&listed, arn));
    let service = Principal::parse("service:lambda", None)
        .unwrap()
        .trust_policy(&account());
    assert!(!names_federated(&service, arn));
    let other = json!({"Statement": [{"Principal": {"Federated": format!("{arn}-other")}}]});
    assert!(!names_federated(&other, arn));
}
