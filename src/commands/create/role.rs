//! The role steps of `create --trust`: after the checks of [`super::role_check`],
//! create what is missing (OIDC provider, role, inline policies, instance
//! profile), each change recorded for the undo.

use std::io::Write;

use anyhow::Context;
use aws_sdk_iam::types::InstanceProfile;
use futures_util::future::join_all;

use super::plan::{Plan, RolePlan};
use super::role_check::Existing;
use super::undo::{Change, Changes, RoleStep};
use crate::aws::Clients;
use crate::error::AwsResultExt;
use crate::grant::tags::{Grant, Kind};
use crate::policy::trust::Account;

/// The longest role description IAM accepts.
const MAX_DESCRIPTION_LENGTH: usize = 1000;

/// What the run made or reused: the role's ARN, and the instance profile's.
#[derive(Debug)]
pub(crate) struct Made {
    pub role_arn: String,
    pub profile_arn: Option<String>,
}

/// Create what is missing: provider, role, inline policies, instance
/// profile; recording each change.
pub(crate) async fn create(
    plan: &Plan,
    role: &RolePlan,
    clients: &Clients,
    existing: &Existing,
    changes: &mut Changes,
    log: &mut dyn Write,
) -> anyhow::Result<Made> {
    // Each change is preceded by a check: after Ctrl+C, the request in
    // flight finishes and nothing new starts.
    changes.check()?;
    let mut say = |line: String| plan.say(log, &line);
    ensure_provider(role, clients, existing, changes, &mut say).await?;
    let role_arn = match &existing.role {
        Some(arn) => {
            plan.say(log, &format!("Using existing role: {}", role.name))?;
            // Not a step but a warning: printed with --silent too.
            if let Some(warning) = existing.warning(&role.name) {
                writeln!(log, "{warning}")?;
            }
            arn.clone()
        }
        None => {
            changes.check()?;
            let arn = create_role(plan, role, clients, &existing.account).await?;
            changes.push(Change::Trusted(RoleStep::Role(role.name.clone())));
            plan.say(
                log,
                &match &plan.boundary {
                    Some(b) => {
                        format!("Created role: {} with permissions boundary: {b}", role.name)
                    }
                    None => format!("Created role: {}", role.name),
                },
            )?;
            arn
        }
    };
    let mut say = |line: String| plan.say(log, &line);
    changes.check()?;
    put_policies(plan, role, clients, existing, changes, &mut say).await?;
    if existing.role.is_some() {
        changes.check()?;
        super::role_tags::retag(plan, role, clients, existing, changes).await?;
        say(format!("Tagged role: {}", role.name))?;
    }
    let profile_arn = match &existing.profile {
        Some(profile) => {
            Some(ensure_profile(role, clients, profile.as_ref(), changes, &mut say).await?)
        }
        None => None,
    };
    Ok(Made {
        role_arn,
        profile_arn,
    })
}

/// Create the OIDC provider the role trusts, unless it exists.
async fn ensure_provider(
    role: &RolePlan,
    clients: &Clients,
    existing: &Existing,
    changes: &mut Changes,
    say: &mut impl FnMut(String) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let (Some(provider), Some((arn, exists))) = (role.principal.provider(), &existing.provider)
    else {
        return Ok(());
    };
    if *exists {
        say(format!("Using existing OpenID Connect provider: {arn}"))?;
        return Ok(());
    }
    clients
        .iam
        .create_open_id_connect_provider()
        .url(provider.url)
        .client_id_list(provider.audience)
        .send()
        .await
        .aws("CreateOpenIDConnectProvider")?;
    changes.push(Change::Trusted(RoleStep::OidcProvider(arn.clone())));
    say(format!("Created OpenID Connect provider: {arn}"))?;
    Ok(())
}

async fn create_role(
    plan: &Plan,
    role: &RolePlan,
    clients: &Clients,
    account: &Account,
) -> anyhow::Result<String> {
    let trust = role.principal.trust_policy(account);
    let mut request = clients
        .iam
        .create_role()
        .role_name(&role.name)
        .assume_role_policy_document(trust.to_string())
        .description(description(plan));
    if let Some(boundary) = &plan.boundary {
        request = request.permissions_boundary(boundary);
    }
    // The grant tags `list-credentials` reads, as on users, and `--tag`.
    let mut tags = Grant {
        kind: Kind::Role,
        ..plan.grant()
    }
    .to_tags();
    tags.extend(plan.tags.iter().cloned());
    let request = request.set_tags(Some(super::tags::iam_tags(&tags)?));
    let created = request.send().await.aws("CreateRole")?;
    Ok(created.role.context("CreateRole returned no role")?.arn)
}

