//! `create --emit cloudformation`: the template per kind of grant and
//! principal is its golden file in `tests/fixtures/cloudformation/`, cfn-lint
//! finds nothing in it, it deploys on moto's CloudFormation with the
//! policies `policy` prints, and deleting the stack removes what it made.
//! Options that have no meaning in a template are usage errors.
//!
//! What moto 5.2.5's CloudFormation honours, measured with these templates
//! (in the spirit of `/work/shared/EMULATOR.md`):
//! - `AWS::IAM::User`: made with its name; its `Tags` and
//!   `PermissionsBoundary` are ignored (ListUserTags answers `[]`, GetUser
//!   has no boundary), so the tests read those from the template only.
//! - `AWS::IAM::Role`: name, trust policy (the `Fn::Sub`s resolved to
//!   account 123456789012, partition `aws`), description, tags and boundary
//!   are all applied, and checked here.
//! - `AWS::IAM::Policy` on a user or role: applied as the named inline
//!   policy; moto re-serialises the document, so documents are compared
//!   parsed. `AWS::IAM::ManagedPolicy`: made with its name, path and
//!   document and attached to the user; deleting its stack fails in moto
//!   (`DeleteConflict`: it deletes the user before detaching the policy,
//!   which CloudFormation does in dependency order), so that test removes
//!   the user with `delete-user` instead. `AWS::IAM::InstanceProfile`: applied, holding the role.
//! - `AWS::IAM::OIDCProvider` and `AWS::S3::BucketPolicy` are not supported:
//!   moto warns, marks them complete and makes nothing; a `Ref` to the
//!   provider resolves to nothing (the role's `Principal` comes out `{}`), so
//!   the GitHub role is deployed with `CreateOidcProvider=false`, which is
//!   also the path a team whose account has the provider takes.
//! - `AWS::S3::Bucket`: name and `Tags` applied; `WebsiteConfiguration` and
//!   `PublicAccessBlockConfiguration` ignored (GetBucketWebsite and
//!   GetPublicAccessBlock answer "not found"). `DeletionPolicy: Retain` is
//!   honoured: with it the buckets outlive the stack (checked here); without
//!   it (tried by hand) moto deleted them with the stack.
//! - Deleting a stack's role crashes moto (500, `'NoneType' object is not
//!   iterable` in `Role.delete_from_cloudformation_json`) while any
//!   `AWS::IAM::Policy` attached only to users exists on the same server,
//!   such as another test's user stack: the role stacks run on the exclusive
//!   server, reset and locked.
//! - A name that exists already: moto refuses `CreateStack` itself
//!   (`EntityAlreadyExists`); CloudFormation accepts it and the stack fails
//!   and rolls back. Either way the existing user is not adopted.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::iam::{inline_policies, user_exists};
use crate::common::roles::{profile_roles, role_exists, role_policies, trust_of};
use crate::common::s3::bucket_exists;
use crate::common::{Emulator, block_on, exclusive_moto, moto, s3c, unique};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The grants with a golden template: file name and `create` options.
const KINDS: &[(&str, &[&str])] = &[
    ("read-write", &["my-bucket"]),
    (
        "read-only-prefix-expires",
        &[
            "my-bucket",
            "--read-only",
            "--prefix",
            "reports/",
            "--expires",
            "2099-01-01T00:00:00Z",
        ],
    ),
    (
        "key-source-ip",
        &[
            "my-bucket",
            "--key",
            "reports/2026.csv",
            "--key",
            "uploads/latest.zip",
            "--source-ip",
            "203.0.113.0/24",
            "--username",
            "office-uploader",
        ],
    ),
    (
        "trust-github",
        &[
            "my-bucket",
            "--trust",
            "github:octo-org/octo-repo:ref:refs/heads/main",
            "--role-name",
            "deploy-site",
        ],
    ),
    (
        "trust-service-ec2",
        &[
            "my-bucket",
            "--read-only",
            "--trust",
            "service:ec2",
            "--role-name",
            "ec2-reader",
        ],
    ),
    (
        "website",
        &[
            "site-bucket",
            "assets-bucket",
            "-c",
            "--website",
            "--tag",
            "team=web",
            "--username",
            "site-publisher",
        ],
    ),
    (
        "merged",
        &[
            "bucket-01",
            "bucket-02",
            "bucket-03",
            "bucket-04",
            "bucket-05",
            "bucket-06",
            "--statement",
            r#"{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}"#,
            "--username",
            "many-buckets",
        ],
    ),
];

