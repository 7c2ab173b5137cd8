//! `delete-role`: a role `create --trust service:ec2` made goes with its
//! policies and instance profile; roles and profiles the tool did not make
//! are refused without `--force`; missing roles.

use crate::common::roles::{ec2_role, profile_exists, role_exists};
use crate::common::{block_on, moto, s3c, unique};

const READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

/// Have the tool make `role` for EC2, then attach a managed policy and put
/// it in a second instance profile, `shared`, that someone else made.
fn ec2_role_in_a_shared_profile(bucket: &str, role: &str, shared: &str) {
    let clients = moto().clients();
    ec2_role(moto(), bucket, role);
    block_on(async {
        let iam = &clients.iam;
        iam.attach_role_policy()
            .role_name(role)
            .policy_arn(READ_ONLY)
            .send()
            .await
            .unwrap();
        // The role's own profile holds it; another profile, not named like the
        // role, is someone else's.
        iam.remove_role_from_instance_profile()
            .instance_profile_name(role)
            .role_name(role)
            .send()
            .await
            .unwrap();
        iam.create_instance_profile()
            .instance_profile_name(shared)
            .send()
            .await
            .unwrap();
        for profile in [role, shared] {
            iam.add_role_to_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
                .await
                .unwrap();
        }
    });
}

#[test]
fn with_force_deletes_the_instance_profile_policies_and_the_role() {
    let clients = moto().clients();
    let (bucket, role, shared) = (unique("del"), unique("role"), unique("shared"));
    ec2_role_in_a_shared_profile(&bucket, &role, &shared);
    let output = s3c(&["delete-role", &role, "--force"])
        .against(moto())
        .run();
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

// Issue 22 row 5: a role in an instance profile that is not its own is
// refused before any change. AWS refuses DeleteRole while the role is in
// an instance profile, so removing it from one would be the tool's doing:
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html
#[test]
fn a_role_in_someone_elses_instance_profile_is_refused_without_force() {
    let clients = moto().clients();
    let (bucket, role, shared) = (unique("del"), unique("role"), unique("shared"));
    ec2_role_in_a_shared_profile(&bucket, &role, &shared);
    let output = s3c(&["delete-role", &role]).against(moto()).run();
    output.fails_with(
        1,
        &format!(
            "Error: role `{role}` is also in instance profile `{shared}`, which s3-credentials \
             did not make, so it was not deleted; add --force to take it out of that profile \
             (which is kept) and delete it\n"
        ),
    );
    assert!(role_exists(&clients, &role));
    assert!(profile_exists(&clients, &role));
    let held = block_on(
        clients
            .iam
            .list_instance_profiles_for_role()
            .role_name(&role)
            .send(),
    )
    .unwrap();
    assert_eq!(held.instance_profiles().len(), 2);
}

/// A role made outside the tool (no `s3-credentials:*` tags), with an admin
/// policy, in an instance profile named like it and in `web-fleet`.
fn foreign_role(role: &str, fleet: &str) {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    block_on(async {
        let iam = moto().clients().iam;
        iam.create_role()
            .role_name(role)
            .assume_role_policy_document(trust)
            .send()
            .await
            .unwrap();
        iam.attach_role_policy()
            .role_name(role)
            .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
            .send()
            .await
            .unwrap();
        for profile in [role, fleet] {
            iam.create_instance_profile()
                .instance_profile_name(profile)
                .send()
                .await
                .unwrap();
            iam.add_role_to_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
                .await
                .unwrap();
        }
    });
}

// Issue 22 row 5: `delete-role prod-admin` on a role the tool never made
// deleted its profile, emptied `web-fleet` and deleted the role.
#[test]
fn a_role_the_tool_did_not_make_is_refused_without_force() {
    let clients = moto().clients();
    let (role, fleet) = (unique("prod-admin"), unique("web-fleet"));
    foreign_role(&role, &fleet);
    let output = s3c(&["delete-role", &role]).against(moto()).run();
    output.fails_with(
        1,
        &format!(
            "Error: role `{role}` was not made by s3-credentials (it has no `s3-credentials:*` \
             tags), so it was not deleted; add --force to delete it anyway\n"
        ),
    );
    assert!(role_exists(&clients, &role));
    assert!(profile_exists(&clients, &role) && profile_exists(&clients, &fleet));
}

// With --force the role goes, but no instance profile is deleted: nothing
// says the tool made the one named like the role.
#[test]
fn a_forced_foreign_role_leaves_every_instance_profile() {
    let clients = moto().clients();
    let (role, fleet) = (unique("prod-admin"), unique("web-fleet"));
    foreign_role(&role, &fleet);
    let output = s3c(&["delete-role", &role, "--force"])
        .against(moto())
        .run();
    let stdout = output.success().to_owned();
    let tail = "  Detached policy: arn:aws:iam::aws:policy/AdministratorAccess\n  Deleted role\n";
    let (own, other) = (
        format!("  Removed from instance profile: {role}\n"),
        format!("  Removed from instance profile: {fleet}\n"),
    );
    assert!(
        [
            format!("Role: {role}\n{own}{other}{tail}"),
            format!("Role: {role}\n{other}{own}{tail}"),
        ]
        .contains(&stdout),
        "{stdout}"
    );
    assert!(!role_exists(&clients, &role));
    assert!(profile_exists(&clients, &role) && profile_exists(&clients, &fleet));
}
