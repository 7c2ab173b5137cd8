//! Whether a user or role is exactly what this tool makes for the grant it
//! claims: its `s3-credentials:*` tags (or, for users made before tags, its
//! policy names). Each difference is a phrase for a `Warning:`;
//! `list-credentials` shows them in a row's `Warnings`, and
//! `delete-user --expired` deletes a user only when there are none.
//!
//! Policies are compared in two ways. For a tagged grant of a generated
//! access mode (`read-write`, `read-only`, `write-only`) the documents are
//! made again from the tags (buckets, prefixes, keys, networks, expiry) with
//! [`crate::policy::assemble`], exactly as `create` writes them (one per
//! bucket, the combined one, or managed ones), and compared as JSON: any
//! difference (other prefixes, another expiry, an extra statement) counts. For `custom` and `mixed` grants, whose documents cannot be made
//! again from the tags, and for untagged users, each policy must be named
//! for one of the claimed buckets and modes, name no resource outside those
//! buckets, allow no action beyond its mode (for generated modes) and, when
//! tagged, carry the tagged expiry.

use aws_sdk_iam::types::{AccessKeyMetadata, AttachedPolicy};
use futures_util::future::try_join_all;
use serde_json::Value;
use time::OffsetDateTime;

use crate::aws::Clients;
use crate::error::{AwsError, AwsResultExt};
use crate::grant::tags::Grant;
use crate::grant::tags::Kind;
use crate::iam::{decode_policy_document, managed};
use crate::policy::expiry::expiry_of;
use crate::policy::managed::{is_own, policy_name};
use crate::policy::size::{Holder, fit_inline_policies};
use crate::policy::source_ip::Cidr;
use crate::policy::{self, Permission, assemble};
use crate::settings::dates::{format_printed, format_utc, from_aws, parse_utc};

/// The access modes whose documents are generated from the tags alone.
const GENERATED: [Permission; 3] = [
    Permission::ReadWrite,
    Permission::ReadOnly,
    Permission::WriteOnly,
];

/// Every access mode the tool puts in a policy name.
const NAMED_MODES: [&str; 4] = ["read-write", "read-only", "write-only", "custom"];

/// The policies of a user or role: inline `(name, document)`, the ARNs of
/// attached policies not the tool's own, and the tool's own managed
/// policies `(name, document)`.
#[derive(Debug, Default)]
pub struct Policies {
    pub inline: Vec<(String, Value)>,
    pub attached: Vec<String>,
    pub managed: Vec<(String, Value)>,
}

/// The policies by name, so that warnings come in the same order however
/// IAM lists them (`create` puts them concurrently).
pub fn policies(mut inline: Vec<(String, Value)>, attached: Vec<AttachedPolicy>) -> Policies {
    inline.sort_by(|a, b| a.0.cmp(&b.0));
    let attached = attached.into_iter().filter_map(|p| p.policy_arn).collect();
    Policies {
        inline,
        attached,
        managed: Vec::new(),
    }
}

/// A user's inline policies with their documents, its own managed ones
/// with theirs, and the ARNs of its other attached ones.
pub async fn user_policies(clients: &Clients, user: &str) -> anyhow::Result<Policies> {
    let (names, attached) = tokio::try_join!(
        crate::iam::user_policy_names(clients, user),
        crate::iam::attached_user_policies(clients, user),
    )?;
    let inline = user_documents(clients, user, names).await?;
    with_managed(clients, user, policies(inline, attached)).await
}

/// `policies` with the user's own managed policies moved from `attached`
/// to `managed`, each with its document, in their order (`.1`, `.2`, ...).
pub async fn with_managed(
    clients: &Clients,
    user: &str,
    mut policies: Policies,
) -> anyhow::Result<Policies> {
    let (own, others): (Vec<String>, Vec<String>) = std::mem::take(&mut policies.attached)
        .into_iter()
        .partition(|arn| is_own(user, arn));
    policies.attached = others;
    let documents = try_join_all(own.iter().map(|arn| managed::document(clients, arn))).await?;
    let names = own
        .iter()
        .map(|arn| arn.rsplit('/').next().unwrap_or(arn).to_owned());
    policies.managed = names.zip(documents).collect();
    policies
        .managed
        .sort_by(|(a, _), (b, _)| (a.len(), a).cmp(&(b.len(), b)));
    Ok(policies)
}

/// The documents of these inline policies of a user, fetched at once.
pub async fn user_documents(
    clients: &Clients,
    user: &str,
    names: Vec<String>,
) -> Result<Vec<(String, Value)>, AwsError> {
    try_join_all(names.into_iter().map(|name| async move {
        let found = clients
            .iam
            .get_user_policy()
            .user_name(user)
            .policy_name(&name)
            .send()
            .await
            .aws("GetUserPolicy")?;
        let document = decode_policy_document(found.policy_document());
        Ok::<_, AwsError>((name, document))
    }))
    .await
}

