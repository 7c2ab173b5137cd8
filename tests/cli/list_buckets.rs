use s3_credentials::output::timestamp;

use crate::common::{block_on, exclusive_moto, s3c};

/// Create buckets and return their creation dates as the tool prints them.
fn create_buckets(server: &crate::common::Emulator, names: &[&str]) -> Vec<String> {
    let s3 = server.clients().s3;
    block_on(async {
        for name in names {
            s3.create_bucket().bucket(*name).send().await.unwrap();
        }
        let listed = s3.list_buckets().send().await.unwrap();
        names
            .iter()
            .map(|name| {
                let bucket = listed
                    .buckets()
                    .iter()
                    .find(|b| b.name() == Some(*name))
                    .unwrap();
                timestamp(bucket.creation_date().unwrap())
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    })
}

#[test]
fn lists_every_bucket_in_each_mode() {
    let (_lock, server) = exclusive_moto();
    let dates = create_buckets(server, &["bucket-one", "bucket-two"]);
    let (one, two) = (&dates[0], &dates[1]);

    let pretty = s3c(&["list-buckets"]).against(server).run();
    assert_eq!(
        pretty.success(),
        format!(
            "{{\n    \"Name\": \"bucket-one\",\n    \"CreationDate\": \"{one}\"\n}}\n\
             {{\n    \"Name\": \"bucket-two\",\n    \"CreationDate\": \"{two}\"\n}}\n"
        )
    );
    assert_eq!(pretty.stderr, "");

    let nl = s3c(&["list-buckets", "--nl"]).against(server).run();
    assert_eq!(
        nl.success(),
        format!(
            "{{\"Name\":\"bucket-one\",\"CreationDate\":\"{one}\"}}\n\
             {{\"Name\":\"bucket-two\",\"CreationDate\":\"{two}\"}}\n"
        )
    );

    let array = s3c(&["list-buckets", "--array"]).against(server).run();
    assert_eq!(
        array.success(),
        format!(
            "[\n    {{\n        \"Name\": \"bucket-one\",\n        \"CreationDate\": \"{one}\"\n    }},\n    \
             {{\n        \"Name\": \"bucket-two\",\n        \"CreationDate\": \"{two}\"\n    }}\n]\n"
        )
    );

    let csv = s3c(&["list-buckets", "--csv"]).against(server).run();
    assert_eq!(
        csv.success(),
        format!("Name,CreationDate,BucketRegion\r\nbucket-one,{one},\r\nbucket-two,{two},\r\n")
    );
    let tsv = s3c(&["list-buckets", "--tsv"]).against(server).run();
    assert_eq!(
        tsv.success(),
        format!(
            "Name\tCreationDate\tBucketRegion\r\nbucket-one\t{one}\t\r\nbucket-two\t{two}\t\r\n"
        )
    );
}

#[test]
fn named_buckets_are_filtered_and_missing_ones_reported() {
    let (_lock, server) = exclusive_moto();
    let dates = create_buckets(server, &["keep-me", "not-me"]);
    let output = s3c(&["list-buckets", "--nl", "keep-me", "no-such-bucket"])
        .against(server)
        .run();
    assert_eq!(
        (output.code, output.stdout.as_str(), output.stderr.as_str()),
        (
            1,
            format!(
                "{{\"Name\":\"keep-me\",\"CreationDate\":\"{}\"}}\n",
                dates[0]
            )
            .as_str(),
            "Error: no bucket named `no-such-bucket` in this account\n"
        )
    );
}
