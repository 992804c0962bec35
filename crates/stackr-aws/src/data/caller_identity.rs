//! `aws.sts.caller_identity`: the account and principal of the credentials
//! in use (GetCallerIdentity, in the look-up's region).

use crate::clients::Clients;
use crate::error::provider;
use crate::props::{self, s};
use async_trait::async_trait;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::{ErrorKind, Lookup, Props, ProviderError};
use std::sync::Arc;

pub struct CallerIdentity {
    clients: Arc<Clients>,
}

impl CallerIdentity {
    pub fn new(clients: Arc<Clients>) -> Self {
        CallerIdentity { clients }
    }
}

#[async_trait]
impl Lookup for CallerIdentity {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::sts::CALLER_IDENTITY
    }

    async fn read(&self, region: &str, _args: &Props) -> Result<Props, ProviderError> {
        let out = self
            .clients
            .sts(region)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| provider("GetCallerIdentity", e))?;
        let account = out
            .account
            .ok_or_else(|| ProviderError::new(ErrorKind::Other, "GetCallerIdentity: no account in the answer"))?;
        Ok(props::build([("account_id", Some(s(account))), ("arn", out.arn.map(s)), ("user_id", out.user_id.map(s))]))
    }
}