/// `create OPTIONS --emit cloudformation`, which must succeed silently.
fn emit(options: &[&str]) -> String {
    let mut args = vec!["create"];
    args.extend_from_slice(options);
    args.extend(["--emit", "cloudformation"]);
    s3c(&args).run().success().to_owned()
}

/// The golden template, with this version where it says `VERSION`.
fn golden(name: &str) -> String {
    let path = repo().join(format!("tests/fixtures/cloudformation/{name}.json"));
    std::fs::read_to_string(path)
        .unwrap()
        .replace("VERSION", env!("CARGO_PKG_VERSION"))
}

#[test]
fn each_kind_prints_its_golden_template() {
    for (name, options) in KINDS {
        assert_eq!(emit(options), golden(name), "{name}");
    }
}

/// The policies in the template are what `policy` prints for the same
/// options, byte for byte (one bucket each), and what `--dry-run` would
/// attach (the merged grant, which `policy` as a session policy lists).
#[test]
fn template_policies_are_what_policy_prints() {
    // The others have two buckets, each its policy, or one merged.
    let single = KINDS
        .iter()
        .filter(|(name, _)| !["website", "merged"].contains(name));
    for (name, options) in single {
        let template: Value = serde_json::from_str(&emit(options)).unwrap();
        let document = &template["Resources"]["Policy1"]["Properties"]["PolicyDocument"];
        let printed = format!("{}\n", pretty(document));
        let policy_options: Vec<&str> = policy_options(options);
        let mut args = vec!["policy"];
        args.extend(policy_options);
        assert_eq!(printed, s3c(&args).run().success(), "{name}");
        assert!(template["Resources"].get("Policy2").is_none(), "{name}");
    }
}

/// `create` options that `policy` takes too (not the holder's).
fn policy_options<'a>(options: &[&'a str]) -> Vec<&'a str> {
    let mut kept = Vec::new();
    let mut words = options.iter();
    while let Some(word) = words.next() {
        match *word {
            "--trust" | "--role-name" | "--username" | "--tag" => {
                words.next();
            }
            "-c" | "--website" => {}
            other => kept.push(other),
        }
    }
    kept
}

fn pretty(value: &Value) -> String {
    let mut buffer = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
    serde::Serialize::serialize(value, &mut serializer).unwrap();
    String::from_utf8(buffer).unwrap()
}

