//! `create --emit cloudformation`: the CloudFormation template that makes
//! what `create` with the same options would make, printed instead of made.
//!
//! Everything comes from the checked [`Plan`]: the policies are the ones
//! [`crate::policy::assemble`] fitted for the user or role (never rebuilt
//! here; a user's grant too large for inline policies becomes
//! `AWS::IAM::ManagedPolicy` resources, named as `create` names them), the tags are the grant's `s3-credentials:*` tags plus `--tag`, the
//! trust policy is [`crate::policy::trust::Principal::trust_policy`] with the
//! account left to CloudFormation (`${AWS::AccountId}`, `${AWS::Partition}`).
//! PURE: no AWS call, no credentials, and no secret: the user gets no access
//! key, since anyone who can read a stack could read one.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::plan::{Plan, RolePlan};
use crate::grant::tags::{Grant, Kind};
use crate::output::to_pretty_json;
use crate::policy::bucket_policy_allow_all_get;
use crate::policy::managed::PATH;
use crate::policy::trust::{Account, OidcProvider};

/// The parameter that says whether the stack makes the OIDC provider; an
/// account holds one provider per URL, so a second stack (or one made by
/// hand) would collide with it.
const PROVIDER_PARAMETER: &str = "CreateOidcProvider";
/// The condition that reads [`PROVIDER_PARAMETER`].
const PROVIDER_CONDITION: &str = "CreatesOidcProvider";
/// The longest template description CloudFormation accepts, in bytes.
const MAX_DESCRIPTION_BYTES: usize = 1024;

/// The account, as CloudFormation substitutes it at deployment.
fn stack_account() -> Account {
    Account {
        id: "${AWS::AccountId}".to_owned(),
        partition: "${AWS::Partition}".to_owned(),
    }
}

/// Print the template for `plan`, JSON indented as the tool's other JSON.
pub(crate) fn print(plan: &Plan, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(out, "{}", to_pretty_json(&template(plan)))
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::anyhow!("could not print the template: {e}"))
}

/// The sections of a template as they are filled in.
#[derive(Default)]
struct Template {
    parameters: Map<String, Value>,
    conditions: Map<String, Value>,
    resources: Map<String, Value>,
    outputs: Map<String, Value>,
}

/// The whole template: buckets (with `-c`), then the user or the role with
/// its policies, and outputs naming the user or role.
pub(crate) fn template(plan: &Plan) -> Value {
    let mut template = Template::default();
    if plan.create_buckets {
        for (index, bucket) in plan.buckets.iter().enumerate() {
            add_bucket(plan, bucket, index + 1, &mut template);
        }
    }
    let (holder, holders_key) = match &plan.role {
        Some(role) => {
            add_role(plan, role, &mut template);
            ("Role", "Roles")
        }
        None => {
            add_user(plan, &mut template);
            ("User", "Users")
        }
    };
    for (index, (name, document)) in plan.user_policies().into_iter().enumerate() {
        let policy = json!({
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": name,
                "PolicyDocument": document,
                holders_key: [{"Ref": holder}],
            },
        });
        template
            .resources
            .insert(format!("Policy{}", index + 1), policy);
    }
    // A user's grant too large for inline policies: managed policies, named
    // and placed as `create` makes them, so that the tool knows them.
    for (index, (name, document)) in plan.managed_policies().into_iter().enumerate() {
        let policy = json!({
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": name,
                "Path": PATH,
                "PolicyDocument": document,
                "Users": [{"Ref": "User"}],
            },
        });
        template
            .resources
            .insert(format!("ManagedPolicy{}", index + 1), policy);
    }
    let mut root = Map::new();
    root.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    root.insert("Description".into(), json!(description(plan)));
    for (section, map) in [
        ("Parameters", template.parameters),
        ("Conditions", template.conditions),
        ("Resources", template.resources),
        ("Outputs", template.outputs),
    ] {
        if !map.is_empty() {
            root.insert(section.into(), Value::Object(map));
        }
    }
    Value::Object(root)
}

