//! `create` against the shared emulator: each mode, its output and the state
//! it leaves. Failures forced at each step are in `create_faults`.

use serde_json::Value;

use crate::common::proxy::Proxy;

use crate::common::iam::{access_keys, inline_policies, user_exists};
use crate::common::s3::{bucket_exists, new_bucket};
use crate::common::{block_on, exclusive_moto, moto, s3c, unique};

/// A golden policy with `my-bucket` replaced by `bucket`.
pub(crate) fn golden(name: &str, bucket: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/policies/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("my-bucket", bucket);
    serde_json::from_str(&text).unwrap()
}

/// The printed access key JSON, checked for its exact layout.
fn printed_key(stdout: &str) -> Value {
    let key: Value = serde_json::from_str(stdout).unwrap();
    let field = |name: &str| key[name].as_str().unwrap().to_owned();
    // Only the values IAM chose are taken from the output.
    assert_eq!(
        stdout,
        format!(
            "{{\n    \"UserName\": \"{}\",\n    \"AccessKeyId\": \"{}\",\n    \
             \"Status\": \"Active\",\n    \"SecretAccessKey\": \"{}\",\n    \
             \"CreateDate\": \"{}\"\n}}\n",
            field("UserName"),
            field("AccessKeyId"),
            field("SecretAccessKey"),
            field("CreateDate"),
        )
    );
    let date = key["CreateDate"].as_str().unwrap();
    assert!(
        date.len() == 25 && date.ends_with("+00:00") && date.as_bytes()[10] == b' ',
        "{date}"
    );
    key
}

#[test]
fn read_write_credentials_for_a_new_bucket() {
    let bucket = unique("rw");
    let user = format!("s3.read-write.{bucket}");
    let output = s3c(&["create", &bucket, "-c"]).against(moto()).run();
    let key = printed_key(output.success_with_stderr(&format!(
        "Created bucket: {bucket}\n\
         Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
         Attached policy {user} to user {user}\n\
         Created access key for user: {user}\n"
    )));
    assert_eq!(key["UserName"], user.as_str());
    assert!(bucket_exists(&moto().clients(), &bucket));
    assert_eq!(
        inline_policies(&moto().clients(), &user),
        [(user.clone(), golden("read-write", &bucket))]
    );
    assert_eq!(
        access_keys(&moto().clients(), &user),
        [key["AccessKeyId"].as_str().unwrap()]
    );

    // The printed key is a working key of that user.
    let whoami = s3c(&["whoami", "--auth", "-"])
        .against(moto())
        .stdin(output.stdout.clone())
        .run();
    assert!(
        whoami.success().contains(&format!(":user/{user}\"")),
        "{whoami:#?}"
    );
}

#[test]
fn read_only_write_only_and_prefix_policies() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["--read-only"], "read-only", "read-only"),
        (&["--write-only"], "write-only", "write-only"),
        (
            &["--prefix", "my-prefix/"],
            "read-write",
            "read-write-prefix",
        ),
        (
            &["--read-only", "--prefix", "my-prefix/"],
            "read-only",
            "read-only-prefix",
        ),
    ];
    for (options, permission, fixture) in cases {
        let bucket = new_bucket(&moto().clients(), "mode");
        let mut args = vec!["create", bucket.as_str(), "--silent"];
        args.extend_from_slice(options);
        let output = s3c(&args).against(moto()).run();
        let user = format!("s3.{permission}.{bucket}");
        // --silent: nothing on stderr.
        assert_eq!(printed_key(output.success())["UserName"], user.as_str());
        assert_eq!(
            inline_policies(&moto().clients(), &user),
            [(user.clone(), golden(fixture, &bucket))],
            "{options:?}"
        );
    }
}

