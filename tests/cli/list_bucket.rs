use s3_credentials::output::timestamp;

use crate::common::s3::{new_bucket, put};
use crate::common::{block_on, moto, s3c};

/// `(LastModified, ETag)` of each key as the tool prints them.
fn listed(bucket: &str) -> Vec<(String, String)> {
    let s3 = moto().clients().s3;
    let page = block_on(s3.list_objects_v2().bucket(bucket).send()).unwrap();
    page.contents()
        .iter()
        .map(|object| {
            let modified = timestamp(object.last_modified().unwrap());
            let modified = modified.as_str().unwrap().to_owned();
            (modified, object.e_tag().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn lists_every_object_in_each_mode() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "a.txt", b"hello");
    put(moto(), &bucket, "dir/b.txt", b"hi");
    let meta = listed(&bucket);
    let ((date_a, etag_a), (date_b, etag_b)) = (&meta[0], &meta[1]);
    let etag_a_json = etag_a.replace('"', "\\\"");

    let nl = s3c(&["list-bucket", &bucket, "--nl"]).against(moto()).run();
    assert_eq!(
        nl.success(),
        format!(
            "{{\"Key\":\"a.txt\",\"LastModified\":\"{date_a}\",\"ETag\":\"{etag_a_json}\",\"Size\":5,\"StorageClass\":\"STANDARD\"}}\n\
             {{\"Key\":\"dir/b.txt\",\"LastModified\":\"{date_b}\",\"ETag\":\"{}\",\"Size\":2,\"StorageClass\":\"STANDARD\"}}\n",
            etag_b.replace('"', "\\\"")
        )
    );
    assert_eq!(nl.stderr, "");

    let pretty = s3c(&["list-bucket", &bucket, "--prefix", "dir/"])
        .against(moto())
        .run();
    assert_eq!(
        pretty.success(),
        format!(
            "{{\n    \"Key\": \"dir/b.txt\",\n    \"LastModified\": \"{date_b}\",\n    \
             \"ETag\": \"{}\",\n    \"Size\": 2,\n    \"StorageClass\": \"STANDARD\"\n}}\n",
            etag_b.replace('"', "\\\"")
        )
    );

    let csv = s3c(&["list-bucket", &bucket, "--csv"])
        .against(moto())
        .run();
    assert_eq!(
        csv.success(),
        format!(
            "Key,LastModified,ETag,Size,StorageClass,Owner\r\n\
             a.txt,{date_a},\"{}\",5,STANDARD,\r\n\
             dir/b.txt,{date_b},\"{}\",2,STANDARD,\r\n",
            etag_a.replace('"', "\"\""),
            etag_b.replace('"', "\"\"")
        )
    );

    let array = s3c(&["list-bucket", &bucket, "--array", "--prefix", "nothing"])
        .against(moto())
        .run();
    assert_eq!(array.success(), "[]\n");
    let tsv = s3c(&["list-bucket", &bucket, "--tsv", "--prefix", "nothing"])
        .against(moto())
        .run();
    assert_eq!(
        tsv.success(),
        "Key\tLastModified\tETag\tSize\tStorageClass\tOwner\r\n"
    );
}

#[test]
fn urls_are_encoded_and_point_at_the_endpoint() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "my folder/ü?&#+.txt", b"x");
    let output = s3c(&["list-bucket", &bucket, "--urls", "--tsv"])
        .against(moto())
        .run();
    let rows: Vec<&str> = output.success().lines().collect();
    assert_eq!(
        rows[0],
        "Key\tLastModified\tETag\tSize\tStorageClass\tOwner\tURL"
    );
    let url = rows[1].trim_end().rsplit('\t').next().unwrap();
    assert_eq!(
        url,
        format!(
            "{}/{bucket}/my%20folder/%C3%BC%3F%26%23%2B.txt",
            moto().endpoint
        )
    );
    // The URL really names the object.
    let s3 = moto().clients().s3;
    let key = percent_decode(url.rsplit_once(&format!("{bucket}/")).unwrap().1);
    assert!(block_on(s3.head_object().bucket(&bucket).key(key).send()).is_ok());
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .unwrap()
        .into_owned()
}
