//! Setting up buckets for the bucket configuration tests, and reading their
//! state back with the SDK.

use s3_credentials::aws::Clients;

use crate::common::{enforcing_moto, moto, unique};

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
