//! IAM helpers shared by several commands.
//!
//! Beside them: [`teardown`], deleting users and roles the way IAM requires;
//! [`new_credentials`], creating and handing out keys; [`managed`], reading
//! the tool's customer managed policies; [`temporary`], the
//! role behind temporary credentials and the STS call that scopes a session
//! down.

pub mod managed;
pub mod new_credentials;
pub mod teardown;
pub mod temporary;

use aws_sdk_iam::types::{
    AccessKeyMetadata, AttachedPermissionsBoundary, AttachedPolicy, Role, Tag,
};
use serde_json::{Value, json};

use crate::aws::Clients;
use crate::error::{AwsError, AwsResultExt};
use crate::output::Object;
use crate::policy::trust::names_federated;

/// Say plainly that a user or role does not exist, instead of the raw AWS
/// error; other errors keep their AWS detail, prefixed with what was asked for.
pub fn not_found(error: AwsError, kind: &str, name: &str) -> anyhow::Error {
    if error.is_not_found() {
        anyhow::anyhow!("{kind} `{name}` does not exist")
    } else {
        anyhow::Error::new(error).context(format!("{kind} `{name}`"))
    }
}

/// The names of a user's inline policies, from every page.
pub async fn user_policy_names(clients: &Clients, user: &str) -> Result<Vec<String>, AwsError> {
    clients
        .iam
        .list_user_policies()
        .user_name(user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListUserPolicies")
}

/// The managed policies attached to a user, from every page.
pub async fn attached_user_policies(
    clients: &Clients,
    user: &str,
) -> Result<Vec<AttachedPolicy>, AwsError> {
    clients
        .iam
        .list_attached_user_policies()
        .user_name(user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListAttachedUserPolicies")
}

/// The names of a role's inline policies, from every page.
pub async fn role_policy_names(clients: &Clients, role: &str) -> Result<Vec<String>, AwsError> {
    clients
        .iam
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListRolePolicies")
}

/// The managed policies attached to a role, from every page.
pub async fn attached_role_policies(
    clients: &Clients,
    role: &str,
) -> Result<Vec<AttachedPolicy>, AwsError> {
    clients
        .iam
        .list_attached_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListAttachedRolePolicies")
}

/// The names of the roles whose trust policy names the OpenID Connect
/// provider `provider` (its ARN) as a `Federated` principal: the roles that
/// deleting the provider would leave trusting nothing.
pub async fn roles_trusting(clients: &Clients, provider: &str) -> Result<Vec<String>, AwsError> {
    let roles: Vec<Role> = clients
        .iam
        .list_roles()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListRoles")?;
    Ok(roles
        .into_iter()
        .filter(|role| {
            role.assume_role_policy_document().is_some_and(|document| {
                names_federated(&decode_policy_document(document), provider)
            })
        })
        .map(|role| role.role_name)
        .collect())
}

/// A user's access keys, from every page.
pub async fn access_keys(
    clients: &Clients,
    user: &str,
) -> Result<Vec<AccessKeyMetadata>, AwsError> {
    clients
        .iam
        .list_access_keys()
        .user_name(user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListAccessKeys")
}

/// IAM tags as `[{"Key": ..., "Value": ...}]`.
pub fn tags_json(tags: &[Tag]) -> Value {
    tags.iter()
        .map(|tag| json!({"Key": tag.key(), "Value": tag.value()}))
        .collect()
}

/// Every tag of a user, as `(key, value)`.
pub async fn user_tags(clients: &Clients, user: &str) -> anyhow::Result<Vec<(String, String)>> {
    let tags: Vec<Tag> = clients
        .iam
        .list_user_tags()
        .user_name(user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListUserTags")?;
    Ok(tags.into_iter().map(|tag| (tag.key, tag.value)).collect())
}

/// A user's or role's permissions boundary as the IAM API describes it.
pub fn boundary_json(boundary: &AttachedPermissionsBoundary) -> Value {
    Object::new()
        .with_opt(
            "PermissionsBoundaryType",
            boundary.permissions_boundary_type().map(|t| t.as_str()),
        )
        .with_opt(
            "PermissionsBoundaryArn",
            boundary.permissions_boundary_arn(),
        )
        .into()
}

/// Decode a policy document as IAM returns it.
///
/// IAM URL-encodes policy documents in most responses (`GetUserPolicy`,
/// `GetRole`, `ListRoles`); some services and emulators return plain JSON.
/// A document that is not JSON as it stands is percent-decoded first; one
/// that still does not parse is kept as a string rather than lost.
pub fn decode_policy_document(document: &str) -> Value {
    if let Ok(value) = serde_json::from_str(document.trim()) {
        return value;
    }
    let decoded = percent_encoding::percent_decode_str(document).decode_utf8_lossy();
    serde_json::from_str(&decoded).unwrap_or_else(|_| Value::String(decoded.into_owned()))
}

/// A policy document's text as IAM returned it, URL-decoded but otherwise
/// untouched: what an undo puts back, byte for byte (its spacing and key
/// order are someone's, and may be what they diff against). Text that is
/// JSON as it stands (some emulators return it so) is kept as it is.
pub fn policy_document_text(document: &str) -> String {
    if serde_json::from_str::<Value>(document.trim()).is_ok() {
        return document.to_owned();
    }
    percent_encoding::percent_decode_str(document)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_text_is_decoded_but_not_rewritten() {
        let text = "{ \"Version\":\"2012-10-17\",\n\t\"Statement\" : [] }";
        let encoded =
            percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC);
        assert_eq!(policy_document_text(&encoded.to_string()), text);
        assert_eq!(policy_document_text(text), text);
    }

    #[test]
    fn decodes_url_encoded_and_plain_documents() {
        let expected = json!({"Version": "2012-10-17", "Statement": [{"Resource": "a%b"}]});
        assert_eq!(
            decode_policy_document(
                "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Resource%22%3A%20%22a%25b%22%7D%5D%7D"
            ),
            expected
        );
        assert_eq!(
            decode_policy_document(
                r#"{"Version": "2012-10-17", "Statement": [{"Resource": "a%b"}]}"#
            ),
            expected
        );
        assert_eq!(decode_policy_document("not%20json"), json!("not json"));
    }
}

#[cfg(test)]
mod properties {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn url_encoded_documents_decode_to_what_was_encoded(resource in ".{0,40}", action in "[a-z0-9]{1,10}:[A-Za-z*]{1,20}") {
            let document = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]});
            let encoded = utf8_percent_encode(&document.to_string(), NON_ALPHANUMERIC).to_string();
            prop_assert_eq!(decode_policy_document(&encoded), document.clone());
            prop_assert_eq!(decode_policy_document(&document.to_string()), document);
        }
    }
}