/// What the stack is for, as the role's description says it, with the
/// holder's name; within CloudFormation's 1,024 bytes.
fn description(plan: &Plan) -> String {
    let holder = match &plan.role {
        Some(role) => format!("role {}", role.name),
        None => format!("user {}", plan.username),
    };
    let mut text = format!(
        "s3-credentials {}: {} access to {} for {holder}",
        env!("CARGO_PKG_VERSION"),
        plan.label,
        plan.buckets.join(", ")
    );
    if text.len() > MAX_DESCRIPTION_BYTES {
        let mut end = MAX_DESCRIPTION_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// Tags as CloudFormation takes them: a list of `Key`/`Value` objects.
fn cfn_tags(tags: &[(String, String)]) -> Value {
    tags.iter()
        .map(|(key, value)| json!({"Key": key, "Value": value}))
        .collect()
}

/// A bucket `-c` would create, with `--tag`, and what `--public` and
/// `--website` set. Kept when the stack is deleted: the data outlives the
/// credentials, as `delete-user` never deletes a bucket either.
fn add_bucket(plan: &Plan, bucket: &str, number: usize, template: &mut Template) {
    let id = format!("Bucket{number}");
    let mut properties = Map::new();
    properties.insert("BucketName".into(), json!(bucket));
    if plan.public {
        // `create --public` turns the whole public access block off.
        properties.insert(
            "PublicAccessBlockConfiguration".into(),
            json!({
                "BlockPublicAcls": false,
                "IgnorePublicAcls": false,
                "BlockPublicPolicy": false,
                "RestrictPublicBuckets": false,
            }),
        );
    }
    if plan.website {
        properties.insert(
            "WebsiteConfiguration".into(),
            json!({"IndexDocument": "index.html", "ErrorDocument": "error.html"}),
        );
    }
    if !plan.tags.is_empty() {
        properties.insert("Tags".into(), cfn_tags(&plan.tags));
    }
    let resource = json!({
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": properties,
    });
    template.resources.insert(id.clone(), resource);
    if plan.public {
        let policy = json!({
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": id},
                "PolicyDocument": bucket_policy_allow_all_get(bucket),
            },
        });
        template.resources.insert(format!("{id}Policy"), policy);
    }
}

/// The user, with its boundary and tags, and no access key.
fn add_user(plan: &Plan, template: &mut Template) {
    let mut tags = plan.grant().to_tags();
    tags.extend(plan.tags.iter().cloned());
    let mut properties = Map::new();
    properties.insert("UserName".into(), json!(plan.username));
    if let Some(boundary) = &plan.boundary {
        properties.insert("PermissionsBoundary".into(), json!(boundary));
    }
    properties.insert("Tags".into(), cfn_tags(&tags));
    template.resources.insert(
        "User".into(),
        json!({"Type": "AWS::IAM::User", "Properties": properties}),
    );
    add_output(
        template,
        "UserName",
        "The user's name",
        json!({"Ref": "User"}),
    );
    add_output(
        template,
        "UserArn",
        "The user's ARN",
        json!({"Fn::GetAtt": ["User", "Arn"]}),
    );
}

/// The `--trust` role: the OIDC provider when the parameter asks for it,
/// the role with its trust policy, boundary and tags, and for EC2 the
/// instance profile.
fn add_role(plan: &Plan, role: &RolePlan, template: &mut Template) {
    let mut trust = substituted(role.principal.trust_policy(&stack_account()));
    if let Some(provider) = role.principal.provider() {
        add_provider(provider, template);
        // The provider the stack makes, or the account's own, which has
        // the same ARN: one provider per URL.
        if let Some(federated) = trust.pointer_mut("/Statement/0/Principal/Federated") {
            let existing = federated.take();
            *federated = json!({"Fn::If": [PROVIDER_CONDITION, {"Ref": "OidcProvider"}, existing]});
        }
    }
    let mut tags = Grant {
        kind: Kind::Role,
        ..plan.grant()
    }
    .to_tags();
    tags.extend(plan.tags.iter().cloned());
    let mut properties = Map::new();
    properties.insert("RoleName".into(), json!(role.name));
    properties.insert("Description".into(), json!(super::role::description(plan)));
    properties.insert("AssumeRolePolicyDocument".into(), trust);
    if let Some(boundary) = &plan.boundary {
        properties.insert("PermissionsBoundary".into(), json!(boundary));
    }
    properties.insert("Tags".into(), cfn_tags(&tags));
    template.resources.insert(
        "Role".into(),
        json!({"Type": "AWS::IAM::Role", "Properties": properties}),
    );
    add_output(
        template,
        "RoleName",
        "The role's name",
        json!({"Ref": "Role"}),
    );
    add_output(
        template,
        "RoleArn",
        "The role's ARN",
        json!({"Fn::GetAtt": ["Role", "Arn"]}),
    );
    if role.principal.needs_instance_profile() {
        add_instance_profile(role, template);
    }
}

/// The OIDC provider, made only when [`PROVIDER_PARAMETER`] is `true` (the
/// default), and kept when the stack is deleted: other roles may trust it.
fn add_provider(provider: &OidcProvider, template: &mut Template) {
    template.parameters.insert(
        PROVIDER_PARAMETER.into(),
        json!({
            "Type": "String",
            "AllowedValues": ["true", "false"],
            "Default": "true",
            "Description": format!(
                "Whether this stack creates the OpenID Connect provider {}: false if the \
                 account has it already (an account has one provider per URL)",
                provider.url
            ),
        }),
    );
    template.conditions.insert(
        PROVIDER_CONDITION.into(),
        json!({"Fn::Equals": [{"Ref": PROVIDER_PARAMETER}, "true"]}),
    );
    template.resources.insert(
        "OidcProvider".into(),
        json!({
            "Type": "AWS::IAM::OIDCProvider",
            "Condition": PROVIDER_CONDITION,
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Url": provider.url,
                "ClientIdList": [provider.audience],
            },
        }),
    );
}

