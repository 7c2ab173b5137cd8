//! Who may assume a role made by `create --trust`: the `--trust` principal,
//! parsed and checked, and the trust policy it becomes.
//!
//! Pure: no AWS types and no calls. The principal kinds are GitHub Actions and
//! GitLab CI jobs (OpenID Connect federation), AWS services, and another AWS
//! account. An OIDC trust never matches more than was asked: the repository
//! or project part of the `sub` condition is always literal, and the only
//! wildcard allowed is a trailing `*` after a fixed prefix (see
//! [`check_subject`]). The golden files in `tests/fixtures/trust/` pin the
//! policies.

use serde_json::{Map, Value, json};

use crate::policy::POLICY_VERSION;

/// An OpenID Connect identity provider that CI jobs get tokens from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OidcProvider {
    /// The issuer URL, as IAM registers the provider.
    pub url: &'static str,
    /// The audience (`aud`) the role requires in tokens.
    pub audience: &'static str,
    /// The prefix every `sub` of this provider starts with (`repo:`).
    pub subject_prefix: &'static str,
}

impl OidcProvider {
    /// The host part of [`Self::url`]: the provider's name in ARNs and the
    /// prefix of its condition keys.
    pub fn host(&self) -> &'static str {
        self.url.trim_start_matches("https://")
    }

    /// The provider's ARN in an account.
    pub fn arn(&self, account: &Account) -> String {
        format!(
            "arn:{}:iam::{}:oidc-provider/{}",
            account.partition,
            account.id,
            self.host()
        )
    }
}

/// GitHub Actions' token issuer, with the audience `configure-aws-credentials` asks for.
pub const GITHUB: OidcProvider = OidcProvider {
    url: "https://token.actions.githubusercontent.com",
    audience: "sts.amazonaws.com",
    subject_prefix: "repo:",
};

/// GitLab.com's token issuer, with its default audience.
pub const GITLAB: OidcProvider = OidcProvider {
    url: "https://gitlab.com",
    audience: "https://gitlab.com",
    subject_prefix: "project_path:",
};

/// The account a role is created in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The 12-digit account ID.
    pub id: String,
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: String,
}

impl Account {
    /// Stands for the caller's account where it is not known (`--dry-run`).
    pub fn placeholder() -> Self {
        Self {
            id: "ACCOUNT_ID".to_owned(),
            partition: "aws".to_owned(),
        }
    }
}

/// Who may assume the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// CI jobs of one GitHub repository or one GitLab project.
    Oidc {
        provider: OidcProvider,
        /// `OWNER/REPO` or `GROUP/PROJECT`.
        project: String,
        /// The whole `sub` pattern, e.g. `repo:OWNER/REPO:ref:refs/heads/main`.
        subject: String,
        /// The GitHub environment the jobs must run in, for the snippet.
        environment: Option<String>,
    },
    /// An AWS service principal such as `lambda.amazonaws.com`.
    Service(String),
    /// Any principal of another account that the account lets assume it,
    /// optionally only with an external ID.
    Account {
        id: String,
        external_id: Option<String>,
    },
}

/// The `--trust` forms, for messages.
const FORMS: &str = "github:OWNER/REPO[:ref:REF|:environment:NAME|:pull_request], \
                     gitlab:GROUP/PROJECT[:ref_type:branch|tag[:ref:NAME]], \
                     service:lambda|ec2|ecs-tasks|NAME.amazonaws.com or account:ACCOUNT_ID";

impl Principal {
    /// Parse `--trust` (and `--external-id`, which only an account takes).
    pub fn parse(arg: &str, external_id: Option<&str>) -> Result<Self, String> {
        let (kind, rest) = arg
            .split_once(':')
            .ok_or_else(|| format!("--trust `{arg}` is not one of {FORMS}"))?;
        let principal = match kind {
            "github" => parse_github(rest)?,
            "gitlab" => parse_gitlab(rest)?,
            "service" => Self::Service(parse_service(rest)?),
            "account" => Self::Account {
                id: parse_account(rest)?,
                external_id: external_id.map(check_external_id).transpose()?,
            },
            _ => return Err(format!("--trust `{arg}` is not one of {FORMS}")),
        };
        if external_id.is_some() && !matches!(principal, Self::Account { .. }) {
            return Err("--external-id only applies to --trust account:ACCOUNT_ID".to_owned());
        }
        if let Self::Oidc {
            provider, subject, ..
        } = &principal
        {
            check_subject(provider, subject)?;
        }
        Ok(principal)
    }

    /// The OIDC provider the role trusts, if it is federated.
    pub fn provider(&self) -> Option<&OidcProvider> {
        match self {
            Self::Oidc { provider, .. } => Some(provider),
            _ => None,
        }
    }

    /// Whether the role needs an instance profile (EC2 instances take roles
    /// through one).
    pub fn needs_instance_profile(&self) -> bool {
        matches!(self, Self::Service(service) if service == "ec2.amazonaws.com")
    }

