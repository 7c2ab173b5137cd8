//! An IAM/STS proxy in front of moto that answers as AWS documents where
//! moto does not, for the credential lifecycle tests:
//!
//! - `DeleteUser` is refused with `409 DeleteConflict` while the user still
//!   has anything IAM requires gone first, and `DeleteRole` while the role
//!   has policies or is in an instance profile. Whether it has is asked of
//!   moto through the IAM API at that moment (see [`user_dependent`]).
//! - Chosen actions are answered with an error (`403 AccessDenied`,
//!   `400 Throttling`, ...) a number of times or always, or answered late:
//!   moto acts on the request at once, its answer is held back, so the
//!   client's read timeout can fire after the change was made.
//! - Every request is recorded: [`IamProxy::count`] counts them by action.
//!
//! Built on [`super::proxy::Proxy`], which reads whole requests (the IAM
//! `Action` is in the body) and sends the answers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_iam::Client;

use super::proxy::{Proxy, Request, iam_error};
use super::{Emulator, block_on, found};

/// How many times an injected answer is given before requests pass again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    /// The next `n` requests with the action.
    Next(usize),
    /// Every request with the action.
    Always,
    /// Every request with the action after the next `n`, which pass.
    After(usize),
}

/// What the proxy answers instead of moto's answer.
#[derive(Debug, Clone)]
enum Injected {
    /// This error, the request not forwarded.
    Error {
        status: u16,
        code: String,
        message: String,
    },
    /// Forwarded (moto acts), the answer held this long.
    Late(Duration),
}

/// One injection: for which action, what, and how many times more.
#[derive(Debug)]
struct Plan {
    action: String,
    injected: Injected,
    left: Times,
}

/// The injections still to give.
#[derive(Default)]
struct Plans(Mutex<Vec<Plan>>);

impl Plans {
    /// The first live injection for `request`'s action that `pick` accepts,
    /// counted as given.
    fn take<T>(&self, request: &Request, pick: impl Fn(&Injected) -> Option<T>) -> Option<T> {
        let action = request.form("Action")?;
        let mut plans = self.0.lock().unwrap();
        let plan = plans.iter_mut().find(|plan| {
            plan.action == action && plan.left != Times::Next(0) && pick(&plan.injected).is_some()
        })?;
        match &mut plan.left {
            Times::Next(n) => *n -= 1,
            Times::After(n) if *n > 0 => {
                *n -= 1;
                return None;
            }
            Times::After(_) | Times::Always => {}
        }
        pick(&plan.injected)
    }
}

/// The proxy: point the tool at [`IamProxy::endpoint`].
pub struct IamProxy {
    pub proxy: Proxy,
    plans: Arc<Plans>,
}

impl IamProxy {
    /// Start in front of `emulator`, asking it about dependents with its
    /// default (permissive) test credentials.
    pub fn start(emulator: &Emulator) -> Self {
        Self::start_with(&emulator.endpoint, emulator.clients().iam)
    }

