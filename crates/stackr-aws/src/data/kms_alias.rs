//! `aws.kms.alias` (look-up): an alias by name (ListAliases) and the key it
//! points to (DescribeKey, for its ARN).

use crate::clients::Clients;
use crate::error::provider;
use crate::kit::invalid;
use crate::props::{self, s};
use async_trait::async_trait;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::{Lookup, Props, ProviderError};
use std::sync::Arc;

pub struct KmsAlias {
    clients: Arc<Clients>,
}

impl KmsAlias {
    pub fn new(clients: Arc<Clients>) -> Self {
        KmsAlias { clients }
    }
}

#[async_trait]
impl Lookup for KmsAlias {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::kms::ALIAS_DATA
    }

    async fn read(&self, region: &str, args: &Props) -> Result<Props, ProviderError> {
        let name = props::require(args, "name")?;
        if !name.starts_with("alias/") {
            return Err(invalid(format!("a KMS alias name starts with alias/ (got {name})")));
        }
        let client = self.clients.kms(region);
        let aliases = crate::collect!(client.list_aliases(), aliases, "ListAliases");
        let Some(alias) = aliases.into_iter().find(|a| a.alias_name() == Some(name.as_str())) else {
            return Err(invalid(format!("no KMS alias named {name} in {region}")));
        };
        // An AWS-managed alias has no key until a service first uses it.
        let Some(key_id) = alias.target_key_id() else {
            return Err(invalid(format!("KMS alias {name} in {region} points to no key yet")));
        };
        let out = client.describe_key().key_id(key_id).send().await.map_err(|e| provider("DescribeKey", e))?;
        let key_arn = out.key_metadata.and_then(|m| m.arn);
        Ok(props::build([
            ("arn", alias.alias_arn().map(s)),
            ("target_key_id", Some(s(key_id))),
            ("target_key_arn", key_arn.map(s)),
        ]))
    }
}
