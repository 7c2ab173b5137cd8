//! The checks of `create --trust`, before any change: the account, the
//! OIDC provider and its audiences, an existing role and what it trusts, the
//! instance profile EC2 needs.

use std::collections::HashMap;

use anyhow::Context;
use aws_sdk_iam::types::InstanceProfile;
use futures_util::future::try_join_all;

use super::plan::{Plan, RolePlan};
use crate::aws::Clients;
use crate::error::AwsResultExt;
use crate::iam::temporary::partition_of;
use crate::iam::{decode_policy_document, policy_document_text};
use crate::policy::trust::{Account, OidcProvider};

/// What exists in the account before this run.
#[derive(Debug)]
pub(crate) struct Existing {
    pub(super) account: Account,
    /// The provider's ARN, and whether it exists already (OIDC only).
    pub(super) provider: Option<(String, bool)>,
    /// The role's ARN if it exists (trusting what was asked).
    pub(super) role: Option<String>,
    /// The current document of each inline policy this run will write.
    pub(super) policies: HashMap<String, Option<String>>,
    /// The instance profile, if needed: `None` inside when it is missing.
    pub(super) profile: Option<Option<InstanceProfile>>,
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

/// The current document of a role's inline policy, its text as IAM keeps it.
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
        Ok(policy) => Ok(Some(policy_document_text(policy.policy_document()))),
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
