//! What the EFS reconcilers share: tags (EFS takes them at create and
//! through TagResource / UntagResource by resource id), life-cycle states
//! as readiness, and the wait until something deleted is gone.

use crate::error::provider;
use aws_sdk_efs::types::{LifeCycleState, Tag};
use stackr_engine::reconciler::{ProviderError, Readiness};
use std::collections::BTreeMap;

pub fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}

/// Tags as EFS reports them, without AWS's own.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    crate::props::tag_map(tags.iter().map(|t| (t.key.clone(), t.value.clone())))
}

/// The service's tagging calls, for [`crate::kit::sync_tags`].
#[async_trait::async_trait]
impl crate::kit::TagApi for aws_sdk_efs::Client {
    async fn tag(&self, resource_id: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        self.tag_resource()
            .resource_id(resource_id)
            .set_tags(Some(sdk_tags(&tags)))
            .send()
            .await
            .map_err(|e| provider("TagResource", e))?;
        Ok(())
    }

    async fn untag(&self, resource_id: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        self.untag_resource()
            .resource_id(resource_id)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(|e| provider("UntagResource", e))?;
        Ok(())
    }
}

pub use crate::kit::sync_tags;

/// Readiness from a life-cycle state: `available` is ready, `creating` and
/// `updating` wait, `error` and deletion never become ready.
pub fn readiness(what: &str, id: &str, state: &LifeCycleState) -> Readiness {
    match state {
        LifeCycleState::Available => Readiness::Ready,
        LifeCycleState::Error => Readiness::Failed(format!("{what} {id} is in state error")),
        LifeCycleState::Deleting | LifeCycleState::Deleted => {
            Readiness::Failed(format!("{what} {id} is {}", state.as_str()))
        }
        other => Readiness::Pending(other.as_str().to_string()),
    }
}

/// Whether a resource in this state counts as gone.
pub fn dead(state: &LifeCycleState) -> bool {
    matches!(state, LifeCycleState::Deleted)
}

/// Whether a deleted resource in `state` (`None`: not found) is gone yet,
/// for [`Reconciler::deleted`](stackr_engine::reconciler::Reconciler::deleted):
/// EFS keeps a deleted mount target or file system `deleting` for a while,
/// and the file system (or subnet, or security group) behind it must wait.
pub fn gone(state: Option<LifeCycleState>) -> Readiness {
    match state {
        None => Readiness::Ready,
        Some(s) if dead(&s) => Readiness::Ready,
        Some(s) => Readiness::Pending(s.as_str().to_string()),
    }
}