/// A role's inline policies with their documents, and its attached ones.
pub async fn role_policies(clients: &Clients, role: &str) -> anyhow::Result<Policies> {
    let (names, attached) = tokio::try_join!(
        crate::iam::role_policy_names(clients, role),
        crate::iam::attached_role_policies(clients, role),
    )?;
    let inline = try_join_all(names.into_iter().map(|name| async move {
        let found = clients
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(&name)
            .send()
            .await
            .aws("GetRolePolicy")?;
        let document = decode_policy_document(found.policy_document());
        Ok::<_, AwsError>((name, document))
    }))
    .await?;
    Ok(policies(inline, attached))
}

/// Every way the policies of `holder` (the user's or role's name) differ
/// from those the grant claims; `tagged` says whether the grant came from
/// tags (else from policy names).
pub fn policy_problems(
    grant: &Grant,
    tagged: bool,
    policies: &Policies,
    holder: &str,
) -> Vec<String> {
    let mut problems: Vec<String> = policies
        .attached
        .iter()
        .map(|arn| format!("it has attached policy `{arn}`, which its tags do not describe"))
        .collect();
    let expected = if tagged {
        expected(grant, holder)
    } else {
        None
    };
    for (name, document) in &policies.inline {
        let Some(mode) = claimed_mode(grant, name) else {
            problems.push(format!(
                "its inline policy `{name}` is not one s3-credentials writes for its grant"
            ));
            continue;
        };
        let forms = expected.as_ref().map(|e| e.inline.as_slice());
        problems.extend(content_problems(grant, tagged, forms, mode, name, document));
    }
    for (name, document) in &policies.managed {
        let forms = expected.as_ref().map(|e| e.managed.as_slice());
        let mode = grant.access.as_str();
        problems.extend(content_problems(grant, tagged, forms, mode, name, document));
    }
    if let Some(expected) = &expected {
        problems.extend(missing(policies, expected));
    }
    problems
}

/// The policies `create` writes for the grant that the user or role lacks:
/// the managed ones, when it has any or its grant is too large for inline
/// policies; else one per bucket, unless it has the combined one.
fn missing(policies: &Policies, expected: &Expected) -> Vec<String> {
    let lacks = |list: &[(String, Value)], name: &str| !list.iter().any(|(n, _)| n == name);
    let wanted: Vec<&(String, Value)> = if !policies.managed.is_empty() || expected.too_large {
        expected.managed.iter().collect()
    } else if lacks(&policies.inline, &expected.combined.0) {
        expected.per_bucket.iter().collect()
    } else {
        Vec::new()
    };
    let mut lacked: Vec<&str> = Vec::new();
    for (name, _) in wanted {
        if lacks(&policies.inline, name) && lacks(&policies.managed, name) {
            lacked.push(name);
        }
    }
    lacked
        .into_iter()
        .map(|name| format!("its policy `{name}` is missing"))
        .collect()
}

/// The documents `create` writes for a grant of a generated access mode.
struct Expected {
    per_bucket: Vec<(String, Value)>,
    combined: (String, Value),
    /// The user's managed policies, when the grant is too large for inline ones.
    managed: Vec<(String, Value)>,
    /// Whether the grant is too large for a user's inline policies.
    too_large: bool,
    /// Every inline policy `create` may write: one per bucket, or combined.
    inline: Vec<(String, Value)>,
}

/// What `create` would write for `grant` (as in its plan, with its keys,
/// networks and expiry), if the access mode is a generated one; `holder`
/// names the managed policies of a user. `None` also when a tagged network
/// is unreadable ([`crate::grant::tags::tag_problems`] says so).
fn expected(grant: &Grant, holder: &str) -> Option<Expected> {
    let permission = GENERATED.into_iter().find(|p| p.as_str() == grant.access)?;
    let until = grant.expires.map(format_utc);
    let source_ips: Vec<Cidr> = (grant.source_ips.iter())
        .map(|text| Cidr::parse(text).ok())
        .collect::<Option<_>>()?;
    let assembled = assemble::Grant {
        permission,
        buckets: &grant.buckets,
        prefixes: &grant.prefixes,
        keys: &grant.keys,
        statements: &[],
        custom: None,
        expires: until.as_deref(),
        source_ips: &source_ips,
    };
    let forms = assembled.forms();
    let (per_bucket, combined) = (forms.per_bucket, forms.combined);
    let user = grant.kind == Kind::User;
    let fitted = fit_inline_policies(per_bucket.clone(), combined.clone(), "", Holder::User);
    let managed = forms.managed.into_iter().enumerate();
    let mut inline = per_bucket.clone();
    inline.push(combined.clone());
    Some(Expected {
        inline,
        managed: managed
            .map(|(n, document)| (policy_name(holder, n + 1), document))
            .collect(),
        too_large: user && fitted.is_err(),
        per_bucket,
        combined,
    })
}

