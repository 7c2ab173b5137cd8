//! `list-roles`: IAM roles, optionally with their policies and documents.

use anyhow::Context;
use aws_sdk_iam::types::{Policy, PolicyVersion, Role};
use futures_util::{StreamExt, stream};
use serde_json::Value;

use crate::aws::Clients;
use crate::cli::ListRolesArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::iam::{boundary_json, decode_policy_document, not_found, tags_json};
use crate::output::{Console, Format, Object, RowWriter, timestamp};

const COLUMNS: &[&str] = &[
    "Path",
    "RoleName",
    "RoleId",
    "Arn",
    "CreateDate",
    "AssumeRolePolicyDocument",
    "Description",
    "MaxSessionDuration",
    "PermissionsBoundary",
    "Tags",
    "RoleLastUsed",
    "inline_policies",
    "attached_policies",
];

/// How many roles have their details fetched at once.
const CONCURRENT_ROLES: usize = 8;

/// Print every role (or the named ones), page by page.
pub(crate) async fn run(
    args: &ListRolesArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let columns = if args.details {
        COLUMNS
    } else {
        &COLUMNS[..COLUMNS.len() - 2]
    };
    let mut rows = RowWriter::new(console.out, Format::from_args(args.output), columns);
    let mut status = ExitStatus::Success;
    if args.names.is_empty() {
        let mut pages = clients.iam.list_roles().into_paginator().send();
        while let Some(page) = pages.next().await {
            let roles = page.aws("ListRoles")?.roles;
            let mut described = stream::iter(roles)
                .map(|role| describe(clients, role, args.details))
                .buffered(CONCURRENT_ROLES);
            while let Some(role) = described.next().await {
                rows.row(&role?)?;
            }
            rows.flush()?;
        }
    } else {
        let mut described = stream::iter(&args.names)
            .map(|name| async move {
                let role = clients.iam.get_role().role_name(name).send().await;
                let role = role
                    .aws("GetRole")
                    .map_err(|e| not_found(e, "role", name))?;
                let role = role.role.context("GetRole returned no role")?;
                describe(clients, role, args.details).await
            })
            .buffered(CONCURRENT_ROLES);
        while let Some(role) = described.next().await {
            match role {
                Ok(role) => rows.row(&role)?,
                Err(error) => {
                    status = ExitStatus::Failure;
                    writeln!(console.err, "{}", clients.error_line(error))?;
                }
            }
        }
    }
    rows.finish()?;
    Ok(status)
}

/// A role as JSON, with its policies when `details` is set.
async fn describe(clients: &Clients, role: Role, details: bool) -> anyhow::Result<Value> {
    let mut object = role_json(&role);
    if details {
        let name = role.role_name();
        let (inline, attached) = tokio::try_join!(
            inline_policies(clients, name),
            attached_policies(clients, name)
        )?;
        object = object
            .with("inline_policies", inline)
            .with("attached_policies", attached);
    }
    Ok(object.into())
}

fn role_json(role: &Role) -> Object {
    Object::new()
        .with("Path", role.path())
        .with("RoleName", role.role_name())
        .with("RoleId", role.role_id())
        .with("Arn", role.arn())
        .with("CreateDate", timestamp(role.create_date()))
        .with_opt(
            "AssumeRolePolicyDocument",
            role.assume_role_policy_document()
                .map(decode_policy_document),
        )
        .with_opt("Description", role.description())
        .with_opt("MaxSessionDuration", role.max_session_duration())
        .with_opt(
            "PermissionsBoundary",
            role.permissions_boundary().map(boundary_json),
        )
        .with_opt(
            "Tags",
            (!role.tags().is_empty()).then(|| tags_json(role.tags())),
        )
        .with_opt(
            "RoleLastUsed",
            role.role_last_used().map(|used| {
                Value::from(
                    Object::new()
                        .with_opt("LastUsedDate", used.last_used_date().map(timestamp))
                        .with_opt("Region", used.region()),
                )
            }),
        )
}

/// The role's inline policies with their documents.
async fn inline_policies(clients: &Clients, role: &str) -> anyhow::Result<Vec<Value>> {
    let names = crate::iam::role_policy_names(clients, role).await?;
    let fetches = names.iter().map(|name| async move {
        let policy = clients
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .aws("GetRolePolicy")?;
        anyhow::Ok(Value::from(
            Object::new()
                .with("RoleName", role)
                .with("PolicyName", name.as_str())
                .with(
                    "PolicyDocument",
                    decode_policy_document(policy.policy_document()),
                ),
        ))
    });
    futures_util::future::try_join_all(fetches).await
}

/// The managed policies attached to the role, each with its default version's document.
async fn attached_policies(clients: &Clients, role: &str) -> anyhow::Result<Vec<Value>> {
    let attached = crate::iam::attached_role_policies(clients, role).await?;
    let fetches = attached
        .iter()
        .filter_map(|a| a.policy_arn())
        .map(|arn| async move {
            let policy = clients
                .iam
                .get_policy()
                .policy_arn(arn)
                .send()
                .await
                .aws("GetPolicy")?;
            let policy = policy.policy.context("GetPolicy returned no policy")?;
            let version = clients
                .iam
                .get_policy_version()
                .policy_arn(arn)
                .version_id(policy.default_version_id().unwrap_or("v1"))
                .send()
                .await
                .aws("GetPolicyVersion")?;
            anyhow::Ok(policy_json(&policy, version.policy_version()))
        });
    futures_util::future::try_join_all(fetches).await
}

fn policy_json(policy: &Policy, version: Option<&PolicyVersion>) -> Value {
    Object::new()
        .with_opt("PolicyName", policy.policy_name())
        .with_opt("PolicyId", policy.policy_id())
        .with_opt("Arn", policy.arn())
        .with_opt("Path", policy.path())
        .with_opt("DefaultVersionId", policy.default_version_id())
        .with_opt("AttachmentCount", policy.attachment_count())
        .with_opt(
            "PermissionsBoundaryUsageCount",
            policy.permissions_boundary_usage_count(),
        )
        .with("IsAttachable", policy.is_attachable())
        .with_opt("Description", policy.description())
        .with_opt("CreateDate", policy.create_date().map(timestamp))
        .with_opt("UpdateDate", policy.update_date().map(timestamp))
        .with("Tags", tags_json(policy.tags()))
        .with_opt(
            "PolicyVersion",
            version.map(|version| {
                Value::from(
                    Object::new()
                        .with_opt("Document", version.document().map(decode_policy_document))
                        .with_opt("VersionId", version.version_id())
                        .with("IsDefaultVersion", version.is_default_version())
                        .with_opt("CreateDate", version.create_date().map(timestamp)),
                )
            }),
        )
        .into()
}