/// The instance profile EC2 takes the role through, named like the role.
fn add_instance_profile(role: &RolePlan, template: &mut Template) {
    template.resources.insert(
        "InstanceProfile".into(),
        json!({
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {
                "InstanceProfileName": role.name,
                "Roles": [{"Ref": "Role"}],
            },
        }),
    );
    add_output(
        template,
        "InstanceProfileArn",
        "The instance profile's ARN",
        json!({"Fn::GetAtt": ["InstanceProfile", "Arn"]}),
    );
}

fn add_output(template: &mut Template, name: &str, description: &str, value: Value) {
    template.outputs.insert(
        name.into(),
        json!({"Description": description, "Value": value}),
    );
}

/// A trust policy with the account left to CloudFormation: each string
/// naming `${AWS::...}` becomes an `Fn::Sub`. Only trust policies go
/// through this: a `--policy` may hold IAM's own `${aws:username}`, which
/// must reach IAM as written.
fn substituted(value: Value) -> Value {
    match value {
        Value::String(text) if text.contains("${AWS::") => json!({"Fn::Sub": text}),
        Value::Array(items) => items.into_iter().map(substituted).collect(),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (key, substituted(value)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn plan(args: &[&str]) -> Plan {
        let mut words = vec!["s3-credentials", "create"];
        words.extend_from_slice(args);
        words.extend(["--emit", "cloudformation"]);
        let Command::Create(args) = Cli::try_parse_from(words).unwrap().command else {
            panic!("not create");
        };
        Plan::from_args(&args, std::io::empty()).unwrap()
    }

    /// IAM's own policy variables in a `--policy` reach IAM as written; only
    /// the trust policy's account becomes an `Fn::Sub`.
    #[test]
    fn only_the_trust_policy_is_substituted() {
        let custom = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b-bucket/${aws:username}/${AWS::AccountId}"}]}"#;
        let template = template(&plan(&[
            "b-bucket",
            "--policy",
            custom,
            "--trust",
            "account:210987654321",
        ]));
        let resources = &template["Resources"];
        assert_eq!(
            resources["Policy1"]["Properties"]["PolicyDocument"]["Statement"][0]["Resource"],
            "arn:aws:s3:::b-bucket/${aws:username}/${AWS::AccountId}"
        );
        assert_eq!(
            resources["Role"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"],
            json!({"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::210987654321:root"}})
        );
    }

    /// No access key, and nothing secret-looking, in any template.
    #[test]
    fn no_template_holds_a_key() {
        for args in [
            &["b-bucket"][..],
            &["b-bucket", "-c", "--public"],
            &["b-bucket", "--trust", "service:lambda"],
        ] {
            let text = to_pretty_json(&template(&plan(args)));
            assert!(!text.contains("AccessKey"), "{args:?}");
            assert!(!text.contains("Secret"), "{args:?}");
        }
    }

    #[test]
    fn long_descriptions_fit_cloudformation() {
        let buckets: Vec<String> = (0..40)
            .map(|n| format!("{n:02}{}", "é".repeat(20)))
            .collect();
        let mut plan = plan(&["b-bucket", "--username", "u"]);
        plan.buckets = buckets;
        let text = description(&plan);
        assert!(text.len() <= MAX_DESCRIPTION_BYTES && text.len() > MAX_DESCRIPTION_BYTES - 2);
        assert!(text.starts_with("s3-credentials "));
    }
}
