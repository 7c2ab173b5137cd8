//! What this tool handed out: for one IAM user or role, whether this tool
//! made it and what it grants, read from its `s3-credentials:*` tags (see
//! [`crate::grant::tags`]), or for users made before tags existed (by an
//! earlier version or the original Python tool) from the names and documents
//! of their inline policies; and, for users, their access keys and when each
//! was last used.
//!
//! Used by `list-credentials` and `delete-user --expired`.

use aws_sdk_iam::types::{AccessKeyMetadata, Role, User};
use futures_util::future::try_join_all;
use serde_json::Value;
use time::OffsetDateTime;

use crate::aws::Clients;
use crate::error::AwsResultExt;
use crate::grant::audit;
use crate::grant::tags::{Grant, Kind, tag_problems};
use crate::iam::user_tags;
use crate::output::{Object, timestamp};
use crate::policy::expiry::expiry_of;
use crate::settings::dates::{format_printed, from_aws, parse_utc};

/// The access modes the tool (and the original) put in inline policy names.
const ACCESS_MODES: [&str; 4] = ["read-write", "read-only", "write-only", "custom"];

/// Where a grant was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The `s3-credentials:*` tags.
    Tags,
    /// Inline policies named `s3.<access>.<bucket>` that grant that bucket.
    PolicyNames,
}

/// One access key of a user, with its last use.
#[derive(Debug, Clone)]
pub struct Key {
    pub metadata: AccessKeyMetadata,
    pub last_used: Option<OffsetDateTime>,
    /// The service AWS last saw the key used with (`N/A` when never).
    pub last_service: Option<String>,
    pub last_region: Option<String>,
}

/// A user or role this tool made, with what it grants.
#[derive(Debug, Clone)]
pub struct Credential {
    pub name: String,
    pub created: Option<OffsetDateTime>,
    pub grant: Grant,
    pub source: Source,
    pub keys: Vec<Key>,
    /// A role's last use (users: see [`Credential::last_used`]).
    pub role_last_used: Option<OffsetDateTime>,
    /// How it differs from what its tags or policy names claim (see
    /// [`crate::grant::audit`]); empty when it is exactly that.
    pub warnings: Vec<String>,
}

impl Credential {
    /// When the credential was last used: its most recent key use, or a
    /// role's last use.
    pub fn last_used(&self) -> Option<OffsetDateTime> {
        self.keys
            .iter()
            .filter_map(|key| key.last_used)
            .chain(self.role_last_used)
            .max()
    }

    /// Whether nothing has used it since `since`: never used and made before
    /// then, or last used before then.
    pub fn unused_since(&self, since: OffsetDateTime) -> bool {
        match self.last_used() {
            Some(used) => used < since,
            None => self.created.is_none_or(|created| created < since),
        }
    }

    /// The row `list-credentials` prints.
    pub fn to_json(&self, now: OffsetDateTime) -> Value {
        let keys: Vec<Value> = self.keys.iter().map(|key| key_json(key, now)).collect();
        Object::new()
            .with("Name", self.name.as_str())
            .with("Kind", self.grant.kind.as_str())
            .with(
                "Source",
                match self.source {
                    Source::Tags => "tags",
                    Source::PolicyNames => "policy names",
                },
            )
            .with("Buckets", self.grant.buckets.clone())
            .with("Access", self.grant.access.as_str())
            .with("Prefixes", self.grant.prefixes.clone())
            .with("Expires", self.grant.expires.map(format_printed))
            .with("Expired", self.grant.is_expired(now))
            .with("CreateDate", self.created.map(format_printed))
            .with("LastUsed", self.last_used().map(format_printed))
            .with("AccessKeys", keys)
            .with_opt(
                "ToolVersion",
                (self.source == Source::Tags).then_some(self.grant.version.as_str()),
            )
            .with("Warnings", self.warnings.clone())
            .into()
    }
}

fn key_json(key: &Key, now: OffsetDateTime) -> Value {
    let created = key.metadata.create_date().and_then(from_aws);
    Object::new()
        .with_opt("AccessKeyId", key.metadata.access_key_id())
        .with_opt("Status", key.metadata.status().map(|s| s.as_str()))
        .with_opt("CreateDate", key.metadata.create_date().map(timestamp))
        .with_opt(
            "AgeDays",
            created.map(|created| (now - created).whole_days()),
        )
        .with("LastUsedDate", key.last_used.map(format_printed))
        .with_opt("LastUsedService", key.last_service.as_deref())
        .with_opt("LastUsedRegion", key.last_region.as_deref())
        .into()
}

