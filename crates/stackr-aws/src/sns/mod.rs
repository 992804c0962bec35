//! Amazon SNS: topics and their subscriptions.

mod subscription;
mod topic;

use crate::clients::Clients;
use async_trait::async_trait;
use aws_sdk_sns::types::Tag;
use stackr_engine::reconciler::{ProviderError, Providers};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use subscription::Subscription;
pub use topic::Topic;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Topic::new(clients.clone())));
    providers.register(Arc::new(Subscription::new(clients.clone())));
}

/// SNS's "not found" (a topic or a subscription).
pub(crate) const NOT_FOUND: &[&str] = &["NotFound", "NotFoundException", "ResourceNotFound"];

/// A property as the SNS attribute's text (a JSON document as compact
/// JSON); `None` when unset. Topics and subscriptions both set theirs so.
pub(crate) fn to_attr(
    p: &stackr_engine::reconciler::Props,
    k: &str,
    doc: bool,
) -> Result<Option<String>, ProviderError> {
    match p.get(k) {
        None | Some(stackr_core::value::Value::Null) => Ok(None),
        Some(v) if doc => crate::iam::document::text(v, k).map(Some),
        Some(_) => Ok(crate::props::string(p, k)),
    }
}

/// SNS tags as the SDK takes them.
pub(crate) fn sdk_tags(tags: BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(|e| crate::kit::invalid(format!("tag: {e}"))))
        .collect()
}

/// SNS's tagging calls, on a topic ARN (TagResource / UntagResource).
#[async_trait]
impl crate::kit::TagApi for aws_sdk_sns::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let call = self.tag_resource().resource_arn(arn).set_tags(Some(sdk_tags(tags)?));
        crate::kit::done("TagResource", call.send().await)
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = self.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        crate::kit::done("UntagResource", call.send().await)
    }
}
