//! CloudWatch Logs.

mod log_group;

pub use log_group::LogGroup;

use async_trait::async_trait;
use stackr_engine::reconciler::ProviderError;
use std::collections::BTreeMap;

/// CloudWatch Logs' tagging calls, on a log group's ARN (without `:*`).
#[async_trait]
impl crate::kit::TagApi for aws_sdk_cloudwatchlogs::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let call = self.tag_resource().resource_arn(arn).set_tags(Some(tags.into_iter().collect()));
        crate::kit::done("TagResource", call.send().await)
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = self.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        crate::kit::done("UntagResource", call.send().await)
    }
}