/// Describe a user if this tool made it; `None` for any other user.
/// `with_keys` also fetches its access keys and their last use.
pub async fn user(
    clients: &Clients,
    user: &User,
    with_keys: bool,
) -> anyhow::Result<Option<Credential>> {
    let name = user.user_name();
    // The keys are fetched alongside the tags and policies rather than
    // after them: requests wasted on each unrelated user, a round trip saved
    // on each user this tool made. A failure to read them counts only for a
    // user this tool made: an unrelated user is never shown, so its keys
    // hide nothing.
    let fetch_keys = async {
        if with_keys {
            keys(clients, name).await
        } else {
            Ok(Vec::new())
        }
    };
    let (found, keys) = tokio::join!(tags_and_policies(clients, name), fetch_keys);
    let Some((tags, policies)) = found? else {
        return Ok(None);
    };
    let pairs = || tags.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let (mut grant, source) = match Grant::from_tags(pairs()) {
        Some(grant) => (grant, Source::Tags),
        None => match grant_from_policies(&policies).or_else(|| grant_from_managed(&policies)) {
            Some(grant) => (grant, Source::PolicyNames),
            None => return Ok(None),
        },
    };
    let mut warnings = source_problems(source, &grant, pairs(), &policies);
    // Kind comes from IAM: this came from the user listing.
    grant.kind = Kind::User;
    warnings.extend(audit::policy_problems(
        &grant,
        source == Source::Tags,
        &policies,
        name,
    ));
    Ok(Some(Credential {
        name: name.to_owned(),
        created: from_aws(user.create_date()),
        grant,
        source,
        keys: keys?,
        role_last_used: None,
        warnings,
    }))
}

/// What is wrong with where a user's grant was read from: its tags, or,
/// for an untagged user with the tool's managed policies, their absence.
fn source_problems<'a>(
    source: Source,
    grant: &Grant,
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
    policies: &audit::Policies,
) -> Vec<String> {
    let mut problems = Vec::new();
    if source == Source::PolicyNames && !policies.managed.is_empty() {
        // Only this version makes managed policies, and it tags the user
        // unless `iam:TagUser` was denied: the tags were lost or never set.
        problems.push(
            "it has no `s3-credentials:*` tags: its grant is read from its managed policies"
                .to_owned(),
        );
    }
    if source == Source::Tags {
        problems = tag_problems(tags);
        if grant.kind == Kind::Role {
            problems.push("it is tagged as a role but is an IAM user".to_owned());
        }
    }
    problems
}

/// A user's tags and the policies needed to judge it: all of them for a
/// tagged user; for an untagged one only those named like the tool's
/// (`None` when there are none: not a user this tool made, whose attached
/// policies then do not matter).
async fn tags_and_policies(
    clients: &Clients,
    user: &str,
) -> anyhow::Result<Option<(Vec<(String, String)>, audit::Policies)>> {
    let (tags, names, attached) = tokio::join!(
        user_tags(clients, user),
        crate::iam::user_policy_names(clients, user),
        crate::iam::attached_user_policies(clients, user),
    );
    let (tags, names, attached) = (tags?, names?, attached?);
    let tagged = Grant::from_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))).is_some();
    // Of an untagged user only the policies named like the tool's are read;
    // the others are judged by their names alone (a JSON null document).
    let (read, others): (Vec<String>, Vec<String>) = names
        .into_iter()
        .partition(|name| tagged || split_policy_name(name).is_some());
    // The tool's own managed policies mark a user as the tool's too.
    let managed = !crate::iam::managed::own_arns(user, &attached).is_empty();
    if read.is_empty() && !tagged && !managed {
        return Ok(None);
    }
    let mut inline = audit::user_documents(clients, user, read).await?;
    inline.extend(others.into_iter().map(|name| (name, Value::Null)));
    let policies = audit::policies(inline, attached);
    // The tool's own managed policies are read too: they hold a grant too
    // large for inline policies.
    let policies = if tagged || managed {
        audit::with_managed(clients, user, policies).await?
    } else {
        policies
    };
    Ok(Some((tags, policies)))
}

/// Describe a role if this tool made it (only tagged roles count: the
/// original tool made no per-grant roles).
pub async fn role(clients: &Clients, role: &Role) -> anyhow::Result<Option<Credential>> {
    let name = role.role_name();
    let found = clients
        .iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .aws("GetRole")?;
    let Some(role) = found.role else {
        return Ok(None);
    };
    let pairs = || role.tags().iter().map(|t| (t.key(), t.value()));
    let Some(mut grant) = Grant::from_tags(pairs()) else {
        return Ok(None);
    };
    let mut warnings = tag_problems(pairs());
    if pairs().any(|(key, value)| key == "s3-credentials:kind" && value == "user") {
        warnings.push("it is tagged as a user but is an IAM role".to_owned());
    }
    // Kind comes from IAM: this came from the role listing.
    grant.kind = Kind::Role;
    let policies = audit::role_policies(clients, name).await?;
    warnings.extend(audit::policy_problems(&grant, true, &policies, name));
    Ok(Some(Credential {
        name: name.to_owned(),
        created: from_aws(role.create_date()),
        grant,
        source: Source::Tags,
        keys: Vec::new(),
        role_last_used: role
            .role_last_used()
            .and_then(|used| used.last_used_date())
            .and_then(from_aws),
        warnings,
    }))
}

