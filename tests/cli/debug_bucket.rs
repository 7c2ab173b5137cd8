//! `debug-bucket`.

use aws_sdk_s3::types::{
    BucketLocationConstraint, CorsConfiguration, CorsRule, CreateBucketConfiguration,
    ErrorDocument, IndexDocument, PublicAccessBlockConfiguration, WebsiteConfiguration,
};

use crate::bucket_setup::{sdk, user_allowed};
use crate::common::s3::new_bucket;
use crate::common::{block_on, enforcing_moto, moto, s3c, unique};

/// The ACL moto gives every bucket.
const ACL: &str = r#"Bucket ACL:
{
    "Owner": {
        "DisplayName": "webfile",
        "ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
    },
    "Grants": [
        {
            "Grantee": {
                "ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a",
                "Type": "CanonicalUser"
            },
            "Permission": "FULL_CONTROL"
        }
    ]
}
"#;

/// Give `bucket` a public policy, a public access block, a CORS rule and a website.
fn configure(bucket: &str) {
    let s3 = sdk().s3;
    let policy = s3_credentials::policy::bucket_policy_allow_all_get(bucket);
    let block = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(false)
        .restrict_public_buckets(false)
        .build();
    let rule = CorsRule::builder()
        .allowed_methods("GET")
        .allowed_origins("*")
        .build()
        .unwrap();
    let website = WebsiteConfiguration::builder()
        .index_document(
            IndexDocument::builder()
                .suffix("index.html")
                .build()
                .unwrap(),
        )
        .error_document(ErrorDocument::builder().key("error.html").build().unwrap())
        .build();
    block_on(async {
        let put = s3.put_bucket_policy().bucket(bucket);
        put.policy(policy.to_string()).send().await.unwrap();
        let put = s3.put_public_access_block().bucket(bucket);
        put.public_access_block_configuration(block)
            .send()
            .await
            .unwrap();
        let cors = CorsConfiguration::builder()
            .cors_rules(rule)
            .build()
            .unwrap();
        let put = s3.put_bucket_cors().bucket(bucket);
        put.cors_configuration(cors).send().await.unwrap();
        let put = s3.put_bucket_website().bucket(bucket);
        put.website_configuration(website).send().await.unwrap();
    });
}

#[test]
fn shows_every_section_of_a_configured_bucket() {
    let bucket = new_bucket(&sdk(), "debug-full");
    configure(&bucket);
    let output = s3c(&["debug-bucket", &bucket]).against(moto()).run();
    assert_eq!(
        output.success(),
        format!(
            r#"{ACL}Bucket policy status:
{{
    "IsPublic": true
}}
Bucket public access block:
{{
    "BlockPublicAcls": true,
    "IgnorePublicAcls": true,
    "BlockPublicPolicy": false,
    "RestrictPublicBuckets": false
}}
Bucket CORS rules:
[
    {{
        "AllowedMethods": [
            "GET"
        ],
        "AllowedOrigins": [
            "*"
        ]
    }}
]
Bucket website:
{{
    "IndexDocument": {{
        "Suffix": "index.html"
    }},
    "ErrorDocument": {{
        "Key": "error.html"
    }},
    "url": "http://{bucket}.s3-website-us-east-1.amazonaws.com/"
}}
Bucket region:
us-east-1
"#
        )
    );
    assert_eq!(output.stderr, "");
}

#[test]
fn says_what_a_bare_bucket_in_another_region_does_not_have() {
    let bucket = unique("debug-bare");
    let location = CreateBucketConfiguration::builder()
        .location_constraint(BucketLocationConstraint::EuWest2)
        .build();
    let create = sdk().s3.create_bucket().bucket(&bucket);
    block_on(create.create_bucket_configuration(location).send()).unwrap();
    let output = s3c(&["debug-bucket", &bucket]).against(moto()).run();
    assert_eq!(
        output.success(),
        format!(
            "{ACL}Bucket policy status:\nNo bucket policy\n\
             Bucket public access block:\nNo public access block configuration\n\
             Bucket CORS rules:\nNo CORS rules\n\
             Bucket website:\nNot configured as a website\n\
             Bucket region:\neu-west-2\n"
        )
    );
}

#[test]
fn a_section_that_fails_is_reported_in_place() {
    // moto does not check permissions for GetPublicAccessBlock: that section
    // is read whatever the policy says.
    let bucket = new_bucket(&enforcing_moto().admin(), "debug-denied");
    let (key, secret) = user_allowed(&["s3:ListBucket", "s3:GetBucketAcl", "s3:GetBucketCORS"]);
    let output = s3c(&["debug-bucket", &bucket])
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .against(&enforcing_moto().emulator)
        .run();
    let denied = |operation: &str| {
        format!(
            "Error: access denied to bucket `{bucket}`: {operation} failed: AccessDenied: Access Denied"
        )
    };
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            format!(
                "{ACL}Bucket policy status:\n{}\n\
                 Bucket public access block:\nNo public access block configuration\n\
                 Bucket CORS rules:\nNo CORS rules\nBucket website:\n{}\nBucket region:\n{}\n",
                denied("GetBucketPolicyStatus"),
                denied("GetBucketWebsite"),
                denied("GetBucketLocation"),
            )
            .as_str(),
            "Error: could not read the bucket's policy status, website, region (see above)\n"
        ),
        "{output:#?}"
    );
}
