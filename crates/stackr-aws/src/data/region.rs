//! `aws.region`: the region the look-up runs in; no AWS call.

use crate::props::{self, s};
use async_trait::async_trait;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::{Lookup, Props, ProviderError};

pub struct Region;

#[async_trait]
impl Lookup for Region {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::region::REGION
    }

    async fn read(&self, region: &str, _args: &Props) -> Result<Props, ProviderError> {
        Ok(props::build([("name", Some(s(region)))]))
    }
}
