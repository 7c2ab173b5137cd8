//! Policy assembly, the one place a grant becomes the documents sent to AWS:
//! build each bucket's document → merge the buckets → add the `--source-ip`
//! and `--expires` conditions → fit IAM's size limit. `policy`, `create` and `localserver`
//! all get their documents from [`assemble`].
//! PURE: no AWS types.

use serde_json::Value;

use super::expiry::with_expiry;
use super::size::{
    Holder, MAX_MANAGED_PER_USER, SizeError, TooLarge, TooManyManaged, fit_inline_policies,
    fit_session_policy, merge_buckets, split_managed,
};
use super::source_ip::{Cidr, with_source_ip};
use super::{
    Permission, combined_custom_policy, combined_policy_name, custom_policy, inline_policy_name,
    key_statements, wrap,
};

/// What the documents grant, as the checked options describe it.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'a> {
    pub permission: Permission,
    pub buckets: &'a [String],
    pub prefixes: &'a [String],
    /// The `--key`s: when there are any, exactly these objects (no prefixes).
    pub keys: &'a [String],
    /// The `--statement`s.
    pub statements: &'a [Value],
    /// The `--policy` document, used instead of the generated statements.
    pub custom: Option<&'a Value>,
    /// `--expires`, as [`crate::settings::dates::format_utc`] writes it.
    pub expires: Option<&'a str>,
    /// The `--source-ip` networks; none means any address.
    pub source_ips: &'a [Cidr],
}

/// Where the documents go, which decides their form and size limit.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// One session policy (`policy`, `localserver`, `create --duration`).
    Session,
    /// Inline policies of a user or role (`create`).
    Inline(Holder),
}

/// The assembled documents.
#[derive(Debug, Clone)]
pub enum Assembled {
    /// One document, under the session policy limit.
    Session(Value),
    /// Named inline policies, together under the holder's limit.
    Inline(Vec<(String, Value)>),
    /// The documents of a user's customer managed policies, in order, each
    /// under [`super::size::MANAGED_POLICY_LIMIT`]: the grant is too large
    /// for inline policies. Their names come from the user's (see
    /// [`super::managed::policy_name`]).
    Managed(Vec<Value>),
}

/// Every form `create` may write a grant's documents in, made again to
/// compare with what a user or role holds (see [`crate::grant::audit`]).
#[derive(Debug, Clone)]
pub struct Forms {
    /// One inline policy per bucket.
    pub per_bucket: Vec<(String, Value)>,
    /// One inline policy for all the buckets.
    pub combined: (String, Value),
    /// The documents of a user's managed policies, in order; empty when
    /// they cannot be split under their limit.
    pub managed: Vec<Value>,
}

