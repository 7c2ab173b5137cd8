//! `list-buckets`, with and without `--details`.

use crate::common::proxy::{Proxy, Request};
use crate::common::{block_on, exclusive_moto, printed_date, s3c, unique};

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
                printed_date(bucket.creation_date().unwrap())
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

/// The ACL moto gives every bucket, as `--nl` prints it.
const MOTO_ACL: &str = r#"{"Owner":{"DisplayName":"webfile","ID":"75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"},"Grants":[{"Grantee":{"ID":"75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a","Type":"CanonicalUser"},"Permission":"FULL_CONTROL"}]}"#;

#[test]
fn details_add_region_acl_public_access_block_and_website() {
    use aws_sdk_s3::types::{
        BucketLocationConstraint, CreateBucketConfiguration, IndexDocument,
        PublicAccessBlockConfiguration, WebsiteConfiguration,
    };
    let server = crate::common::moto();
    let (site, plain) = (unique("details-site"), unique("details-plain"));
    let s3 = server.clients().s3;
    block_on(async {
        s3.create_bucket().bucket(&site).send().await.unwrap();
        let block = PublicAccessBlockConfiguration::builder()
            .block_public_acls(true)
            .ignore_public_acls(false)
            .block_public_policy(true)
            .restrict_public_buckets(false)
            .build();
        let put = s3.put_public_access_block().bucket(&site);
        put.public_access_block_configuration(block)
            .send()
            .await
            .unwrap();
        let index = IndexDocument::builder()
            .suffix("index.html")
            .build()
            .unwrap();
        let website = WebsiteConfiguration::builder()
            .index_document(index)
            .build();
        let put = s3.put_bucket_website().bucket(&site);
        put.website_configuration(website).send().await.unwrap();
        let location = CreateBucketConfiguration::builder()
            .location_constraint(BucketLocationConstraint::EuWest2)
            .build();
        let create = s3.create_bucket().bucket(&plain);
        create
            .create_bucket_configuration(location)
            .send()
            .await
            .unwrap();
    });
    let output = s3c(&["list-buckets", "--details", "--nl", &site, &plain])
        .against(server)
        .run();
    let rows: Vec<serde_json::Value> = output
        .success()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let without_date = |row: &serde_json::Value| {
        let mut row = row.clone();
        assert!(row["CreationDate"].as_str().unwrap().ends_with("+00:00"));
        row.as_object_mut().unwrap().shift_remove("CreationDate");
        row.to_string()
    };
    assert_eq!(
        rows.iter().map(without_date).collect::<Vec<_>>(),
        [
            format!(
                r#"{{"Name":"{site}","region":"us-east-1","bucket_acl":{MOTO_ACL},"public_access_block":{{"BlockPublicAcls":true,"IgnorePublicAcls":false,"BlockPublicPolicy":true,"RestrictPublicBuckets":false}},"bucket_website":{{"IndexDocument":{{"Suffix":"index.html"}},"url":"http://{site}.s3-website-us-east-1.amazonaws.com/"}}}}"#
            ),
            format!(
                r#"{{"Name":"{plain}","region":"eu-west-2","bucket_acl":{MOTO_ACL},"public_access_block":null,"bucket_website":null}}"#
            ),
        ]
    );
    assert_eq!(output.stderr, "");

    let csv = s3c(&["list-buckets", "--details", "--csv", &plain])
        .against(server)
        .run();
    let header = csv.success().lines().next().unwrap();
    assert_eq!(
        header,
        "Name,CreationDate,BucketRegion,region,bucket_acl,public_access_block,bucket_website"
    );
}

#[test]
fn details_of_many_buckets_are_fetched_concurrently() {
    const BUCKETS: u32 = 50;
    const DELAY: std::time::Duration = std::time::Duration::from_millis(100);
    let server = crate::common::moto();
    let names: Vec<String> = (0..BUCKETS).map(|_| unique("many")).collect();
    let s3 = server.clients().s3;
    block_on(async {
        for name in &names {
            s3.create_bucket().bucket(name).send().await.unwrap();
        }
    });
    // Every request waits 100 ms at the proxy, like a round trip to a
    // far-away region; the proxy notes how many are waiting at once.
    let in_flight = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let most = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let slow = {
        let (in_flight, most) = (in_flight.clone(), most.clone());
        move |_: &Request| {
            use std::sync::atomic::Ordering::SeqCst;
            let now = in_flight.fetch_add(1, SeqCst) + 1;
            most.fetch_max(now, SeqCst);
            std::thread::sleep(DELAY);
            in_flight.fetch_sub(1, SeqCst);
            None
        }
    };
    let proxy = Proxy::with_faults(&server.endpoint, std::sync::Arc::new(slow));
    let mut args = vec![
        "list-buckets",
        "--details",
        "--nl",
        "--endpoint-url",
        &proxy.endpoint,
    ];
    args.extend(names.iter().map(String::as_str));
    let output = s3c(&args).run();
    assert_eq!(output.success().lines().count(), names.len());
    // ListBuckets, then for each bucket HeadBucket and three reads.
    assert_eq!(proxy.requests().len(), 1 + 4 * names.len());
    // Buckets one at a time would have at most the three reads of one bucket
    // waiting together; many buckets at once have many more.
    let most = most.load(std::sync::atomic::Ordering::SeqCst);
    assert!(most > 8, "at most {most} requests were in flight at once");
}