/// What is wrong with one policy of a grant (inline or managed) that
/// claims `mode`: `forms` are the `(name, document)` policies `create`
/// writes for the tags, when they can be made again from them.
fn content_problems(
    grant: &Grant,
    tagged: bool,
    forms: Option<&[(String, Value)]>,
    mode: &str,
    name: &str,
    document: &Value,
) -> Vec<String> {
    let mut problems = Vec::new();
    let outside: Vec<&str> = resources(document)
        .filter(|r| !grant.buckets.iter().any(|b| is_in_bucket(r, b)))
        .collect();
    if !outside.is_empty() {
        problems.push(format!(
            "its policy `{name}` grants more than its buckets: {}",
            quoted(&outside)
        ));
    }
    if let Some(permission) = GENERATED.into_iter().find(|p| p.as_str() == mode) {
        let beyond = actions_beyond(document, permission);
        if !beyond.is_empty() {
            problems.push(format!(
                "its policy `{name}` allows more than {mode}: {}",
                quoted(&beyond.iter().map(String::as_str).collect::<Vec<_>>())
            ));
        }
    }
    match forms {
        Some(_) if !problems.is_empty() => {}
        Some(forms) if !forms.iter().any(|(n, d)| n == name && d == document) => {
            problems.push(format!(
                "its policy `{name}` differs from the one s3-credentials writes for its tags"
            ));
        }
        Some(_) => {}
        None if tagged => problems.extend(expiry_problem(grant, name, document)),
        None => {}
    }
    problems
}

/// The access mode a policy name claims, if it is a name the tool writes
/// for this grant: `s3.<mode>.<bucket>` for a claimed bucket, or the
/// combined `s3.<mode>.all-buckets`, with the grant's mode (any, if mixed).
fn claimed_mode<'a>(grant: &Grant, name: &'a str) -> Option<&'a str> {
    let rest = name.strip_prefix("s3.")?;
    let (mode, bucket) = NAMED_MODES.iter().find_map(|mode| {
        let bucket = rest.strip_prefix(mode)?.strip_prefix('.')?;
        Some((&rest[..mode.len()], bucket))
    })?;
    let mode_ok = grant.access == mode || grant.access == "mixed";
    let bucket_ok = bucket == "all-buckets" || grant.buckets.iter().any(|b| b == bucket);
    (mode_ok && bucket_ok).then_some(mode)
}

/// A policy whose expiry is not the tagged one.
fn expiry_problem(grant: &Grant, name: &str, document: &Value) -> Option<String> {
    let expires = expiry_of(document).and_then(|text| parse_utc(&text));
    (expires != grant.expires).then(|| {
        let show = |at: Option<OffsetDateTime>| at.map_or("never".to_owned(), format_printed);
        format!(
            "its policy `{name}` expires {}, its tags say {}",
            show(expires),
            show(grant.expires)
        )
    })
}

/// Whether a resource ARN is the bucket or inside it.
fn is_in_bucket(resource: &str, bucket: &str) -> bool {
    let arn = format!("arn:aws:s3:::{bucket}");
    resource == arn || resource.starts_with(&format!("{arn}/"))
}

/// The `Allow` statements of a document.
fn allows(document: &Value) -> impl Iterator<Item = &Value> {
    let statements = match document.get("Statement") {
        Some(Value::Array(statements)) => statements.iter().collect(),
        Some(statement) => vec![statement],
        None => Vec::new(),
    };
    statements
        .into_iter()
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Allow"))
}

/// The strings of a `Resource` or `Action` value; a `NotResource` or
/// `NotAction` counts as `*` (it allows everything else).
fn values<'a>(statement: &'a Value, key: &str) -> Vec<&'a str> {
    if statement.get(format!("Not{key}").as_str()).is_some() {
        return vec!["*"];
    }
    match statement.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    }
}

/// Every resource an `Allow` statement names.
fn resources(document: &Value) -> impl Iterator<Item = &str> {
    allows(document).flat_map(|s| values(s, "Resource"))
}

/// The actions allowed that the generated policy of `permission` does not.
fn actions_beyond(document: &Value, permission: Permission) -> Vec<String> {
    let generated = policy::bucket_policy(permission, "b", &[], &[]);
    let known: Vec<&str> = allows(&generated)
        .flat_map(|s| values(s, "Action"))
        .collect();
    let mut beyond: Vec<String> = Vec::new();
    for action in allows(document).flat_map(|s| values(s, "Action")) {
        if !known.contains(&action) && !beyond.iter().any(|b| b == action) {
            beyond.push(action.to_owned());
        }
    }
    beyond
}

