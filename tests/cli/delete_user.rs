//! `delete-user`: users and everything IAM requires gone first, `--expired`,
//! and what a failure or Ctrl+C leaves.

use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::child::{signal, wait_within};
use crate::common::iam::access_keys;
use crate::common::iam_proxy::{IamProxy, Times};
use crate::common::{block_on, moto, s3c, unique};

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}"#;
const READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

/// A user with an inline policy, an attached managed policy and two access
/// keys; returns the key IDs.
fn full_user(clients: &s3_credentials::aws::Clients, user: &str) -> Vec<String> {
    block_on(async {
        let iam = &clients.iam;
        iam.create_user().user_name(user).send().await.unwrap();
        iam.put_user_policy()
            .user_name(user)
            .policy_name("inline")
            .policy_document(POLICY)
            .send()
            .await
            .unwrap();
        iam.attach_user_policy()
            .user_name(user)
            .policy_arn(READ_ONLY)
            .send()
            .await
            .unwrap();
        let mut keys = Vec::new();
        for _ in 0..2 {
            let key = iam
                .create_access_key()
                .user_name(user)
                .send()
                .await
                .unwrap();
            keys.push(key.access_key.unwrap().access_key_id);
        }
        keys
    })
}

fn user_exists(clients: &s3_credentials::aws::Clients, user: &str) -> bool {
    block_on(clients.iam.get_user().user_name(user).send()).is_ok()
}

#[test]
fn deletes_policies_keys_and_the_user() {
    let clients = moto().clients();
    let user = unique("user");
    let keys = full_user(&clients, &user);
    let output = s3c(&["delete-user", &user]).against(moto()).run();
    assert_eq!(
        output.success(),
        format!(
            "User: {user}\n  Deleted policy: inline\n  Detached policy: {READ_ONLY}\n  \
             Deleted access key: {}\n  Deleted access key: {}\n  Deleted user\n",
            keys[0], keys[1]
        )
    );
    assert_eq!(output.stderr, "");
    assert!(!user_exists(&clients, &user));
    // The managed policy itself stays: only this user's attachment went.
    let policy = block_on(clients.iam.get_policy().policy_arn(READ_ONLY).send());
    assert!(policy.is_ok());
}

#[test]
fn a_missing_user_is_reported_and_the_others_are_still_deleted() {
    let clients = moto().clients();
    let (first, second) = (unique("user"), unique("user"));
    block_on(async {
        for user in [&first, &second] {
            clients
                .iam
                .create_user()
                .user_name(user)
                .send()
                .await
                .unwrap();
        }
    });
    let output = s3c(&["delete-user", &first, "no-such-user", &second])
        .against(moto())
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            format!("User: {first}\n  Deleted user\nUser: {second}\n  Deleted user\n").as_str(),
            "Error: user `no-such-user` does not exist\n"
        )
    );
    assert!(!user_exists(&clients, &first));
    assert!(!user_exists(&clients, &second));
}

/// A user in a group, with a console password, an inline policy and an
/// access key: the case of issue 22 row 8. Returns the key ID.
fn user_with_dependents(clients: &s3_credentials::aws::Clients, user: &str, group: &str) -> String {
    block_on(async {
        let iam = &clients.iam;
        iam.create_user().user_name(user).send().await.unwrap();
        iam.create_group().group_name(group).send().await.unwrap();
        iam.add_user_to_group()
            .user_name(user)
            .group_name(group)
            .send()
            .await
            .unwrap();
        iam.create_login_profile()
            .user_name(user)
            .password("Correct-Horse-1")
            .send()
            .await
            .unwrap();
        iam.put_user_policy()
            .user_name(user)
            .policy_name("inline")
            .policy_document(POLICY)
            .send()
            .await
            .unwrap();
        let key = iam
            .create_access_key()
            .user_name(user)
            .send()
            .await
            .unwrap();
        key.access_key.unwrap().access_key_id
    })
}

// AWS refuses DeleteUser with 409 DeleteConflict while the user has a login
// profile or group memberships (moto deletes it anyway), so this goes
// through the IAM proxy that answers as AWS does:
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users_remove.html#id_users_deleting_cli
#[test]
fn a_user_in_a_group_with_a_console_password_is_deleted_whole() {
    let proxy = IamProxy::start(moto());
    let clients = moto().clients();
    let (user, group) = (unique("user"), unique("group"));
    let key = user_with_dependents(&clients, &user, &group);
    let output = s3c(&["delete-user", &user])
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .run();
    assert_eq!(
        output.success(),
        format!(
            "User: {user}\n  Deleted policy: inline\n  Removed from group: {group}\n  \
             Deleted login profile\n  Deleted access key: {key}\n  Deleted user\n"
        )
    );
    assert_eq!(output.stderr, "");
    assert!(!user_exists(&clients, &user));
    // The group itself stays: only this user's membership went.
    assert!(block_on(clients.iam.get_group().group_name(&group).send()).is_ok());
}

