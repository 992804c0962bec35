//! CloudWatch Logs.

mod log_group;

pub use log_group::LogGroup;

use crate::clients::Clients;
use crate::error::provider;
use async_trait::async_trait;
use stackr_engine::reconciler::ProviderError;
use std::collections::BTreeMap;

/// CloudWatch Logs' tagging calls, on a log group's ARN (without `:*`).
pub struct Tags<'a>(pub &'a Clients);

#[async_trait]
impl crate::kit::TagApi for Tags<'_> {
    async fn tag(&self, region: &str, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let call = self.0.logs(region).tag_resource().resource_arn(arn).set_tags(Some(tags.into_iter().collect()));
        call.send().await.map(|_| ()).map_err(|e| provider("TagResource", e))
    }

    async fn untag(&self, region: &str, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = self.0.logs(region).untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map(|_| ()).map_err(|e| provider("UntagResource", e))
    }
}