#[test]
fn several_buckets_get_one_policy_each() {
    let (first, second) = (
        new_bucket(&moto().clients(), "multi"),
        new_bucket(&moto().clients(), "multi"),
    );
    let output = s3c(&["create", &first, &second, "--read-only"])
        .against(moto())
        .run();
    let user = format!("s3.read-only.{first},{second}");
    let stderr = format!(
        "Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\n\
         Attached policy s3.read-only.{first} to user {user}\n\
         Attached policy s3.read-only.{second} to user {user}\n\
         Created access key for user: {user}\n"
    );
    assert_eq!(
        printed_key(output.success_with_stderr(&stderr))["UserName"],
        user.as_str()
    );
    assert_eq!(
        inline_policies(&moto().clients(), &user),
        [
            (format!("s3.read-only.{first}"), golden("read-only", &first)),
            (
                format!("s3.read-only.{second}"),
                golden("read-only", &second)
            ),
        ]
    );
}

/// The seed README's custom policy, trailing comma included.
const SEED_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject*", "s3:ListBucket"],
      "Resource": [
        "arn:aws:s3:::$!BUCKET_NAME!$",
        "arn:aws:s3:::$!BUCKET_NAME!$/*"
      ],
    }
  ]
}"#;

fn seed_policy_for(bucket: &str) -> Value {
    serde_json::from_str(
        &SEED_POLICY
            .replace("],\n    }", "]\n    }")
            .replace("$!BUCKET_NAME!$", bucket),
    )
    .unwrap()
}

#[test]
fn custom_policy_from_a_file_literal_json_or_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("custom-policy.json");
    std::fs::write(&file, SEED_POLICY).unwrap();
    for source in ["file", "literal", "stdin"] {
        let bucket = new_bucket(&moto().clients(), "custom");
        let policy_arg = match source {
            "file" => file.to_str().unwrap().to_owned(),
            "literal" => SEED_POLICY.to_owned(),
            _ => "-".to_owned(),
        };
        let proxy = Proxy::start(&moto().endpoint);
        let output = s3c(&[
            "create",
            &bucket,
            "--policy",
            &policy_arg,
            "--endpoint-url",
            &proxy.endpoint,
        ])
        .stdin(SEED_POLICY)
        .run();
        let user = format!("s3.custom.{bucket}");
        // A custom policy means no default permissions boundary.
        let stderr = format!(
            "Created user: {user}\nAttached policy {user} to user {user}\n\
             Created access key for user: {user}\n"
        );
        assert_eq!(
            printed_key(output.success_with_stderr(&stderr))["UserName"],
            user.as_str(),
            "{source}"
        );
        assert_eq!(
            inline_policies(&moto().clients(), &user),
            [(user.clone(), seed_policy_for(&bucket))],
            "{source}"
        );
        let created = proxy.actions("CreateUser");
        assert_eq!(created.len(), 1);
        assert_eq!(created[0].form("PermissionsBoundary"), None, "{source}");
    }
}

#[test]
fn malformed_custom_policies_are_usage_errors() {
    s3c(&[
        "create",
        "some-bucket",
        "--policy",
        "{\n  \"Version\": \"2012-10-17\"\n  \"Statement\": []\n}",
    ])
    .against(moto())
    .run()
    .fails_with(
        2,
        "Error: --policy: invalid JSON at line 3, column 3: expected `,` or `}`\n",
    );
    s3c(&["create", "some-bucket", "--policy", "/nonexistent/policy.json"]).against(moto()).run().fails_with(
        2,
        "Error: could not read --policy `/nonexistent/policy.json`: no such file (--policy takes a file \
         path, literal JSON or `-` for standard input)\n",
    );
}

#[test]
fn extra_statements_are_appended_and_make_the_policy_custom() {
    let bucket = new_bucket(&moto().clients(), "stmt");
    let statement = r#"{"Effect": "Allow", "Action": "textract:*", "Resource": "*"}"#;
    let output = s3c(&["create", &bucket, "--statement", statement, "--silent"])
        .against(moto())
        .run();
    let user = format!("s3.custom.{bucket}");
    assert_eq!(printed_key(output.success())["UserName"], user.as_str());
    assert_eq!(
        inline_policies(&moto().clients(), &user),
        [(user.clone(), golden("read-write-statement", &bucket))]
    );
}

