//! IAM state on an emulator, read back after a run: users, their keys and
//! inline policies.

use s3_credentials::aws::Clients;
use serde_json::Value;

use super::{block_on, exists};

/// Inline policies of a user as `(name, document)`, by name: `create` puts
/// them concurrently, so IAM's own order varies.
pub fn inline_policies(clients: &Clients, user: &str) -> Vec<(String, Value)> {
    let iam = &clients.iam;
    block_on(async {
        let names = iam
            .list_user_policies()
            .user_name(user)
            .send()
            .await
            .unwrap()
            .policy_names;
        let mut policies = Vec::new();
        for name in names {
            let policy = iam
                .get_user_policy()
                .user_name(user)
                .policy_name(&name)
                .send()
                .await
                .unwrap();
            let text = percent_encoding::percent_decode_str(policy.policy_document())
                .decode_utf8_lossy()
                .into_owned();
            policies.push((name, serde_json::from_str(&text).unwrap()));
        }
        policies.sort_by(|a, b| a.0.cmp(&b.0));
        policies
    })
}

/// Whether the user exists.
pub fn user_exists(clients: &Clients, user: &str) -> bool {
    exists(block_on(clients.iam.get_user().user_name(user).send()))
}

/// The IDs of the user's access keys, in IAM's order.
pub fn access_keys(clients: &Clients, user: &str) -> Vec<String> {
    let keys = block_on(clients.iam.list_access_keys().user_name(user).send()).unwrap();
    keys.access_key_metadata()
        .iter()
        .filter_map(|k| k.access_key_id().map(str::to_owned))
        .collect()
}
