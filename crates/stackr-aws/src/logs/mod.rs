//! CloudWatch Logs.

mod log_group;

pub use log_group::LogGroup;

use crate::error::provider;
use async_trait::async_trait;
use stackr_engine::reconciler::ProviderError;
use std::collections::BTreeMap;

/// CloudWatch Logs' tagging calls, on a log group's ARN (without `:*`).
#[async_trait]
impl crate::kit::TagApi for aws_sdk_cloudwatchlogs::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let call = self.tag_resource().resource_arn(arn).set_tags(Some(tags.into_iter().collect()));
        call.send().await.map(|_| ()).map_err(|e| provider("TagResource", e))
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = self.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        call.send().await.map(|_| ()).map_err(|e| provider("UntagResource", e))
    }
}
