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
    /// An existing role's other inline policies (names, sorted) and
    /// attached policies (ARNs): whoever assumes the role gets them too.
    pub(super) other_inline: Vec<String>,
    pub(super) other_attached: Vec<String>,
    /// An existing role's tags before this run.
    pub(super) tags: Vec<(String, String)>,
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
    let (provider, found, profile) =
        tokio::try_join!(provider, check_role(plan, role, clients, &account), profile)?;
    Ok(Existing {
        account,
        provider,
        role: found.arn,
        policies: found.policies,
        other_inline: found.other_inline,
        other_attached: found.other_attached,
        tags: found.tags,
        profile,
    })
}

impl Existing {
    /// The warning to print when the reused role has other policies than
    /// the ones this run writes, as for an existing user: whoever assumes
    /// the role gets those permissions too.
    pub(super) fn warning(&self, role: &str) -> Option<String> {
        let quoted = |names: &[String]| {
            let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
            names.join(", ")
        };
        let parts: Vec<String> = [
            ("inline policies", &self.other_inline),
            ("attached policies", &self.other_attached),
        ]
        .into_iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(kind, names)| format!("{kind} {}", quoted(names)))
        .collect();
        (!parts.is_empty()).then(|| {
            crate::error::warning_text(format_args!(
                "role `{role}` has other permissions, which whoever assumes it has too: {}",
                parts.join("; ")
            ))
        })
    }
}

/// What [`check_role`] found of an existing role; all empty for a new one.
#[derive(Debug, Default)]
struct FoundRole {
    arn: Option<String>,
    policies: HashMap<String, Option<String>>,
    other_inline: Vec<String>,
    other_attached: Vec<String>,
    tags: Vec<(String, String)>,
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

/// The role's ARN if it exists, the current inline policies this run will
/// write, its other policies and its tags. An existing role must trust
/// exactly the asked principal: changing who may assume a role is not
/// something to do on the side.
async fn check_role(
    plan: &Plan,
    role: &RolePlan,
    clients: &Clients,
    account: &Account,
) -> anyhow::Result<FoundRole> {
    let name = &role.name;
    let found = clients
        .iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .aws("GetRole");
    let existing = match found {
        Err(error) if error.is_not_found() => return Ok(FoundRole::default()),
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
    let (documents, inline, attached, tags) = tokio::try_join!(
        try_join_all(names.iter().map(|n| current_policy(clients, name, n))),
        async { anyhow::Ok(crate::iam::role_policy_names(clients, name).await?) },
        async { anyhow::Ok(crate::iam::attached_role_policies(clients, name).await?) },
        role_tags(clients, name),
    )?;
    let mut other_inline: Vec<String> = inline.into_iter().filter(|n| !names.contains(n)).collect();
    other_inline.sort();
    Ok(FoundRole {
        arn: Some(existing.arn),
        policies: names.into_iter().zip(documents).collect(),
        other_inline,
        other_attached: attached.into_iter().filter_map(|p| p.policy_arn).collect(),
        tags,
    })
}

/// Every tag of a role, as `(key, value)`.
async fn role_tags(clients: &Clients, role: &str) -> anyhow::Result<Vec<(String, String)>> {
    let tags: Vec<aws_sdk_iam::types::Tag> = clients
        .iam
        .list_role_tags()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListRoleTags")?;
    Ok(tags.into_iter().map(|tag| (tag.key, tag.value)).collect())
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
