//! `create --trust` next to other runs and other people's roles: an undo
//! never deletes an OpenID Connect provider another role trusts (issue 22
//! row 4), and a reused role warns about its other permissions and has its
//! grant tags rewritten, and restored by an undo (row 6).

use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use s3_credentials::aws::Clients;
use serde_json::json;

use crate::common::iam_proxy::{IamProxy, Times};
use crate::common::proxy::{Proxy, iam_error};
use crate::common::roles::{ec2_role, provider_audiences, role_exists, role_policies, trust_of};
use crate::common::{block_on, exclusive_moto, moto, s3c, unique};

const GITHUB: &str = "token.actions.githubusercontent.com";
const PROVIDER: &str =
    "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A role's tags as `(key, value)`, sorted by key.
fn role_tags(clients: &Clients, role: &str) -> Vec<(String, String)> {
    let tags = block_on(clients.iam.list_role_tags().role_name(role).send()).unwrap();
    let mut tags: Vec<(String, String)> = tags
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    tags.sort();
    tags
}

/// A proxy that holds every `PutRolePolicy` until `release` gets a message,
/// then refuses it with `403 AccessDenied`; `reached` hears of each one held.
fn holding_put_role_policy(target: &str) -> (Proxy, Receiver<()>, std::sync::mpsc::Sender<()>) {
    let (reached_tx, reached) = channel();
    let (release, release_rx) = channel::<()>();
    let (reached_tx, release_rx) = (Mutex::new(reached_tx), Mutex::new(release_rx));
    let proxy = Proxy::with_responder(
        target,
        Arc::new(move |request| {
            if request.form("Action").as_deref() != Some("PutRolePolicy") {
                return None;
            }
            reached_tx.lock().unwrap().send(()).unwrap();
            release_rx.lock().unwrap().recv().unwrap();
            Some(iam_error(
                403,
                "AccessDenied",
                "User is not authorized to perform: iam:PutRolePolicy",
            ))
        }),
    );
    (proxy, reached, release)
}

#[test]
fn an_undo_keeps_a_provider_another_run_now_relies_on() {
    // The provider is one per account and issuer: an account of its own.
    // AWS deletes a provider whatever roles trust it: "Deleting an IAM OIDC
    // provider resource entity does not update any roles that reference the
    // provider as a principal in their trust policies. Any attempt to assume
    // a role that references a deleted provider fails."
    // (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteOpenIDConnectProvider.html);
    // moto does the same, so no proxy is needed for that.
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    let (bucket_a, bucket_b) = (unique("oidc-a"), unique("oidc-b"));
    let (role_a, role_b) = (unique("role-a"), unique("role-b"));
    let (proxy, reached, release) = holding_put_role_policy(&server.endpoint);
    // Run A creates the provider, then waits at PutRolePolicy.
    let run_a = {
        let (bucket, role, endpoint) = (bucket_a.clone(), role_a.clone(), proxy.endpoint.clone());
        std::thread::spawn(move || {
            s3c(&[
                "create",
                &bucket,
                "-c",
                "--trust",
                "github:o/a",
                "--role-name",
                &role,
                "--endpoint-url",
                &endpoint,
            ])
            .run()
        })
    };
    reached.recv_timeout(Duration::from_secs(60)).unwrap();
    // Run B, meanwhile, finds the provider and builds on it.
    let output_b = s3c(&[
        "create",
        &bucket_b,
        "-c",
        "--trust",
        "github:o/b",
        "--role-name",
        &role_b,
        "--endpoint-url",
        &server.endpoint,
    ])
    .run();
    assert_eq!(output_b.code, 0, "{output_b:#?}");
    assert!(
        output_b.stderr.contains(&format!(
            "Using existing OpenID Connect provider: {PROVIDER}\n"
        )),
        "{output_b:#?}"
    );
    // Now run A fails and undoes what it made.
    release.send(()).unwrap();
    let output_a = run_a.join().unwrap();
    assert_eq!(
        (output_a.code, output_a.stdout.as_str(), output_a.stderr.as_str()),
        (
            1,
            "",
            format!(
                "Created bucket: {bucket_a}\n\
                 Created OpenID Connect provider: {PROVIDER}\n\
                 Created role: {role_a} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
                 Undoing the changes made so far:\n  \
                 Deleted role: {role_a}\n  \
                 Kept OpenID Connect provider {PROVIDER}: role `{role_b}` trusts it\n  \
                 Deleted bucket: {bucket_a}\n\
                 Error: PutRolePolicy failed: AccessDenied: User is not authorized to perform: iam:PutRolePolicy\n"
            )
            .as_str()
        )
    );
    // B's role still trusts a provider that exists.
    assert_eq!(
        provider_audiences(&clients, GITHUB),
        Some(vec!["sts.amazonaws.com".to_owned()])
    );
    assert!(!role_exists(&clients, &role_a));
    assert_eq!(
        trust_of(&clients, &role_b)["Statement"][0]["Principal"]["Federated"],
        json!(PROVIDER)
    );
}

