//! Amazon SQS.

mod queue;

use crate::clients::Clients;
use async_trait::async_trait;
use stackr_engine::reconciler::{ProviderError, Providers};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use queue::Queue;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Queue::new(clients.clone())));
}

/// SQS's tagging calls, on a queue URL (TagQueue / UntagQueue).
#[async_trait]
impl crate::kit::TagApi for aws_sdk_sqs::Client {
    async fn tag(&self, url: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let call = self.tag_queue().queue_url(url).set_tags(Some(tags.into_iter().collect()));
        crate::kit::done("TagQueue", call.send().await)
    }

    async fn untag(&self, url: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = self.untag_queue().queue_url(url).set_tag_keys(Some(keys));
        crate::kit::done("UntagQueue", call.send().await)
    }
}
