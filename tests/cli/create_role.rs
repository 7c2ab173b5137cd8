//! `create --trust` against the emulators: each principal kind makes its
//! role (and OIDC provider or instance profile), with the trust policy of
//! its golden file and the permissions `create` gives users; `--dry-run`
//! shows both; bad principals are usage errors. Failures at each step are
//! in `create_role_faults`.

use serde_json::Value;

use crate::common::roles::{
    profile_roles, provider_audiences, role_exists, role_policies, trust_of,
};
use crate::common::s3::{bucket_exists, new_bucket};
use crate::common::{Output, block_on, exclusive_moto, moto, s3c, unique};
use crate::create::golden;

/// A golden trust policy from `tests/fixtures/trust/` (account 123456789012,
/// moto's account).
fn trust_golden(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/trust/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A successful run that wrote exactly `stderr` and printed the role, checked
/// for its exact layout.
fn printed_role(output: &Output, stderr: &str, role: &str, profile: bool) {
    let stdout = output.success_with_stderr(stderr);
    let arn = format!("arn:aws:iam::123456789012:role/{role}");
    let expected = if profile {
        format!(
            "{{\n    \"RoleName\": \"{role}\",\n    \"RoleArn\": \"{arn}\",\n    \
             \"InstanceProfileArn\": \"arn:aws:iam::123456789012:instance-profile/{role}\"\n}}\n"
        )
    } else {
        format!("{{\n    \"RoleName\": \"{role}\",\n    \"RoleArn\": \"{arn}\"\n}}\n")
    };
    assert_eq!(stdout, expected);
}

const GITHUB_PROVIDER: &str =
    "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

#[test]
fn github_role_creates_the_provider_once_and_prints_the_workflow_step() {
    // The provider is one per account: start from an empty one.
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    let bucket = unique("gh");
    let role = format!("s3.read-write.{bucket}");
    let output = s3c(&[
        "create",
        &bucket,
        "-c",
        "--trust",
        "github:octo-org/octo-repo",
    ])
    .against(server)
    .run();
    printed_role(
        &output,
        &format!(
            "Created bucket: {bucket}\n\
             Created OpenID Connect provider: {GITHUB_PROVIDER}\n\
             Created role: {role} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
             Attached policy {role} to role {role}\n\
             \n\
             To use the role in a GitHub Actions workflow of octo-org/octo-repo (only jobs whose token \
             subject matches `repo:octo-org/octo-repo:*` can assume it):\n\
             \n\
             permissions:\n  id-token: write\n  contents: read\n\
             jobs:\n  upload:\n    runs-on: ubuntu-latest\n    steps:\n\
             \x20     - uses: aws-actions/configure-aws-credentials@v4\n\
             \x20       with:\n\
             \x20         role-to-assume: arn:aws:iam::123456789012:role/{role}\n\
             \x20         aws-region: us-east-1\n\
             \x20     - run: aws s3 ls s3://{bucket}/\n"
        ),
        &role,
        false,
    );
    assert_eq!(trust_of(&clients, &role), trust_golden("github-any"));
    assert_eq!(
        role_policies(&clients, &role),
        [(role.clone(), golden("read-write", &bucket))]
    );
    assert_eq!(
        provider_audiences(&clients, "token.actions.githubusercontent.com"),
        Some(vec!["sts.amazonaws.com".to_owned()])
    );

    // A second role reuses the provider; running again reuses the role.
    for _ in 0..2 {
        let output = s3c(&[
            "create",
            &bucket,
            "--read-only",
            "--trust",
            "github:octo-org/octo-repo:ref:refs/heads/main",
            "--role-name",
            "deploy-main",
            "--silent",
        ])
        .against(server)
        .run();
        printed_role(&output, "", "deploy-main", false);
    }
    assert_eq!(
        trust_of(&clients, "deploy-main"),
        trust_golden("github-ref")
    );
    assert_eq!(
        role_policies(&clients, "deploy-main"),
        [(
            format!("s3.read-only.{bucket}"),
            golden("read-only", &bucket)
        )]
    );
}

#[test]
fn an_existing_provider_without_the_audience_is_refused_before_any_change() {
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    block_on(
        clients
            .iam
            .create_open_id_connect_provider()
            .url("https://gitlab.com")
            .client_id_list("my-own-audience")
            .send(),
    )
    .unwrap();
    let bucket = unique("gl");
    let output = s3c(&["create", &bucket, "-c", "--trust", "gitlab:g/p"])
        .against(server)
        .run();
    let arn = "arn:aws:iam::123456789012:oidc-provider/gitlab.com";
    output.fails_with(
        1,
        &format!(
            "Error: the OpenID Connect provider {arn} exists but does not accept the audience \
             `https://gitlab.com` (it accepts: my-own-audience); add it with `aws iam \
             add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {arn} \
             --client-id https://gitlab.com`\n"
        ),
    );
    assert!(!bucket_exists(&clients, &bucket));
    assert!(!role_exists(&clients, &format!("s3.read-write.{bucket}")));
}

#[test]
fn gitlab_role_with_a_branch() {
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    let bucket = new_bucket(&clients, "gl");
    let output = s3c(&[
        "create",
        &bucket,
        "--trust",
        "gitlab:my-group/sub.group/my-project:ref_type:branch:ref:main",
        "--role-name",
        "gitlab-main",
    ])
    .against(server)
    .run();
    let arn = "arn:aws:iam::123456789012:role/gitlab-main";
    printed_role(
        &output,
        &format!(
            "Created OpenID Connect provider: arn:aws:iam::123456789012:oidc-provider/gitlab.com\n\
             Created role: gitlab-main with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
             Attached policy s3.read-write.{bucket} to role gitlab-main\n\
             \n\
             To use the role in a GitLab CI job of my-group/sub.group/my-project (only jobs whose \
             token subject matches `project_path:my-group/sub.group/my-project:ref_type:branch:ref:main` \
             can assume it), in .gitlab-ci.yml:\n\
             \n\
             upload:\n  id_tokens:\n    GITLAB_OIDC_TOKEN:\n      aud: https://gitlab.com\n\
             \x20 variables:\n\
             \x20   AWS_ROLE_ARN: {arn}\n\
             \x20   AWS_WEB_IDENTITY_TOKEN_FILE: /tmp/web-identity-token\n\
             \x20   AWS_REGION: us-east-1\n\
             \x20 script:\n\
             \x20   - echo \"$GITLAB_OIDC_TOKEN\" > \"$AWS_WEB_IDENTITY_TOKEN_FILE\"\n\
             \x20   - aws s3 ls s3://{bucket}/\n"
        ),
        "gitlab-main",
        false,
    );
    assert_eq!(
        trust_of(&clients, "gitlab-main"),
        trust_golden("gitlab-ref")
    );
    assert_eq!(
        provider_audiences(&clients, "gitlab.com"),
        Some(vec!["https://gitlab.com".to_owned()])
    );
}

/// What `create --trust` prints on stderr for a role on an existing bucket
/// with `--write-only`: the steps, then `snippet`.
fn service_stderr(bucket: &str, role: &str, snippet: &str) -> String {
    format!(
        "Created role: {role} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
         Attached policy s3.write-only.{bucket} to role {role}\n\n{snippet}"
    )
}

#[test]
fn service_and_account_roles() {
    let clients = moto().clients();
    let bucket = new_bucket(&clients, "svc");
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["service:lambda"],
            "service-lambda",
            "To make the role the execution role of a Lambda function:\n\n\
             aws lambda update-function-configuration --function-name FUNCTION --role @ARN@\n",
        ),
        (
            &["service:ecs-tasks"],
            "service-ecs-tasks",
            "To make the role the task role of an ECS task definition, set in it:\n\n\
             \"taskRoleArn\": \"@ARN@\"\n",
        ),
        (
            &["service:states.amazonaws.com"],
            "service-states",
            "To let states.amazonaws.com use the role, give it the role ARN:\n\n@ARN@\n",
        ),
        (
            &["account:210987654321", "--external-id", "partner-7f3a"],
            "account-external-id",
            "To assume the role from account 210987654321 (whose own IAM policies must also \
             allow sts:AssumeRole on it), add to ~/.aws/config there:\n\n\
             [profile @ROLE@]\nrole_arn = @ARN@\nsource_profile = default\nexternal_id = partner-7f3a\n",
        ),
    ];
    for (trust, golden_name, snippet) in cases {
        let role = unique("role");
        let mut args = vec![
            "create",
            bucket.as_str(),
            "--write-only",
            "--role-name",
            &role,
            "--trust",
        ];
        args.extend_from_slice(trust);
        let output = s3c(&args).against(moto()).run();
        let arn = format!("arn:aws:iam::123456789012:role/{role}");
        let snippet = snippet.replace("@ARN@", &arn).replace("@ROLE@", &role);
        printed_role(
            &output,
            &service_stderr(&bucket, &role, &snippet),
            &role,
            false,
        );
        assert_eq!(
            trust_of(&clients, &role),
            trust_golden(golden_name),
            "{trust:?}"
        );
        assert_eq!(
            role_policies(&clients, &role),
            [(
                format!("s3.write-only.{bucket}"),
                golden("write-only", &bucket)
            )]
        );
    }
}

