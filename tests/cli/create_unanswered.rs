//! `create` when IAM makes the access key but its answer never comes (issue
//! 22 row 9): the request is not sent again, and the key nobody saw is
//! found and deleted with the rest of the run's changes.

use std::time::Duration;

use crate::common::iam::access_keys;
use crate::common::iam_proxy::{IamProxy, Times};
use crate::common::s3::new_bucket;
use crate::common::{block_on, moto, s3c, unique};

// CreateAccessKey has no idempotency token
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccessKey.html):
// each request that reaches IAM makes a key, whether or not its answer
// arrives. The SDK retries a request whose answer timed out
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html),
// which here would make a second key; the proxy lets moto act and holds the
// answer past the read timeout, as a slow AWS answer would.
#[test]
fn an_unanswered_create_access_key_leaves_no_key_behind() {
    let clients = moto().clients();
    let bucket = new_bucket(&clients, "unanswered");
    let user = unique("unanswered");
    block_on(clients.iam.create_user().user_name(&user).send()).unwrap();
    let proxy = IamProxy::start(moto());
    proxy.late("CreateAccessKey", Duration::from_secs(4), Times::Always);
    let output = s3c(&[
        "create",
        &bucket,
        "--username",
        &user,
        "--read-timeout",
        "1",
    ])
    .env("AWS_ENDPOINT_URL", proxy.endpoint())
    .run();
    assert_eq!(
        (output.code, output.stdout.as_str()),
        (1, ""),
        "{output:#?}"
    );
    let stderr = &output.stderr;
    let unseen = stderr
        .lines()
        .find_map(|line| line.strip_prefix("CreateAccessKey got no answer: its key "))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no key found: {stderr}"))
        .to_owned();
    assert!(
        stderr.contains(&format!(
            "CreateAccessKey got no answer: its key {unseen} was found on user {user}\n\
             Undoing the changes made so far:\n  Deleted access key: {unseen}\n"
        )),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(&format!(
            "Error: CreateAccessKey failed: no response from {} within 1s: the server accepted \
             the connection but did not answer (wait longer with --read-timeout SECONDS)\n",
            proxy.endpoint()
        )),
        "{stderr}"
    );
    assert_eq!(proxy.count("CreateAccessKey"), 1);
    assert_eq!(access_keys(&clients, &user), Vec::<String>::new());
}

// A delete whose answer came too late is retried by the SDK
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html);
// the first attempt already deleted the user, so IAM answers the retry
// `NoSuchEntity` (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html).
// The undo then reached its goal: it says the user was already gone, not
// that it could not be undone.
#[test]
fn an_undo_whose_delete_answer_came_late_says_the_user_is_gone() {
    let clients = moto().clients();
    let bucket = new_bucket(&clients, "lateundo");
    let user = unique("lateundo");
    let proxy = IamProxy::start(moto());
    proxy.deny("CreateAccessKey", Times::Always);
    proxy.late("DeleteUser", Duration::from_secs(4), Times::Next(1));
    let output = s3c(&[
        "create",
        &bucket,
        "--username",
        &user,
        "--read-timeout",
        "2",
    ])
    .env("AWS_ENDPOINT_URL", proxy.endpoint())
    .run();
    assert_eq!(
        (output.code, output.stdout.as_str()),
        (1, ""),
        "{output:#?}"
    );
    assert!(
        output.stderr.contains(&format!(
            "  Already gone (IAM answered NoSuchEntity): user {user}\n"
        )),
        "{}",
        output.stderr
    );
    assert!(
        !output.stderr.contains("Could not undo"),
        "{}",
        output.stderr
    );
    assert!(proxy.count("DeleteUser") >= 2);
    let gone = block_on(clients.iam.get_user().user_name(&user).send());
    assert!(gone.is_err(), "{gone:?}");
}
