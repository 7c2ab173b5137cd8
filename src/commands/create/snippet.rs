//! The ready-to-paste text `create --trust` prints on stderr: how the
//! trusted principal uses the new role (a GitHub Actions step, GitLab CI job
//! variables, a service setting, an AWS config profile).

use crate::policy::trust::{GITHUB, Principal};

/// Where the role is used: what the snippet fills in.
#[derive(Debug)]
pub(crate) struct RoleInUse<'a> {
    pub principal: &'a Principal,
    pub role_name: &'a str,
    pub role_arn: &'a str,
    /// The region of the connection, for the CI snippets.
    pub region: &'a str,
    /// The first bucket, for an example command.
    pub bucket: &'a str,
}

/// The snippet for the principal of `role`, ending in a newline.
pub(crate) fn snippet(role: &RoleInUse<'_>) -> String {
    let RoleInUse {
        role_name,
        role_arn,
        region,
        bucket,
        ..
    } = role;
    match role.principal {
        Principal::Oidc {
            provider,
            project,
            subject,
            environment,
        } if *provider == GITHUB => github_snippet(role, project, subject, environment.as_deref()),
        Principal::Oidc {
            provider,
            project,
            subject,
            ..
        } => format!(
            "To use the role in a GitLab CI job of {project} (only jobs whose token subject \
             matches `{subject}` can assume it), in .gitlab-ci.yml:\n\n\
             upload:\n  id_tokens:\n    GITLAB_OIDC_TOKEN:\n      aud: {audience}\n\
             \x20 variables:\n\
             \x20   AWS_ROLE_ARN: {role_arn}\n\
             \x20   AWS_WEB_IDENTITY_TOKEN_FILE: /tmp/web-identity-token\n\
             \x20   AWS_REGION: {region}\n\
             \x20 script:\n\
             \x20   - echo \"$GITLAB_OIDC_TOKEN\" > \"$AWS_WEB_IDENTITY_TOKEN_FILE\"\n\
             \x20   - aws s3 ls s3://{bucket}/\n",
            audience = provider.audience
        ),
        Principal::Service(service) => service_snippet(service, role_name, role_arn),
        Principal::Account { id, external_id } => {
            let external_id = external_id
                .as_ref()
                .map_or_else(String::new, |id| format!("external_id = {id}\n"));
            format!(
                "To assume the role from account {id} (whose own IAM policies must also allow \
                 sts:AssumeRole on it), add to ~/.aws/config there:\n\n\
                 [profile {role_name}]\nrole_arn = {role_arn}\nsource_profile = default\n{external_id}"
            )
        }
    }
}

/// A workflow job with the `id-token: write` permission and the
/// `configure-aws-credentials` step.
fn github_snippet(
    role: &RoleInUse<'_>,
    project: &str,
    subject: &str,
    environment: Option<&str>,
) -> String {
    let RoleInUse {
        role_arn,
        region,
        bucket,
        ..
    } = role;
    let environment =
        environment.map_or_else(String::new, |name| format!("    environment: {name}\n"));
    format!(
        "To use the role in a GitHub Actions workflow of {project} (only jobs whose token \
         subject matches `{subject}` can assume it):\n\n\
         permissions:\n  id-token: write\n  contents: read\n\
         jobs:\n  upload:\n    runs-on: ubuntu-latest\n{environment}    steps:\n\
         \x20     - uses: aws-actions/configure-aws-credentials@v4\n\
         \x20       with:\n\
         \x20         role-to-assume: {role_arn}\n\
         \x20         aws-region: {region}\n\
         \x20     - run: aws s3 ls s3://{bucket}/\n"
    )
}

/// The setting that gives the role to a service.
fn service_snippet(service: &str, role_name: &str, role_arn: &str) -> String {
    match service {
        "lambda.amazonaws.com" => format!(
            "To make the role the execution role of a Lambda function:\n\n\
             aws lambda update-function-configuration --function-name FUNCTION --role {role_arn}\n"
        ),
        "ec2.amazonaws.com" => format!(
            "To give the role to an EC2 instance, through the instance profile {role_name}:\n\n\
             aws ec2 associate-iam-instance-profile --instance-id INSTANCE_ID \
             --iam-instance-profile Name={role_name}\n"
        ),
        "ecs-tasks.amazonaws.com" => format!(
            "To make the role the task role of an ECS task definition, set in it:\n\n\
             \"taskRoleArn\": \"{role_arn}\"\n"
        ),
        _ => format!("To let {service} use the role, give it the role ARN:\n\n{role_arn}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn for_principal(arg: &str, external_id: Option<&str>) -> String {
        let principal = Principal::parse(arg, external_id).unwrap();
        snippet(&RoleInUse {
            principal: &principal,
            role_name: "ci-upload",
            role_arn: "arn:aws:iam::123456789012:role/ci-upload",
            region: "eu-west-1",
            bucket: "my-bucket",
        })
    }

    #[test]
    fn github_step_with_id_token_permission() {
        assert_eq!(
            for_principal("github:octo-org/octo-repo:environment:prod", None),
            "To use the role in a GitHub Actions workflow of octo-org/octo-repo (only jobs whose \
             token subject matches `repo:octo-org/octo-repo:environment:prod` can assume it):\n\
             \n\
             permissions:\n\
             \x20 id-token: write\n\
             \x20 contents: read\n\
             jobs:\n\
             \x20 upload:\n\
             \x20   runs-on: ubuntu-latest\n\
             \x20   environment: prod\n\
             \x20   steps:\n\
             \x20     - uses: aws-actions/configure-aws-credentials@v4\n\
             \x20       with:\n\
             \x20         role-to-assume: arn:aws:iam::123456789012:role/ci-upload\n\
             \x20         aws-region: eu-west-1\n\
             \x20     - run: aws s3 ls s3://my-bucket/\n"
        );
        assert!(!for_principal("github:o/r", None).contains("environment:"));
    }

    #[test]
    fn gitlab_job_variables() {
        let text = for_principal("gitlab:g/p:ref_type:branch:ref:main", None);
        assert!(text.starts_with(
            "To use the role in a GitLab CI job of g/p (only jobs whose token subject matches \
             `project_path:g/p:ref_type:branch:ref:main` can assume it), in .gitlab-ci.yml:\n\n\
             upload:\n  id_tokens:\n    GITLAB_OIDC_TOKEN:\n      aud: https://gitlab.com\n"
        ));
        assert!(text.contains("    AWS_ROLE_ARN: arn:aws:iam::123456789012:role/ci-upload\n"));
    }

    #[test]
    fn service_and_account_settings() {
        assert!(for_principal("service:lambda", None).ends_with(
            "aws lambda update-function-configuration --function-name FUNCTION --role \
             arn:aws:iam::123456789012:role/ci-upload\n"
        ));
        assert!(
            for_principal("service:ec2", None).ends_with("--iam-instance-profile Name=ci-upload\n")
        );
        assert!(
            for_principal("service:ecs-tasks", None)
                .ends_with("\"taskRoleArn\": \"arn:aws:iam::123456789012:role/ci-upload\"\n")
        );
        assert_eq!(
            for_principal("account:210987654321", Some("partner-7f3a")),
            "To assume the role from account 210987654321 (whose own IAM policies must also \
             allow sts:AssumeRole on it), add to ~/.aws/config there:\n\n\
             [profile ci-upload]\n\
             role_arn = arn:aws:iam::123456789012:role/ci-upload\n\
             source_profile = default\n\
             external_id = partner-7f3a\n"
        );
    }
}
