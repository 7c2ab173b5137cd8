//! IAM on an emulator: users with keys to run as, and the state a run
//! leaves (users, their keys and inline policies).

use s3_credentials::aws::Clients;
use serde_json::Value;

use super::{Emulator, Enforcing, block_on, exists, unique};

/// Create a user with an access key on `emulator`: `(user, key, secret)`.
/// moto's `whoami` then answers with that user's ARN, which shows which
/// credentials a run really used.
pub fn user_with_key(emulator: &Emulator) -> (String, String, String) {
    let user = unique("user");
    let iam = emulator.clients().iam;
    let key = block_on(async {
        iam.create_user().user_name(&user).send().await.unwrap();
        iam.create_access_key()
            .user_name(&user)
            .send()
            .await
            .unwrap()
    });
    let key = key.access_key.unwrap();
    (user, key.access_key_id, key.secret_access_key)
}

impl Enforcing {
    /// SDK clients signed as the admin: allowed everything.
    pub fn admin(&self) -> Clients {
        self.emulator
            .clients_as(&self.admin_key, &self.admin_secret)
    }

    /// A new user whose only inline policy has these statements, with an
    /// access key: `(name, key, secret)`.
    pub fn user_with_statements(&self, statements: serde_json::Value) -> (String, String, String) {
        let iam = self.admin().iam;
        let user = unique("restricted");
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
        let key = block_on(async {
            iam.create_user().user_name(&user).send().await.unwrap();
            iam.put_user_policy()
                .user_name(&user)
                .policy_name("restricted")
                .policy_document(policy.to_string())
                .send()
                .await
                .unwrap();
            iam.create_access_key()
                .user_name(&user)
                .send()
                .await
                .unwrap()
        });
        let key = key.access_key.unwrap();
        (user, key.access_key_id, key.secret_access_key)
    }
}

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
