//! Listing a bucket's keys. S3 sends keys in XML, which cannot carry most
//! control characters: a key such as `ctrl\x1bx` makes a plain listing
//! unreadable (the SDK rejects the page). Every listing therefore asks S3 to
//! URL-encode the keys (`encoding-type=url`) and decodes them here, as
//! botocore does for the AWS CLI.

use anyhow::Context;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::operation::list_objects_v2::builders::ListObjectsV2FluentBuilder;
use aws_sdk_s3::types::{EncodingType, Object};

/// A `ListObjectsV2` request for `bucket` (keys under `prefix`, when one is
/// given) that asks for URL-encoded keys: page it, and read each page with
/// [`objects`].
pub(crate) fn list(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: Option<&str>,
) -> ListObjectsV2FluentBuilder {
    s3.list_objects_v2()
        .bucket(bucket)
        .set_prefix(
            prefix
                .filter(|prefix| !prefix.is_empty())
                .map(str::to_owned),
        )
        .encoding_type(EncodingType::Url)
}

/// The objects of one page, their keys decoded. A server that ignored the
/// request for encoded keys says so by leaving out `EncodingType`; its keys
/// are taken as they are.
pub(crate) fn objects(page: ListObjectsV2Output) -> anyhow::Result<Vec<Object>> {
    let encoded = page.encoding_type() == Some(&EncodingType::Url);
    let mut objects = page.contents.unwrap_or_default();
    if encoded {
        for object in &mut objects {
            if let Some(key) = &object.key {
                object.key = Some(decode(key)?);
            }
        }
    }
    Ok(objects)
}

/// The folders (common prefixes) of one `delimiter` page, decoded like
/// the keys.
pub(crate) fn folders(page: &ListObjectsV2Output) -> anyhow::Result<Vec<String>> {
    let encoded = page.encoding_type() == Some(&EncodingType::Url);
    page.common_prefixes()
        .iter()
        .filter_map(|folder| folder.prefix())
        .map(|prefix| {
            if encoded {
                decode(prefix)
            } else {
                Ok(prefix.to_owned())
            }
        })
        .collect()
}

/// Undo S3's URL encoding of a key: `%XX` escapes, and `+` for a space
/// (a real `+` arrives as `%2B`).
fn decode(key: &str) -> anyhow::Result<String> {
    let plus_as_space = key.replace('+', " ");
    Ok(percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8()
        .with_context(|| format!("the listing sent a key that is not UTF-8: `{key}`"))?
        .into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(keys: &[&str], encoding: Option<EncodingType>) -> ListObjectsV2Output {
        let contents = keys.iter().map(|key| Object::builder().key(*key).build());
        ListObjectsV2Output::builder()
            .set_contents(Some(contents.collect()))
            .set_encoding_type(encoding)
            .build()
    }

    fn keys(objects: &[Object]) -> Vec<&str> {
        objects.iter().filter_map(Object::key).collect()
    }

    #[test]
    fn encoded_keys_are_decoded_as_s3_encodes_them() {
        let decoded = objects(page(
            &["ctrl%1Bx", "a+b%2Bc", "%C3%BC/%0A"],
            Some(EncodingType::Url),
        ))
        .unwrap();
        assert_eq!(keys(&decoded), ["ctrl\u{1b}x", "a b+c", "ü/\n"]);
        assert!(objects(page(&["%FF"], Some(EncodingType::Url))).is_err());
    }

    #[test]
    fn keys_of_a_server_that_did_not_encode_are_kept() {
        let kept = objects(page(&["a+b%2B"], None)).unwrap();
        assert_eq!(keys(&kept), ["a+b%2B"]);
    }
}
