//! IAM reconcilers: roles (with their inline and attached policies) and
//! customer managed policies. IAM is global: the region of a request only
//! says where the stack is; every call goes to the one IAM endpoint.

mod account_roles;
pub(crate) mod document;
mod policy;
mod role;

use crate::clients::Clients;
use stackr_core::value::Value;
use stackr_engine::reconciler::{ErrorKind, Props, ProviderError, Providers};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub use policy::Policy;
pub use role::Role;

/// "Not yet" refusals of IAM (see [`crate::transient`]): a trust policy
/// naming a principal made seconds ago is refused as
/// `MalformedPolicyDocument` "Invalid principal" until IAM has propagated it
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>);
/// a real mistake looks the same, so it is retried for minutes only.
///
/// `DeleteConflict` ("must detach all policies first", a policy still
/// attached) while a detach made moments ago propagates; past a few
/// minutes it is something outside the run holding on
/// (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html>).
/// `NoSuchEntity` for a policy made seconds ago: IAM is eventually
/// consistent (<https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>).
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::for_minutes;
    &[
        for_minutes(&["CreateRole", "UpdateAssumeRolePolicy"], "MalformedPolicyDocument", Some("invalid principal"), 2),
        for_minutes(&["DeleteRole", "DeletePolicy", "DeletePolicyVersion"], "DeleteConflict", None, 5),
        for_minutes(&["AttachRolePolicy", "PutRolePermissionsBoundary"], "NoSuchEntity", Some("policy"), 2),
    ]
};

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Role::new(clients.clone())));
    providers.register(Arc::new(Policy::new(clients.clone())));
}

const NO_SUCH_ENTITY: &[&str] = &["NoSuchEntity", "NoSuchEntityException"];

/// Tags as IAM takes them.
fn iam_tags(tags: &BTreeMap<String, String>) -> Result<Vec<aws_sdk_iam::types::Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::new(ErrorKind::Invalid, format!("tag {k}: {e}")))
        })
        .collect()
}

fn tag_map(tags: Option<Vec<aws_sdk_iam::types::Tag>>) -> BTreeMap<String, String> {
    crate::props::tag_map(tags.unwrap_or_default().into_iter().map(|t| (t.key, t.value)))
}

/// The properties of `desired` that `live` does not match (`tags` included
/// when they differ): what an adopted, half-made create still needs.
fn differing(
    desired: &Props,
    live: &Props,
    live_tags: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out: Vec<String> = desired
        .iter()
        .filter(|(k, v)| !matches!(v, Value::Null) && live.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    if live_tags != tags {
        out.push("tags".into());
    }
    out
}

/// IAM is eventually consistent: what was just created may not be readable
/// at once. Pauses before the `attempt`-th read (0: none).
async fn settle(attempt: u32) {
    if attempt > 0 {
        tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt.min(10)))).await;
    }
}

/// Reads made right after a write: up to this many attempts.
const READ_ATTEMPTS: u32 = 8;
