//! Each operator policy of `docs/permissions.md`, taken from the page
//! itself, is enough for the commands it is documented for: an operator
//! allowed exactly that policy runs them on the enforcing emulator.
//!
//! Two differences of moto from AWS are bent, as the page says: moto checks
//! IAM and STS actions against the resource `*` only, so statements naming
//! IAM ARNs are widened to `*`; and moto authorizes a bucket `HEAD` as
//! `s3:HeadBucket`, which is added (AWS authorizes it as `s3:ListBucket`,
//! https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html).

use serde_json::Value;

use crate::common::iam::{access_keys, user_exists};
use crate::common::s3::new_bucket;
use crate::localserver::running::Running;
use std::sync::{Mutex, OnceLock};

use crate::common::{Enforcing, Output, block_on, enforcing_moto, s3c, start_enforcing, unique};

/// The policy under the `###` heading starting with `title`, for
/// `bucket` (the page's `my-bucket`), bent for moto as said above.
fn documented(title: &str, bucket: &str) -> Value {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/permissions.md"),
    )
    .unwrap();
    let section = page
        .split("\n### ")
        .find(|section| section.starts_with(title))
        .unwrap_or_else(|| panic!("no section {title} on docs/permissions.md"));
    let json = section.split("```json\n").nth(1).unwrap();
    let json = json.split("```").next().unwrap();
    let json = json
        .replace("ACCOUNT", "123456789012")
        .replace("my-bucket", bucket);
    let mut policy: Value = serde_json::from_str(&json).unwrap();
    let statements = policy["Statement"].as_array_mut().unwrap();
    for statement in statements.iter_mut() {
        let resource = statement["Resource"].as_str().unwrap_or_default();
        if resource.starts_with("arn:aws:iam:") {
            // `*` for moto's IAM checks; the ARN stays for `sts:AssumeRole`,
            // which moto checks against the role's ARN.
            statement["Resource"] = serde_json::json!([resource, "*"]);
        }
    }
    statements.push(serde_json::json!(
        {"Effect": "Allow", "Action": "s3:HeadBucket", "Resource": "*"}
    ));
    // moto authorizes a `DeleteObjects` batch as `s3:DeleteObject` on the
    // bucket; AWS authorizes each key as `s3:DeleteObject` on the object
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html).
    if json.contains("\"s3:DeleteObject\"") {
        statements.push(serde_json::json!(
            {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": format!("arn:aws:s3:::{bucket}")}
        ));
    }
    policy
}

/// Runs commands as an operator allowed exactly one documented policy.
struct Operator {
    server: &'static Enforcing,
    name: String,
    key: String,
    secret: String,
}

impl Operator {
    fn new(title: &str, bucket: &str) -> Self {
        Self::on(enforcing_moto(), title, bucket)
    }

    fn on(server: &'static Enforcing, title: &str, bucket: &str) -> Self {
        let policy = documented(title, bucket);
        let (name, key, secret) = server.user_with_statements(policy["Statement"].clone());
        Self {
            server,
            name,
            key,
            secret,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        s3c(args)
            .against(&self.server.emulator)
            .env("AWS_ACCESS_KEY_ID", &self.key)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret)
            .run()
    }
}

#[test]
fn hand_out_keys_policy_runs_create_rotate_key_list_credentials_and_delete_user() {
    // An emulator of its own: `list-credentials` reads every user and role,
    // and fails for one another test deletes meanwhile.
    static SERVER: OnceLock<Enforcing> = OnceLock::new();
    let server = SERVER.get_or_init(start_enforcing);
    let admin = server.admin();
    let bucket = new_bucket(&admin, "doc-keys");
    let operator = Operator::on(server, "Hand out keys", &bucket);
    let user = format!("s3.read-write.{bucket}");
    operator.run(&["create", &bucket]).success_with_stderr(&format!(
        "Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
         Attached policy {user} to user {user}\n\
         Created access key for user: {user}\n"
    ));
    // Again: the user exists now, and is tagged with the grant.
    operator
        .run(&["create", &bucket])
        .success_with_stderr(&format!(
            "Using existing user: {user}\n\
         Attached policy {user} to user {user}\n\
         Tagged user: {user}\n\
         Created access key for user: {user}\n"
        ));
    let first = access_keys(&admin, &user)[0].clone();
    let rotated = operator.run(&["rotate-key", &user, "--delete", &first]);
    assert_eq!(rotated.code, 0, "{rotated:#?}");
    assert!(!access_keys(&admin, &user).contains(&first));
    let listed = operator.run(&["list-credentials"]);
    assert_eq!(listed.code, 0, "{listed:#?}");
    assert!(listed.stdout.contains(&user), "{listed:#?}");
    let deleted = operator.run(&["delete-user", &user]);
    assert_eq!(
        (deleted.code, deleted.stderr.as_str()),
        (0, ""),
        "{deleted:#?}"
    );
    assert!(!user_exists(&admin, &user));
    // A new bucket, with -c.
    let new = unique("doc-keys-new");
    let made = operator.run(&["create", &new, "-c"]);
    assert_eq!(made.code, 0, "{made:#?}");
    assert!(
        made.stderr.starts_with(&format!("Created bucket: {new}\n")),
        "{made:#?}"
    );
}