#[test]
fn an_existing_user_gets_a_second_key_and_keeps_the_first() {
    let bucket = new_bucket(&moto().clients(), "existing");
    let user = unique("person");
    let first_key = block_on(async {
        let iam = moto().clients().iam;
        iam.create_user().user_name(&user).send().await.unwrap();
        iam.create_access_key()
            .user_name(&user)
            .send()
            .await
            .unwrap()
            .access_key
            .unwrap()
            .access_key_id
    });
    let proxy = Proxy::start(&moto().endpoint);
    let output = s3c(&[
        "create",
        &bucket,
        "--username",
        &user,
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run();
    let key = printed_key(output.success_with_stderr(&format!(
        "Using existing user: {user}\nAttached policy s3.read-write.{bucket} to user {user}\n\
         Tagged user: {user}\nCreated access key for user: {user}\n"
    )));
    assert_eq!(
        access_keys(&moto().clients(), &user),
        [first_key, key["AccessKeyId"].as_str().unwrap().to_owned()]
    );
    assert!(proxy.actions("CreateUser").is_empty());
}

#[test]
fn an_existing_users_other_permissions_are_named_in_a_warning() {
    let bucket = new_bucket(&moto().clients(), "others");
    let user = unique("writer");
    let group = unique("writers");
    let own = format!("s3.read-only.{bucket}");
    block_on(async {
        let iam = moto().clients().iam;
        iam.create_user().user_name(&user).send().await.unwrap();
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
        for name in ["read-write", own.as_str()] {
            let put = iam.put_user_policy().user_name(&user).policy_name(name);
            put.policy_document(policy.to_string())
                .send()
                .await
                .unwrap();
        }
        let attach = iam.attach_user_policy().user_name(&user);
        let arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess";
        attach.policy_arn(arn).send().await.unwrap();
        iam.create_group().group_name(&group).send().await.unwrap();
        let join = iam.add_user_to_group().group_name(&group);
        join.user_name(&user).send().await.unwrap();
    });
    let warning = format!(
        "Warning: user `{user}` has other permissions, which the new key has too: inline \
         policies `read-write`; attached policies `arn:aws:iam::aws:policy/AmazonS3FullAccess`; \
         groups `{group}`\n"
    );
    let create = |extra: &[&str]| {
        let mut args = vec!["create", &bucket, "--username", &user, "--read-only"];
        args.extend_from_slice(extra);
        s3c(&args).against(moto()).run()
    };
    let output = create(&[]);
    printed_key(output.success_with_stderr(&format!(
        "Using existing user: {user}\n{warning}Attached policy {own} to user {user}\n\
         Tagged user: {user}\nCreated access key for user: {user}\n"
    )));
    // The policy this run rewrites is its own, not another permission; the
    // warning is no step, so --silent keeps it.
    let output = create(&["--silent"]);
    printed_key(output.success_with_stderr(&warning));
}

#[test]
fn permissions_boundaries_default_none_and_custom() {
    let cases: &[(&[&str], &str, Option<&str>)] = &[
        (
            &[],
            "read-write",
            Some("arn:aws:iam::aws:policy/AmazonS3FullAccess"),
        ),
        (
            &["--read-only"],
            "read-only",
            Some("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        ),
        (
            &["--write-only"],
            "write-only",
            Some("arn:aws:iam::aws:policy/AmazonS3FullAccess"),
        ),
        (&["--user-permissions-boundary", "none"], "read-write", None),
        (
            &[
                "--user-permissions-boundary",
                "arn:aws:iam::123456789012:policy/Custom",
            ],
            "read-write",
            Some("arn:aws:iam::123456789012:policy/Custom"),
        ),
    ];
    for (options, permission, boundary) in cases {
        let bucket = new_bucket(&moto().clients(), "boundary");
        let proxy = Proxy::start(&moto().endpoint);
        let mut args = vec![
            "create",
            bucket.as_str(),
            "--endpoint-url",
            proxy.endpoint.as_str(),
        ];
        args.extend_from_slice(options);
        let user = format!("s3.{permission}.{bucket}");
        let created_user = match boundary {
            Some(arn) => format!("Created user: {user} with permissions boundary: {arn}\n"),
            None => format!("Created user: {user}\n"),
        };
        s3c(&args).run().success_with_stderr(&format!(
            "{created_user}Attached policy {user} to user {user}\nCreated access key for user: {user}\n"
        ));
        let created = proxy.actions("CreateUser");
        assert_eq!(
            created[0].form("PermissionsBoundary").as_deref(),
            *boundary,
            "{options:?}"
        );
    }
    s3c(&["create", "some-bucket", "--user-permissions-boundary", "AmazonS3FullAccess"])
        .run()
        .fails_with(
            2,
            "Error: --user-permissions-boundary must be a policy ARN (arn:...) or `none`, not `AmazonS3FullAccess`\n",
        );
}

#[test]
fn ini_format() {
    let bucket = new_bucket(&moto().clients(), "ini");
    let output = s3c(&["create", &bucket, "-f", "ini", "--silent"])
        .against(moto())
        .run();
    let user = format!("s3.read-write.{bucket}");
    let key = &access_keys(&moto().clients(), &user)[0];
    let lines: Vec<&str> = output.success().lines().collect();
    assert_eq!(lines.len(), 3, "{output:#?}");
    assert_eq!(lines[0], "[default]");
    assert_eq!(lines[1], format!("aws_access_key_id={key}"));
    assert!(lines[2].starts_with("aws_secret_access_key=") && lines[2].len() > 30);
    // The INI output works as an --auth file.
    let whoami = s3c(&["whoami", "--auth", "-"])
        .against(moto())
        .stdin(output.stdout.clone())
        .run();
    assert!(whoami.success().contains(&format!(":user/{user}\"")));
}

/// The role `create --duration` assumes, in moto's account.
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/s3-credentials.AmazonS3FullAccess";

#[test]
fn temporary_credentials_assume_the_role_with_one_session_policy() {
    let (_lock, server) = exclusive_moto();
    let (first, second) = (
        &new_bucket(&server.clients(), "tmp"),
        &new_bucket(&server.clients(), "tmp"),
    );
    let proxy = Proxy::start(&server.endpoint);
    let output = s3c(&[
        "create",
        first,
        second,
        "--duration",
        "15m",
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run();
    let role_arn = ROLE_ARN;
    let credentials: Value = serde_json::from_str(output.success_with_stderr(&format!(
        "Created role: {role_arn}\nAssume role against {role_arn} for 900s\n"
    )))
    .unwrap();
    let fields: Vec<&str> = credentials
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        [
            "AccessKeyId",
            "SecretAccessKey",
            "SessionToken",
            "Expiration"
        ]
    );
    assert!(
        credentials["AccessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("ASIA")
    );

    let assumed = proxy.actions("AssumeRole");
    assert_eq!(assumed.len(), 1);
    assert_eq!(assumed[0].form("DurationSeconds").as_deref(), Some("900"));
    assert_eq!(
        assumed[0].form("RoleSessionName").as_deref(),
        Some(format!("s3.read-write.{first},{second}").as_str())
    );
    let session_policy: Value = serde_json::from_str(&assumed[0].form("Policy").unwrap()).unwrap();
    let mut expected = golden("read-write", first);
    let more = golden("read-write", second)["Statement"]
        .as_array()
        .unwrap()
        .clone();
    expected["Statement"].as_array_mut().unwrap().extend(more);
    assert_eq!(session_policy, expected);

    // The role: trusting the account, S3 full access attached, 12-hour sessions.
    let iam = server.clients().iam;
    let (role, attached) = block_on(async {
        let role = iam
            .get_role()
            .role_name("s3-credentials.AmazonS3FullAccess")
            .send()
            .await
            .unwrap();
        let attached = iam
            .list_attached_role_policies()
            .role_name("s3-credentials.AmazonS3FullAccess")
            .send()
            .await
            .unwrap();
        (role.role.unwrap(), attached)
    });
    assert_eq!(role.max_session_duration(), Some(43200));
    let trust = percent_encoding::percent_decode_str(role.assume_role_policy_document().unwrap())
        .decode_utf8_lossy();
    let trust: Value = serde_json::from_str(&trust).unwrap();
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::123456789012:root"
    );
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some("arn:aws:iam::aws:policy/AmazonS3FullAccess")
    );

    // A second run reuses the role, and INI output carries the session token.
    let again = s3c(&["create", first, "-d", "1h", "-f", "ini"])
        .against(server)
        .run();
    let lines: Vec<&str> = again
        .success_with_stderr(&format!("Assume role against {role_arn} for 3600s\n"))
        .lines()
        .collect();
    assert_eq!(lines[0], "[default]");
    assert!(lines[1].starts_with("aws_access_key_id=ASIA"));
    assert!(lines[3].starts_with("aws_session_token="));
}

#[test]
fn a_custom_policy_covers_every_bucket_in_the_session_policy() {
    // An empty account, so the role is created by this run and not another.
    let (_lock, server) = exclusive_moto();
    let (first, second) = (
        new_bucket(&server.clients(), "sess"),
        new_bucket(&server.clients(), "sess"),
    );
    let proxy = Proxy::start(&server.endpoint);
    s3c(&[
        "create",
        &first,
        &second,
        "-d",
        "900",
        "--policy",
        SEED_POLICY,
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run()
    .success_with_stderr(&format!(
        "Created role: {ROLE_ARN}\nAssume role against {ROLE_ARN} for 900s\n"
    ));
    let policy: Value =
        serde_json::from_str(&proxy.actions("AssumeRole")[0].form("Policy").unwrap()).unwrap();
    let mut statements = seed_policy_for(&first)["Statement"]
        .as_array()
        .unwrap()
        .clone();
    statements.extend(
        seed_policy_for(&second)["Statement"]
            .as_array()
            .unwrap()
            .clone(),
    );
    assert_eq!(policy["Statement"], Value::Array(statements));
}

#[test]
fn public_and_website_buckets() {
    let bucket = unique("site");
    let output = s3c(&["create", &bucket, "-c", "--website", "--silent"])
        .against(moto())
        .run();
    printed_key(output.success());
    let s3 = moto().clients().s3;
    let (block, bucket_policy, website) = block_on(async {
        (
            s3.get_public_access_block()
                .bucket(&bucket)
                .send()
                .await
                .unwrap(),
            s3.get_bucket_policy().bucket(&bucket).send().await.unwrap(),
            s3.get_bucket_website()
                .bucket(&bucket)
                .send()
                .await
                .unwrap(),
        )
    });
    let block = block.public_access_block_configuration.unwrap();
    assert_eq!(
        (
            block.block_public_acls,
            block.ignore_public_acls,
            block.block_public_policy,
            block.restrict_public_buckets
        ),
        (Some(false), Some(false), Some(false), Some(false))
    );
    let bucket_policy: Value = serde_json::from_str(bucket_policy.policy().unwrap()).unwrap();
    assert_eq!(bucket_policy, golden("public-bucket", &bucket));
    assert_eq!(website.index_document().unwrap().suffix(), "index.html");
    assert_eq!(website.error_document().unwrap().key(), "error.html");
}

#[test]
fn public_is_refused_for_an_existing_bucket_before_any_change() {
    let bucket = new_bucket(&moto().clients(), "existing-public");
    s3c(&["create", &bucket, "-c", "--public"]).against(moto()).run().fails_with(
        1,
        &format!(
            "Error: bucket `{bucket}` already exists: --public and --website only apply to buckets this command \
             creates; to make an existing bucket public, run `s3-credentials set-bucket-policy {bucket} --allow-all-get`\n"
        ),
    );
    assert!(!user_exists(
        &moto().clients(),
        &format!("s3.read-write.{bucket}")
    ));
}

#[test]
fn buckets_are_created_in_the_requested_region() {
    let s3 = moto().clients().s3;
    let location = |bucket: &str| {
        block_on(s3.get_bucket_location().bucket(bucket).send())
            .unwrap()
            .location_constraint()
            .map(|c| c.as_str().to_owned())
    };
    let in_option = unique("region");
    s3c(&[
        "create",
        &in_option,
        "-c",
        "--bucket-region",
        "eu-west-1",
        "--silent",
    ])
    .against(moto())
    .run()
    .success();
    assert_eq!(location(&in_option).as_deref(), Some("eu-west-1"));

    let in_config = unique("region");
    s3c(&["create", &in_config, "-c", "--silent"])
        .against(moto())
        .env("AWS_REGION", "us-west-2")
        .run()
        .success();
    assert_eq!(location(&in_config).as_deref(), Some("us-west-2"));

    // us-east-1 takes no location constraint at all.
    let proxy = Proxy::start(&moto().endpoint);
    let default = unique("region");
    s3c(&[
        "create",
        &default,
        "-c",
        "--silent",
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run()
    .success();
    let requests = proxy.requests();
    let put = requests
        .iter()
        .find(|r| r.method == "PUT" && r.path == format!("/{default}/"))
        .unwrap_or_else(|| panic!("no CreateBucket among {requests:#?}"));
    assert_eq!(put.body, "");
}

#[test]
fn dry_run_needs_no_credentials_and_makes_no_request() {
    let proxy = Proxy::start(&moto().endpoint);
    let output = s3c(&[
        "create",
        "my-bucket",
        "--dry-run",
        "--endpoint-url",
        &proxy.endpoint,
        "-c",
        "--read-only",
    ])
    .env_remove("AWS_ACCESS_KEY_ID")
    .env_remove("AWS_SECRET_ACCESS_KEY")
    .run();
    let policy = std::fs::read_to_string(format!(
        "{}/tests/fixtures/policies/read-only.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert_eq!(
        output.success(),
        format!(
            "Would create bucket if it does not exist: 'my-bucket'\n\
             Would create user if it does not exist: 's3.read-only.my-bucket' with permissions boundary: \
             'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'\n\
             Would tag user 's3.read-only.my-bucket' with:\n\
             {{\n    \"s3-credentials:version\": \"{version}\",\n    \"s3-credentials:kind\": \"user\",\n    \
             \"s3-credentials:access\": \"read-only\",\n    \"s3-credentials:buckets\": \"my-bucket\"\n}}\n\
             Would attach policy called 's3.read-only.my-bucket' to user 's3.read-only.my-bucket', details:\n\
             {}\n\
             Would call create access key for user 's3.read-only.my-bucket'\n",
            policy.trim_end(),
            version = env!("CARGO_PKG_VERSION"),
        )
    );
    assert!(proxy.requests().is_empty());

    let temporary = s3c(&["create", "my-bucket", "--dry-run", "-d", "20m"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .run();
    assert!(temporary.success().starts_with(
        "Would check that bucket exists: 'my-bucket'\nWould ensure role: 's3-credentials.AmazonS3FullAccess'\n\
         Would assume role using following policy for 1200 seconds:\n{\n"
    ));
}

#[test]
fn a_missing_bucket_without_create_bucket_changes_nothing() {
    let bucket = unique("absent");
    s3c(&["create", &bucket]).against(moto()).run().fails_with(
        1,
        &format!(
            "Error: bucket `{bucket}` does not exist: add --create-bucket (-c) to create it\n"
        ),
    );
    assert!(!user_exists(
        &moto().clients(),
        &format!("s3.read-write.{bucket}")
    ));
}

#[test]
fn a_user_with_two_keys_is_refused_before_any_change() {
    let user = unique("full");
    let keys = block_on(async {
        let iam = moto().clients().iam;
        iam.create_user().user_name(&user).send().await.unwrap();
        let mut keys = Vec::new();
        for _ in 0..2 {
            keys.push(
                iam.create_access_key()
                    .user_name(&user)
                    .send()
                    .await
                    .unwrap()
                    .access_key
                    .unwrap()
                    .access_key_id,
            );
        }
        keys
    });
    let bucket = unique("never");
    s3c(&["create", &bucket, "-c", "--username", &user]).against(moto()).run().fails_with(
        1,
        &format!(
            "Error: user `{user}` already has 2 access keys ({}, {}), the most IAM allows: delete one first, \
             e.g. `aws iam delete-access-key --user-name {user} --access-key-id {}`\n",
            keys[0], keys[1], keys[0]
        ),
    );
    assert!(
        !bucket_exists(&moto().clients(), &bucket),
        "no bucket is created before the refusal"
    );
    assert!(inline_policies(&moto().clients(), &user).is_empty());
}

#[test]
fn usage_errors_come_before_any_request() {
    let proxy = Proxy::start(&moto().endpoint);
    let endpoint = proxy.endpoint.as_str();
    let long = "b".repeat(60);
    let cases: &[(&[&str], &str)] = &[
        (
            &["create", "Bad_Bucket"],
            "Error: bucket name `Bad_Bucket` contains `B`: bucket names can only use lowercase letters, digits, `.` and `-`\n",
        ),
        (
            &["create", "my-bucket", "-d", "13h"],
            "Error: --duration: duration must be between 15 minutes and 12 hours, not `13h`\n",
        ),
        (
            &["create", "my-bucket", "-d", "15x"],
            "Error: --duration: duration must look like 3600, 900s, 15m or 1h, not `15x`\n",
        ),
        (
            &["create", "my-bucket", "-d", "-15m"],
            "Error: --duration: duration must look like 3600, 900s, 15m or 1h, not `-15m`\n",
        ),
        (
            &["create", "my-bucket", "--prefix", "/x/"],
            "Error: prefix `/x/` starts with `/`, but S3 keys have no leading slash; use `--prefix x/`\n",
        ),
        (
            &["create", "my-bucket", "--username", "u", "-d", "1h"],
            "Error: the argument '--username <NAME>' cannot be used with '--duration <DURATION>'; see `s3-credentials create --help`\n",
        ),
        (
            &["create", "my-bucket", "--public"],
            "Error: the following required arguments were not provided: --create-bucket; see `s3-credentials create --help`\n",
        ),
    ];
    for (args, stderr) in cases {
        let mut args = args.to_vec();
        args.extend_from_slice(&["--endpoint-url", endpoint]);
        s3c(&args).run().fails_with(2, stderr);
    }
    s3c(&[
        "create",
        &long,
        &long.replace('b', "c"),
        "--endpoint-url",
        endpoint,
    ])
    .run()
    .fails_with(
        2,
        // 14 + 60 + 1 + 60 characters.
        &format!(
            "Error: user name `s3.read-write.{long},{}` is 135 characters long, more than the 64 \
             IAM allows; choose a shorter one with --username, or name fewer buckets\n",
            long.replace('b', "c")
        ),
    );
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
}

#[test]
fn wait_checks_the_new_key_before_printing_it() {
    let bucket = new_bucket(&moto().clients(), "wait");
    let proxy = Proxy::start(&moto().endpoint);
    let output = s3c(&[
        "create",
        &bucket,
        "--wait",
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run();
    let user = format!("s3.read-write.{bucket}");
    let key = printed_key(output.success_with_stderr(&format!(
        "Created user: {user} with permissions boundary: arn:aws:iam::aws:policy/AmazonS3FullAccess\n\
         Attached policy {user} to user {user}\n\
         Created access key for user: {user}\n\
         Waiting for AWS to accept the new credentials...\n\
         The new credentials are ready to use\n"
    )));
    // The probe is signed with the new key itself.
    let probe = proxy.actions("GetCallerIdentity");
    assert_eq!(probe.len(), 1);
    let new_key = key["AccessKeyId"].as_str().unwrap();
    assert!(
        probe[0]
            .authorization
            .contains(&format!("Credential={new_key}/")),
        "{probe:?}"
    );
}
