use crate::common::s3::{new_bucket, put};
use crate::common::{block_on, moto, printed_date, s3c};

/// `(LastModified, ETag)` of each key as the tool prints them.
fn listed(bucket: &str) -> Vec<(String, String)> {
    let s3 = moto().clients().s3;
    let page = block_on(s3.list_objects_v2().bucket(bucket).send()).unwrap();
    page.contents()
        .iter()
        .map(|object| {
            let modified = printed_date(object.last_modified().unwrap());
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
            "{{\"Key\":\"a.txt\",\"LastModified\":\"{date_a}\",\"ETag\":\"{etag_a_json}\",\"ChecksumAlgorithm\":[\"CRC32\"],\"Size\":5,\"StorageClass\":\"STANDARD\"}}\n\
             {{\"Key\":\"dir/b.txt\",\"LastModified\":\"{date_b}\",\"ETag\":\"{}\",\"ChecksumAlgorithm\":[\"CRC32\"],\"Size\":2,\"StorageClass\":\"STANDARD\"}}\n",
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
             \"ETag\": \"{}\",\n    \"ChecksumAlgorithm\": [\n        \"CRC32\"\n    ],\n    \"Size\": 2,\n    \"StorageClass\": \"STANDARD\"\n}}\n",
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

#[test]
fn dot_segments_in_urls_are_encoded_so_they_name_the_same_object() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    let s3 = moto().clients().s3;
    for (key, body) in [("d/../e", "the dotted one"), ("e", "another object")] {
        // Readable by anyone, so a plain GET of the URL can fetch it.
        let put = s3
            .put_object()
            .bucket(&bucket)
            .key(key)
            .acl(aws_sdk_s3::types::ObjectCannedAcl::PublicRead)
            .body(body.as_bytes().to_vec().into())
            .send();
        block_on(put).unwrap();
    }
    let output = s3c(&["list-bucket", &bucket, "--urls", "--nl"])
        .against(moto())
        .run();
    let urls: Vec<String> = output
        .success()
        .lines()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            row["URL"].as_str().unwrap().to_owned()
        })
        .collect();
    let base = format!("{}/{bucket}", moto().endpoint);
    assert_eq!(urls, [format!("{base}/d/%2E%2E/e"), format!("{base}/e")]);
    // Fetched as curl would (no dot-segment to resolve), it is that object.
    let address = moto().endpoint.trim_start_matches("http://").to_owned();
    let path = urls[0].trim_start_matches(&format!("http://{address}"));
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    use std::io::{Read, Write};
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.ends_with("the dotted one"), "{response}");
}

#[test]
fn keys_with_control_characters_are_listed_in_every_mode() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    put(moto(), &bucket, "ctrl\u{1b}x", b"e");
    put(moto(), &bucket, "a+b c%2B", b"p");
    let keys_in = |mode: &str| -> String {
        let output = s3c(&["list-bucket", &bucket, mode]).against(moto()).run();
        assert_eq!(output.stderr, "", "{mode}");
        output.success().to_owned()
    };
    let nl = keys_in("--nl");
    let listed: Vec<String> = nl
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["Key"].to_string())
        .collect();
    // JSON shows the control character escaped, and reads back as it was.
    assert_eq!(listed, ["\"a+b c%2B\"", "\"ctrl\\u001bx\""]);
    let csv = keys_in("--csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let keys: Vec<String> = reader
        .records()
        .map(|record| record.unwrap()[0].to_owned())
        .collect();
    // CSV carries keys byte for byte, so a CSV reader gets them back.
    assert_eq!(keys, ["a+b c%2B", "ctrl\u{1b}x"]);
}

#[test]
fn csv_and_tsv_round_trip_keys_with_commas_quotes_and_tabs() {
    let bucket = new_bucket(&moto().clients(), "bkt");
    // moto cannot store a key with a line break (its router answers 404),
    // so line breaks are covered by the unit tests of the CSV writer.
    let keys = ["a,b", "say \"hi\"", "tab\there", "both,\"\t\""];
    for key in keys {
        put(moto(), &bucket, key, b"x");
    }
    let mut expected: Vec<&str> = keys.to_vec();
    expected.sort_unstable();
    for (mode, delimiter) in [("--csv", b','), ("--tsv", b'\t')] {
        let output = s3c(&["list-bucket", &bucket, mode]).against(moto()).run();
        assert_eq!((output.code, output.stderr.as_str()), (0, ""), "{mode}");
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(output.stdout.as_bytes());
        let listed: Vec<String> = reader
            .records()
            .map(|record| record.unwrap()[0].to_owned())
            .collect();
        assert_eq!(listed, expected, "{mode}");
    }
}