/// The role behind `create --duration`, made by the admin as the tool makes
/// it: moto answers a `CreateRole` from the tool with
/// `SignatureDoesNotMatch` when it checks signatures, so the first run in an
/// account (`iam:CreateRole`, `iam:AttachRolePolicy`) cannot be run here.
///
/// The role trusts the account, which on AWS lets any user whose own policy
/// allows `sts:AssumeRole` on it assume it
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts);
/// moto matches the principal against the user's ARN only, so `operator` is
/// named in the trust policy too.
/// Every operator named so far is kept: tests run at once.
fn shared_role(operator: &str) {
    static TRUSTED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut trusted = TRUSTED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    trusted.push(format!("arn:aws:iam::123456789012:user/{operator}"));
    let mut principals = vec!["arn:aws:iam::123456789012:root".to_owned()];
    principals.extend(trusted.iter().cloned());
    let iam = enforcing_moto().admin().iam;
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": principals},
        "Action": "sts:AssumeRole"}]});
    block_on(async {
        let name = "s3-credentials.AmazonS3FullAccess";
        if iam.get_role().role_name(name).send().await.is_ok() {
            let update = iam.update_assume_role_policy().role_name(name);
            update
                .policy_document(trust.to_string())
                .send()
                .await
                .unwrap();
            return;
        }
        let request = iam
            .create_role()
            .role_name(name)
            .max_session_duration(43200);
        let created = request
            .assume_role_policy_document(trust.to_string())
            .send()
            .await;
        // Another test may have made it meanwhile.
        if created.is_ok() {
            let attach = iam.attach_role_policy().role_name(name);
            let arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess";
            attach.policy_arn(arn).send().await.unwrap();
        }
    });
}

#[test]
fn temporary_credentials_policy_runs_create_duration_once_the_role_exists() {
    let admin = enforcing_moto().admin();
    let bucket = new_bucket(&admin, "doc-duration");
    let operator = Operator::new("Temporary credentials", &bucket);
    shared_role(&operator.name);
    let output = operator.run(&["create", &bucket, "--duration", "15m"]);
    let stdout = output.success_with_stderr(
        "Assume role against arn:aws:iam::123456789012:role/s3-credentials.AmazonS3FullAccess \
         for 900s\n",
    );
    assert!(stdout.contains("\"SessionToken\""), "{output:#?}");
}

#[test]
fn keyless_roles_policy_runs_delete_role() {
    let admin = enforcing_moto().admin();
    let bucket = new_bucket(&admin, "doc-trust");
    let operator = Operator::new("Keyless roles", &bucket);
    let role = unique("doc-role");
    // What moto can check of `create --trust`: it answers the tool's
    // `CreateRole` with `SignatureDoesNotMatch` under enforcement.
    let output = operator.run(&[
        "create",
        &bucket,
        "--trust",
        "account:123456789012",
        "--role-name",
        &role,
    ]);
    assert!(
        output
            .stderr
            .starts_with("Error: CreateRole failed: SignatureDoesNotMatch: "),
        "{output:#?}"
    );
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "sts:AssumeRole"}]});
    block_on(async {
        let request = admin.iam.create_role().role_name(&role);
        request
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap();
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]});
        let put = admin
            .iam
            .put_role_policy()
            .role_name(&role)
            .policy_name("p");
        put.policy_document(policy.to_string())
            .send()
            .await
            .unwrap();
    });
    // Not tagged by the tool (the admin made it): --force.
    let deleted = operator.run(&["delete-role", &role, "--force"]);
    assert_eq!(deleted.code, 0, "{deleted:#?}");
    assert!(block_on(admin.iam.get_role().role_name(&role).send()).is_err());
}

