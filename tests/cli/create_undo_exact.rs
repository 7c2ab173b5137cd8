//! A failed `create` undoes only what happened, says so truthfully, and puts
//! back a replaced policy exactly as it was (issue 22 row 15).

use crate::common::iam::user_exists;
use crate::common::iam_proxy::{IamProxy, Times};
use crate::common::{block_on, moto, s3c, unique};
use crate::create_tags::user_tags;

/// The user's inline policy `name` as IAM returns it, URL-decoded but
/// otherwise untouched: IAM returns policy documents URL-encoded
/// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetUserPolicy.html).
fn policy_text(user: &str, name: &str) -> String {
    let clients = moto().clients();
    let found = block_on(
        clients
            .iam
            .get_user_policy()
            .user_name(user)
            .policy_name(name)
            .send(),
    )
    .unwrap();
    let document = found.policy_document();
    match serde_json::from_str::<serde_json::Value>(document) {
        Ok(_) => document.to_owned(),
        Err(_) => percent_encoding::percent_decode_str(document)
            .decode_utf8_lossy()
            .into_owned(),
    }
}

#[test]
fn a_denied_tag_user_undoes_only_the_policy_and_restores_it_byte_for_byte() {
    let clients = moto().clients();
    let bucket = unique("exact");
    let user = unique("exact-user");
    let name = format!("s3.read-write.{bucket}");
    s3c(&["create", &bucket, "-c", "--username", &user, "--silent"])
        .against(moto())
        .run()
        .success();
    // Someone wrote the policy by hand since: odd spacing, keys out of order.
    let by_hand = "{\n    \"Statement\" : [ {\"Resource\":\"*\",   \"Action\" : \"s3:ListAllMyBuckets\",\n\t\"Effect\":\"Allow\"} ],\n  \"Version\":\"2012-10-17\"\n}\n";
    block_on(
        clients
            .iam
            .put_user_policy()
            .user_name(&user)
            .policy_name(&name)
            .policy_document(by_hand)
            .send(),
    )
    .unwrap();
    assert_eq!(policy_text(&user, &name), by_hand, "moto keeps the text");
    let tags = user_tags(&clients, &user);
    // Denied for this caller, as IAM answers a caller whose policies lack
    // `iam:TagUser` (https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagUser.html).
    // With `--tag` the tags were asked for, so the denial fails the run
    // (without it, tagging is optional and only warned about).
    let proxy = IamProxy::start(moto());
    proxy.deny("TagUser", Times::Always);
    let output = s3c(&[
        "create",
        &bucket,
        "--username",
        &user,
        "--tag",
        "team=data",
        "--endpoint-url",
        proxy.endpoint(),
    ])
    .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            "",
            format!(
                "Using existing user: {user}\n\
                 Attached policy {name} to user {user}\n\
                 Undoing the changes made so far:\n  \
                 Restored the previous policy {name} of user {user}\n\
                 Error: TagUser failed: AccessDenied: User is not authorized to perform: iam:TagUser\n"
            )
            .as_str()
        )
    );
    // Only the denied TagUser was tried: no UntagUser for tags never set.
    assert_eq!((proxy.count("TagUser"), proxy.count("UntagUser")), (1, 0));
    assert_eq!(policy_text(&user, &name), by_hand);
    assert_eq!(user_tags(&clients, &user), tags);
    assert!(user_exists(&clients, &user));
}