/// Give `role` AWS's `AdministratorAccess` and an inline `*`-on-`*` policy,
/// as someone might after the tool made it.
fn make_admin(clients: &Clients, role: &str) {
    let admin = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    block_on(async {
        let iam = &clients.iam;
        iam.attach_role_policy()
            .role_name(role)
            .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
            .send()
            .await
            .unwrap();
        iam.put_role_policy()
            .role_name(role)
            .policy_name("everything")
            .policy_document(admin.to_string())
            .send()
            .await
            .unwrap();
    });
}

#[test]
fn a_reused_role_warns_of_its_other_policies_and_is_retagged() {
    // A role's permissions are those of all its inline and attached
    // policies together
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html):
    // whoever assumes the reused role gets AdministratorAccess as well.
    let clients = moto().clients();
    let (first, second) = (unique("lam"), unique("lam"));
    let role = unique("lam-admin");
    let made = |bucket: &str, extra: &[&str]| {
        let mut args = vec![
            "create",
            bucket,
            "-c",
            "--trust",
            "service:lambda",
            "--role-name",
            &role,
        ];
        args.extend_from_slice(extra);
        s3c(&args).against(moto()).run()
    };
    made(&first, &["--read-only", "--silent"]).success();
    make_admin(&clients, &role);
    let output = made(&second, &[]);
    assert_eq!(output.code, 0, "{output:#?}");
    assert_eq!(
        output.stderr,
        format!(
            "Created bucket: {second}\n\
             Using existing role: {role}\n\
             Warning: role `{role}` has other permissions, which whoever assumes it has too: \
             inline policies `everything`, `s3.read-only.{first}`; \
             attached policies `arn:aws:iam::aws:policy/AdministratorAccess`\n\
             Attached policy s3.read-write.{second} to role {role}\n\
             Tagged role: {role}\n\n\
             To make the role the execution role of a Lambda function:\n\n\
             aws lambda update-function-configuration --function-name FUNCTION \
             --role arn:aws:iam::123456789012:role/{role}\n"
        )
    );
    // `list-credentials` reads these: both buckets, the access now mixed.
    assert_eq!(
        role_tags(&clients, &role),
        crate::create_tags::pairs(&[
            ("s3-credentials:access", "mixed"),
            ("s3-credentials:buckets", &format!("{second}+{first}")),
            ("s3-credentials:kind", "role"),
            ("s3-credentials:version", VERSION),
        ])
    );
}

#[test]
fn an_undo_restores_a_reused_roles_tags() {
    let clients = moto().clients();
    let (first, second) = (unique("retag"), unique("retag"));
    let role = unique("role");
    ec2_role(moto(), &first, &role);
    let before = role_tags(&clients, &role);
    // Someone removed the instance profile since; making it again fails.
    block_on(async {
        let iam = &clients.iam;
        iam.remove_role_from_instance_profile()
            .instance_profile_name(&role)
            .role_name(&role)
            .send()
            .await
            .unwrap();
        iam.delete_instance_profile()
            .instance_profile_name(&role)
            .send()
            .await
            .unwrap();
    });
    let proxy = IamProxy::start(moto());
    proxy.deny("CreateInstanceProfile", Times::Always);
    let output = s3c(&[
        "create",
        &second,
        "--trust",
        "service:ec2",
        "--role-name",
        &role,
        "-c",
        "--endpoint-url",
        proxy.endpoint(),
    ])
    .run();
    assert_eq!(
        (output.code, output.stderr.as_str()),
        (
            1,
            format!(
                "Created bucket: {second}\n\
                 Using existing role: {role}\n\
                 Warning: role `{role}` has other permissions, which whoever assumes it has too: \
                 inline policies `s3.read-write.{first}`\n\
                 Attached policy s3.read-write.{second} to role {role}\n\
                 Tagged role: {role}\n\
                 Undoing the changes made so far:\n  \
                 Restored the previous tags of role {role}\n  \
                 Deleted policy s3.read-write.{second} from role {role}\n  \
                 Deleted bucket: {second}\n\
                 Error: CreateInstanceProfile failed: AccessDenied: User is not authorized to perform: iam:CreateInstanceProfile\n"
            )
            .as_str()
        )
    );
    assert_eq!(role_tags(&clients, &role), before);
    assert_eq!(role_policies(&clients, &role).len(), 1);
}
