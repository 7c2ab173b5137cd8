//! `create --trust` when AWS refuses a step part-way, or the run is stopped:
//! what this run created (buckets, OIDC provider, role, policies, instance
//! profile) is taken back and nothing is left behind. Also: credentials from
//! `AssumeRoleWithWebIdentity` on the new role can do what the mode allows.

use std::sync::Arc;

use crate::common::proxy::Proxy;
use crate::common::roles::{
    ec2_role, profile_exists, provider_audiences, role_exists, role_policies,
};
use crate::common::s3::{bucket_exists, new_bucket};
use crate::common::{block_on, exclusive_moto, moto, s3c, unique};

/// Run `create ARGS` through a proxy that fails `action` with `status` and `code`.
fn create_failing(
    endpoint: &str,
    action: &'static str,
    status: u16,
    code: &'static str,
    args: &[&str],
) -> crate::common::Output {
    let proxy = Proxy::with_faults(
        endpoint,
        Arc::new(move |request| {
            (request.form("Action").as_deref() == Some(action)).then_some((status, code))
        }),
    );
    let mut all = vec!["create"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--endpoint-url", &proxy.endpoint]);
    s3c(&all).run()
}

#[test]
fn a_failure_at_each_step_leaves_nothing_behind() {
    // The OIDC provider is one per account: an account of its own, where
    // none exists yet.
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    let steps: &[(&str, &str)] = &[
        ("GetCallerIdentity", "github:octo-org/octo-repo"),
        ("CreateOpenIDConnectProvider", "github:octo-org/octo-repo"),
        ("CreateRole", "github:octo-org/octo-repo"),
        ("PutRolePolicy", "gitlab:g/p"),
        ("CreateInstanceProfile", "service:ec2"),
        ("AddRoleToInstanceProfile", "service:ec2"),
    ];
    for (action, trust) in steps {
        let (first, second) = (unique("step"), unique("step"));
        let role = unique("role");
        let output = create_failing(
            &server.endpoint,
            action,
            403,
            "AccessDenied",
            &[
                &first,
                &second,
                "-c",
                "--trust",
                trust,
                "--role-name",
                &role,
            ],
        );
        assert_eq!(
            (output.code, output.stdout.as_str()),
            (1, ""),
            "{action}: {output:#?}"
        );
        assert_eq!(
            output.stderr.lines().last().unwrap(),
            format!("Error: {action} failed: AccessDenied: injected by the test proxy"),
            "{output:#?}"
        );
        for bucket in [&first, &second] {
            assert!(
                !bucket_exists(&clients, bucket),
                "{action} left bucket {bucket}"
            );
        }
        assert!(!role_exists(&clients, &role), "{action} left the role");
        assert!(
            !profile_exists(&clients, &role),
            "{action} left the instance profile"
        );
        for host in ["token.actions.githubusercontent.com", "gitlab.com"] {
            assert_eq!(
                provider_audiences(&clients, host),
                None,
                "{action} left {host}"
            );
        }
    }
}

#[test]
fn the_undo_is_reported_step_by_step() {
    let bucket = unique("undo");
    let role = unique("role");
    let output = create_failing(
        &moto().endpoint,
        "AddRoleToInstanceProfile",
        403,
        "AccessDenied",
        &[
            &bucket,
            "-c",
            "--trust",
            "service:ec2",
            "--role-name",
            &role,
        ],
    );
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            "",
            format!(
                "Created bucket: {bucket}\n\
                 Created role: {role} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
                 Attached policy s3.read-write.{bucket} to role {role}\n\
                 Created instance profile: {role}\n\
                 Undoing the changes made so far:\n  \
                 Deleted instance profile: {role}\n  \
                 Deleted policy s3.read-write.{bucket} from role {role}\n  \
                 Deleted role: {role}\n  \
                 Deleted bucket: {bucket}\n\
                 Error: AddRoleToInstanceProfile failed: AccessDenied: injected by the test proxy\n"
            )
            .as_str()
        )
    );
}