/// The narrowest generated access mode that allows every action of the
/// documents (read-only and write-only before read-write), else `custom`.
pub fn narrowest_mode(documents: &[&Value]) -> &'static str {
    [
        Permission::ReadOnly,
        Permission::WriteOnly,
        Permission::ReadWrite,
    ]
    .into_iter()
    .find(|&permission| {
        documents
            .iter()
            .all(|document| actions_beyond(document, permission).is_empty())
    })
    .map_or("custom", Permission::as_str)
}

/// Names as `` `a`, `b` ``.
fn quoted(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// Why a user whose tags say it expired is not one to delete: everything
/// besides its tags and policies that the tool never makes (groups, a
/// console password, MFA devices, signing certificates, SSH keys,
/// service-specific credentials) and any access key made after its expiry,
/// which someone made to use it again.
pub async fn user_extras(
    clients: &Clients,
    user: &str,
    expires: Option<OffsetDateTime>,
) -> anyhow::Result<Vec<String>> {
    let (dependents, keys) = tokio::try_join!(dependents(clients, user), async {
        anyhow::Ok(crate::iam::access_keys(clients, user).await?)
    },)?;
    let mut problems = dependents;
    problems.extend(keys_after(&keys, expires));
    Ok(problems)
}

/// The access keys created after `expires`.
fn keys_after(keys: &[AccessKeyMetadata], expires: Option<OffsetDateTime>) -> Vec<String> {
    let Some(expires) = expires else {
        return Vec::new();
    };
    keys.iter()
        .filter_map(|key| {
            let created = key.create_date().and_then(from_aws)?;
            (created > expires).then(|| {
                format!(
                    "its access key `{}` was created {}, after its expiry",
                    key.access_key_id().unwrap_or_default(),
                    format_printed(created)
                )
            })
        })
        .collect()
}

/// What the user has that IAM requires gone before `DeleteUser` and that
/// the tool never makes, each as a problem.
async fn dependents(clients: &Clients, user: &str) -> anyhow::Result<Vec<String>> {
    let (groups, login, counts) = tokio::try_join!(
        async {
            let out = clients
                .iam
                .list_groups_for_user()
                .user_name(user)
                .send()
                .await;
            let groups = out.aws("ListGroupsForUser")?.groups;
            anyhow::Ok(groups.into_iter().map(|g| g.group_name).collect::<Vec<_>>())
        },
        async {
            let out = clients.iam.get_login_profile().user_name(user).send().await;
            match out.aws("GetLoginProfile") {
                Ok(_) => anyhow::Ok(true),
                Err(error) if error.is_not_found() => Ok(false),
                Err(error) => Err(error.into()),
            }
        },
        credential_counts(clients, user),
    )?;
    let mut problems = Vec::new();
    if !groups.is_empty() {
        let names: Vec<&str> = groups.iter().map(String::as_str).collect();
        problems.push(format!("it is in groups {}", quoted(&names)));
    }
    if login {
        problems.push("it has a console password".to_owned());
    }
    let what = [
        "MFA devices",
        "signing certificates",
        "SSH public keys",
        "service-specific credentials",
    ];
    for (count, what) in counts.into_iter().zip(what) {
        if count > 0 {
            problems.push(format!("it has {count} {what}"));
        }
    }
    Ok(problems)
}

/// How many MFA devices, signing certificates, SSH public keys and
/// service-specific credentials the user has.
async fn credential_counts(clients: &Clients, user: &str) -> anyhow::Result<[usize; 4]> {
    let iam = &clients.iam;
    let (mfa, certificates, ssh, service) = tokio::try_join!(
        async {
            let out = iam.list_mfa_devices().user_name(user).send().await;
            anyhow::Ok(out.aws("ListMFADevices")?.mfa_devices.len())
        },
        async {
            let out = iam.list_signing_certificates().user_name(user).send().await;
            anyhow::Ok(out.aws("ListSigningCertificates")?.certificates.len())
        },
        async {
            let out = iam.list_ssh_public_keys().user_name(user).send().await;
            let found = out.aws("ListSSHPublicKeys")?;
            anyhow::Ok(found.ssh_public_keys.unwrap_or_default().len())
        },
        async {
            let out = iam
                .list_service_specific_credentials()
                .user_name(user)
                .send()
                .await;
            let found = out.aws("ListServiceSpecificCredentials")?;
            anyhow::Ok(found.service_specific_credentials.unwrap_or_default().len())
        },
    )?;
    Ok([mfa, certificates, ssh, service])
}
