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

use self::parse::{check_external_id, parse_account, parse_github, parse_gitlab, parse_service};
use crate::policy::POLICY_VERSION;

mod parse;

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

/// Whether a trust policy names `provider` (an OIDC provider's ARN) as a
/// `Federated` principal, alone or in a list, in any statement. A Deny
/// statement counts too: the question is whether deleting the provider
/// would change what the role means, and any mention says it might.
pub fn names_federated(document: &Value, provider: &str) -> bool {
    let statements: Vec<&Value> = match document.get("Statement") {
        Some(Value::Array(statements)) => statements.iter().collect(),
        Some(statement) => vec![statement],
        None => Vec::new(),
    };
    statements.iter().any(|statement| {
        match statement.get("Principal").and_then(|p| p.get("Federated")) {
            Some(Value::String(arn)) => arn == provider,
            Some(Value::Array(arns)) => arns.iter().any(|arn| arn.as_str() == Some(provider)),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests;