    /// The trust policy of the role in `account`.
    pub fn trust_policy(&self, account: &Account) -> Value {
        let statement = match self {
            Self::Oidc {
                provider, subject, ..
            } => oidc_statement(provider, subject, account),
            Self::Service(service) => {
                let mut statement = json!({
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                });
                // AWS's guidance for ECS task roles: only tasks of this
                // account (the confused-deputy problem).
                if service == "ecs-tasks.amazonaws.com" {
                    statement["Condition"] =
                        json!({"StringEquals": {"aws:SourceAccount": account.id}});
                }
                statement
            }
            Self::Account { id, external_id } => {
                let mut statement = json!({
                    "Effect": "Allow",
                    "Principal": {"AWS": format!("arn:{}:iam::{id}:root", account.partition)},
                    "Action": "sts:AssumeRole",
                });
                if let Some(external_id) = external_id {
                    statement["Condition"] =
                        json!({"StringEquals": {"sts:ExternalId": external_id}});
                }
                statement
            }
        };
        json!({"Version": POLICY_VERSION, "Statement": [statement]})
    }
}

/// The statement letting jobs whose token matches `subject` assume the role.
fn oidc_statement(provider: &OidcProvider, subject: &str, account: &Account) -> Value {
    let host = provider.host();
    let mut equals = Map::new();
    equals.insert(format!("{host}:aud"), json!(provider.audience));
    let mut condition = Map::new();
    if subject.ends_with('*') {
        condition.insert("StringEquals".to_owned(), Value::Object(equals));
        condition.insert(
            "StringLike".to_owned(),
            json!({format!("{host}:sub"): subject}),
        );
    } else {
        equals.insert(format!("{host}:sub"), json!(subject));
        condition.insert("StringEquals".to_owned(), Value::Object(equals));
    }
    json!({
        "Effect": "Allow",
        "Principal": {"Federated": provider.arn(account)},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    })
}

/// `OWNER/REPO[:ref:REF|:environment:NAME|:pull_request]`.
fn parse_github(rest: &str) -> Result<Principal, String> {
    if rest.ends_with(':') {
        return Err(format!("--trust github:{rest} ends with `:`"));
    }
    let (project, refinement) = rest.split_once(':').unwrap_or((rest, ""));
    let (owner, repo) = project.split_once('/').ok_or_else(|| {
        format!("--trust github:{rest}: expected github:OWNER/REPO, e.g. github:octo-org/octo-repo")
    })?;
    check_name("GitHub owner", owner, |c| {
        c.is_ascii_alphanumeric() || c == '-'
    })?;
    check_name("GitHub repository", repo, |c| {
        c.is_ascii_alphanumeric() || "._-".contains(c)
    })?;
    let mut environment = None;
    let scope = match refinement.split_once(':') {
        None if refinement.is_empty() => "*".to_owned(),
        None if refinement == "pull_request" => "pull_request".to_owned(),
        Some(("ref", name)) => {
            check_ref(name, &["refs/heads/", "refs/tags/"])?;
            format!("ref:{name}")
        }
        Some(("environment", name)) => {
            check_value("environment", name, false)?;
            environment = Some(name.to_owned());
            format!("environment:{name}")
        }
        _ => {
            return Err(format!(
                "--trust github:{rest}: after OWNER/REPO, expected :ref:REF, :environment:NAME or :pull_request"
            ));
        }
    };
    Ok(Principal::Oidc {
        provider: GITHUB,
        subject: format!("repo:{project}:{scope}"),
        project: project.to_owned(),
        environment,
    })
}

/// `GROUP[/SUBGROUP...]/PROJECT[:ref_type:branch|tag[:ref:NAME]]`.
fn parse_gitlab(rest: &str) -> Result<Principal, String> {
    if rest.ends_with(':') {
        return Err(format!("--trust gitlab:{rest} ends with `:`"));
    }
    let (project, refinement) = rest.split_once(':').unwrap_or((rest, ""));
    let segments: Vec<&str> = project.split('/').collect();
    if segments.len() < 2 {
        return Err(format!(
            "--trust gitlab:{rest}: expected gitlab:GROUP/PROJECT, e.g. gitlab:my-group/my-project"
        ));
    }
    for segment in segments {
        check_name("GitLab group or project", segment, |c| {
            c.is_ascii_alphanumeric() || "._-".contains(c)
        })?;
    }
    let parts: Vec<&str> = refinement.splitn(4, ':').collect();
    let scope = match parts.as_slice() {
        [""] => "*".to_owned(),
        ["ref_type", kind @ ("branch" | "tag")] => format!("ref_type:{kind}:ref:*"),
        ["ref_type", kind @ ("branch" | "tag"), "ref", name] => {
            check_ref(name, &[""])?;
            format!("ref_type:{kind}:ref:{name}")
        }
        _ => {
            return Err(format!(
                "--trust gitlab:{rest}: after GROUP/PROJECT, expected :ref_type:branch or :ref_type:tag, \
                 optionally followed by :ref:NAME"
            ));
        }
    };
    Ok(Principal::Oidc {
        provider: GITLAB,
        subject: format!("project_path:{project}:{scope}"),
        project: project.to_owned(),
        environment: None,
    })
}

