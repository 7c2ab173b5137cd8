use crate::common::iam::user_with_key;
use crate::common::{moto, s3c};

#[test]
fn prints_the_caller_identity_as_indented_json() {
    let (user, key, secret) = user_with_key(moto());
    let user_id = crate::common::block_on(moto().clients().iam.get_user().user_name(&user).send())
        .unwrap()
        .user
        .unwrap()
        .user_id;
    let output = s3c(&["whoami"])
        .against(moto())
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .run();
    assert_eq!(
        output.success(),
        format!(
            "{{\n    \"UserId\": \"{user_id}\",\n    \"Account\": \"123456789012\",\n    \
             \"Arn\": \"arn:aws:iam::123456789012:user/{user}\"\n}}\n"
        )
    );
    assert_eq!(output.stderr, "");
}

#[test]
fn endpoint_url_option_works_like_the_environment_variable() {
    let (user, key, secret) = user_with_key(moto());
    let output = s3c(&["whoami", "--endpoint-url", &moto().endpoint])
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .run();
    assert!(
        output.success().contains(&format!("user/{user}\"")),
        "{output:#?}"
    );
}
