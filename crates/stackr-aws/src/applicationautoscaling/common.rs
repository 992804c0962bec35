//! What the Application Auto Scaling reconcilers share: the error codes,
//! and tags (ListTagsForResource / TagResource / UntagResource on an ARN).

use crate::clients::Clients;
use crate::error::provider;
use stackr_engine::reconciler::ProviderError;
use std::collections::BTreeMap;

/// What AWS answers for a target or policy that does not exist.
pub const NOT_FOUND: &[&str] = &["ObjectNotFoundException"];

pub use crate::kit::invalid;

/// The tags of `arn`, without AWS's own (during a refresh from the bulk
/// read when it lists them, see [`crate::bulktags`]).
pub async fn tags_of(clients: &Clients, region: &str, arn: &str) -> Result<BTreeMap<String, String>, ProviderError> {
    if let Some(tags) = crate::bulktags::refreshed(clients, region, arn).await {
        return Ok(tags);
    }
    let out = clients
        .autoscaling(region)
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| provider("ListTagsForResource", e))?;
    Ok(crate::props::tag_map(out.tags.unwrap_or_default()))
}

/// The service's tagging calls, for [`crate::kit::sync_tags`].
#[async_trait::async_trait]
impl crate::kit::TagApi for aws_sdk_applicationautoscaling::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        self.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags.into_iter().collect()))
            .send()
            .await
            .map_err(|e| provider("TagResource", e))?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        self.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(|e| provider("UntagResource", e))?;
        Ok(())
    }
}

pub use crate::kit::sync_tags;