/// A user's access keys with their last use, fetched at once.
async fn keys(clients: &Clients, user: &str) -> anyhow::Result<Vec<Key>> {
    let listed = crate::iam::access_keys(clients, user).await?;
    try_join_all(listed.into_iter().map(|metadata| async move {
        let id = metadata.access_key_id().unwrap_or_default();
        let used = clients
            .iam
            .get_access_key_last_used()
            .access_key_id(id)
            .send()
            .await
            .aws("GetAccessKeyLastUsed")?;
        let used = used.access_key_last_used();
        Ok::<_, anyhow::Error>(Key {
            last_used: used.and_then(|u| u.last_used_date()).and_then(from_aws),
            last_service: used.map(|u| u.service_name().to_owned()),
            last_region: used.map(|u| u.region().to_owned()),
            metadata,
        })
    }))
    .await
}

/// The grant of an untagged user, from inline policies named
/// `s3.<access>.<bucket>` whose document grants that bucket.
fn grant_from_policies(policies: &audit::Policies) -> Option<Grant> {
    let granted: Vec<(&str, &str, &Value)> = policies
        .inline
        .iter()
        .filter_map(|(name, document)| {
            let (access, bucket) = split_policy_name(name)?;
            grants_bucket(document, bucket).then_some((access, bucket, document))
        })
        .collect();
    legacy_grant(&granted)
}

/// The grant of an untagged user from the tool's managed policies of it:
/// the buckets, prefixes and keys their resources name, the narrowest
/// access mode whose actions hold theirs (`custom` if none does), and the
/// expiry if every policy carries one.
fn grant_from_managed(policies: &audit::Policies) -> Option<Grant> {
    let documents: Vec<&Value> = policies.managed.iter().map(|(_, d)| d).collect();
    if documents.is_empty() {
        return None;
    }
    let (mut buckets, mut prefixes, mut keys) = (Vec::new(), Vec::new(), Vec::new());
    let add = |list: &mut Vec<String>, item: &str| {
        if !item.is_empty() && !list.iter().any(|i| i == item) {
            list.push(item.to_owned());
        }
    };
    let s3 = documents.iter().flat_map(|d| resources(d));
    for rest in s3.filter_map(|r| r.strip_prefix("arn:aws:s3:::")) {
        let (bucket, object) = rest.split_once('/').unwrap_or((rest, ""));
        add(&mut buckets, bucket);
        match object.strip_suffix('*') {
            Some(prefix) => add(&mut prefixes, prefix),
            None => add(&mut keys, object),
        }
    }
    let access = audit::narrowest_mode(&documents);
    let mut grant = Grant::new(Kind::User, access, &buckets, &prefixes);
    grant.keys = keys;
    let expiries: Option<Vec<String>> = documents.iter().map(|d| expiry_of(d)).collect();
    grant.expires = expiries
        .and_then(|all| all.into_iter().max())
        .and_then(|latest| parse_utc(&latest));
    grant.version = String::new();
    Some(grant)
}

/// `(access, bucket)` of a name `s3.<access>.<bucket>`.
fn split_policy_name(name: &str) -> Option<(&'static str, &str)> {
    let rest = name.strip_prefix("s3.")?;
    ACCESS_MODES.iter().find_map(|mode| {
        let bucket = rest.strip_prefix(mode)?.strip_prefix('.')?;
        (!bucket.is_empty()).then_some((*mode, bucket))
    })
}

/// Whether a policy document names the bucket, or objects in it, as a resource.
fn grants_bucket(document: &Value, bucket: &str) -> bool {
    let arn = format!("arn:aws:s3:::{bucket}");
    resources(document).any(|r| r == arn || r.starts_with(&format!("{arn}/")))
}

/// Every `Resource` string of every statement.
fn resources(document: &Value) -> impl Iterator<Item = &str> {
    let statements = match document.get("Statement") {
        Some(Value::Array(statements)) => statements.iter().collect(),
        Some(statement) => vec![statement],
        None => Vec::new(),
    };
    statements
        .into_iter()
        .filter_map(|statement| statement.get("Resource"))
        .flat_map(|resource| match resource {
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            Value::String(one) => vec![one.as_str()],
            _ => Vec::new(),
        })
}

