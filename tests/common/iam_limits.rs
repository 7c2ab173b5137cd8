//! A proxy in front of moto that enforces IAM's and STS's policy size limits
//! as AWS does (moto accepts any size): a user's inline policies together at
//! most 2,048 characters without whitespace (`409 LimitExceeded`), and an
//! `AssumeRole` session policy at most 2,048 characters of plain text; a
//! customer managed policy at most 6,144 characters without whitespace, and
//! at most 10 managed policies attached to one user (IAM's default quota),
//! both `409 LimitExceeded` with IAM's message. The quotas:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>.
//! Attachments are counted as they pass through the proxy: a test attaches
//! through it, or its users start with none.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::proxy::{Proxy, Request, iam_error as error};

/// IAM's limit on one user's inline policies together.
pub const USER_INLINE_LIMIT: usize = 2048;
/// STS's limit on the plain text of a session policy.
pub const SESSION_POLICY_LIMIT: usize = 2048;

/// IAM's limit on the characters of one customer managed policy.
pub const MANAGED_POLICY_LIMIT: usize = 6144;
/// IAM's default limit on the managed policies attached to one user.
pub const MANAGED_PER_USER: usize = 10;

/// Start enforcing in front of `target`.
pub fn start(target: &str) -> Proxy {
    // user -> policy name -> size
    let users: Arc<Mutex<HashMap<String, HashMap<String, usize>>>> = Arc::default();
    // user -> attached policy ARNs
    let attached: Arc<Mutex<HashMap<String, HashSet<String>>>> = Arc::default();
    Proxy::with_responder(
        target,
        Arc::new(move |request| match request.form("Action").as_deref() {
            Some("PutUserPolicy") => put_user_policy(request, &mut users.lock().unwrap()),
            Some("AssumeRole") => assume_role(request),
            Some("CreatePolicy" | "CreatePolicyVersion") => create_policy(request),
            Some("AttachUserPolicy") => attach(request, &mut attached.lock().unwrap()),
            Some("DetachUserPolicy") => {
                let (user, arn) = (request.form("UserName")?, request.form("PolicyArn")?);
                attached
                    .lock()
                    .unwrap()
                    .entry(user)
                    .or_default()
                    .remove(&arn);
                None
            }
            _ => None,
        }),
    )
}

fn create_policy(request: &Request) -> Option<String> {
    let size = iam_size(&request.form("PolicyDocument")?);
    (size > MANAGED_POLICY_LIMIT).then(|| {
        error(
            409,
            "LimitExceeded",
            &format!("Cannot exceed quota for PolicySize: {MANAGED_POLICY_LIMIT}"),
        )
    })
}

fn attach(request: &Request, attached: &mut HashMap<String, HashSet<String>>) -> Option<String> {
    let (user, arn) = (request.form("UserName")?, request.form("PolicyArn")?);
    let policies = attached.entry(user).or_default();
    if !policies.contains(&arn) && policies.len() >= MANAGED_PER_USER {
        return Some(error(
            409,
            "LimitExceeded",
            &format!("Cannot exceed quota for PoliciesPerUser: {MANAGED_PER_USER}"),
        ));
    }
    policies.insert(arn);
    None
}

/// IAM's count: the characters of the document, whitespace not counted.
pub fn iam_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

fn put_user_policy(
    request: &Request,
    users: &mut HashMap<String, HashMap<String, usize>>,
) -> Option<String> {
    let user = request.form("UserName")?;
    let name = request.form("PolicyName")?;
    let size = iam_size(&request.form("PolicyDocument")?);
    let policies = users.entry(user.clone()).or_default();
    let others: usize = policies
        .iter()
        .filter(|(other, _)| **other != name)
        .map(|(_, size)| size)
        .sum();
    if others + size > USER_INLINE_LIMIT {
        return Some(error(
            409,
            "LimitExceeded",
            &format!("Maximum policy size of {USER_INLINE_LIMIT} bytes exceeded for user {user}"),
        ));
    }
    policies.insert(name, size);
    None
}

fn assume_role(request: &Request) -> Option<String> {
    let policy = request.form("Policy")?;
    (policy.chars().count() > SESSION_POLICY_LIMIT).then(|| {
        error(
            400,
            "ValidationError",
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: \
             Member must have length less than or equal to 2048",
        )
    })
}
