//! Amazon Elastic Container Registry: private repositories.

mod repository;

pub use repository::Repository;

use crate::clients::Clients;
use async_trait::async_trait;
use aws_sdk_ecr::types::Tag;
use stackr_engine::reconciler::{ProviderError, Providers};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Repository::new(clients.clone())));
}

/// Tags as ECR takes them (Key / Value).
pub fn ecr_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(|e| crate::kit::invalid(format!("tag {k}: {e}"))))
        .collect()
}

/// ECR's tagging calls, on a repository ARN.
#[async_trait]
impl crate::kit::TagApi for aws_sdk_ecr::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let call = self.tag_resource().resource_arn(arn).set_tags(Some(ecr_tags(&tags)?));
        crate::kit::done("TagResource", call.send().await)
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = self.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        crate::kit::done("UntagResource", call.send().await)
    }
}