#[test]
fn ec2_role_comes_with_an_instance_profile() {
    let clients = moto().clients();
    let bucket = unique("ec2");
    let role = unique("instance");
    let output = s3c(&[
        "create",
        &bucket,
        "-c",
        "--read-only",
        "--trust",
        "service:ec2",
        "--role-name",
        &role,
    ])
    .against(moto())
    .run();
    printed_role(
        &output,
        &format!(
            "Created bucket: {bucket}\n\
             Created role: {role} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\n\
             Attached policy s3.read-only.{bucket} to role {role}\n\
             Created instance profile: {role}\n\
             Added role {role} to instance profile {role}\n\
             \n\
             To give the role to an EC2 instance, through the instance profile {role}:\n\
             \n\
             aws ec2 associate-iam-instance-profile --instance-id INSTANCE_ID --iam-instance-profile Name={role}\n"
        ),
        &role,
        true,
    );
    assert_eq!(trust_of(&clients, &role), trust_golden("service-ec2"));
    assert_eq!(profile_roles(&clients, &role), [role.as_str()]);

    // `list-roles` shows it.
    let output = s3c(&["list-roles", &role, "--csv"]).against(moto()).run();
    assert!(
        output
            .success()
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("/,{role},"))
    );
}

#[test]
fn a_role_that_trusts_someone_else_is_refused_before_any_change() {
    let clients = moto().clients();
    let bucket = unique("other");
    let role = unique("taken");
    let first = s3c(&[
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
    .run();
    first.success();
    let second_bucket = unique("other");
    let output = s3c(&[
        "create",
        &second_bucket,
        "-c",
        "--trust",
        "github:o/r",
        "--role-name",
        &role,
    ])
    .against(moto())
    .run();
    output.fails_with(
        1,
        &format!(
            "Error: role `{role}` already exists and trusts other principals than asked: choose \
             another name with --role-name, or delete it first with `s3-credentials delete-role {role}`\n"
        ),
    );
    assert!(!bucket_exists(&clients, &second_bucket));
    assert_eq!(trust_of(&clients, &role), trust_golden("service-lambda"));
}

/// The `--dry-run` text of a role: buckets, provider, trust policy,
/// permissions, instance profile; built here from the golden files.
fn expected_dry_run(trust: &str, provider: Option<&str>, ec2: bool) -> String {
    let role = "s3.read-only.my-bucket";
    let trust = std::fs::read_to_string(format!(
        "{}/tests/fixtures/trust/{trust}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("123456789012", "ACCOUNT_ID");
    let policy = std::fs::read_to_string(format!(
        "{}/tests/fixtures/policies/read-only.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut text = "Would check that bucket exists: 'my-bucket'\n".to_owned();
    if let Some(line) = provider {
        text.push_str(line);
    }
    text.push_str(&format!(
        "Would create role if it does not exist: '{role}' with permissions boundary: \
         'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', trust policy (ACCOUNT_ID is the account \
         of the credentials):\n{trust}\
         Would attach policy called '{role}' to role '{role}', details:\n{policy}"
    ));
    if ec2 {
        text.push_str(&format!(
            "Would create instance profile if it does not exist: '{role}' and add role '{role}' to it\n"
        ));
    }
    text
}

#[test]
fn dry_run_prints_trust_and_permissions_policies_without_aws() {
    let github = "Would create OpenID Connect provider if the account lacks it: \
                  'https://token.actions.githubusercontent.com' with audience 'sts.amazonaws.com'\n";
    let gitlab = "Would create OpenID Connect provider if the account lacks it: \
                  'https://gitlab.com' with audience 'https://gitlab.com'\n";
    let cases: &[(&[&str], &str, Option<&str>, bool)] = &[
        (
            &["github:octo-org/octo-repo:environment:prod"],
            "github-environment",
            Some(github),
            false,
        ),
        (
            &["gitlab:my-group/my-project"],
            "gitlab-any",
            Some(gitlab),
            false,
        ),
        (&["service:lambda"], "service-lambda", None, false),
        (&["service:ec2"], "service-ec2", None, true),
        (&["service:ecs-tasks"], "service-ecs-tasks", None, false),
        (&["account:210987654321"], "account", None, false),
    ];
    for (trust, golden_name, provider, ec2) in cases {
        let mut args = vec!["create", "my-bucket", "--read-only", "--dry-run", "--trust"];
        args.extend_from_slice(trust);
        // No endpoint and no credentials: any AWS call would fail.
        let output = s3c(&args)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .run();
        assert_eq!(
            (output.code, output.stderr.as_str()),
            (0, ""),
            "{trust:?}: {output:#?}"
        );
        assert_eq!(
            output.stdout,
            expected_dry_run(golden_name, *provider, *ec2),
            "{trust:?}"
        );
    }
}

#[test]
fn bad_trust_options_are_usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--trust", "github:octo-org/*"],
            "Error: --trust: the GitHub repository name `*` contains `*`: a wildcard here would \
             trust every repository or project it matches; name one\n",
        ),
        (
            &["--trust", "github:o/r:ref:refs/heads/*/x"],
            "Error: --trust: the ref `refs/heads/*/x` contains `*`: IAM's wildcards also match `/` \
             and `:`, so only one trailing `*` on a ref is allowed\n",
        ),
        (
            &["--trust", "service:lambda", "--external-id", "abc"],
            "Error: --external-id only applies to --trust account:ACCOUNT_ID\n",
        ),
        (
            &["--trust", "service:lambda", "--role-name", ""],
            "Error: --role-name cannot be empty\n",
        ),
        (
            &["--trust", "service:lambda", "--role-name", "ci/deploy"],
            "Error: role name `ci/deploy` contains `/`: IAM role names may only use letters, \
             digits and +=,.@_-\n",
        ),
        (
            &["--external-id", "abc"],
            "Error: the following required arguments were not provided: --trust <PRINCIPAL>; \
             see `s3-credentials create --help`\n",
        ),
        (
            &["--trust", "service:lambda", "-d", "1h"],
            "Error: the argument '--trust <PRINCIPAL>' cannot be used with '--duration <DURATION>'; \
             see `s3-credentials create --help`\n",
        ),
        (
            &["--trust", "service:lambda", "--username", "u"],
            "Error: the argument '--trust <PRINCIPAL>' cannot be used with '--username <NAME>'; \
             see `s3-credentials create --help`\n",
        ),
    ];
    for (options, stderr) in cases {
        let mut args = vec!["create", "my-bucket"];
        args.extend_from_slice(options);
        // No endpoint: a request would fail with exit 1, not 2.
        s3c(&args).run().fails_with(2, stderr);
    }
    let long = "r".repeat(65);
    s3c(&[
        "create",
        "my-bucket",
        "--trust",
        "service:lambda",
        "--role-name",
        &long,
    ])
    .run()
    .fails_with(
        2,
        &format!(
            "Error: role name `{long}` is 65 characters long, more than the 64 IAM allows; \
                 choose a shorter one with --role-name, or name fewer buckets\n"
        ),
    );
}

/// Run the offline policy linter (`scripts/lint_policies.py`, parliament)
/// over files: `(exit code, stdout)`.
fn lint(files: &[std::path::PathBuf]) -> (i32, String) {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = repo.join(".venv-lint/bin/python");
    assert!(
        python.exists(),
        "the policy linter is not installed: run `scripts/test` (or `scripts/setup-test-env`) first"
    );
    let output = std::process::Command::new(python)
        .arg(repo.join("scripts/lint_policies.py"))
        .args(files)
        .output()
        .unwrap();
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
    )
}

#[test]
fn trust_and_permissions_policies_pass_the_policy_linter() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    for folder in ["trust", "policies"] {
        for entry in std::fs::read_dir(fixtures.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            // A user's own `--statement`s (textract on `*`), not generated ones;
            // and the IPv6 network, whose one finding is parliament's and is
            // checked in `source_ip::lint_with_ipv6`.
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.starts_with("read-write-statement") && name != "read-write-source-ip.json" {
                files.push(path);
            }
        }
    }
    files.sort();
    // Every trust policy, and the generated policies with and without expiry,
    // `--key` and `--source-ip`.
    assert_eq!(files.len(), 14 + 20);
    assert_eq!(lint(&files), (0, String::new()));

    // The linter does look at trust policies: a misspelled action or
    // condition key is reported.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    let text = std::fs::read_to_string(fixtures.join("trust/service-ecs-tasks.json"))
        .unwrap()
        .replace("aws:SourceAccount", "aws:SourceAccont");
    std::fs::write(&broken, text).unwrap();
    assert_eq!(
        lint(std::slice::from_ref(&broken)),
        (
            1,
            format!(
                "{}: UNKNOWN_CONDITION_FOR_ACTION: Unknown condition aws:SourceAccont for action sts:AssumeRole\n",
                broken.display()
            )
        )
    );
}

#[test]
fn roles_carry_the_grant_tags_and_appear_in_list_credentials() {
    let (_lock, server) = exclusive_moto();
    let clients = server.clients();
    let bucket = new_bucket(&clients, "tagged");
    let output = s3c(&[
        "create",
        &bucket,
        "--read-only",
        "--prefix",
        "logs/",
        "--expires",
        "2030-01-01",
        "--tag",
        "owner=ci",
        "--trust",
        "github:octo-org/octo-repo",
        "--role-name",
        "tagged-role",
        "--silent",
    ])
    .against(server)
    .run();
    printed_role(&output, "", "tagged-role", false);
    let found = block_on(clients.iam.get_role().role_name("tagged-role").send()).unwrap();
    let mut tags: Vec<(String, String)> = found
        .role
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    tags.sort();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        tags,
        [
            ("owner", "ci"),
            ("s3-credentials:access", "read-only"),
            ("s3-credentials:buckets", bucket.as_str()),
            ("s3-credentials:expires", "2030-01-01T00:00:00Z"),
            ("s3-credentials:kind", "role"),
            ("s3-credentials:prefixes", "logs/"),
            ("s3-credentials:version", version),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    // The role's policy expires like a user's: every statement carries the
    // `aws:CurrentTime` condition.
    let policies = role_policies(&clients, "tagged-role");
    let statements = policies[0].1["Statement"].as_array().unwrap();
    assert!(
        statements.iter().all(|s| {
            s["Condition"]["DateLessThan"]["aws:CurrentTime"] == "2030-01-01T00:00:00Z"
        })
    );
    let listed = s3c(&["list-credentials", "--nl"]).against(server).run();
    let rows: Vec<Value> = listed
        .success()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (
            &rows[0]["Name"],
            &rows[0]["Kind"],
            &rows[0]["Access"],
            &rows[0]["Prefixes"]
        ),
        (
            &Value::from("tagged-role"),
            &Value::from("role"),
            &Value::from("read-only"),
            &serde_json::json!(["logs/"])
        )
    );
}
