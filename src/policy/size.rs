//! IAM's size limits on the policies the tool sends, checked before the
//! first change, and the compact form that fits many buckets.
//!
//! IAM refuses a policy that is too large with `LimitExceeded` (users) or
//! `PackedPolicyTooLarge` (sessions), so `create` would fail half-way and
//! undo. The limits (AWS's "IAM and AWS STS quotas" page): all inline
//! policies of one user together 2,048 characters (of one role, the roles
//! of `create --trust`, 10,240), whitespace not counted;
//! the session policy of `AssumeRole` 2,048 characters of plain text. The
//! size counted here is that of the compact JSON actually sent, whitespace
//! inside strings included, so it never undercounts.
//!
//! The per-bucket form (one inline policy per bucket, as the original tool
//! attaches) is kept while it fits. When it does not, the buckets share one
//! document with one statement per kind of access listing every bucket's
//! ARNs: one ARN per bucket and kind (some 100 characters per read-write
//! bucket with a short name) instead of a whole policy (about 400). Then
//! statements that differ only in their actions (reading and writing the
//! same object ARNs) become one statement with both lists of actions, which
//! grants exactly the same: a statement allows an action when it is any of
//! its actions.
//!
//! A user's grant that does not fit inline even then goes into customer
//! managed policies ([`split_managed`]): each at most 6,144 characters, at
//! most 10 attached to one user by default (the same quotas page). The
//! buckets are taken in order, each policy holding as many as fit merged as
//! above, so the fewest policies a split in that order allows are made.
//! The roles of `--trust` stay inline: beyond 10,240 characters they are
//! refused.

use serde_json::Value;

use crate::policy::{statements_of, wrap};

/// The most characters all inline policies of one IAM user may add up to.
pub const USER_INLINE_LIMIT: usize = 2048;

/// The most characters all inline policies of one IAM role may add up to
/// (the roles of `create --trust`).
pub const ROLE_INLINE_LIMIT: usize = 10_240;

/// The most characters one customer managed policy may have.
pub const MANAGED_POLICY_LIMIT: usize = 6144;

/// The most managed policies IAM lets one user have attached, by default
/// (an account can ask for up to 20; the tool keeps to the default).
pub const MAX_MANAGED_PER_USER: usize = 10;

/// What holds the inline policies: IAM allows a role more than a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    User,
    Role,
}

impl Holder {
    /// The limit on the holder's inline policies together.
    pub fn limit(self) -> usize {
        match self {
            Self::User => USER_INLINE_LIMIT,
            Self::Role => ROLE_INLINE_LIMIT,
        }
    }
}

/// The most characters the session policy of `AssumeRole` may have.
pub const SESSION_POLICY_LIMIT: usize = 2048;

/// A policy IAM would refuse, even in the compact form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {what} for {buckets} bucket(s) would be {size} characters even with all buckets in \
     one statement per kind of access, over IAM's limit of {limit} for {limit_of}: {advice}"
)]
pub struct TooLarge {
    /// What was measured, e.g. `read-write policy`.
    pub what: String,
    /// How many buckets it covers.
    pub buckets: usize,
    /// Its size in IAM's count.
    pub size: usize,
    /// The limit it is over.
    pub limit: usize,
    /// What the limit applies to.
    pub limit_of: &'static str,
    /// What to do instead.
    pub advice: &'static str,
}

/// A user's grant that even [`MAX_MANAGED_PER_USER`] managed policies
/// cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct TooManyManaged {
    /// What was measured, e.g. `read-write policy`.
    pub what: String,
    /// How many buckets it covers.
    pub buckets: usize,
    /// How many managed policies it would take; 0 when one bucket alone
    /// is larger than a managed policy may be.
    pub needed: usize,
}

impl TooManyManaged {
    fn message(&self) -> String {
        let Self {
            what,
            buckets,
            needed,
        } = self;
        let over = if *needed == 0 {
            format!(
                "one bucket alone would be over IAM's limit of {MANAGED_POLICY_LIMIT} characters \
                 for a managed policy"
            )
        } else {
            format!(
                "would need {needed} managed policies of at most {MANAGED_POLICY_LIMIT} \
                 characters, over IAM's limit of {MAX_MANAGED_PER_USER} managed policies per user"
            )
        };
        format!(
            "the {what} for {buckets} bucket(s) is too large for a user's inline policies and \
             {over}: split the buckets over several users, or use fewer --statement or --prefix"
        )
    }
}

/// Why a grant cannot be sent as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
    #[error(transparent)]
    TooManyManaged(#[from] TooManyManaged),
}

/// The size IAM counts: the characters of the compact JSON document.
pub fn size(document: &Value) -> usize {
    document.to_string().chars().count()
}

