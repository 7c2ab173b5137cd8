//! `create` with a grant in managed policies when IAM answers late, refuses
//! the second policy, or the run is interrupted at a managed-policy step:
//! `CreatePolicy` is never sent again blindly, and nothing is left behind
//! (no user, no policy under the tool's path), stdout empty.

use std::time::Duration;

use s3_credentials::aws::Clients;

use crate::common::child::signal;
use crate::common::iam::user_exists;
use crate::common::iam_proxy::{IamProxy, Times};
use crate::common::{Output, block_on, moto, s3c, unique};
use crate::managed_policies::{arn, buckets, create};

/// The names of the account's policies under the tool's path that are
/// `user`'s, found as the undo finds them (by path and name), so a policy
/// whose ARN the run never saw is counted too.
fn own_policies(clients: &Clients, user: &str) -> Vec<String> {
    let request = clients.iam.list_policies().path_prefix("/s3-credentials/");
    let listed = block_on(request.max_items(1000).send()).unwrap();
    let prefix = format!("s3-credentials.{user}.");
    listed
        .policies()
        .iter()
        .filter_map(|policy| policy.policy_name())
        .filter(|name| name.starts_with(&prefix))
        .map(str::to_owned)
        .collect()
}

/// What a run for `user` prints before its first managed policy.
fn created_user(user: &str) -> String {
    format!(
        "Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n"
    )
}

/// The error of a request the proxy answered after `--read-timeout 3`
/// (not 1: under the load of the whole suite, moto itself can take a
/// second to answer the undo's requests).
fn unanswered(action: &str, proxy: &IamProxy) -> String {
    format!(
        "Error: {action} failed: no response from {} within 3s: the server accepted the \
         connection but did not answer (wait longer with --read-timeout SECONDS)\n",
        proxy.endpoint()
    )
}

/// Run `create` for `user` on `all` through `proxy`; nothing on stdout.
fn failing_create(proxy: &IamProxy, user: &str, all: &[String], extra: &[&str]) -> String {
    let output = s3c(&create(user, all, extra))
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str()),
        (1, ""),
        "{output:#?}"
    );
    output.stderr
}

/// Nothing of the run is left: no user, no policy of the user's.
fn nothing_left(user: &str) {
    let clients = moto().clients();
    assert!(!user_exists(&clients, user), "{user}");
    assert_eq!(own_policies(&clients, user), Vec::<String>::new());
}

// CreatePolicy has no idempotency token
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html):
// the SDK would retry it after the read timeout
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html),
// and the retry would fail with `EntityAlreadyExists` about the policy the
// first attempt made. The proxy lets moto act and holds the answer.
#[test]
fn an_unanswered_create_policy_is_sent_once_and_its_policy_found_and_deleted() {
    let proxy = IamProxy::start(moto());
    proxy.late("CreatePolicy", Duration::from_secs(8), Times::Always);
    let all = buckets(&moto().clients(), 40);
    let user = unique("late-policy");
    let stderr = failing_create(&proxy, &user, &all, &["--read-timeout", "3"]);
    assert_eq!(
        stderr,
        format!(
            "{}Undoing the changes made so far:\n  Deleted managed policy: {}\n  \
             Deleted user: {user}\n{}",
            created_user(&user),
            arn(&user, 1),
            unanswered("CreatePolicy", &proxy)
        )
    );
    assert_eq!(proxy.count("CreatePolicy"), 1);
    nothing_left(&user);
}

/// A hundred read-write buckets with 18-character names need two managed
/// policies: the first is made and attached, the second gets no answer.
#[test]
fn an_unanswered_second_create_policy_takes_back_both() {
    let proxy = IamProxy::start(moto());
    proxy.late("CreatePolicy", Duration::from_secs(8), Times::After(1));
    let all = buckets(&moto().clients(), 100);
    let user = unique("late-second");
    let stderr = failing_create(&proxy, &user, &all, &["--read-timeout", "3"]);
    let (first, second) = (arn(&user, 1), arn(&user, 2));
    assert_eq!(
        stderr,
        format!(
            "{}Attached managed policy {first} to user {user}\n\
             Undoing the changes made so far:\n  Deleted managed policy: {second}\n  \
             Detached policy {first} from user {user}\n  Deleted managed policy: {first}\n  \
             Deleted user: {user}\n{}",
            created_user(&user),
            unanswered("CreatePolicy", &proxy)
        )
    );
    assert_eq!(proxy.count("CreatePolicy"), 2);
    nothing_left(&user);
}

/// The second `CreatePolicy` refused (`403`): IAM made nothing, so only
/// the first policy is taken back.
#[test]
fn a_denied_second_create_policy_takes_back_the_first() {
    let proxy = IamProxy::start(moto());
    proxy.deny("CreatePolicy", Times::After(1));
    let all = buckets(&moto().clients(), 100);
    let user = unique("denied-second");
    let stderr = failing_create(&proxy, &user, &all, &[]);
    let first = arn(&user, 1);
    assert_eq!(
        stderr,
        format!(
            "{}Attached managed policy {first} to user {user}\n\
             Undoing the changes made so far:\n  \
             Detached policy {first} from user {user}\n  Deleted managed policy: {first}\n  \
             Deleted user: {user}\n\
             Error: CreatePolicy failed: AccessDenied: User is not authorized to perform: \
             iam:CreatePolicy\n",
            created_user(&user),
        )
    );
    assert_eq!(proxy.count("CreatePolicy"), 2);
    nothing_left(&user);
}

/// Ctrl+C while `action` is held for three seconds (moto has acted): the
/// step finishes, then everything is taken back.
fn interrupted_while(action: &str) {
    let proxy = IamProxy::start(moto());
    proxy.late(action, Duration::from_secs(3), Times::Always);
    let all = buckets(&moto().clients(), 40);
    let user = unique("interrupted");
    let child = s3c(&create(&user, &all, &[]))
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .spawn();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while proxy.count(action) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "never reached {action}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, libc::SIGINT);
    let output = Output::collect(child);
    let policy = arn(&user, 1);
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            "",
            format!(
                "{}Attached managed policy {policy} to user {user}\n\
                 Undoing the changes made so far:\n  \
                 Detached policy {policy} from user {user}\n  \
                 Deleted managed policy: {policy}\n  Deleted user: {user}\n\
                 Error: interrupted by Ctrl+C\n",
                created_user(&user)
            )
            .as_str()
        )
    );
    assert_eq!(proxy.count("CreatePolicy"), 1);
    nothing_left(&user);
}

#[test]
fn ctrl_c_during_create_policy_leaves_nothing() {
    interrupted_while("CreatePolicy");
}

#[test]
fn ctrl_c_during_attach_user_policy_leaves_nothing() {
    interrupted_while("AttachUserPolicy");
}