/// `lambda`, `ec2`, `ecs-tasks`, or a full `NAME.amazonaws.com` principal.
fn parse_service(rest: &str) -> Result<String, String> {
    match rest {
        "lambda" | "ec2" | "ecs-tasks" => return Ok(format!("{rest}.amazonaws.com")),
        _ => {}
    }
    let name = rest
        .strip_suffix(".amazonaws.com")
        .or_else(|| rest.strip_suffix(".amazonaws.com.cn"));
    match name {
        Some(name)
            if !name.is_empty()
                && !name.starts_with(['.', '-'])
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-".contains(c)) =>
        {
            Ok(rest.to_owned())
        }
        _ => Err(format!(
            "--trust service:{rest}: expected lambda, ec2, ecs-tasks or a full service principal \
             such as states.amazonaws.com"
        )),
    }
}

/// Twelve digits.
fn parse_account(rest: &str) -> Result<String, String> {
    if rest.len() == 12 && rest.bytes().all(|b| b.is_ascii_digit()) {
        Ok(rest.to_owned())
    } else {
        Err(format!(
            "--trust account:{rest}: an AWS account ID is 12 digits, e.g. account:123456789012"
        ))
    }
}

/// IAM's rule for `sts:ExternalId`: 2 to 1,224 characters of `[\w+=,.@:/-]`.
fn check_external_id(id: &str) -> Result<String, String> {
    let valid = (2..=1224).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
    if valid {
        Ok(id.to_owned())
    } else {
        Err(
            "--external-id must be 2 to 1224 characters of letters, digits and _+=,.@:/-"
                .to_owned(),
        )
    }
}

/// A name that goes literally into a `sub` pattern: non-empty, and only
/// characters `allowed` (which never include a wildcard or `:`).
fn check_name(what: &str, name: &str, allowed: impl Fn(char) -> bool) -> Result<(), String> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(format!("--trust: the {what} name `{name}` is not valid"));
    }
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        let hint = if "*?".contains(bad) {
            ": a wildcard here would trust every repository or project it matches; name one"
        } else {
            ""
        };
        return Err(format!(
            "--trust: the {what} name `{name}` contains `{bad}`{hint}"
        ));
    }
    Ok(())
}

/// A branch or tag: starts with one of `prefixes`, and may end in one `*`
/// (any ref under what precedes it) but hold no other wildcard.
fn check_ref(name: &str, prefixes: &[&str]) -> Result<(), String> {
    let Some(prefix) = prefixes.iter().find(|p| name.starts_with(**p)) else {
        return Err(format!(
            "--trust: the ref `{name}` must start with {}",
            prefixes.join(" or ")
        ));
    };
    let fixed = name.strip_suffix('*').unwrap_or(name);
    if fixed.len() == prefix.len() && fixed.len() == name.len() {
        return Err(format!("--trust: the ref `{name}` names no branch or tag"));
    }
    check_value("ref", fixed, true)
}

/// A value of a `sub` pattern: no IAM wildcard (`*`, `?`), no policy
/// variable (`$`), no `:` (which separates the claims), nothing outside
/// ASCII, and for a ref (`ref_like`) no white space.
fn check_value(what: &str, value: &str, ref_like: bool) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("--trust: the {what} cannot be empty"));
    }
    let bad = value.chars().find(|c| {
        "*?$:".contains(*c) || c.is_control() || (ref_like && c.is_whitespace()) || !c.is_ascii()
    });
    match bad {
        Some(c @ ('*' | '?')) => Err(format!(
            "--trust: the {what} `{value}` contains `{c}`: IAM's wildcards also match `/` and `:`, \
             so only one trailing `*` on a ref is allowed"
        )),
        Some(c) => Err(format!("--trust: the {what} `{value}` contains `{c}`")),
        None => Ok(()),
    }
}

/// The last line of defence: a `sub` pattern trusts only what was asked when
/// it starts with the provider's prefix and a literal `PROJECT:`, and its only
/// wildcard is one `*` at the very end.
pub fn check_subject(provider: &OidcProvider, subject: &str) -> Result<(), String> {
    let fixed = subject.strip_suffix('*').unwrap_or(subject);
    let project = fixed
        .strip_prefix(provider.subject_prefix)
        .and_then(|rest| rest.split_once(':'))
        .map(|(project, _)| project);
    let literal_project = project.is_some_and(|p| p.contains('/') && !p.starts_with('/'));
    if !literal_project || fixed.contains(['*', '?', '$']) {
        return Err(format!(
            "--trust: the subject pattern `{subject}` would trust more than one repository or project"
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "trust_tests.rs"]
mod tests;
