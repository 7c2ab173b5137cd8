use std::time::Duration;

use crate::common::proxy::Proxy;
use crate::common::s3::{new_bucket, put, put_many};
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

/// The keys `list-bucket --nl` printed, in order.
fn printed_keys(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|line| {
            let object: serde_json::Value = serde_json::from_str(line).unwrap();
            object["Key"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// The `ListObjectsV2` requests the proxy saw: `(prefix, delimiter)` of each.
fn listings(proxy: &Proxy) -> Vec<(String, String)> {
    proxy
        .requests()
        .iter()
        .filter(|request| request.method == "GET" && request.path.contains("list-type=2"))
        .map(|request| {
            let query = request.path.split_once('?').map_or("", |(_, query)| query);
            let field = |name: &str| {
                query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                    .map(percent_decode)
                    .unwrap_or_default()
            };
            (field("prefix"), field("delimiter"))
        })
        .collect()
}

/// A bucket whose keys are in folders is listed a folder at a time, the
/// folders side by side, and prints exactly what a plain listing gives in
/// the same order: keys that sort around a folder's name (`a`, `a-b`, `a0`)
/// land before or after its keys, and encoded folder names (a space, a `+`,
/// a control character) are decoded before they are listed.
#[test]
fn folders_are_listed_side_by_side_in_the_order_of_a_plain_listing() {
    let bucket = new_bucket(&moto().clients(), "folders");
    let keys = [
        "a",
        "a-b",
        "a/1",
        "a/2/x",
        "a/",
        "a0",
        "b/c/d",
        "b/c/e",
        "sp ace/k",
        "plus+/k",
        "ctl\u{1b}/k",
        "z",
    ];
    let objects: Vec<(String, Vec<u8>)> = keys
        .iter()
        .map(|key| ((*key).to_owned(), b"x".to_vec()))
        .collect();
    put_many(moto(), &bucket, &objects);
    // S3 lists keys in the order of their UTF-8 bytes, as Rust sorts strings.
    let mut sorted: Vec<String> = keys.iter().map(|key| (*key).to_owned()).collect();
    sorted.sort();
    let proxy = Proxy::holding(&moto().endpoint, Duration::from_millis(200));

    let listed = s3c(&[
        "list-bucket",
        &bucket,
        "--nl",
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run();

    assert_eq!(printed_keys(listed.success()), sorted);
    assert_eq!(listed.stderr, "");
    let mut requests = listings(&proxy);
    requests.sort();
    let folder = |prefix: &str| (prefix.to_owned(), "/".to_owned());
    assert_eq!(
        requests,
        [
            folder(""),
            folder("a/"),
            folder("a/2/"),
            folder("b/"),
            folder("b/c/"),
            folder("ctl\u{1b}/"),
            folder("plus+/"),
            folder("sp ace/"),
        ]
    );
    assert!(
        proxy.most_in_flight() > 1,
        "the folders were listed one by one"
    );
}

/// A key space without folders costs the requests a plain listing costs:
/// moto's pages hold 1,000 keys, so 1,001 keys take two requests. A top
/// level that is one folder alone is walked into, one request a level.
#[test]
fn a_flat_key_space_costs_no_extra_request() {
    let bucket = new_bucket(&moto().clients(), "flat");
    let objects: Vec<(String, Vec<u8>)> = (0..1001)
        .map(|n| (format!("data/day/k{n:04}"), Vec::new()))
        .collect();
    put_many(moto(), &bucket, &objects);
    let proxy = Proxy::start(&moto().endpoint);

    let endpoint = ["--endpoint-url", proxy.endpoint.as_str()];
    let listed = s3c(&[
        &["list-bucket", &bucket, "--nl", "--prefix", "data/day/"][..],
        &endpoint,
    ]
    .concat())
    .run();
    let expected: Vec<String> = objects.iter().map(|(key, _)| key.clone()).collect();
    assert_eq!(printed_keys(listed.success()), expected);
    let day = ("data/day/".to_owned(), "/".to_owned());
    assert_eq!(listings(&proxy), [day.clone(), day.clone()]);

    let proxy = Proxy::start(&moto().endpoint);
    let listed = s3c(&[
        "list-bucket",
        &bucket,
        "--nl",
        "--endpoint-url",
        &proxy.endpoint,
    ])
    .run();
    assert_eq!(printed_keys(listed.success()), expected);
    let level = |prefix: &str| (prefix.to_owned(), "/".to_owned());
    assert_eq!(
        listings(&proxy),
        [level(""), level("data/"), day.clone(), day]
    );
}