/// cfn-lint (pinned in `.venv-test`) finds no error or warning in any
/// template: every golden kind, plus the other principals.
#[test]
fn cfn_lint_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    let others: &[(&str, &[&str])] = &[
        ("gitlab", &["my-bucket", "--trust", "gitlab:grp/proj"]),
        ("ecs", &["my-bucket", "--trust", "service:ecs-tasks"]),
        (
            "account",
            &[
                "my-bucket",
                "--trust",
                "account:210987654321",
                "--external-id",
                "partner-7",
            ],
        ),
        (
            "custom",
            &[
                "my-bucket",
                "--policy",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::$!BUCKET_NAME!$/${aws:username}/*"}]}"#,
            ],
        ),
    ];
    for (name, options) in KINDS.iter().chain(others) {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, emit(options)).unwrap();
        files.push(path);
    }
    let output = Command::new(repo().join(".venv-test/bin/cfn-lint"))
        .args(&files)
        .output()
        .expect("run cfn-lint (scripts/setup-test-env installs it)");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && report.is_empty(),
        "cfn-lint: {report}"
    );
    // cfn-lint does notice a broken template.
    let website = dir.path().join("website.json");
    let broken = std::fs::read_to_string(&website)
        .unwrap()
        .replace("\"BucketName\"", "\"BucketNam\"");
    std::fs::write(&website, broken).unwrap();
    let output = Command::new(repo().join(".venv-test/bin/cfn-lint"))
        .arg(&website)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("E3002"));
}

/// Run `scripts/cloudformation_stack.py` against `emulator`.
fn stack(emulator: &Emulator, args: &[&str]) -> Value {
    let output = Command::new(repo().join(".venv-test/bin/python"))
        .arg(repo().join("scripts/cloudformation_stack.py"))
        .arg(&emulator.endpoint)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Deploy `template` as a new stack; return the stack's ID and outputs.
fn deploy(emulator: &Emulator, template: &str, parameters: &[&str]) -> (String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("template.json");
    std::fs::write(&path, template).unwrap();
    let name = unique("stack");
    let mut args = vec!["deploy", name.as_str(), path.to_str().unwrap()];
    args.extend_from_slice(parameters);
    let created = stack(emulator, &args);
    assert_eq!(created["StackStatus"], "CREATE_COMPLETE", "{created}");
    (
        created["StackId"].as_str().unwrap().to_owned(),
        created["Outputs"].clone(),
    )
}

fn delete(emulator: &Emulator, stack_id: &str) {
    let deleted = stack(emulator, &["delete", stack_id]);
    assert_eq!(deleted["StackStatus"], "DELETE_COMPLETE", "{deleted}");
}

/// `policy OPTIONS`, parsed.
fn policy(options: &[&str]) -> Value {
    let mut args = vec!["policy"];
    args.extend_from_slice(options);
    serde_json::from_str(s3c(&args).run().success()).unwrap()
}

#[test]
fn a_user_stack_deploys_with_the_policies_and_deletes_cleanly() {
    user_stack(&[
        "my-bucket",
        "--read-only",
        "--prefix",
        "reports/",
        "--expires",
        "2099-01-01T00:00:00Z",
    ]);
}

#[test]
fn a_key_and_source_ip_grant_deploys_with_its_policy() {
    user_stack(&[
        "my-bucket",
        "--read-only",
        "--key",
        "reports/2026.csv",
        "--source-ip",
        "203.0.113.0/24",
        "--source-ip",
        "2001:db8::/32",
    ]);
}

/// Deploy a user stack for a one-bucket read-only `grant`: the user, no
/// key, the policy `policy` prints; deleting the stack removes the user.
fn user_stack(grant: &[&str]) {
    let emulator = moto();
    let clients = emulator.clients();
    let user = unique("stack-user");
    let mut options = grant.to_vec();
    options.extend(["--username", user.as_str()]);
    let (id, outputs) = deploy(emulator, &emit(&options), &[]);
    assert_eq!(outputs["UserName"], user.as_str());
    assert_eq!(
        outputs["UserArn"],
        format!("arn:aws:iam::123456789012:user/{user}").as_str()
    );
    assert_eq!(
        inline_policies(&clients, &user),
        [("s3.read-only.my-bucket".to_owned(), policy(grant))]
    );
    assert!(crate::common::iam::access_keys(&clients, &user).is_empty());
    delete(emulator, &id);
    assert!(!user_exists(&clients, &user));
}

#[test]
fn a_merged_grant_deploys_as_one_policy() {
    let emulator = moto();
    let clients = emulator.clients();
    let user = unique("stack-many");
    let buckets = [
        "bucket-01",
        "bucket-02",
        "bucket-03",
        "bucket-04",
        "bucket-05",
    ];
    let mut options = buckets.to_vec();
    options.extend(["--username", user.as_str()]);
    let template: Value = serde_json::from_str(&emit(&options)).unwrap();
    let (id, _) = deploy(emulator, &template.to_string(), &[]);
    let expected = &template["Resources"]["Policy1"]["Properties"]["PolicyDocument"];
    assert_eq!(
        inline_policies(&clients, &user),
        [("s3.read-write.all-buckets".to_owned(), expected.clone())]
    );
    delete(emulator, &id);
    assert!(!user_exists(&clients, &user));
}

#[test]
fn a_github_role_stack_deploys_with_trust_tags_and_boundary() {
    let (_lock, emulator) = exclusive_moto();
    let clients = emulator.clients();
    let github = unique("stack-gh");
    let (id, outputs) = deploy(
        emulator,
        &emit(&[
            "my-bucket",
            "--trust",
            "github:octo/repo",
            "--role-name",
            &github,
        ]),
        &["CreateOidcProvider=false"],
    );
    assert_eq!(outputs["RoleName"], github.as_str());
    let trust = trust_of(&clients, &github);
    assert_eq!(
        trust["Statement"][0]["Principal"]["Federated"],
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    );
    assert_eq!(
        role_policies(&clients, &github),
        [("s3.read-write.my-bucket".to_owned(), policy(&["my-bucket"]))]
    );
    let role = block_on(clients.iam.get_role().role_name(&github).send()).unwrap();
    let role = role.role.unwrap();
    let boundary = role.permissions_boundary.unwrap();
    assert_eq!(
        boundary.permissions_boundary_arn.as_deref(),
        Some("arn:aws:iam::aws:policy/AmazonS3FullAccess")
    );
    let tags: Vec<(String, String)> = role
        .tags
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    assert!(tags.contains(&("s3-credentials:kind".to_owned(), "role".to_owned())));
    delete(emulator, &id);
    assert!(!role_exists(&clients, &github));
}

#[test]
fn an_ec2_role_stack_makes_the_instance_profile() {
    let (_lock, emulator) = exclusive_moto();
    let clients = emulator.clients();
    let ec2 = unique("stack-ec2");
    let (id, outputs) = deploy(
        emulator,
        &emit(&[
            "my-bucket",
            "--read-only",
            "--trust",
            "service:ec2",
            "--role-name",
            &ec2,
        ]),
        &[],
    );
    assert_eq!(
        outputs["InstanceProfileArn"],
        format!("arn:aws:iam::123456789012:instance-profile/{ec2}").as_str()
    );
    assert_eq!(profile_roles(&clients, &ec2), std::slice::from_ref(&ec2));
    assert_eq!(
        role_policies(&clients, &ec2),
        [(
            "s3.read-only.my-bucket".to_owned(),
            policy(&["my-bucket", "--read-only"])
        )]
    );
    delete(emulator, &id);
    assert!(!role_exists(&clients, &ec2));
    assert!(!crate::common::roles::profile_exists(&clients, &ec2));
}

/// `-c`: the buckets are made (with `--tag`), and kept when the stack goes.
#[test]
fn bucket_stacks_make_the_buckets_and_keep_them() {
    let emulator = moto();
    let clients = emulator.clients();
    let bucket = unique("stack-bucket");
    let user = unique("stack-site");
    let (id, _) = deploy(
        emulator,
        &emit(&[
            &bucket,
            "-c",
            "--website",
            "--tag",
            "team=web",
            "--username",
            &user,
        ]),
        &[],
    );
    assert!(bucket_exists(&clients, &bucket));
    let tagging = block_on(clients.s3.get_bucket_tagging().bucket(&bucket).send()).unwrap();
    let tags: Vec<(&str, &str)> = tagging
        .tag_set()
        .iter()
        .map(|t| (t.key(), t.value()))
        .collect();
    assert_eq!(tags, [("team", "web")]);
    delete(emulator, &id);
    assert!(!user_exists(&clients, &user));
    assert!(bucket_exists(&clients, &bucket));
}

#[test]
fn options_without_meaning_in_a_template_are_refused() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--duration", "1h"],
            "'--emit <FORMAT>' cannot be used with '--duration <DURATION>'",
        ),
        (
            &["--wait"],
            "'--emit <FORMAT>' cannot be used with '--wait'",
        ),
        (
            &["--format", "ini"],
            "'--emit <FORMAT>' cannot be used with '--format <FORMAT>'",
        ),
        (
            &["--dry-run"],
            "'--emit <FORMAT>' cannot be used with '--dry-run'",
        ),
        (
            &["--silent"],
            "'--emit <FORMAT>' cannot be used with '--silent'",
        ),
        (
            &["-c", "--bucket-region", "eu-west-1"],
            "'--emit <FORMAT>' cannot be used with '--bucket-region <REGION>'",
        ),
    ];
    for (options, message) in cases {
        let mut args = vec!["create", "my-bucket", "--emit", "cloudformation"];
        args.extend_from_slice(options);
        s3c(&args).run().fails_with(
            2,
            &format!("Error: the argument {message}; see `s3-credentials create --help`\n"),
        );
    }
    // The issue's command line: `--emit` after a value is no value of `1h`.
    s3c(&[
        "create",
        "my-bucket",
        "--duration",
        "1h",
        "--emit",
        "cloudformation",
    ])
    .run()
    .fails_with(
        2,
        "Error: the argument '--duration <DURATION>' cannot be used with '--emit <FORMAT>'; \
         see `s3-credentials create --help`\n",
    );
}

/// A user's grant too large for its 2,048 characters of inline policies
/// (forty read-write buckets with 18-character names) is emitted as the
/// customer managed policy `create` would make: its name, the tool's path,
/// attached to the stack's user; moto's CloudFormation deploys it so.
#[test]
fn a_grant_too_large_for_inline_deploys_as_a_managed_policy() {
    let emulator = moto();
    let clients = emulator.clients();
    let user = unique("stack-large");
    let buckets: Vec<String> = (0..40).map(|n| format!("bucket-eighteen-{n:03}")).collect();
    let mut options: Vec<&str> = buckets.iter().map(String::as_str).collect();
    options.extend(["--username", user.as_str()]);
    let template: Value = serde_json::from_str(&emit(&options)).unwrap();
    let resources = template["Resources"].as_object().unwrap();
    let names: Vec<&str> = resources.keys().map(String::as_str).collect();
    assert_eq!(names, ["User", "ManagedPolicy1"]);
    let policy = &resources["ManagedPolicy1"];
    assert_eq!(policy["Type"], "AWS::IAM::ManagedPolicy");
    let properties = &policy["Properties"];
    let name = format!("s3-credentials.{user}.1");
    assert_eq!(properties["ManagedPolicyName"], name.as_str());
    assert_eq!(properties["Path"], "/s3-credentials/");
    assert_eq!(properties["Users"], serde_json::json!([{"Ref": "User"}]));
    let (_stack, _) = deploy(emulator, &template.to_string(), &[]);
    assert!(inline_policies(&clients, &user).is_empty());
    let arn = format!("arn:aws:iam::123456789012:policy/s3-credentials/{name}");
    let attached = block_on(
        clients
            .iam
            .list_attached_user_policies()
            .user_name(&user)
            .send(),
    );
    let attached: Vec<String> = (attached.unwrap().attached_policies.unwrap_or_default())
        .into_iter()
        .filter_map(|p| p.policy_arn)
        .collect();
    assert_eq!(attached, std::slice::from_ref(&arn));
    let version = block_on(
        clients
            .iam
            .get_policy_version()
            .policy_arn(&arn)
            .version_id("v1")
            .send(),
    );
    let text = version.unwrap().policy_version.unwrap().document.unwrap();
    let document: Value =
        serde_json::from_str(&percent_encoding::percent_decode_str(&text).decode_utf8_lossy())
            .unwrap();
    assert_eq!(&document, &properties["PolicyDocument"]);
    // moto cannot delete this stack (it deletes the user before detaching
    // the policy: `DeleteConflict`), so the user and its policy are
    // removed as the tool removes them.
    s3c(&["delete-user", &user])
        .against(emulator)
        .run()
        .success();
    assert!(!user_exists(&clients, &user));
}