/// One document for all the buckets whose statements are the same but for
/// their `Resource`: statement `i` of the result lists the resources of
/// every bucket's statement `i`. Statements that differ otherwise (such as a
/// condition naming the bucket) are kept whole, each once.
pub fn merge_buckets(per_bucket: &[Value], extra: &[Value]) -> Value {
    let lists: Vec<Vec<Value>> = per_bucket.iter().map(statements_of).collect();
    let mut merged: Vec<Value> = Vec::new();
    for statement in lists.iter().flatten() {
        if statement.get("Resource").is_none() {
            // `NotResource` and the like: nothing to merge, keep it once.
            if !merged.contains(statement) {
                merged.push(statement.clone());
            }
            continue;
        }
        let kind = without_resource(statement);
        let same_kind = |m: &&mut Value| m.get("Resource").is_some() && without_resource(m) == kind;
        match merged.iter_mut().find(same_kind) {
            Some(existing) => add_resources(existing, statement),
            None => merged.push(statement.clone()),
        }
    }
    for statement in extra {
        if !merged.contains(statement) {
            merged.push(statement.clone());
        }
    }
    wrap(merge_actions(merged))
}

/// Statements that are the same but for their `Action` (same effect,
/// resources, conditions, `Sid`) as one statement listing the actions of
/// each, in order, each once.
fn merge_actions(statements: Vec<Value>) -> Vec<Value> {
    let mut merged: Vec<Value> = Vec::new();
    for statement in statements {
        if statement.get("Action").is_none() {
            merged.push(statement);
            continue;
        }
        let rest = without(&statement, "Action");
        let same = |m: &&mut Value| m.get("Action").is_some() && without(m, "Action") == rest;
        match merged.iter_mut().find(same) {
            Some(existing) => add_list(existing, &statement, "Action"),
            None => merged.push(statement),
        }
    }
    merged
}

/// A statement with its `Resource` left out: what must match to merge.
fn without_resource(statement: &Value) -> Value {
    without(statement, "Resource")
}

/// A statement with `field` left out.
fn without(statement: &Value, field: &str) -> Value {
    let mut statement = statement.clone();
    if let Value::Object(map) = &mut statement {
        map.remove(field);
    }
    statement
}

/// Add the resources of `from` to those of `into`, each once.
fn add_resources(into: &mut Value, from: &Value) {
    add_list(into, from, "Resource");
}