/// The grant that verified `(access, bucket, document)` policies describe:
/// prefixes from the object ARNs, the expiry if every policy carries one.
fn legacy_grant(granted: &[(&str, &str, &Value)]) -> Option<Grant> {
    let (first_access, _, _) = granted.first()?;
    let buckets: Vec<String> = granted.iter().map(|(_, b, _)| (*b).to_owned()).collect();
    let access = if granted.iter().all(|(a, _, _)| a == first_access) {
        *first_access
    } else {
        "mixed"
    };
    let mut prefixes: Vec<String> = Vec::new();
    for (_, bucket, document) in granted {
        let objects = format!("arn:aws:s3:::{bucket}/");
        for resource in resources(document) {
            if let Some(prefix) = resource.strip_prefix(&objects) {
                let prefix = prefix.strip_suffix('*').unwrap_or(prefix);
                if !prefix.is_empty() && !prefixes.iter().any(|p| p == prefix) {
                    prefixes.push(prefix.to_owned());
                }
            }
        }
    }
    let expiries: Option<Vec<String>> = granted.iter().map(|(_, _, d)| expiry_of(d)).collect();
    let mut grant = Grant::new(Kind::User, access, &buckets, &prefixes);
    grant.expires = expiries
        .and_then(|all| all.into_iter().max())
        .and_then(|latest| parse_utc(&latest));
    grant.version = String::new();
    Some(grant)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn credential(created: &str, used: &[Option<&str>]) -> Credential {
        let keys = used
            .iter()
            .map(|used| Key {
                metadata: AccessKeyMetadata::builder().access_key_id("AKIA").build(),
                last_used: used.and_then(parse_utc),
                last_service: Some("s3".to_owned()),
                last_region: None,
            })
            .collect();
        Credential {
            name: "u".to_owned(),
            created: parse_utc(created),
            grant: Grant::new(Kind::User, "read-write", &["b".to_owned()], &[]),
            source: Source::Tags,
            keys,
            role_last_used: None,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn unused_counts_from_the_latest_use_or_the_creation() {
        let since = parse_utc("2026-06-01T00:00:00Z").unwrap();
        let used = [Some("2026-01-01T00:00:00Z"), Some("2026-07-01T00:00:00Z")];
        let recent = credential("2025-01-01T00:00:00Z", &used);
        assert_eq!(recent.last_used(), parse_utc("2026-07-01T00:00:00Z"));
        assert!(!recent.unused_since(since));
        let stale = credential(
            "2025-01-01T00:00:00Z",
            &[Some("2026-01-01T00:00:00Z"), None],
        );
        assert!(stale.unused_since(since));
        assert!(credential("2025-01-01T00:00:00Z", &[None]).unused_since(since));
        assert!(!credential("2026-07-01T00:00:00Z", &[None]).unused_since(since));
    }

    #[test]
    fn policy_names_of_the_tool_and_the_original() {
        assert_eq!(
            split_policy_name("s3.read-write.my-bucket"),
            Some(("read-write", "my-bucket"))
        );
        assert_eq!(
            split_policy_name("s3.custom.a.b.c"),
            Some(("custom", "a.b.c"))
        );
        assert_eq!(split_policy_name("s3.read-only."), None);
        assert_eq!(split_policy_name("s3.admin.my-bucket"), None);
        assert_eq!(split_policy_name("my-policy"), None);
    }

    #[test]
    fn legacy_grants_come_from_verified_documents() {
        let read_only = crate::policy::bucket_policy(
            crate::policy::Permission::ReadOnly,
            "logs",
            &["in/".to_owned()],
            &[],
        );
        assert!(grants_bucket(&read_only, "logs"));
        assert!(!grants_bucket(&read_only, "log"));
        let expiring = crate::policy::expiry::with_expiry(&read_only, "2030-01-01T00:00:00Z");
        let other = json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::data/*"}});
        let grant = legacy_grant(&[
            ("read-only", "logs", &expiring),
            ("write-only", "data", &other),
        ])
        .unwrap();
        assert_eq!(grant.buckets, ["logs", "data"]);
        assert_eq!(grant.access, "mixed");
        assert_eq!(grant.prefixes, ["in/"]);
        assert_eq!(grant.expires, None, "one policy never expires");
        let grant = legacy_grant(&[("read-only", "logs", &expiring)]).unwrap();
        assert_eq!(grant.expires, parse_utc("2030-01-01T00:00:00Z"));
        assert_eq!(legacy_grant(&[]), None);
    }
}
