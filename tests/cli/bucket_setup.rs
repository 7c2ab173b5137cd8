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
    let statements = serde_json::json!([{"Effect": "Allow", "Action": actions, "Resource": "*"}]);
    let (_, key, secret) = enforcing_moto().user_with_statements(statements);
    (key, secret)
}

/// A new bucket on the enforcing emulator, made by its admin.
pub fn enforced_bucket(prefix: &str) -> String {
    let s3 = enforcing_moto().admin().s3;
    let name = unique(prefix);
    block_on(s3.create_bucket().bucket(&name).send()).unwrap();
    name
}
