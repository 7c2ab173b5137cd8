//! The IAM proxy of `tests/common/iam_proxy.rs` itself: it answers as AWS
//! documents where moto does not, so the lifecycle tests that rely on it
//! test against AWS's behaviour. Driven with the SDK, which is what the tool
//! uses, and checked against moto's state behind it.

use std::time::{Duration, Instant};

use aws_sdk_iam::error::ProvideErrorMetadata;

use crate::common::iam::{access_keys, user_exists};
use crate::common::iam_proxy::{IamProxy, Times};
use crate::common::{block_on, moto, s3c, sdk_config, unique};

/// IAM clients that go through the proxy.
fn through(proxy: &IamProxy) -> aws_sdk_iam::Client {
    let config = sdk_config(
        proxy.endpoint(),
        crate::common::TEST_KEY,
        crate::common::TEST_SECRET,
    );
    aws_sdk_iam::Client::new(&config)
}

/// The HTTP status and AWS error code of a failed call.
fn failure<T, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<
        T,
        aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
    >,
) -> (u16, String) {
    let Err(error) = result else {
        panic!("the call succeeded");
    };
    let status = error.raw_response().map_or(0, |r| r.status().as_u16());
    (status, error.code().unwrap_or_default().to_owned())
}

/// A user made directly in moto.
fn new_user() -> String {
    let user = unique("proxied");
    block_on(moto().clients().iam.create_user().user_name(&user).send()).unwrap();
    user
}

// AWS refuses DeleteUser while the user has a password (login profile):
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html
#[test]
fn delete_user_with_a_login_profile_is_refused_until_the_profile_is_deleted() {
    let proxy = IamProxy::start(moto());
    let user = new_user();
    let direct = moto().clients().iam;
    block_on(
        direct
            .create_login_profile()
            .user_name(&user)
            .password("Correct-Horse-1")
            .send(),
    )
    .unwrap();
    let iam = through(&proxy);
    let refused = block_on(iam.delete_user().user_name(&user).send());
    assert_eq!(failure(refused), (409, "DeleteConflict".to_owned()));
    assert!(user_exists(&moto().clients(), &user));
    block_on(direct.delete_login_profile().user_name(&user).send()).unwrap();
    block_on(iam.delete_user().user_name(&user).send()).unwrap();
    assert!(!user_exists(&moto().clients(), &user));
    assert_eq!(proxy.count("DeleteUser"), 2);
}

// Access keys and group memberships also block DeleteUser on AWS (moto
// deletes such a user): same page as above.
#[test]
fn delete_user_with_an_access_key_or_in_a_group_is_refused() {
    let proxy = IamProxy::start(moto());
    let direct = moto().clients().iam;
    let iam = through(&proxy);
    let with_key = new_user();
    block_on(direct.create_access_key().user_name(&with_key).send()).unwrap();
    let in_group = new_user();
    let group = unique("group");
    block_on(async {
        direct
            .create_group()
            .group_name(&group)
            .send()
            .await
            .unwrap();
        direct
            .add_user_to_group()
            .group_name(&group)
            .user_name(&in_group)
            .send()
            .await
            .unwrap();
    });
    for user in [&with_key, &in_group] {
        let refused = block_on(iam.delete_user().user_name(user).send());
        assert_eq!(failure(refused), (409, "DeleteConflict".to_owned()));
        assert!(user_exists(&moto().clients(), user), "{user} was deleted");
    }
    // A user that does not exist: moto's own answer comes through.
    let missing = block_on(iam.delete_user().user_name(unique("nobody")).send());
    assert_eq!(failure(missing), (404, "NoSuchEntity".to_owned()));
}

// AWS refuses DeleteRole while the role is in an instance profile:
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html
#[test]
fn delete_role_in_an_instance_profile_is_refused() {
    let proxy = IamProxy::start(moto());
    let direct = moto().clients().iam;
    let role = unique("role");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    block_on(async {
        let create = direct.create_role().role_name(&role);
        create
            .assume_role_policy_document(trust)
            .send()
            .await
            .unwrap();
        let profile = direct
            .create_instance_profile()
            .instance_profile_name(&role);
        profile.send().await.unwrap();
        direct
            .add_role_to_instance_profile()
            .instance_profile_name(&role)
            .role_name(&role)
            .send()
            .await
            .unwrap();
    });
    let refused = block_on(through(&proxy).delete_role().role_name(&role).send());
    assert_eq!(failure(refused), (409, "DeleteConflict".to_owned()));
    let role_left = block_on(direct.get_role().role_name(&role).send());
    assert!(role_left.is_ok(), "the role was deleted");
}

#[test]
fn injected_errors_are_given_as_often_as_asked_then_requests_pass() {
    let proxy = IamProxy::start(moto());
    let user = new_user();
    let iam = through(&proxy);
    proxy.deny("GetUser", Times::Next(1));
    let denied = block_on(iam.get_user().user_name(&user).send());
    assert_eq!(failure(denied), (403, "AccessDenied".to_owned()));
    // Throttled twice: the SDK retries (3 attempts) and the third passes.
    proxy.throttle("GetUser", Times::Next(2));
    block_on(iam.get_user().user_name(&user).send()).unwrap();
    assert_eq!(proxy.count("GetUser"), 4);
    proxy.throttle("ListUsers", Times::Always);
    let throttled = block_on(iam.list_users().send());
    assert_eq!(failure(throttled), (400, "Throttling".to_owned()));
    assert_eq!(proxy.count("ListUsers"), 3);
}

#[test]
fn a_late_answer_comes_after_moto_acted_and_after_the_read_timeout() {
    let proxy = IamProxy::start(moto());
    let user = new_user();
    proxy.late("CreateAccessKey", Duration::from_secs(3), Times::Next(1));
    let config = aws_sdk_iam::config::Builder::from(&sdk_config(
        proxy.endpoint(),
        crate::common::TEST_KEY,
        crate::common::TEST_SECRET,
    ))
    .timeout_config(
        aws_config::timeout::TimeoutConfig::builder()
            .read_timeout(Duration::from_secs(1))
            .build(),
    )
    .retry_config(aws_config::retry::RetryConfig::disabled())
    .build();
    let iam = aws_sdk_iam::Client::from_conf(config);
    let start = Instant::now();
    let result = block_on(iam.create_access_key().user_name(&user).send());
    assert!(result.is_err(), "answered in time: {result:?}");
    assert!(start.elapsed() < Duration::from_secs(3));
    // The key was made all the same: the client just never heard of it.
    assert_eq!(access_keys(&moto().clients(), &user).len(), 1);
}

#[test]
fn the_tool_retries_throttled_iam_calls() {
    let proxy = IamProxy::start(moto());
    let user = new_user();
    proxy.throttle("ListUserPolicies", Times::Next(2));
    let output = s3c(&["list-user-policies", &user])
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .run();
    assert_eq!(output.success(), format!("User: {user}\n"));
    assert_eq!(proxy.count("ListUserPolicies"), 3);
}
