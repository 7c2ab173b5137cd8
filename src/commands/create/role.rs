//! The role steps of `create --trust`: look at the account first (the OIDC
//! provider and its audiences, an existing role and what it trusts, the
//! instance profile), then create what is missing, each change recorded for
//! the undo.

use std::collections::HashMap;
use std::io::Write;

use anyhow::Context;
use aws_sdk_iam::types::InstanceProfile;
use futures_util::future::{join_all, try_join_all};

use super::plan::{Plan, RolePlan};
use super::undo::{Change, Changes, RoleStep};
use crate::aws::Clients;
use crate::error::AwsResultExt;
use crate::iam::decode_policy_document;
use crate::temporary::partition_of;
use crate::trust::{Account, OidcProvider};

/// The longest role description IAM accepts.
const MAX_DESCRIPTION_LENGTH: usize = 1000;

/// What exists in the account before this run.
#[derive(Debug)]
pub(crate) struct Existing {
    account: Account,
    /// The provider's ARN, and whether it exists already (OIDC only).
    provider: Option<(String, bool)>,
    /// The role's ARN if it exists (trusting what was asked).
    role: Option<String>,
    /// The current document of each inline policy this run will write.
    policies: HashMap<String, Option<String>>,
    /// The instance profile, if needed: `None` inside when it is missing.
    profile: Option<Option<InstanceProfile>>,
}

/// What the run made or reused: the role's ARN, and the instance profile's.
#[derive(Debug)]
pub(crate) struct Made {
    pub role_arn: String,
    pub profile_arn: Option<String>,
}

/// Look before changing anything; refuse a provider without the audience,
/// a role of that name that trusts someone else, or an instance profile that
/// holds another role.
pub(crate) async fn check(
    plan: &Plan,
    role: &RolePlan,
    clients: &Clients,
) -> anyhow::Result<Existing> {
    let identity = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .aws("GetCallerIdentity")?;
    let account = Account {
        id: identity
            .account()
            .context("GetCallerIdentity returned no account")?
            .to_owned(),
        partition: partition_of(identity.arn().unwrap_or_default()).to_owned(),
    };
    let provider = async {
        match role.principal.provider() {
            Some(provider) => check_provider(clients, provider, &account).await.map(Some),
            None => Ok(None),
        }
    };
    let profile = async {
        if role.principal.needs_instance_profile() {
            check_profile(clients, &role.name).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let (provider, (role_arn, policies), profile) =
        tokio::try_join!(provider, check_role(plan, role, clients, &account), profile)?;
    Ok(Existing {
        account,
        provider,
        role: role_arn,
        policies,
        profile,
    })
}

/// The provider's ARN and whether it exists; an existing one must accept
/// the audience the role requires.
async fn check_provider(
    clients: &Clients,
    provider: &OidcProvider,
    account: &Account,
) -> anyhow::Result<(String, bool)> {
    let arn = provider.arn(account);
    let found = clients
        .iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .aws("GetOpenIDConnectProvider");
    match found {
        Err(error) if error.is_not_found() => Ok((arn, false)),
        Err(error) => Err(error.into()),
        Ok(found)
            if found
                .client_id_list()
                .iter()
                .any(|a| a == provider.audience) =>
        {
            Ok((arn, true))
        }
        Ok(found) => anyhow::bail!(
            "the OpenID Connect provider {arn} exists but does not accept the audience `{}` \
             (it accepts: {}); add it with `aws iam add-client-id-to-open-id-connect-provider \
             --open-id-connect-provider-arn {arn} --client-id {}`",
            provider.audience,
            found.client_id_list().join(", "),
            provider.audience
        ),
    }
}

/// The role's ARN if it exists, and the current inline policies this run
/// will write. An existing role must trust exactly the asked principal:
/// changing who may assume a role is not something to do on the side.
async fn check_role(
    plan: &Plan,
    role: &RolePlan,
    clients: &Clients,
    account: &Account,
) -> anyhow::Result<(Option<String>, HashMap<String, Option<String>>)> {
    let name = &role.name;
    let found = clients
        .iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .aws("GetRole");
    let existing = match found {
        Err(error) if error.is_not_found() => return Ok((None, HashMap::new())),
        Err(error) => return Err(error.into()),
        Ok(found) => found.role.context("GetRole returned no role")?,
    };
    let current = decode_policy_document(existing.assume_role_policy_document().unwrap_or("{}"));
    if current != role.principal.trust_policy(account) {
        anyhow::bail!(
            "role `{name}` already exists and trusts other principals than asked: choose another \
             name with --role-name, or delete it first with `s3-credentials delete-role {name}`"
        );
    }
    let names: Vec<String> = plan.user_policies().into_iter().map(|(n, _)| n).collect();
    let documents = try_join_all(names.iter().map(|n| current_policy(clients, name, n))).await?;
    Ok((
        Some(existing.arn),
        names.into_iter().zip(documents).collect(),
    ))
}

/// The current document of a role's inline policy, as JSON text.
async fn current_policy(
    clients: &Clients,
    role: &str,
    name: &str,
) -> anyhow::Result<Option<String>> {
    let found = clients
        .iam
        .get_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .aws("GetRolePolicy");
    match found {
        Ok(policy) => Ok(Some(
            decode_policy_document(policy.policy_document()).to_string(),
        )),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The instance profile named like the role, if it exists; one that holds
/// another role is refused (a profile holds at most one).
async fn check_profile(clients: &Clients, name: &str) -> anyhow::Result<Option<InstanceProfile>> {
    let found = clients
        .iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .aws("GetInstanceProfile");
    let profile = match found {
        Err(error) if error.is_not_found() => return Ok(None),
        Err(error) => return Err(error.into()),
        Ok(found) => found
            .instance_profile
            .context("GetInstanceProfile returned no instance profile")?,
    };
    if let Some(other) = profile.roles().iter().find(|r| r.role_name() != name) {
        anyhow::bail!(
            "instance profile `{name}` already holds role `{}`: choose another name with --role-name",
            other.role_name()
        );
    }
    Ok(Some(profile))
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
    let mut say = |line: String| {
        if plan.silent {
            Ok(())
        } else {
            writeln!(log, "{line}")
        }
    };
    ensure_provider(role, clients, existing, changes, &mut say).await?;
    let role_arn = match &existing.role {
        Some(arn) => {
            say(format!("Using existing role: {}", role.name))?;
            arn.clone()
        }
        None => {
            let arn = create_role(plan, role, clients, &existing.account).await?;
            changes.push(Change::Trusted(RoleStep::Role(role.name.clone())));
            say(match &plan.boundary {
                Some(b) => format!("Created role: {} with permissions boundary: {b}", role.name),
                None => format!("Created role: {}", role.name),
            })?;
            arn
        }
    };
    put_policies(plan, role, clients, existing, changes, &mut say).await?;
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
    let created = request.send().await.aws("CreateRole")?;
    Ok(created.role.context("CreateRole returned no role")?.arn)
}

/// The role's description, cut to the 1,000 characters IAM allows.
fn description(plan: &Plan) -> String {
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
