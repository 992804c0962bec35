//! `aws.ec2.availability_zones`: the region's zones in one state (default
//! `available`), names sorted and zone ids in the same order.

use crate::clients::Clients;
use crate::error::provider;
use crate::props::{self, list};
use async_trait::async_trait;
use aws_sdk_ec2::types::Filter;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::{Lookup, Props, ProviderError};
use std::sync::Arc;

pub struct AvailabilityZones {
    clients: Arc<Clients>,
}

impl AvailabilityZones {
    pub fn new(clients: Arc<Clients>) -> Self {
        AvailabilityZones { clients }
    }
}

#[async_trait]
impl Lookup for AvailabilityZones {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::AVAILABILITY_ZONES
    }

    async fn read(&self, region: &str, args: &Props) -> Result<Props, ProviderError> {
        let state = props::string(args, "state").unwrap_or_else(|| "available".into());
        let out = self
            .clients
            .ec2(region)
            .describe_availability_zones()
            .filters(Filter::builder().name("state").values(&state).build())
            .send()
            .await
            .map_err(|e| provider("DescribeAvailabilityZones", e))?;
        let mut zones: Vec<(String, String)> = out
            .availability_zones
            .unwrap_or_default()
            .into_iter()
            // Filtered by AWS; checked again so a service that ignores the
            // filter cannot hand back zones in another state.
            .filter(|z| z.state.as_ref().is_none_or(|st| st.as_str() == state))
            // Local and Wavelength zones are not availability zones.
            .filter(|z| z.zone_type.as_deref().is_none_or(|t| t == "availability-zone"))
            .filter_map(|z| Some((z.zone_name?, z.zone_id.unwrap_or_default())))
            .collect();
        zones.sort();
        let (names, ids): (Vec<String>, Vec<String>) = zones.into_iter().unzip();
        Ok(props::build([("names", Some(list(names))), ("zone_ids", Some(list(ids)))]))
    }
}
