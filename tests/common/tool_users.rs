//! Users made with the SDK, outside the tool, that look exactly like those
//! `create` makes (its `s3-credentials:*` tags and its per-bucket policy),
//! and can then be given what the tool never makes. `delete-user --expired`
//! and `list-credentials` must tell them apart.

use s3_credentials::aws::Clients;
use s3_credentials::grant::tags::{Grant, Kind};
use s3_credentials::policy::expiry::with_expiry;
use s3_credentials::policy::{Permission, bucket_policy, inline_policy_name};

use super::block_on;

/// The read-write grant `create BUCKET --username ... [--expires ...]`
/// records, with `expires` as IAM would hold it (`2020-01-01T00:00:00Z`).
pub fn grant(bucket: &str, expires: Option<&str>) -> Grant {
    let mut grant = Grant::new(Kind::User, "read-write", &[bucket.to_owned()], &[]);
    grant.expires = expires.and_then(|text| {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
    });
    grant
}

/// Make `user` as `create BUCKET --username USER` with that expiry would,
/// without an access key, its tags changed by `edit` first (to make them
/// lie). Returns the policy name.
pub fn make(
    clients: &Clients,
    user: &str,
    bucket: &str,
    expires: Option<&str>,
    edit: impl FnOnce(&mut Vec<(String, String)>),
) -> String {
    let mut tags = grant(bucket, expires).to_tags();
    edit(&mut tags);
    let document = bucket_policy(Permission::ReadWrite, bucket, &[], &[]);
    let document = match expires {
        Some(until) => with_expiry(&document, until),
        None => document,
    };
    let name = inline_policy_name("read-write", bucket);
    let tags: Vec<_> = tags
        .iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .unwrap()
        })
        .collect();
    block_on(async {
        let iam = &clients.iam;
        let request = iam.create_user().user_name(user).set_tags(Some(tags));
        request.send().await.unwrap();
        iam.put_user_policy()
            .user_name(user)
            .policy_name(&name)
            .policy_document(document.to_string())
            .send()
            .await
            .unwrap();
    });
    name
}

/// Set one tag of `tags` (replacing it, or adding it).
pub fn set(tags: &mut Vec<(String, String)>, key: &str, value: &str) {
    tags.retain(|(k, _)| k != key);
    tags.push((key.to_owned(), value.to_owned()));
}

/// A proxy in front of `target` that also answers what moto does not
/// implement but `delete-user --expired` asks of every expired user:
/// `ListServiceSpecificCredentials`, answered with none, as AWS answers for
/// a user without any
/// (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListServiceSpecificCredentials.html>).
/// `also` may answer other requests first.
pub fn iam_proxy(target: &str, also: super::proxy::Responder) -> super::proxy::Proxy {
    super::proxy::Proxy::with_responder(
        target,
        std::sync::Arc::new(move |request| {
            if let Some(answer) = also(request) {
                return Some(answer);
            }
            (request.form("Action").as_deref() == Some("ListServiceSpecificCredentials")).then(|| {
                let body = "<ListServiceSpecificCredentialsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
                    <ListServiceSpecificCredentialsResult><ServiceSpecificCredentials/>\
                    </ListServiceSpecificCredentialsResult><ResponseMetadata><RequestId>1</RequestId>\
                    </ResponseMetadata></ListServiceSpecificCredentialsResponse>";
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            })
        }),
    )
}
