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