/// The role's description, cut to the 1,000 characters IAM allows.
pub(super) fn description(plan: &Plan) -> String {
    let text = format!(
        "Made by s3-credentials: {} access to {}",
        plan.label,
        plan.buckets.join(", ")
    );
    text.chars().take(MAX_DESCRIPTION_LENGTH).collect()
}

/// One inline policy per bucket, all at once; every one that AWS confirmed
/// is recorded even when another failed.
async fn put_policies(
    plan: &Plan,
    role: &RolePlan,
    clients: &Clients,
    existing: &Existing,
    changes: &mut Changes,
    say: &mut impl FnMut(String) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let policies = plan.user_policies();
    let puts = policies.iter().map(|(name, document)| {
        clients
            .iam
            .put_role_policy()
            .role_name(&role.name)
            .policy_name(name)
            .policy_document(document.to_string())
            .send()
    });
    let mut first_error = None;
    for ((name, _), put) in policies.iter().zip(join_all(puts).await) {
        match put.aws("PutRolePolicy") {
            Ok(_) => {
                changes.push(Change::Trusted(RoleStep::RolePolicy {
                    role: role.name.clone(),
                    name: name.clone(),
                    previous: existing.policies.get(name).cloned().flatten(),
                }));
                say(format!("Attached policy {name} to role {}", role.name))?;
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    first_error.map_or(Ok(()), |error| Err(error.into()))
}

/// The instance profile EC2 needs, named like the role, holding the role.
async fn ensure_profile(
    role: &RolePlan,
    clients: &Clients,
    existing: Option<&InstanceProfile>,
    changes: &mut Changes,
    say: &mut impl FnMut(String) -> std::io::Result<()>,
) -> anyhow::Result<String> {
    let name = &role.name;
    let profile = match existing {
        Some(profile) => {
            say(format!("Using existing instance profile: {name}"))?;
            profile.clone()
        }
        None => {
            changes.check()?;
            let created = clients
                .iam
                .create_instance_profile()
                .instance_profile_name(name)
                .send()
                .await
                .aws("CreateInstanceProfile")?
                .instance_profile
                .context("CreateInstanceProfile returned no instance profile")?;
            changes.push(Change::Trusted(RoleStep::InstanceProfile(name.clone())));
            say(format!("Created instance profile: {name}"))?;
            created
        }
    };
    if profile.roles().is_empty() {
        changes.check()?;
        clients
            .iam
            .add_role_to_instance_profile()
            .instance_profile_name(name)
            .role_name(name)
            .send()
            .await
            .aws("AddRoleToInstanceProfile")?;
        changes.push(Change::Trusted(RoleStep::ProfileRole {
            profile: name.clone(),
            role: name.clone(),
        }));
        say(format!("Added role {name} to instance profile {name}"))?;
    }
    Ok(profile.arn)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn plan(args: &[&str]) -> Plan {
        let cli = Cli::try_parse_from(args).unwrap();
        let Command::Create(args) = cli.command else {
            panic!("not create");
        };
        Plan::from_args(&args, std::io::empty()).unwrap()
    }

    #[test]
    fn a_role_keeps_one_policy_per_bucket_up_to_the_role_limit() {
        let buckets: Vec<String> = (0..12).map(|n| format!("bucket-{n:02}")).collect();
        let mut args = vec!["s3-credentials", "create"];
        args.extend(buckets.iter().map(String::as_str));
        let mut user = args.clone();
        user.extend(["--username", "u"]);
        // A user's 2,048 characters hold four read-write buckets; a role's
        // 10,240 hold these twelve, each in its own policy.
        assert_eq!(plan(&user).user_policies().len(), 1);
        args.extend(["--trust", "service:lambda", "--role-name", "r"]);
        let names: Vec<String> = plan(&args)
            .user_policies()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            buckets
                .iter()
                .map(|b| format!("s3.read-write.{b}"))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn descriptions_fit_iam() {
        let short = plan(&[
            "s3-credentials",
            "create",
            "a-bucket",
            "b-bucket",
            "--trust",
            "service:lambda",
        ]);
        assert_eq!(
            description(&short),
            "Made by s3-credentials: read-write access to a-bucket, b-bucket"
        );
        let buckets: Vec<String> = (0..20)
            .map(|n| format!("{n:02}{}", "b".repeat(60)))
            .collect();
        let mut args = vec![
            "s3-credentials",
            "create",
            "--trust",
            "service:lambda",
            "--role-name",
            "r",
        ];
        args.extend(buckets.iter().map(String::as_str));
        let text = description(&plan(&args));
        assert_eq!(text.chars().count(), MAX_DESCRIPTION_LENGTH);
        assert!(text.starts_with("Made by s3-credentials: read-write access to 00bbb"));
    }
}