// Every dependent is listed before the first deletion, so a listing that
// fails leaves the user untouched (DeleteUser page as above).
#[test]
fn a_dependent_that_cannot_be_listed_stops_before_any_change() {
    let proxy = IamProxy::start(moto());
    let clients = moto().clients();
    let (user, group) = (unique("user"), unique("group"));
    let key = user_with_dependents(&clients, &user, &group);
    proxy.deny("ListMFADevices", Times::Always);
    let output = s3c(&["delete-user", &user])
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            format!("User: {user}\n").as_str(),
            "Error: ListMFADevices failed: AccessDenied: User is not authorized to perform: \
             iam:ListMFADevices\n"
        )
    );
    assert_eq!(access_keys(&clients, &user), vec![key]);
    assert_eq!(
        proxy.count("DeleteUserPolicy") + proxy.count("DeleteLoginProfile"),
        0
    );
}

// A deletion IAM refuses stops the rest (the access key, which cannot be
// given back, among them) and the error says what is left.
#[test]
fn a_step_that_fails_stops_the_rest_and_says_what_is_left() {
    let proxy = IamProxy::start(moto());
    let clients = moto().clients();
    let (user, group) = (unique("user"), unique("group"));
    let key = user_with_dependents(&clients, &user, &group);
    proxy.deny("DeleteLoginProfile", Times::Always);
    let output = s3c(&["delete-user", &user])
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            format!("User: {user}\n  Deleted policy: inline\n  Removed from group: {group}\n")
                .as_str(),
            format!(
                "Error: user `{user}` was not deleted; still there: login profile, access key \
                 {key}, the user itself: DeleteLoginProfile failed: AccessDenied: User is not \
                 authorized to perform: iam:DeleteLoginProfile\n"
            )
            .as_str()
        )
    );
    assert_eq!(access_keys(&clients, &user), vec![key]);
    assert_eq!(proxy.count("DeleteUser"), 0);
}

/// The lines of `pipe` as they come, on a channel.
fn lines_of(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    receive
}

// Ctrl+C while an access key's deletion is unanswered: that step finishes,
// no other starts (the user itself stays, the next user is not touched),
// each step was on stdout as it happened, and stderr says what is left.
// Through the IAM proxy, which holds the answer and refuses DeleteUser
// while keys are left, as AWS does (DeleteUser page as above).
#[test]
fn ctrl_c_finishes_the_step_in_flight_and_stops_before_the_next_user() {
    let proxy = IamProxy::start(moto());
    let clients = moto().clients();
    let (first, second) = (unique("user"), unique("user"));
    let first_keys = full_user(&clients, &first);
    let second_keys = full_user(&clients, &second);
    proxy.late("DeleteAccessKey", Duration::from_secs(2), Times::Next(1));
    let mut child = s3c(&["delete-user", &first, &second])
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .spawn();
    let stdout = lines_of(child.stdout.take().unwrap());
    let seen: Vec<String> = (0..3)
        .map(|_| stdout.recv_timeout(Duration::from_secs(30)).unwrap())
        .collect();
    // Printed while the run goes on (its DeleteAccessKey answer is held),
    // not held until it ends.
    assert!(
        child.try_wait().unwrap().is_none(),
        "the lines came at exit"
    );
    assert_eq!(
        seen,
        [
            format!("User: {first}"),
            "  Deleted policy: inline".to_owned(),
            format!("  Detached policy: {READ_ONLY}"),
        ]
    );
    while proxy.count("DeleteAccessKey") == 0 {
        std::thread::sleep(Duration::from_millis(10));
    }
    signal(&child, libc::SIGINT);
    let ended = wait_within(child, Duration::from_secs(20));
    let rest: Vec<String> = stdout.iter().collect();
    assert_eq!(rest, [format!("  Deleted access key: {}", first_keys[0])]);
    assert_eq!(
        (ended.code, ended.stderr.as_str()),
        (
            1,
            format!(
                "Error: user `{first}` was not deleted; still there: access key {}, the user \
                 itself: interrupted by Ctrl+C\nError: interrupted by Ctrl+C; not started: user \
                 `{second}`\n",
                first_keys[1]
            )
            .as_str()
        )
    );
    assert_eq!(access_keys(&clients, &first), vec![first_keys[1].clone()]);
    assert_eq!(access_keys(&clients, &second), second_keys);
    assert_eq!(proxy.count("DeleteUser"), 0);
}

// The SDK retries a request whose answer timed out
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
// When the first DeleteUser did its work but answered too late, the retry
// gets `NoSuchEntity` (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html):
// the user is gone, which is what was asked, so the run says so and
// succeeds rather than reporting a failure and a user "still there".
#[test]
fn a_delete_answered_too_late_is_done_not_failed() {
    let proxy = IamProxy::start(moto());
    let clients = moto().clients();
    let user = unique("lateuser");
    block_on(clients.iam.create_user().user_name(&user).send()).unwrap();
    proxy.late("DeleteUser", Duration::from_secs(4), Times::Next(1));
    let output = s3c(&["delete-user", &user, "--read-timeout", "2"])
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            0,
            format!("User: {user}\n").as_str(),
            format!("Warning: user {user} was already gone (IAM answered NoSuchEntity)\n").as_str()
        )
    );
    assert!(proxy.count("DeleteUser") >= 2);
    assert!(!user_exists(&clients, &user));
}
