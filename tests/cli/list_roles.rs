use serde_json::{Value, json};

use crate::common::{block_on, exclusive_moto, moto, s3c, unique};

const TRUST: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#;
const INLINE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}]}"#;
const READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

/// A role with one inline policy and one attached managed policy.
fn create_role(clients: &s3_credentials::aws::Clients, name: &str) {
    block_on(async {
        let iam = &clients.iam;
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(TRUST)
            .description("for tests")
            .send()
            .await
            .unwrap();
        iam.put_role_policy()
            .role_name(name)
            .policy_name("inline-one")
            .policy_document(INLINE)
            .send()
            .await
            .unwrap();
        iam.attach_role_policy()
            .role_name(name)
            .policy_arn(READ_ONLY)
            .send()
            .await
            .unwrap();
    });
}

fn lines_as_json(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn lists_roles_with_decoded_trust_policies() {
    let (_lock, server) = exclusive_moto();
    create_role(&server.clients(), "role-a");
    let output = s3c(&["list-roles", "--nl"]).against(server).run();
    let roles = lines_as_json(output.success());
    assert_eq!(roles.len(), 1, "{output:#?}");
    let role = &roles[0];
    assert_eq!(role["RoleName"], "role-a");
    assert_eq!(role["Arn"], "arn:aws:iam::123456789012:role/role-a");
    assert_eq!(role["Description"], "for tests");
    assert_eq!(
        role["AssumeRolePolicyDocument"],
        serde_json::from_str::<Value>(TRUST).unwrap()
    );
    assert!(role.get("inline_policies").is_none());

    let csv = s3c(&["list-roles", "--csv"]).against(server).run();
    let header = csv.success().lines().next().unwrap();
    assert_eq!(
        header,
        "Path,RoleName,RoleId,Arn,CreateDate,AssumeRolePolicyDocument,Description,\
         MaxSessionDuration,PermissionsBoundary,Tags,RoleLastUsed"
    );
}

#[test]
fn details_include_inline_and_attached_policy_documents() {
    let name = unique("role");
    let clients = moto().clients();
    create_role(&clients, &name);
    let output = s3c(&["list-roles", &name, "--details"])
        .against(moto())
        .run();
    let role: Value = serde_json::from_str(output.success()).unwrap();
    assert_eq!(
        role["inline_policies"],
        json!([{"RoleName": name, "PolicyName": "inline-one", "PolicyDocument": serde_json::from_str::<Value>(INLINE).unwrap()}])
    );
    let attached = &role["attached_policies"][0];
    assert_eq!(attached["PolicyName"], "AmazonS3ReadOnlyAccess");
    assert_eq!(attached["Arn"], READ_ONLY);
    let expected_document = block_on(async {
        let policy = clients
            .iam
            .get_policy()
            .policy_arn(READ_ONLY)
            .send()
            .await
            .unwrap()
            .policy
            .unwrap();
        let version = clients
            .iam
            .get_policy_version()
            .policy_arn(READ_ONLY)
            .version_id(policy.default_version_id().unwrap())
            .send()
            .await
            .unwrap();
        let document = version.policy_version.unwrap().document.unwrap();
        let decoded = percent_encoding::percent_decode_str(&document)
            .decode_utf8_lossy()
            .into_owned();
        serde_json::from_str::<Value>(&decoded).unwrap()
    });
    assert_eq!(attached["PolicyVersion"]["Document"], expected_document);
    assert_eq!(attached["PolicyVersion"]["IsDefaultVersion"], true);
    // Pretty output uses 4-space indentation, nested levels included.
    assert!(
        output
            .stdout
            .contains("\n    \"inline_policies\": [\n        {\n            \"RoleName\"")
    );
}

#[test]
fn a_missing_named_role_is_reported_and_the_others_still_print() {
    let name = unique("role");
    create_role(&moto().clients(), &name);
    let output = s3c(&["list-roles", "--nl", "no-such-role", &name])
        .against(moto())
        .run();
    assert_eq!(output.code, 1, "{output:#?}");
    assert_eq!(lines_as_json(&output.stdout)[0]["RoleName"], name.as_str());
    assert_eq!(output.stderr, "Error: role `no-such-role` does not exist\n");
}
