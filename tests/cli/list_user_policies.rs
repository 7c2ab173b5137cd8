use crate::common::{block_on, exclusive_moto, moto, s3c, unique};

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"]}]}"#;

const POLICY_PRETTY: &str = "{
    \"Version\": \"2012-10-17\",
    \"Statement\": [
        {
            \"Effect\": \"Allow\",
            \"Action\": [
                \"s3:ListBucket\"
            ],
            \"Resource\": [
                \"arn:aws:s3:::b\"
            ]
        }
    ]
}
";

fn user_with_policies(clients: &s3_credentials::aws::Clients, user: &str, policies: &[&str]) {
    block_on(async {
        clients
            .iam
            .create_user()
            .user_name(user)
            .send()
            .await
            .unwrap();
        for policy in policies {
            clients
                .iam
                .put_user_policy()
                .user_name(user)
                .policy_name(*policy)
                .policy_document(POLICY)
                .send()
                .await
                .unwrap();
        }
    });
}

#[test]
fn prints_the_original_layout_for_named_users() {
    let (first, second) = (unique("user"), unique("user"));
    user_with_policies(&moto().clients(), &first, &["one", "two"]);
    user_with_policies(&moto().clients(), &second, &[]);
    let output = s3c(&["list-user-policies", &first, &second])
        .against(moto())
        .run();
    assert_eq!(
        output.success(),
        format!(
            "User: {first}\nPolicyName: one\n{POLICY_PRETTY}PolicyName: two\n{POLICY_PRETTY}User: {second}\n"
        )
    );
    assert_eq!(output.stderr, "");
}

#[test]
fn structured_output_has_one_row_per_policy() {
    let user = unique("user");
    user_with_policies(&moto().clients(), &user, &["one"]);
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::b"]}]}"#;
    let nl = s3c(&["list-user-policies", "--nl", &user])
        .against(moto())
        .run();
    assert_eq!(
        nl.success(),
        format!(
            "{{\"UserName\":\"{user}\",\"PolicyName\":\"one\",\"PolicyDocument\":{document}}}\n"
        )
    );
    let array = s3c(&["list-user-policies", "--array", &user])
        .against(moto())
        .run();
    let parsed: serde_json::Value = serde_json::from_str(array.success()).unwrap();
    assert_eq!(
        parsed[0]["PolicyDocument"],
        serde_json::from_str::<serde_json::Value>(POLICY).unwrap()
    );
    let csv = s3c(&["list-user-policies", "--csv", &user])
        .against(moto())
        .run();
    assert_eq!(
        csv.success(),
        format!(
            "UserName,PolicyName,PolicyDocument\r\n{user},one,\"{}\"\r\n",
            document.replace('"', "\"\"")
        )
    );
}

#[test]
fn without_names_every_user_is_shown() {
    let (_lock, server) = exclusive_moto();
    user_with_policies(&server.clients(), "first", &["p"]);
    user_with_policies(&server.clients(), "second", &[]);
    let output = s3c(&["list-user-policies"]).against(server).run();
    assert_eq!(
        output.success(),
        format!("User: first\nPolicyName: p\n{POLICY_PRETTY}User: second\n")
    );
}

#[test]
fn a_missing_user_is_reported_and_the_others_still_print() {
    let user = unique("user");
    user_with_policies(&moto().clients(), &user, &[]);
    let output = s3c(&["list-user-policies", "no-such-user", &user])
        .against(moto())
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            format!("User: {user}\n").as_str(),
            "Error: user `no-such-user` does not exist\n"
        )
    );
}
