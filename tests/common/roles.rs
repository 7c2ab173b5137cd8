//! IAM roles on an emulator, and what `create --trust` leaves with them:
//! trust and inline policies, OpenID Connect providers, instance profiles.

use s3_credentials::aws::Clients;
use serde_json::Value;

use super::{Emulator, block_on, exists, s3c};

/// Have the tool make `role` for EC2 (with its instance profile), allowed
/// to read and write `bucket`, which it creates: the usual starting point
/// of a test about what happens to such a role later.
pub fn ec2_role(emulator: &Emulator, bucket: &str, role: &str) {
    s3c(&[
        "create",
        bucket,
        "-c",
        "--trust",
        "service:ec2",
        "--role-name",
        role,
        "--silent",
    ])
    .against(emulator)
    .run()
    .success();
}

/// Whether the role exists.
pub fn role_exists(clients: &Clients, role: &str) -> bool {
    exists(block_on(clients.iam.get_role().role_name(role).send()))
}

/// Whether the instance profile exists.
pub fn profile_exists(clients: &Clients, profile: &str) -> bool {
    exists(block_on(
        clients
            .iam
            .get_instance_profile()
            .instance_profile_name(profile)
            .send(),
    ))
}

/// The audiences of the OIDC provider for `host` in moto's account, if the
/// account has one.
pub fn provider_audiences(clients: &Clients, host: &str) -> Option<Vec<String>> {
    let arn = format!("arn:aws:iam::123456789012:oidc-provider/{host}");
    let found = block_on(
        clients
            .iam
            .get_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .send(),
    );
    match found {
        Ok(provider) => Some(provider.client_id_list().to_vec()),
        Err(error) => {
            assert!(!exists::<(), _>(Err(error)));
            None
        }
    }
}

/// A policy document as IAM returns it (URL-encoded).
fn decode(document: &str) -> Value {
    let text = percent_encoding::percent_decode_str(document).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap()
}

/// The role's trust policy as IAM stores it.
pub fn trust_of(clients: &Clients, role: &str) -> Value {
    let found = block_on(clients.iam.get_role().role_name(role).send()).unwrap();
    decode(found.role.unwrap().assume_role_policy_document().unwrap())
}

/// The role's inline policies as `(name, document)`, by name.
pub fn role_policies(clients: &Clients, role: &str) -> Vec<(String, Value)> {
    let iam = &clients.iam;
    block_on(async {
        let names = iam
            .list_role_policies()
            .role_name(role)
            .send()
            .await
            .unwrap();
        let mut policies = Vec::new();
        for name in names.policy_names {
            let policy = iam
                .get_role_policy()
                .role_name(role)
                .policy_name(&name)
                .send()
                .await
                .unwrap();
            policies.push((name, decode(policy.policy_document())));
        }
        policies.sort_by(|a, b| a.0.cmp(&b.0));
        policies
    })
}

/// The roles an instance profile holds.
pub fn profile_roles(clients: &Clients, profile: &str) -> Vec<String> {
    let found = block_on(
        clients
            .iam
            .get_instance_profile()
            .instance_profile_name(profile)
            .send(),
    )
    .unwrap();
    let profile = found.instance_profile.unwrap();
    profile
        .roles()
        .iter()
        .map(|r| r.role_name().to_owned())
        .collect()
}