    /// Start in front of `target`, asking about dependents with `iam`
    /// (signed as an admin where the emulator checks permissions).
    pub fn start_with(target: &str, iam: Client) -> Self {
        let plans = Arc::new(Plans::default());
        let (errors, late) = (plans.clone(), plans.clone());
        let proxy = Proxy::with_answers(
            target,
            Arc::new(move |request| {
                let injected = errors.take(request, |injected| match injected {
                    Injected::Error {
                        status,
                        code,
                        message,
                    } => Some(iam_error(*status, code, message)),
                    Injected::Late(_) => None,
                });
                injected.or_else(|| delete_conflict(&iam, request))
            }),
            Arc::new(move |request| {
                late.take(request, |injected| match injected {
                    Injected::Late(delay) => Some(*delay),
                    Injected::Error { .. } => None,
                })
            }),
        );
        Self { proxy, plans }
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &str {
        &self.proxy.endpoint
    }

    /// Answer `action` with `status` and error `code` (message `message`),
    /// without forwarding it, `times` times.
    pub fn fail(&self, action: &str, status: u16, code: &str, message: &str, times: Times) {
        self.add(
            action,
            Injected::Error {
                status,
                code: code.to_owned(),
                message: message.to_owned(),
            },
            times,
        );
    }

    /// Answer `action` with `403 AccessDenied`, as IAM does for a caller
    /// whose policies do not allow it.
    pub fn deny(&self, action: &str, times: Times) {
        let message = format!("User is not authorized to perform: iam:{action}");
        self.fail(action, 403, "AccessDenied", &message, times);
    }

    /// Answer `action` with IAM's throttling error: `400` with code
    /// `Throttling` and message `Rate exceeded`, which the SDK retries
    /// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
    pub fn throttle(&self, action: &str, times: Times) {
        self.fail(action, 400, "Throttling", "Rate exceeded", times);
    }

    /// Forward `action` (moto acts on it), then hold its answer for `delay`.
    pub fn late(&self, action: &str, delay: Duration, times: Times) {
        self.add(action, Injected::Late(delay), times);
    }

    fn add(&self, action: &str, injected: Injected, left: Times) {
        self.plans.0.lock().unwrap().push(Plan {
            action: action.to_owned(),
            injected,
            left,
        });
    }

    /// How many requests with this IAM/STS `Action` came so far, answered
    /// by moto or by the proxy.
    pub fn count(&self, action: &str) -> usize {
        self.proxy.actions(action).len()
    }
}

/// IAM's answer to a `DeleteUser` or `DeleteRole` that AWS refuses, `None`
/// for every other request (forwarded to moto).
fn delete_conflict(iam: &Client, request: &Request) -> Option<String> {
    if let Some(refused) = delete_policy_conflict(iam, request) {
        return Some(refused);
    }
    let left = match request.form("Action")?.as_str() {
        "DeleteUser" => block_on(user_dependent(iam, &request.form("UserName")?)),
        "DeleteRole" => block_on(role_dependent(iam, &request.form("RoleName")?)),
        // `DeleteInstanceProfile` while the profile holds a role: AWS
        // refuses it with `409 DeleteConflict` ("The instance profile must
        // not have an associated role",
        // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteInstanceProfile.html),
        // and so does moto already.
        _ => None,
    }?;
    Some(iam_error(
        409,
        "DeleteConflict",
        &format!("Cannot delete entity, must {left} first."),
    ))
}

/// IAM's answer to a `DeletePolicy` that AWS refuses: while the policy is
/// attached to anything, or has versions besides its default one
/// (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html>;
/// moto deletes it all the same). `None` for every other request.
pub fn delete_policy_conflict(iam: &Client, request: &Request) -> Option<String> {
    if request.form("Action")? != "DeletePolicy" {
        return None;
    }
    let arn = request.form("PolicyArn")?;
    let (policy, versions) = block_on(async {
        let policy = iam.get_policy().policy_arn(&arn).send().await;
        let versions = iam.list_policy_versions().policy_arn(&arn).send().await;
        (found(policy), found(versions))
    });
    let attached = policy?.policy()?.attachment_count().unwrap_or(0) > 0;
    let versions = versions.map_or(0, |v| v.versions().len());
    let message = if attached {
        "Cannot delete a policy attached to entities."
    } else if versions > 1 {
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."
    } else {
        return None;
    };
    Some(iam_error(409, "DeleteConflict", message))
}

/// Whether an IAM call's answer shows something `present`: "not found"
/// (the user or role is gone, or has no login profile) shows nothing, and
/// moto then answers the delete itself. Any other failure fails the test.
fn shows<T, E: std::fmt::Debug>(
    result: Result<
        T,
        aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
    >,
    present: impl Fn(&T) -> bool,
) -> bool {
    found(result).is_some_and(|answer| present(&answer))
}

/// The first thing `user` still has that
/// https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html
/// says must be removed before `DeleteUser`, in that page's order, as the
/// middle of IAM's message ("must delete login profile first"), or `None`.
///
/// moto 5.2 answers every one of these calls from its own state. It does
/// not implement `ListServiceSpecificCredentials` (nor
/// `CreateServiceSpecificCredential`, so no test can give a user such a
/// credential on moto): that one dependent is not checked. moto itself
/// refuses `DeleteUser` only for inline and attached policies.
pub async fn user_dependent(iam: &Client, user: &str) -> Option<&'static str> {
    let profile = iam.get_login_profile().user_name(user).send().await;
    if shows(profile, |_| true) {
        return Some("delete login profile");
    }
    let keys = iam.list_access_keys().user_name(user).send().await;
    if shows(keys, |k| !k.access_key_metadata().is_empty()) {
        return Some("delete access keys");
    }
    let certificates = iam.list_signing_certificates().user_name(user).send().await;
    if shows(certificates, |c| !c.certificates().is_empty()) {
        return Some("delete signing certificates");
    }
    let ssh = iam.list_ssh_public_keys().user_name(user).send().await;
    if shows(ssh, |s| !s.ssh_public_keys().is_empty()) {
        return Some("delete SSH public keys");
    }
    let mfa = iam.list_mfa_devices().user_name(user).send().await;
    if shows(mfa, |m| !m.mfa_devices().is_empty()) {
        return Some("delete MFA devices");
    }
    let inline = iam.list_user_policies().user_name(user).send().await;
    if shows(inline, |p| !p.policy_names().is_empty()) {
        return Some("delete policies");
    }
    let attached = iam
        .list_attached_user_policies()
        .user_name(user)
        .send()
        .await;
    if shows(attached, |p| !p.attached_policies().is_empty()) {
        return Some("detach all policies");
    }
    let groups = iam.list_groups_for_user().user_name(user).send().await;
    if shows(groups, |g| !g.groups().is_empty()) {
        return Some("remove user from all groups");
    }
    None
}

/// The first thing `role` still has that
/// https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html
/// says must be removed before `DeleteRole`, or `None`. moto refuses these
/// too; asking here keeps the answer IAM's whatever moto's version does.
pub async fn role_dependent(iam: &Client, role: &str) -> Option<&'static str> {
    let inline = iam.list_role_policies().role_name(role).send().await;
    if shows(inline, |p| !p.policy_names().is_empty()) {
        return Some("delete policies");
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await;
    if shows(attached, |p| !p.attached_policies().is_empty()) {
        return Some("detach all policies");
    }
    let profiles = iam
        .list_instance_profiles_for_role()
        .role_name(role)
        .send()
        .await;
    if shows(profiles, |p| !p.instance_profiles().is_empty()) {
        return Some("remove roles from instance profile");
    }
    None
}
