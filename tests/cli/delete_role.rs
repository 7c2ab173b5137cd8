//! `delete-role`: a role `create --trust service:ec2` made goes with its
//! policies and instance profile; profiles of others and missing roles.

use crate::common::roles::{ec2_role, profile_exists, role_exists};
use crate::common::{block_on, moto, s3c, unique};

const READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

#[test]
fn deletes_the_instance_profile_policies_and_the_role() {
    let clients = moto().clients();
    let (bucket, role, shared) = (unique("del"), unique("role"), unique("shared"));
    ec2_role(moto(), &bucket, &role);
    block_on(async {
        let iam = &clients.iam;
        iam.attach_role_policy()
            .role_name(&role)
            .policy_arn(READ_ONLY)
            .send()
            .await
            .unwrap();
        // The role's own profile holds it; another profile, not named like the
        // role, is someone else's.
        iam.remove_role_from_instance_profile()
            .instance_profile_name(&role)
            .role_name(&role)
            .send()
            .await
            .unwrap();
        iam.create_instance_profile()
            .instance_profile_name(&shared)
            .send()
            .await
            .unwrap();
        for profile in [&role, &shared] {
            iam.add_role_to_instance_profile()
                .instance_profile_name(profile)
                .role_name(&role)
                .send()
                .await
                .unwrap();
        }
    });
    let output = s3c(&["delete-role", &role]).against(moto()).run();
    let own =
        format!("  Removed from instance profile: {role}\n  Deleted instance profile: {role}\n");
    let other = format!("  Removed from instance profile: {shared}\n");
    let tail = format!(
        "  Deleted policy: s3.read-write.{bucket}\n  Detached policy: {READ_ONLY}\n  Deleted role\n"
    );
    // IAM lists the two profiles in its own order.
    let expected = [
        format!("Role: {role}\n{own}{other}{tail}"),
        format!("Role: {role}\n{other}{own}{tail}"),
    ];
    assert!(
        expected.contains(&output.success().to_owned()),
        "{output:#?}"
    );
    assert_eq!(output.stderr, "");
    assert!(!role_exists(&clients, &role));
    assert!(!profile_exists(&clients, &role));
    assert!(
        profile_exists(&clients, &shared),
        "another profile is left for its owner"
    );
}

#[test]
fn a_missing_role_is_reported_and_the_others_are_still_deleted() {
    let clients = moto().clients();
    let (missing, role) = (unique("missing"), unique("role"));
    let bucket = unique("del");
    s3c(&[
        "create",
        &bucket,
        "-c",
        "--trust",
        "service:lambda",
        "--role-name",
        &role,
        "--silent",
    ])
    .against(moto())
    .run()
    .success();
    let output = s3c(&["delete-role", &missing, &role]).against(moto()).run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            format!("Role: {role}\n  Deleted policy: s3.read-write.{bucket}\n  Deleted role\n")
                .as_str(),
            format!("Error: role `{missing}` does not exist\n").as_str()
        )
    );
    assert!(!role_exists(&clients, &role));
}
