//! `aws.sts.caller_identity`: the account and principal of the credentials
//! in use (GetCallerIdentity, in the look-up's region, read once by the clients).

use crate::clients::Clients;
use crate::props::{self, s};
use async_trait::async_trait;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::{Lookup, Props, ProviderError};
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
        let me = self.clients.caller_identity(region).await?;
        Ok(props::build([("account_id", Some(s(me.account))), ("arn", me.arn.map(s)), ("user_id", me.user_id.map(s))]))
    }
}
