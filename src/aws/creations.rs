//! IAM creations are sent again only when IAM's answer shows it did nothing.
//!
//! `CreateAccessKey`, `CreateUser`, `CreateRole`, `CreatePolicy`,
//! `CreateOpenIDConnectProvider`, `CreateInstanceProfile`... carry no
//! idempotency token: each request that reaches IAM makes something. The
//! SDK retries an attempt whose answer timed out, broke off or was a `5xx`
//! (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html),
//! and for a creation that is blind: the first attempt may have made a key
//! nobody saw, the retry makes another (or fails with `EntityAlreadyExists`
//! about what this run made itself). [`OnceUnlessRefused`] stops the retries
//! of an IAM operation named `Create*` after an attempt whose outcome is
//! unknown; an answer `4xx` (throttling among them: `400 Throttling` means
//! IAM did nothing) is retried as the SDK decides. The caller then looks up
//! what exists (see `iam::new_credentials::create_access_key`).
//!
//! Why an interceptor and not a retry classifier: a classifier sees only the
//! attempt's result, and for a timeout that names no operation (the request
//! and input are gone by then). An interceptor sees the operation's name in
//! the configuration, and the standard retry strategy reads the maximum
//! number of attempts from that configuration at each decision; setting it
//! to one for this execution ends the retries.

use aws_sdk_iam::config::interceptors::FinalizerInterceptorContextMut;
use aws_sdk_iam::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::retry::RetryConfig;

/// Installed on the IAM client by [`crate::aws::Clients`].
#[derive(Debug, Clone, Copy, Default)]
pub struct OnceUnlessRefused;

impl Intercept for OnceUnlessRefused {
    fn name(&self) -> &'static str {
        "OnceUnlessRefused"
    }

    /// After each attempt of a creation: no further attempt unless IAM
    /// answered `4xx` (it refused, so made nothing) or `2xx` (done).
    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let creation = cfg
            .load::<Metadata>()
            .is_some_and(|operation| is_creation(operation.name()));
        if !creation {
            return Ok(());
        }
        let refused_or_done = context
            .response_mut()
            .is_some_and(|response| response.status().as_u16() < 500);
        if !refused_or_done {
            let once = cfg
                .load::<RetryConfig>()
                .cloned()
                .unwrap_or_else(RetryConfig::standard)
                .with_max_attempts(1);
            cfg.interceptor_state().store_put(once);
        }
        Ok(())
    }
}

/// Whether an IAM operation makes something new each time it is sent.
fn is_creation(operation: &str) -> bool {
    operation.starts_with("Create")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creations_are_told_by_name() {
        for name in [
            "CreateAccessKey",
            "CreateUser",
            "CreateOpenIDConnectProvider",
        ] {
            assert!(is_creation(name), "{name}");
        }
        for name in [
            "ListAccessKeys",
            "PutUserPolicy",
            "UpdateAccessKey",
            "TagUser",
        ] {
            assert!(!is_creation(name), "{name}");
        }
    }
}