/// Add the values of `field` in `from` to those in `into`, each once.
fn add_list(into: &mut Value, from: &Value, field: &str) {
    let list = |value: Option<&Value>| match value {
        Some(Value::Array(items)) => items.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    let mut values = list(into.get(field));
    for value in list(from.get(field)) {
        if !values.contains(&value) {
            values.push(value);
        }
    }
    if let Value::Object(map) = into {
        map.insert(field.to_owned(), Value::Array(values));
    }
}

/// The inline policies to attach to a user or role: `per_bucket` while they
/// fit together under the holder's limit, else `combined` alone when it
/// fits, else an error.
pub fn fit_inline_policies(
    per_bucket: Vec<(String, Value)>,
    combined: (String, Value),
    what: &str,
    holder: Holder,
) -> Result<Vec<(String, Value)>, TooLarge> {
    let limit = holder.limit();
    let total: usize = per_bucket.iter().map(|(_, document)| size(document)).sum();
    if total <= limit {
        return Ok(per_bucket);
    }
    let combined_size = size(&combined.1);
    if combined_size <= limit {
        return Ok(vec![combined]);
    }
    let (limit_of, advice) = match holder {
        Holder::User => (
            "a user's inline policies",
            "split the buckets over several users, or use fewer --statement or --prefix",
        ),
        Holder::Role => (
            "a role's inline policies",
            "split the buckets over several roles, or use fewer --statement or --prefix",
        ),
    };
    Err(TooLarge {
        what: what.to_owned(),
        buckets: per_bucket.len(),
        size: combined_size,
        limit,
        limit_of,
        advice,
    })
}

/// The documents of a user's managed policies: the buckets in order, each
/// document `finish(merge_buckets(...))` of as many buckets as keep it under
/// [`MANAGED_POLICY_LIMIT`]. `None` when one bucket alone is over it.
pub fn split_managed(per_bucket: &[Value], finish: impl Fn(Value) -> Value) -> Option<Vec<Value>> {
    let merged = |from: usize, to: usize| finish(merge_buckets(&per_bucket[from..to], &[]));
    let mut documents = Vec::new();
    let mut start = 0;
    let mut current: Option<Value> = None;
    for end in 1..=per_bucket.len() {
        let candidate = merged(start, end);
        if size(&candidate) <= MANAGED_POLICY_LIMIT {
            current = Some(candidate);
            continue;
        }
        // The buckets so far fill one policy; this one starts the next.
        documents.push(current.take()?);
        start = end - 1;
        let alone = merged(start, end);
        if size(&alone) > MANAGED_POLICY_LIMIT {
            return None;
        }
        current = Some(alone);
    }
    documents.extend(current);
    Some(documents)
}

/// The session policy to send: `as_listed` when it fits, else `merged` when
/// it fits, else an error.
pub fn fit_session_policy(
    as_listed: Value,
    merged: Value,
    buckets: usize,
    what: &str,
) -> Result<Value, TooLarge> {
    if size(&as_listed) <= SESSION_POLICY_LIMIT {
        return Ok(as_listed);
    }
    let merged_size = size(&merged);
    if merged_size <= SESSION_POLICY_LIMIT {
        return Ok(merged);
    }
    Err(TooLarge {
        what: what.to_owned(),
        buckets,
        size: merged_size,
        limit: SESSION_POLICY_LIMIT,
        limit_of: "an AssumeRole session policy",
        advice: "ask for fewer buckets per set of credentials, or use fewer --statement or --prefix",
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::policy::{Permission, bucket_policy};

    fn buckets(count: usize) -> Vec<String> {
        (0..count).map(|n| format!("bucket-{n:02}")).collect()
    }

    fn per_bucket(permission: Permission, names: &[String]) -> Vec<(String, Value)> {
        names
            .iter()
            .map(|b| (format!("s3.x.{b}"), bucket_policy(permission, b, &[], &[])))
            .collect()
    }

    #[test]
    fn merging_lists_every_bucket_in_one_statement_per_kind() {
        let names = buckets(2);
        let documents: Vec<Value> = per_bucket(Permission::ReadWrite, &names)
            .into_iter()
            .map(|(_, document)| document)
            .collect();
        let extra = [json!({"Effect": "Allow", "Action": "s3:GetBucketTagging", "Resource": "*"})];
        let merged = merge_buckets(&documents, &extra);
        assert_eq!(
            merged,
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                 "Resource": ["arn:aws:s3:::bucket-00", "arn:aws:s3:::bucket-01"]},
                // Reading and writing the same objects: one statement.
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectAcl",
                    "s3:GetObjectLegalHold", "s3:GetObjectRetention", "s3:GetObjectTagging",
                    "s3:PutObject", "s3:DeleteObject"],
                 "Resource": ["arn:aws:s3:::bucket-00/*", "arn:aws:s3:::bucket-01/*"]},
                {"Effect": "Allow", "Action": "s3:GetBucketTagging", "Resource": "*"},
            ]})
        );
    }

    #[test]
    fn statements_that_differ_beyond_their_resource_stay_apart() {
        let condition = |prefix: &str| {
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
                   "Condition": {"StringLike": {"s3:prefix": prefix}}})
        };
        let not_resource =
            json!({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b"});
        let documents = [
            wrap(vec![condition("a/*"), not_resource.clone()]),
            wrap(vec![condition("b/*"), not_resource.clone()]),
        ];
        let merged = merge_buckets(&documents, &[]);
        assert_eq!(
            statements_of(&merged),
            [condition("a/*"), not_resource, condition("b/*")]
        );
    }

    #[test]
    fn only_statements_that_differ_in_their_actions_alone_share_one() {
        let statement = |effect: &str, action: &str, condition: Value| {
            let mut s =
                json!({"Effect": effect, "Action": [action], "Resource": "arn:aws:s3:::b/*"});
            if !condition.is_null() {
                s["Condition"] = condition;
            }
            s
        };
        let ip = |cidr: &str| json!({"IpAddress": {"aws:SourceIp": [cidr]}});
        let kept = vec![
            statement("Allow", "s3:GetObject", Value::Null),
            statement("Deny", "s3:PutObject", Value::Null),
            statement("Allow", "s3:PutObject", ip("192.0.2.0/24")),
            statement("Allow", "s3:DeleteObject", ip("198.51.100.0/24")),
        ];
        assert_eq!(merge_actions(kept.clone()), kept);
        let merged = merge_actions(vec![
            statement("Allow", "s3:GetObject", ip("192.0.2.0/24")),
            statement("Allow", "s3:PutObject", ip("192.0.2.0/24")),
            statement("Allow", "s3:GetObject", ip("192.0.2.0/24")),
        ]);
        assert_eq!(
            merged,
            [
                json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": "arn:aws:s3:::b/*", "Condition": ip("192.0.2.0/24")})
            ]
        );
    }

    #[test]
    fn one_policy_per_bucket_while_they_fit_then_one_for_all() {
        let fit = |permission, count| {
            let names = buckets(count);
            let documents: Vec<Value> = per_bucket(permission, &names)
                .into_iter()
                .map(|p| p.1)
                .collect();
            let combined = (
                "s3.x.all-buckets".to_owned(),
                merge_buckets(&documents, &[]),
            );
            fit_inline_policies(
                per_bucket(permission, &names),
                combined,
                "policy",
                Holder::User,
            )
            .map(|policies| policies.len())
        };
        assert_eq!(fit(Permission::ReadWrite, 4), Ok(4));
        assert_eq!(fit(Permission::ReadWrite, 5), Ok(1));
        assert_eq!(fit(Permission::ReadWrite, 12), Ok(1));
        assert_eq!(fit(Permission::WriteOnly, 12), Ok(12));
        let refused = fit(Permission::ReadWrite, 40).unwrap_err();
        assert_eq!((refused.buckets, refused.limit), (40, USER_INLINE_LIMIT));
        assert!(refused.size > USER_INLINE_LIMIT);
    }

    #[test]
    fn a_role_keeps_one_policy_per_bucket_longer_than_a_user() {
        let fit = |holder, count| {
            let names = buckets(count);
            let documents: Vec<Value> = per_bucket(Permission::ReadWrite, &names)
                .into_iter()
                .map(|p| p.1)
                .collect();
            let combined = (
                "s3.x.all-buckets".to_owned(),
                merge_buckets(&documents, &[]),
            );
            fit_inline_policies(
                per_bucket(Permission::ReadWrite, &names),
                combined,
                "policy",
                holder,
            )
            .map(|policies| policies.len())
        };
        assert_eq!(fit(Holder::User, 12), Ok(1));
        assert_eq!(fit(Holder::Role, 12), Ok(12));
        assert_eq!(fit(Holder::Role, 40), Ok(1));
        let refused = fit(Holder::Role, 200).unwrap_err();
        assert_eq!(
            (refused.limit, refused.limit_of),
            (ROLE_INLINE_LIMIT, "a role's inline policies")
        );
        assert!(refused.size > ROLE_INLINE_LIMIT);
    }

    #[test]
    fn managed_policies_take_the_buckets_in_order_as_few_as_hold_them() {
        let documents = |count| -> Vec<Value> {
            per_bucket(Permission::ReadWrite, &buckets(count))
                .into_iter()
                .map(|(_, document)| document)
                .collect()
        };
        let one = split_managed(&documents(40), |d| d).unwrap();
        assert_eq!(one, [merge_buckets(&documents(40), &[])]);
        let many = split_managed(&documents(300), |d| d).unwrap();
        assert!(many.len() > 1, "{}", many.len());
        for document in &many {
            assert!(size(document) <= MANAGED_POLICY_LIMIT, "{}", size(document));
        }
        // Every bucket once, in order; each policy but the last is full: the
        // next bucket would not have fitted in it.
        let arns: Vec<Value> = many
            .iter()
            .flat_map(|d| statements_of(d)[0]["Resource"].as_array().unwrap().clone())
            .collect();
        let expected: Vec<Value> = buckets(300)
            .iter()
            .map(|b| Value::String(format!("arn:aws:s3:::{b}")))
            .collect();
        assert_eq!(arns, expected);
        let mut start = 0;
        for document in &many[..many.len() - 1] {
            let held = statements_of(document)[0]["Resource"]
                .as_array()
                .unwrap()
                .len();
            let more = merge_buckets(&documents(300)[start..=start + held], &[]);
            assert!(size(&more) > MANAGED_POLICY_LIMIT);
            start += held;
        }
        let huge = wrap(vec![json!({"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "x".repeat(MANAGED_POLICY_LIMIT)})]);
        assert_eq!(split_managed(&[huge], |d| d), None);
    }

    #[test]
    fn too_many_managed_policies_say_how_many() {
        let refused = TooManyManaged {
            what: "read-write policy".to_owned(),
            buckets: 900,
            needed: 11,
        };
        assert_eq!(
            refused.to_string(),
            "the read-write policy for 900 bucket(s) is too large for a user's inline policies \
             and would need 11 managed policies of at most 6144 characters, over IAM's limit of \
             10 managed policies per user: split the buckets over several users, or use fewer \
             --statement or --prefix"
        );
    }

    #[test]
    fn session_policies_keep_the_listed_form_while_it_fits() {
        let small = wrap(vec![
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
        ]);
        let large = wrap(vec![
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "x".repeat(3000)}),
        ]);
        assert_eq!(
            fit_session_policy(small.clone(), large.clone(), 1, "p"),
            Ok(small.clone())
        );
        assert_eq!(
            fit_session_policy(large.clone(), small.clone(), 1, "p"),
            Ok(small)
        );
        let refused = fit_session_policy(large.clone(), large, 3, "read-only policy").unwrap_err();
        assert_eq!(
            refused.to_string(),
            "the read-only policy for 3 bucket(s) would be 3095 characters even with all buckets in one \
             statement per kind of access, over IAM's limit of 2048 for an AssumeRole session policy: \
             ask for fewer buckets per set of credentials, or use fewer --statement or --prefix"
        );
    }
}
