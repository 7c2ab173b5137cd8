//! `create --trust` next to other runs: an undo never deletes an OpenID
//! Connect provider another role trusts (issue 22 row 4).

use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::common::proxy::{Proxy, iam_error};
use crate::common::roles::{provider_audiences, role_exists, trust_of};
use crate::common::{exclusive_moto, s3c, unique};

const GITHUB: &str = "token.actions.githubusercontent.com";
const PROVIDER: &str =
    "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

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
