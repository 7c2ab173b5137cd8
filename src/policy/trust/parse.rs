//! The parsers of each `--trust` kind, and the checks that keep every value
//! that goes into a `sub` pattern literal.

use super::{GITHUB, GITLAB, Principal};

/// `OWNER/REPO[:ref:REF|:environment:NAME|:pull_request]`.
pub(super) fn parse_github(rest: &str) -> Result<Principal, String> {
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
pub(super) fn parse_gitlab(rest: &str) -> Result<Principal, String> {
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
pub(super) fn parse_service(rest: &str) -> Result<String, String> {
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
pub(super) fn parse_account(rest: &str) -> Result<String, String> {
    if rest.len() == 12 && rest.bytes().all(|b| b.is_ascii_digit()) {
        Ok(rest.to_owned())
    } else {
        Err(format!(
            "--trust account:{rest}: an AWS account ID is 12 digits, e.g. account:123456789012"
        ))
    }
}

/// IAM's rule for `sts:ExternalId`: 2 to 1,224 characters of `[\w+=,.@:/-]`.
pub(super) fn check_external_id(id: &str) -> Result<String, String> {
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
