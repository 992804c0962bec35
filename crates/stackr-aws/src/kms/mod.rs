//! AWS Key Management Service: customer managed keys and their aliases.

mod alias;
mod key;

pub use alias::Alias;
pub use key::Key;

use crate::clients::Clients;
use async_trait::async_trait;
use aws_sdk_kms::types::Tag;
use stackr_engine::reconciler::{ProviderError, Providers};
use std::collections::BTreeMap;
use std::sync::Arc;

/// "Not yet" refusals of KMS (see [`crate::transient`]): a key policy naming
/// an IAM principal made seconds ago is refused as
/// `MalformedPolicyDocumentException` ("invalid principals") until KMS sees
/// it (CreateKey's `Policy`: "the principal must be visible to KMS"; IAM's
/// eventual consistency,
/// <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html>,
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>);
/// a real mistake looks the same, so it is retried for minutes only.
pub const TRANSIENT: &[crate::transient::Transient] = &[crate::transient::for_minutes(
    &["CreateKey", "PutKeyPolicy"],
    "MalformedPolicyDocumentException",
    Some("principal"),
    2,
)];

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Key::new(clients.clone())));
    providers.register(Arc::new(Alias::new(clients.clone())));
}

/// A key id from a key id or key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`).
pub fn key_id_of(id_or_arn: &str) -> &str {
    match id_or_arn.strip_prefix("arn:") {
        Some(rest) => rest.rsplit_once(":key/").map(|(_, id)| id).unwrap_or(id_or_arn),
        None => id_or_arn,
    }
}

/// Tags as KMS takes them (TagKey / TagValue).
pub fn kms_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder().tag_key(k).tag_value(v).build().map_err(|e| crate::kit::invalid(format!("tag {k}: {e}")))
        })
        .collect()
}

/// KMS's tagging calls, on a key id or ARN.
#[async_trait]
impl crate::kit::TagApi for aws_sdk_kms::Client {
    async fn tag(&self, key: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let call = self.tag_resource().key_id(key).set_tags(Some(kms_tags(&tags)?));
        crate::kit::done("TagResource", call.send().await)
    }

    async fn untag(&self, key: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = self.untag_resource().key_id(key).set_tag_keys(Some(keys));
        crate::kit::done("UntagResource", call.send().await)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_ids_from_arns() {
        assert_eq!(super::key_id_of("arn:aws:kms:eu-west-1:123456789012:key/abc-1"), "abc-1");
        assert_eq!(super::key_id_of("mrk-1234"), "mrk-1234");
        assert_eq!(
            super::key_id_of("arn:aws:kms:eu-west-1:123456789012:alias/x"),
            "arn:aws:kms:eu-west-1:123456789012:alias/x"
        );
    }
}