#[test]
fn object_commands_policy_runs_the_object_commands() {
    let server = enforcing_moto();
    let bucket = new_bucket(&server.admin(), "doc-objects");
    let admin = server.admin();
    block_on(async {
        let body = aws_sdk_s3::primitives::ByteStream::from_static(b"old");
        let put = admin
            .s3
            .put_object()
            .bucket(&bucket)
            .key("old.txt")
            .body(body);
        put.send().await.unwrap();
    });
    let operator = Operator::new("Object commands", &bucket);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new.txt");
    std::fs::write(&file, "new").unwrap();
    let file = file.to_str().unwrap();
    let all = dir.path().join("all");
    let runs: &[&[&str]] = &[
        &["put-object", &bucket, "new.txt", file],
        &["list-bucket", &bucket],
        &["get-object", &bucket, "old.txt"],
        &["get-objects", &bucket, "-o", all.to_str().unwrap()],
        &["delete-objects", &bucket, "old.txt"],
    ];
    for args in runs {
        let output = operator.run(args);
        assert_eq!(output.code, 0, "{args:?}: {output:#?}");
    }
    let listed = block_on(admin.s3.list_objects_v2().bucket(&bucket).send()).unwrap();
    let names: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(names, ["new.txt"]);
}

#[test]
fn localserver_policy_serves_credentials_once_the_role_exists() {
    let server = enforcing_moto();
    let bucket = new_bucket(&server.admin(), "doc-local");
    let operator = Operator::new("localserver", &bucket);
    shared_role(&operator.name);
    let args = [bucket.as_str(), "--duration", "15m"];
    let run = Running::run_of(&server.emulator.endpoint, &args)
        .env("AWS_ACCESS_KEY_ID", &operator.key)
        .env("AWS_SECRET_ACCESS_KEY", &operator.secret);
    let running = Running::start_run(run);
    let credentials = running.credentials(&[]);
    assert!(credentials["SessionToken"].is_string(), "{credentials}");
    running.terminate_cleanly();
}

/// A grant too large for inline policies needs the statements of "Large
/// grants" besides "Hand out keys": without them `create` is refused at
/// `CreatePolicy` and takes back its user; with them `create` and
/// `delete-user` succeed and leave no policy.
#[test]
fn large_grants_statements_run_create_and_delete_user_of_forty_buckets() {
    let server = enforcing_moto();
    let admin = server.admin();
    let all = crate::managed_policies::buckets(&admin, 40);
    let keys = Operator::new("Hand out keys", "unused");
    let user = unique("doc-large");
    let create = crate::managed_policies::create(&user, &all, &["--silent"]);
    let refused = keys.run(&create);
    refused.fails_with(
        1,
        &format!(
            "Undoing the changes made so far:\n  Deleted user: {user}\n\
             Error: CreatePolicy failed: AccessDenied: User: \
             arn:aws:iam::123456789012:user/{} is not authorized to perform: \
             iam:CreatePolicy\n",
            keys.name
        ),
    );
    assert!(!user_exists(&admin, &user));
    let mut statements = documented("Hand out keys", "unused")["Statement"].clone();
    let large = documented("Large grants", "unused");
    let extra = large["Statement"].as_array().unwrap().iter().cloned();
    statements.as_array_mut().unwrap().extend(extra);
    let (_, key, secret) = server.user_with_statements(statements);
    let operator = Operator {
        server,
        name: String::new(),
        key,
        secret,
    };
    let made = operator.run(&create);
    assert_eq!((made.code, made.stderr.as_str()), (0, ""), "{made:#?}");
    let policy = crate::managed_policies::arn(&user, 1);
    assert!(crate::managed_policies::policy_exists(&admin, &policy));
    let deleted = operator.run(&["delete-user", &user]);
    assert_eq!(
        (deleted.code, deleted.stderr.as_str()),
        (0, ""),
        "{deleted:#?}"
    );
    assert!(!user_exists(&admin, &user));
    assert!(!crate::managed_policies::policy_exists(&admin, &policy));
}
