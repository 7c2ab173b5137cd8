//! Temporary credentials: the role `create --duration` and `localserver`
//! assume, and the STS call that scopes a session down to some buckets.
//!
//! The role itself may do anything in S3 (`AmazonS3FullAccess`); every
//! session is limited by the session policy passed to `AssumeRole`, so the
//! credentials handed out can only do what that policy allows.

use anyhow::Context;
use serde_json::{Value, json};

use crate::aws::Clients;
use crate::error::{AwsError, AwsResultExt};

/// The role this tool creates once per account and assumes for temporary credentials.
pub const ROLE_NAME: &str = "s3-credentials.AmazonS3FullAccess";

/// The longest session AWS allows a role to grant: 12 hours, the longest
/// `--duration` too.
#[allow(clippy::cast_possible_wrap)] // 43,200 fits in an i32.
const MAX_SESSION_SECONDS: i32 = crate::settings::duration::MAX_DURATION_SECONDS as i32;

/// Temporary credentials from STS.
#[derive(Clone)]
pub struct TemporaryCredentials {
    /// The access key ID (`ASIA...`).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token that must accompany the key.
    pub session_token: String,
    /// When the credentials stop working.
    pub expiration: aws_smithy_types::DateTime,
}

// By hand, so that `{:?}` can never print the secret or the token.
impl std::fmt::Debug for TemporaryCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemporaryCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// What [`ensure_role`] had to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    /// The role was there, ready to use.
    None,
    /// The role was created by this call.
    Created,
    /// The role was there but allowed sessions shorter than 12 hours (roles
    /// made by older versions of the tool); its maximum was raised.
    Extended,
}

/// Make sure [`ROLE_NAME`] exists: trusting the caller's account, with
/// `AmazonS3FullAccess` attached and 12-hour sessions allowed. Returns its ARN
/// and what had to change. A role created here is deleted again if attaching
/// its policy fails.
pub async fn ensure_role(clients: &Clients) -> anyhow::Result<(String, RoleChange)> {
    match clients
        .iam
        .get_role()
        .role_name(ROLE_NAME)
        .send()
        .await
        .aws("GetRole")
    {
        Ok(output) => {
            let role = output.role.context("GetRole returned no role")?;
            if role.max_session_duration().unwrap_or(3600) >= MAX_SESSION_SECONDS {
                return Ok((role.arn, RoleChange::None));
            }
            clients
                .iam
                .update_role()
                .role_name(ROLE_NAME)
                .max_session_duration(MAX_SESSION_SECONDS)
                .send()
                .await
                .aws("UpdateRole")?;
            Ok((role.arn, RoleChange::Extended))
        }
        Err(error) if error.is_not_found() => match create_role(clients).await {
            Ok(arn) => Ok((arn, RoleChange::Created)),
            // Another run created it between our GetRole and CreateRole: use theirs.
            Err(error) if created_meanwhile(&error) => Box::pin(ensure_role(clients)).await,
            Err(error) => Err(error),
        },
        Err(error) => Err(error.into()),
    }
}

/// Whether `CreateRole` failed because the role exists already.
fn created_meanwhile(error: &anyhow::Error) -> bool {
    error.downcast_ref::<AwsError>().is_some_and(|aws| {
        aws.operation == "CreateRole"
            && (aws.code() == Some("EntityAlreadyExists") || aws.status() == Some(409))
    })
}

async fn create_role(clients: &Clients) -> anyhow::Result<String> {
    let identity = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .aws("GetCallerIdentity")?;
    let account = identity
        .account()
        .context("GetCallerIdentity returned no account")?;
    let partition = partition_of(identity.arn().unwrap_or_default());
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:{partition}:iam::{account}:root")},
            "Action": "sts:AssumeRole",
        }],
    });
    let role = clients
        .iam
        .create_role()
        .role_name(ROLE_NAME)
        .description(
            "Used by the s3-credentials tool to issue time-limited credentials \
             restricted to specific buckets",
        )
        .assume_role_policy_document(trust.to_string())
        .max_session_duration(MAX_SESSION_SECONDS)
        .send()
        .await
        .aws("CreateRole")?
        .role
        .context("CreateRole returned no role")?;
    let attached = clients
        .iam
        .attach_role_policy()
        .role_name(ROLE_NAME)
        .policy_arn(format!(
            "arn:{partition}:iam::aws:policy/AmazonS3FullAccess"
        ))
        .send()
        .await
        .aws("AttachRolePolicy");
    if let Err(error) = attached {
        // Leave no role behind that has no policy and was made by this call,
        // and say so: the caller never hears of a role made and removed here.
        let undo = match delete_role(clients).await {
            Ok(()) => format!("role {ROLE_NAME} was created and deleted again"),
            Err(undo) => format!(
                "role {ROLE_NAME} was created and could not be deleted again ({undo}): \
                 delete it by hand"
            ),
        };
        return Err(anyhow::Error::from(error).context(undo));
    }
    Ok(role.arn)
}

/// Remove [`ROLE_NAME`] and its policy attachment: the undo of [`ensure_role`]
/// when it created the role and a later step failed.
pub async fn delete_role(clients: &Clients) -> Result<(), AwsError> {
    let attached = clients
        .iam
        .list_attached_role_policies()
        .role_name(ROLE_NAME)
        .send()
        .await
        .aws("ListAttachedRolePolicies")?;
    for policy in attached.attached_policies() {
        if let Some(arn) = policy.policy_arn() {
            clients
                .iam
                .detach_role_policy()
                .role_name(ROLE_NAME)
                .policy_arn(arn)
                .send()
                .await
                .aws("DetachRolePolicy")?;
        }
    }
    clients
        .iam
        .delete_role()
        .role_name(ROLE_NAME)
        .send()
        .await
        .aws("DeleteRole")?;
    Ok(())
}

/// The partition (`aws`, `aws-cn`, `aws-us-gov`) of an ARN, `aws` if unclear.
pub(crate) fn partition_of(arn: &str) -> &str {
    arn.split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

/// Assume `role_arn` for `duration_seconds`, limited by `policy`.
pub async fn assume_role(
    clients: &Clients,
    role_arn: &str,
    session_name: &str,
    policy: &Value,
    duration_seconds: i32,
) -> anyhow::Result<TemporaryCredentials> {
    let output = clients
        .sts
        .assume_role()
        .role_arn(role_arn)
        .role_session_name(session_name)
        .policy(policy.to_string())
        .duration_seconds(duration_seconds)
        .send()
        .await
        .aws("AssumeRole")?;
    let credentials = output
        .credentials
        .context("AssumeRole returned no credentials")?;
    Ok(TemporaryCredentials {
        access_key_id: credentials.access_key_id,
        secret_access_key: credentials.secret_access_key,
        session_token: credentials.session_token,
        expiration: credentials.expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_come_from_the_caller_arn() {
        assert_eq!(partition_of("arn:aws:iam::123456789012:user/x"), "aws");
        assert_eq!(
            partition_of("arn:aws-cn:sts::123456789012:assumed-role/r/s"),
            "aws-cn"
        );
        assert_eq!(partition_of(""), "aws");
    }

    #[test]
    fn debug_output_hides_the_secret_and_token() {
        let credentials = TemporaryCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "the-secret".into(),
            session_token: "the-token".into(),
            expiration: aws_smithy_types::DateTime::from_secs(0),
        };
        let text = format!("{credentials:?}");
        assert!(text.contains("ASIAEXAMPLE"));
        assert!(!text.contains("the-secret") && !text.contains("the-token"));
    }
}
