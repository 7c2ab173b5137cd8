//! Setting up buckets for the bucket configuration tests, and reading their
//! state back with the SDK.

use s3_credentials::aws::Clients;

use crate::common::{Emulator, block_on, enforcing_moto, moto, unique};

/// A new empty bucket on the shared emulator, named after `prefix`.
pub fn new_bucket(prefix: &str) -> String {
    new_bucket_on(moto(), prefix)
}

/// A new empty bucket on `emulator`, named after `prefix`.
pub fn new_bucket_on(emulator: &Emulator, prefix: &str) -> String {
    let name = unique(prefix);
    let s3 = emulator.clients().s3;
    block_on(s3.create_bucket().bucket(&name).send()).unwrap();
    name
}

/// SDK clients for the shared emulator.
pub fn sdk() -> Clients {
    moto().clients()
}

/// A name no bucket has.
pub fn missing_bucket() -> String {
    unique("no-such-bucket")
}

/// A user on the enforcing emulator allowed only `actions` on every S3
/// resource: `(key, secret)`.
pub fn user_allowed(actions: &[&str]) -> (String, String) {
    let enforcing = enforcing_moto();
    let iam = enforcing
        .emulator
        .clients_as(&enforcing.admin_key, &enforcing.admin_secret)
        .iam;
    let user = unique("limited");
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    });
    let key = block_on(async {
        iam.create_user().user_name(&user).send().await.unwrap();
        iam.put_user_policy()
            .user_name(&user)
            .policy_name("limited")
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
    (key.access_key_id, key.secret_access_key)
}

/// A new bucket on the enforcing emulator, made by its admin.
pub fn enforced_bucket(prefix: &str) -> String {
    let enforcing = enforcing_moto();
    let s3 = enforcing
        .emulator
        .clients_as(&enforcing.admin_key, &enforcing.admin_secret)
        .s3;
    let name = unique(prefix);
    block_on(s3.create_bucket().bucket(&name).send()).unwrap();
    name
}