#[test]
fn an_existing_roles_replaced_policy_is_restored() {
    let clients = moto().clients();
    let bucket = unique("restore");
    let role = unique("role");
    let name = format!("s3.read-write.{bucket}");
    ec2_role(moto(), &bucket, &role);
    // Someone changed the policy and removed the instance profile since.
    let old = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]});
    block_on(async {
        let iam = &clients.iam;
        iam.put_role_policy()
            .role_name(&role)
            .policy_name(&name)
            .policy_document(old.to_string())
            .send()
            .await
            .unwrap();
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
    let output = create_failing(
        &moto().endpoint,
        "CreateInstanceProfile",
        403,
        "AccessDenied",
        &[&bucket, "--trust", "service:ec2", "--role-name", &role],
    );
    assert_eq!(output.code, 1, "{output:#?}");
    assert!(
        output.stderr.contains(&format!(
            "Using existing role: {role}\nAttached policy {name} to role {role}\n\
             Tagged role: {role}\n\
             Undoing the changes made so far:\n  Restored the previous tags of role {role}\n  \
             Restored the previous policy {name} of role {role}\n"
        )),
        "{output:#?}"
    );
    assert!(
        role_exists(&clients, &role),
        "an existing role is never deleted"
    );
    assert_eq!(role_policies(&clients, &role), [(name, old)]);
}

#[test]
fn a_role_that_cannot_be_printed_is_deleted() {
    let bucket = unique("nopipe");
    let role = unique("role");
    let clients = moto().clients();
    // Nobody will read the role's name and ARN.
    let output = s3c(&[
        "create",
        &bucket,
        "-c",
        "--trust",
        "service:ec2",
        "--role-name",
        &role,
    ])
    .against(moto())
    .run_with_stdout_closed();
    let stderr = output.stderr;
    assert_eq!(output.code, 1, "{stderr}");
    assert!(
        stderr.ends_with(&format!(
            "  Deleted role: {role}\n  Deleted bucket: {bucket}\n\
             Error: could not print the role: Broken pipe (os error 32)\n"
        )),
        "{stderr}"
    );
    assert!(!role_exists(&clients, &role));
    assert!(!profile_exists(&clients, &role));
    assert!(!bucket_exists(&clients, &bucket));
}

#[test]
fn an_interrupted_run_takes_back_what_it_did() {
    let bucket = unique("interrupted");
    let role = unique("role");
    // Hold the instance profile long enough to interrupt the run while it
    // waits (the proxy records a request once its fault hook returns, so
    // watch for the step before).
    let proxy = Proxy::with_faults(
        &moto().endpoint,
        Arc::new(|request| {
            if request.form("Action").as_deref() == Some("CreateInstanceProfile") {
                std::thread::sleep(std::time::Duration::from_secs(5));
            }
            None
        }),
    );
    let child = s3c(&[
        "create",
        &bucket,
        "-c",
        "--trust",
        "service:ec2",
        "--role-name",
        &role,
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .spawn();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while proxy.actions("PutRolePolicy").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "create never reached its policies"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    crate::common::child::signal(&child, libc::SIGINT);
    // The instance profile being created when the signal came is waited
    // for, and undone with the rest.
    crate::common::Output::collect(child).fails_with(
        1,
        &format!(
            "Created bucket: {bucket}\n\
             Created role: {role} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
             Attached policy s3.read-write.{bucket} to role {role}\n\
             Created instance profile: {role}\n\
             Undoing the changes made so far:\n  \
             Deleted instance profile: {role}\n  \
             Deleted policy s3.read-write.{bucket} from role {role}\n  \
             Deleted role: {role}\n  Deleted bucket: {bucket}\nError: interrupted by Ctrl+C\n"
        )
    );
    let clients = moto().clients();
    assert!(!role_exists(&clients, &role));
    assert!(!profile_exists(&clients, &role));
    assert!(!bucket_exists(&clients, &bucket));
}

#[test]
fn web_identity_credentials_of_the_role_can_use_the_bucket_as_the_mode_allows() {
    // A server of its own: moto answers an unsigned request (and
    // AssumeRoleWithWebIdentity is unsigned) with a 500 once it enforces
    // permissions, so enforcement starts only after the role was assumed.
    let server = crate::common::Emulator::start(&[]);
    let clients = server.clients();
    let (bucket, other) = (unique("webid"), new_bucket(&clients, "webid"));
    let output = s3c(&[
        "create",
        &bucket,
        "-c",
        "--read-only",
        "--trust",
        "github:octo-org/octo-repo",
        "--role-name",
        "ci-read",
        "--silent",
    ])
    .against(&server)
    .run();
    let printed: serde_json::Value = serde_json::from_str(output.success()).unwrap();
    let assumed = block_on(async {
        for b in [&bucket, &other] {
            let body = b"hello".to_vec().into();
            clients
                .s3
                .put_object()
                .bucket(b)
                .key("a.txt")
                .body(body)
                .send()
                .await
                .unwrap();
        }
        // moto does not check the token: this stands for the CI job's call.
        clients
            .sts
            .assume_role_with_web_identity()
            .role_arn(printed["RoleArn"].as_str().unwrap())
            .role_session_name("ci-job")
            .web_identity_token("not-a-real-token")
            .send()
            .await
            .unwrap()
    });
    let credentials = assumed.credentials.unwrap();
    let ci = clients.with_credentials(aws_credential_types::Credentials::new(
        credentials.access_key_id,
        credentials.secret_access_key,
        Some(credentials.session_token),
        None,
        "tests",
    ));
    server.enforce_from_now();
    let status = |error: &dyn ProvideStatus| error.status();
    block_on(async {
        let listed = ci
            .s3
            .list_objects_v2()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.contents().len(), 1);
        let got = ci
            .s3
            .get_object()
            .bucket(&bucket)
            .key("a.txt")
            .send()
            .await
            .unwrap();
        assert_eq!(
            got.body.collect().await.unwrap().into_bytes().as_ref(),
            b"hello"
        );
        let put = ci
            .s3
            .put_object()
            .bucket(&bucket)
            .key("b.txt")
            .body(Vec::new().into());
        assert_eq!(
            status(&put.send().await.unwrap_err()),
            403,
            "read-only may not write"
        );
        let listed = ci.s3.list_objects_v2().bucket(&other).send().await;
        assert_eq!(status(&listed.unwrap_err()), 403, "another bucket");
        let got = ci.s3.get_object().bucket(&other).key("a.txt").send().await;
        assert_eq!(status(&got.unwrap_err()), 403, "another bucket");
    });
}

/// The HTTP status of a failed SDK call.
trait ProvideStatus {
    fn status(&self) -> u16;
}

impl<E> ProvideStatus
    for aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>
{
    fn status(&self) -> u16 {
        self.raw_response().map_or(0, |r| r.status().as_u16())
    }
}
