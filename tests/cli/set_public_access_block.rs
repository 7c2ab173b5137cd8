//! `set-public-access-block` and `get-public-access-block`.

use crate::bucket_setup::sdk;
use crate::common::s3::new_bucket;
use crate::common::{block_on, moto, s3c};

/// The four settings of `bucket` as S3 stores them.
fn stored(bucket: &str) -> [Option<bool>; 4] {
    let block = block_on(sdk().s3.get_public_access_block().bucket(bucket).send()).unwrap();
    let block = block.public_access_block_configuration.unwrap();
    [
        block.block_public_acls(),
        block.ignore_public_acls(),
        block.block_public_policy(),
        block.restrict_public_buckets(),
    ]
}

fn json(values: [bool; 4]) -> String {
    format!(
        "{{\n    \"BlockPublicAcls\": {},\n    \"IgnorePublicAcls\": {},\n    \
         \"BlockPublicPolicy\": {},\n    \"RestrictPublicBuckets\": {}\n}}\n",
        values[0], values[1], values[2], values[3]
    )
}

/// What `set-public-access-block` reports on stderr when it sets `values`.
fn set_to(bucket: &str, values: [bool; 4]) -> String {
    format!(
        "Set public access block of bucket `{bucket}` to:\n{}",
        json(values)
    )
}

#[test]
fn settings_not_given_keep_their_value() {
    let bucket = new_bucket(&sdk(), "block-keep");
    let output = s3c(&[
        "set-public-access-block",
        &bucket,
        "--block-public-acls",
        "true",
    ])
    .against(moto())
    .run();
    assert_eq!(
        output.success_with_stderr(&set_to(&bucket, [true, false, false, false])),
        ""
    );
    assert_eq!(
        stored(&bucket),
        [Some(true), Some(false), Some(false), Some(false)]
    );

    s3c(&[
        "set-public-access-block",
        &bucket,
        "--block-public-policy",
        "true",
        "--restrict-public-buckets",
        "true",
    ])
    .against(moto())
    .run()
    .success_with_stderr(&set_to(&bucket, [true, false, true, true]));
    s3c(&[
        "set-public-access-block",
        &bucket,
        "--block-public-acls",
        "false",
    ])
    .against(moto())
    .run()
    .success_with_stderr(&set_to(&bucket, [false, false, true, true]));
    assert_eq!(
        stored(&bucket),
        [Some(false), Some(false), Some(true), Some(true)]
    );

    let output = s3c(&["get-public-access-block", &bucket])
        .against(moto())
        .run();
    assert_eq!(output.success(), json([false, false, true, true]));
}

#[test]
fn allow_public_access_turns_everything_off() {
    let bucket = new_bucket(&sdk(), "block-open");
    for flag in [
        "--block-public-acls",
        "--ignore-public-acls",
        "--block-public-policy",
        "--restrict-public-buckets",
    ]
    .into_iter()
    .enumerate()
    {
        // Each flag turns one more setting on, keeping the earlier ones.
        let expected: [bool; 4] = std::array::from_fn(|setting| setting <= flag.0);
        s3c(&["set-public-access-block", &bucket, flag.1, "true"])
            .against(moto())
            .run()
            .success_with_stderr(&set_to(&bucket, expected));
    }
    assert_eq!(stored(&bucket), [Some(true); 4]);
    let output = s3c(&["set-public-access-block", &bucket, "--allow-public-access"])
        .against(moto())
        .run();
    assert_eq!(output.success_with_stderr(&set_to(&bucket, [false; 4])), "");
    assert_eq!(stored(&bucket), [Some(false); 4]);
}

#[test]
fn at_least_one_setting_is_needed_and_values_are_booleans() {
    s3c(&["set-public-access-block", "bucket"])
        .run()
        .fails_with(
            2,
            "Error: the following required arguments were not provided: \
         <--block-public-acls <BOOL>|--ignore-public-acls <BOOL>|--block-public-policy <BOOL>|\
         --restrict-public-buckets <BOOL>|--allow-public-access>; \
         see `s3-credentials set-public-access-block --help`\n",
        );
    s3c(&[
        "set-public-access-block",
        "bucket",
        "--allow-public-access",
        "--ignore-public-acls",
        "true",
    ])
    .run()
    .fails_with(
        2,
        "Error: the argument '--allow-public-access' cannot be used with \
         '--ignore-public-acls <BOOL>'; see `s3-credentials set-public-access-block --help`\n",
    );
    let output = s3c(&[
        "set-public-access-block",
        "bucket",
        "--block-public-acls",
        "maybe",
    ])
    .run();
    assert_eq!((output.code, output.stdout.as_str()), (2, ""));
    assert!(
        output
            .stderr
            .starts_with("Error: invalid value 'maybe' for '--block-public-acls <BOOL>'"),
        "{}",
        output.stderr
    );
}

#[test]
fn a_bucket_without_settings_says_so() {
    let bucket = new_bucket(&sdk(), "block-none");
    s3c(&["get-public-access-block", &bucket])
        .against(moto())
        .run()
        .fails_with(
            1,
            &format!(
                "Error: bucket `{bucket}` has no public access block configuration \
                 (account-wide settings may still apply)\n"
            ),
        );
}
