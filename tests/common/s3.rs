//! Buckets and objects on an emulator, for the object command tests: set up
//! state before a run and read it back after.

use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::types::ChecksumMode;

use s3_credentials::aws::Clients;

use super::{Emulator, block_on, exists, unique};

/// Create a bucket named after `prefix` that no other test uses, as
/// `clients` (the emulator's default user, or an enforcing emulator's
/// admin), and return its name. Every test makes its buckets with this.
pub fn new_bucket(clients: &Clients, prefix: &str) -> String {
    let name = unique(prefix);
    block_on(clients.s3.create_bucket().bucket(&name).send()).unwrap();
    name
}

/// Whether the bucket exists.
pub fn bucket_exists(clients: &Clients, bucket: &str) -> bool {
    exists(block_on(clients.s3.head_bucket().bucket(bucket).send()))
}

/// Create a bucket in `region` (moto records its `LocationConstraint`).
pub fn new_bucket_in(clients: &Clients, region: &'static str) -> String {
    use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
    let name = unique("bkt");
    let config = clients.s3.config().to_builder();
    let s3 = aws_sdk_s3::Client::from_conf(
        config
            .region(aws_sdk_s3::config::Region::from_static(region))
            .build(),
    );
    let location = CreateBucketConfiguration::builder()
        .location_constraint(BucketLocationConstraint::from(region))
        .build();
    block_on(
        s3.create_bucket()
            .bucket(&name)
            .create_bucket_configuration(location)
            .send(),
    )
    .unwrap();
    name
}

/// Store `body` under `key`.
pub fn put(emulator: &Emulator, bucket: &str, key: &str, body: &[u8]) {
    let s3 = emulator.clients().s3;
    block_on(
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(body.to_vec().into())
            .send(),
    )
    .unwrap();
}

/// Store many objects at once: `(key, body)`.
pub fn put_many(emulator: &Emulator, bucket: &str, objects: &[(String, Vec<u8>)]) {
    use futures_util::StreamExt;
    let s3 = emulator.clients().s3;
    block_on(async {
        futures_util::stream::iter(objects)
            .map(|(key, body)| {
                s3.put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(body.clone().into())
                    .send()
            })
            .buffer_unordered(16)
            .for_each(|result| async {
                result.unwrap();
            })
            .await;
    });
}

/// The bytes stored under `key`, or `None` when there is no such key.
pub fn get(emulator: &Emulator, bucket: &str, key: &str) -> Option<Vec<u8>> {
    let s3 = emulator.clients().s3;
    block_on(async {
        let object = s3.get_object().bucket(bucket).key(key).send().await.ok()?;
        Some(object.body.collect().await.unwrap().to_vec())
    })
}

/// `HeadObject` with checksum mode on.
pub fn head(emulator: &Emulator, bucket: &str, key: &str) -> HeadObjectOutput {
    let s3 = emulator.clients().s3;
    block_on(
        s3.head_object()
            .bucket(bucket)
            .key(key)
            .checksum_mode(ChecksumMode::Enabled)
            .send(),
    )
    .unwrap()
}

/// Every key in the bucket, in order.
pub fn keys(emulator: &Emulator, bucket: &str) -> Vec<String> {
    let s3 = emulator.clients().s3;
    block_on(async {
        let mut keys = Vec::new();
        let mut pages = s3.list_objects_v2().bucket(bucket).into_paginator().send();
        while let Some(page) = pages.next().await {
            for object in page.unwrap().contents() {
                keys.push(object.key().unwrap().to_owned());
            }
        }
        keys
    })
}

/// Bytes that differ from position to position, so a misplaced range shows.
pub fn pattern(length: usize) -> Vec<u8> {
    (0..length)
        .map(|i| u8::try_from((i * 31 + i / 251) % 256).unwrap())
        .collect()
}

/// The CRC-64/NVME of `data`, base64 as S3 shows it.
pub fn crc64(data: &[u8]) -> String {
    let crc = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc64Nvme, data);
    aws_smithy_types::base64::encode(crc.to_be_bytes())
}

/// The CRC-32 of `data`, base64 as S3 shows it.
pub fn crc32(data: &[u8]) -> String {
    let crc = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32IsoHdlc, data);
    aws_smithy_types::base64::encode(&crc.to_be_bytes()[4..])
}