impl Grant<'_> {
    /// Every form of the documents, whichever [`assemble`] would choose.
    pub fn forms(&self) -> Forms {
        let per_bucket = self.per_bucket();
        let documents: Vec<Value> = per_bucket.iter().map(|(_, d)| d.clone()).collect();
        let combined = (
            combined_policy_name(self.label()),
            self.conditioned(merge_buckets(&documents, &[])),
        );
        let managed = split_managed(&documents, |merged| self.conditioned(merged));
        Forms {
            per_bucket,
            combined,
            managed: managed.unwrap_or_default(),
        }
    }

    /// `custom` when the policy is not purely generated, else the permission.
    pub fn label(&self) -> &'static str {
        self.permission
            .label(self.custom.is_some() || !self.statements.is_empty())
    }

    /// `document` with the source address and expiry conditions, when
    /// there are any.
    fn conditioned(&self, document: Value) -> Value {
        let document = if self.source_ips.is_empty() {
            document
        } else {
            with_source_ip(&document, self.source_ips)
        };
        match self.expires {
            Some(until) => with_expiry(&document, until),
            None => document,
        }
    }

    /// The generated statements for one bucket: on the `--key` objects when
    /// there are any, else under the prefixes.
    fn generated(&self, bucket: &str) -> Vec<Value> {
        if self.keys.is_empty() {
            self.permission.statements(bucket, self.prefixes)
        } else {
            key_statements(self.permission, bucket, self.keys)
        }
    }

    /// One bucket's generated statements, then the `--statement`s.
    fn bucket_document(&self, bucket: &str) -> Value {
        let mut statements = self.generated(bucket);
        statements.extend_from_slice(self.statements);
        wrap(statements)
    }

    /// One inline policy per bucket, `s3.<label>.<bucket>`, as the original
    /// names them; each with the `--statement`s and the expiry.
    fn per_bucket(&self) -> Vec<(String, Value)> {
        let label = self.label();
        self.buckets
            .iter()
            .map(|bucket| {
                let document = match self.custom {
                    Some(custom) => custom_policy(custom, bucket, self.statements),
                    None => self.bucket_document(bucket),
                };
                (
                    inline_policy_name(label, bucket),
                    self.conditioned(document),
                )
            })
            .collect()
    }

    /// The session policy: every bucket's statements as listed while that
    /// fits, else the buckets merged (see [`super::size`]). The expiry is
    /// added to both before their sizes are compared, since it counts.
    fn session(&self, what: &str) -> Result<Value, TooLarge> {
        let (listed, merged) = match self.custom {
            Some(custom) => {
                let listed = combined_custom_policy(custom, self.buckets, self.statements);
                let documents: Vec<Value> = self.per_bucket().into_iter().map(|(_, d)| d).collect();
                (listed, merge_buckets(&documents, &[]))
            }
            None => {
                let mut statements: Vec<Value> = self
                    .buckets
                    .iter()
                    .flat_map(|b| self.generated(b))
                    .collect();
                statements.extend_from_slice(self.statements);
                let listed = wrap(statements);
                let documents: Vec<Value> = self
                    .buckets
                    .iter()
                    .map(|b| wrap(self.generated(b)))
                    .collect();
                (listed, merge_buckets(&documents, self.statements))
            }
        };
        let (listed, merged) = (self.conditioned(listed), self.conditioned(merged));
        fit_session_policy(listed, merged, self.buckets.len(), what)
    }

    /// The inline policies: one per bucket while they fit the holder's
    /// limit together, else one for all buckets.
    fn inline(&self, holder: Holder, what: &str) -> Result<Vec<(String, Value)>, TooLarge> {
        let per_bucket = self.per_bucket();
        let documents: Vec<Value> = per_bucket.iter().map(|(_, d)| d.clone()).collect();
        // Merging keeps each statement's conditions; they are put on again
        // for any statement the merge made anew.
        let merged = self.conditioned(merge_buckets(&documents, &[]));
        let combined = (combined_policy_name(self.label()), merged);
        fit_inline_policies(per_bucket, combined, what, holder)
    }

    /// The documents of a user's managed policies, when its grant is too
    /// large for inline ones: the buckets split over as few as hold them.
    fn managed(&self, what: &str) -> Result<Vec<Value>, TooManyManaged> {
        let documents: Vec<Value> = self.per_bucket().into_iter().map(|(_, d)| d).collect();
        let split = split_managed(&documents, |merged| self.conditioned(merged));
        let refused = |needed| TooManyManaged {
            what: what.to_owned(),
            buckets: self.buckets.len(),
            needed,
        };
        match split {
            Some(policies) if policies.len() <= MAX_MANAGED_PER_USER => Ok(policies),
            Some(policies) => Err(refused(policies.len())),
            None => Err(refused(0)),
        }
    }
}

/// The documents for `grant` in the form `target` takes, or why IAM would
/// refuse them for their size. A user's grant too large for its inline
/// policies goes into managed policies; a role's is refused.
pub fn assemble(grant: &Grant<'_>, target: Target) -> Result<Assembled, SizeError> {
    let what = format!("{} policy", grant.label());
    match target {
        Target::Session => Ok(grant.session(&what).map(Assembled::Session)?),
        Target::Inline(holder) => match grant.inline(holder, &what) {
            Ok(policies) => Ok(Assembled::Inline(policies)),
            Err(_) if holder == Holder::User => Ok(Assembled::Managed(grant.managed(&what)?)),
            Err(error) => Err(error.into()),
        },
    }
}

impl Assembled {
    /// The session policy; `null` for inline or managed policies.
    pub fn session_policy(&self) -> Value {
        match self {
            Self::Session(document) => document.clone(),
            Self::Inline(_) | Self::Managed(_) => Value::Null,
        }
    }

    /// The inline policies; none for a session policy or managed ones.
    pub fn inline_policies(&self) -> Vec<(String, Value)> {
        match self {
            Self::Session(_) | Self::Managed(_) => Vec::new(),
            Self::Inline(policies) => policies.clone(),
        }
    }

    /// The documents of the managed policies; none unless the grant needs them.
    pub fn managed_documents(&self) -> Vec<Value> {
        match self {
            Self::Managed(documents) => documents.clone(),
            Self::Session(_) | Self::Inline(_) => Vec::new(),
        }
    }
}
