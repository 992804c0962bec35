//! `aws.ec2.subnets` (look-up): the subnets of a VPC and/or carrying tags,
//! optionally in some zones, through DescribeSubnets filters (`vpc-id`,
//! `tag:KEY`, `availability-zone`). Ids sorted; CIDR blocks and zones in
//! the same order. Finding none is not an error (an empty list).

use crate::clients::Clients;
use crate::ec2::common::{describe, filter};
use crate::kit::invalid;
use crate::props::{self, list};
use async_trait::async_trait;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::{Lookup, Props, ProviderError};
use std::sync::Arc;

pub struct Subnets {
    clients: Arc<Clients>,
}

impl Subnets {
    pub fn new(clients: Arc<Clients>) -> Self {
        Subnets { clients }
    }
}

#[async_trait]
impl Lookup for Subnets {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::SUBNETS
    }

    async fn read(&self, region: &str, args: &Props) -> Result<Props, ProviderError> {
        let mut filters = Vec::new();
        if let Some(vpc) = props::string(args, "vpc_id") {
            filters.push(filter("vpc-id", [vpc]));
        }
        for (k, v) in super::vpc::tag_args(args) {
            filters.push(filter(&format!("tag:{k}"), [v]));
        }
        if filters.is_empty() {
            return Err(invalid("the subnets look-up needs `vpc_id` or `tags`"));
        }
        let zones = props::strings(args, "availability_zones");
        if !zones.is_empty() {
            filters.push(filter("availability-zone", zones.clone()));
        }
        let client = self.clients.ec2(region);
        let found = describe!(client.describe_subnets().set_filters(Some(filters)), subnets, "DescribeSubnets");
        let mut rows: Vec<(String, String, String)> = found
            .into_iter()
            // Filtered by AWS; the zones checked again on this side.
            .filter(|s| zones.is_empty() || s.availability_zone().is_some_and(|z| zones.iter().any(|w| w == z)))
            .filter_map(|s| {
                Some((s.subnet_id?, s.cidr_block.unwrap_or_default(), s.availability_zone.unwrap_or_default()))
            })
            .collect();
        rows.sort();
        let (mut ids, mut cidrs, mut azs) = (Vec::new(), Vec::new(), Vec::new());
        for (id, cidr, az) in rows {
            ids.push(id);
            cidrs.push(cidr);
            azs.push(az);
        }
        Ok(props::build([
            ("ids", Some(list(ids))),
            ("cidr_blocks", Some(list(cidrs))),
            ("availability_zones", Some(list(azs))),
        ]))
    }
}
