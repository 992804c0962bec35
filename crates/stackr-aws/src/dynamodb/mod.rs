//! Amazon DynamoDB reconcilers: tables.

mod table;

pub use table::Table;

use crate::clients::Clients;
use async_trait::async_trait;
use stackr_engine::reconciler::{ProviderError, Providers};
use std::collections::BTreeMap;
use std::sync::Arc;

/// "Not yet" refusals of DynamoDB (see [`crate::transient`]); the general
/// `ResourceInUseException` (a table or index not ACTIVE) is in `error.rs`:
/// - `LimitExceededException` on UpdateTable while another index is being
///   created or deleted ("only 1 online index can be created or deleted
///   simultaneously per table",
///   <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html>,
///   <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#gsi-limits>).
/// - `ContinuousBackupsUnavailableException` on UpdateContinuousBackups
///   while backups are being enabled on a new table
///   (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateContinuousBackups.html>).
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::until_timeout;
    &[
        until_timeout(&["UpdateTable"], "LimitExceededException", Some("simultaneously")),
        until_timeout(&["UpdateContinuousBackups"], "ContinuousBackupsUnavailableException", None),
    ]
};

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Table::new(clients.clone())));
}

/// DynamoDB's tagging calls, on a table's ARN.
#[async_trait]
impl crate::kit::TagApi for aws_sdk_dynamodb::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let mut list = Vec::new();
        for (k, v) in tags {
            let t = aws_sdk_dynamodb::types::Tag::builder().key(k).value(v).build();
            list.push(t.map_err(|e| crate::kit::invalid(format!("tag: {e}")))?);
        }
        let call = self.tag_resource().resource_arn(arn).set_tags(Some(list));
        crate::kit::done("TagResource", call.send().await)
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = self.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
        crate::kit::done("UntagResource", call.send().await)
    }
}
