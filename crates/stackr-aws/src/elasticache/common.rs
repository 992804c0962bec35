//! What the ElastiCache reconcilers share: tags (ListTagsForResource,
//! AddTagsToResource, RemoveTagsFromResource by ARN; ElastiCache's
//! describes carry none), the check of names AWS keeps in lower case, and
//! errors the engine should retry.

use crate::clients::Clients;
use crate::error::provider;
use aws_sdk_elasticache::types::Tag;
use stackr_engine::reconciler::ProviderError;
use std::collections::BTreeMap;

pub fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The tags of one resource, without AWS's own (during a refresh from the
/// bulk read, see [`crate::bulktags`]).
pub async fn tags_of(clients: &Clients, region: &str, arn: &str) -> Result<BTreeMap<String, String>, ProviderError> {
    if let Some(tags) = crate::bulktags::refreshed(clients, region, arn).await {
        return Ok(tags);
    }
    let out = clients
        .elasticache(region)
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(|e| provider("ListTagsForResource", e))?;
    Ok(crate::props::tag_map(
        out.tag_list.unwrap_or_default().into_iter().filter_map(|t| Some((t.key?, t.value.unwrap_or_default()))),
    ))
}

/// The service's tagging calls, for [`crate::kit::sync_tags`].
#[async_trait::async_trait]
impl crate::kit::TagApi for aws_sdk_elasticache::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        self.add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(sdk_tags(&tags)))
            .send()
            .await
            .map_err(|e| provider("AddTagsToResource", e))?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        self.remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(|e| provider("RemoveTagsFromResource", e))?;
        Ok(())
    }
}

pub use crate::kit::sync_tags;

/// AWS keeps cluster ids and subnet group names in lower case; a name
/// written otherwise would read back different and be replaced on every
/// run, so it is refused up front.
pub fn lower_case_name(what: &str, name: &str) -> Result<(), ProviderError> {
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(crate::kit::invalid(format!(
            "{what} `{name}`: AWS stores it as `{}`; write it in lower case",
            name.to_ascii_lowercase()
        )));
    }
    Ok(())
}
