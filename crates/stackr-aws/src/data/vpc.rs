//! `aws.ec2.vpc` (look-up): one existing VPC, by id, by tags or as the
//! region's default, through DescribeVpcs filters (all given must match:
//! `vpc-id`, `tag:KEY`, `is-default`). None or several is an error that
//! lists what was found.

use crate::clients::Clients;
use crate::ec2::common::{self, describe, filter};
use crate::kit::invalid;
use crate::props::{self, s};
use async_trait::async_trait;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::{Lookup, Props, ProviderError};
use std::sync::Arc;

pub struct Vpc {
    clients: Arc<Clients>,
}

impl Vpc {
    pub fn new(clients: Arc<Clients>) -> Self {
        Vpc { clients }
    }
}

/// The `tags` argument as (key, value) pairs.
pub fn tag_args(args: &Props) -> Vec<(String, String)> {
    match args.get("tags") {
        Some(Value::Map(m)) => m.iter().filter_map(|(k, v)| Some((k.clone(), v.to_interpolated()?))).collect(),
        _ => Vec::new(),
    }
}

#[async_trait]
impl Lookup for Vpc {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::VPC_DATA
    }

    async fn read(&self, region: &str, args: &Props) -> Result<Props, ProviderError> {
        let mut filters = Vec::new();
        let mut wanted = Vec::new();
        if let Some(id) = props::string(args, "id") {
            wanted.push(format!("id {id}"));
            filters.push(filter("vpc-id", [id]));
        }
        for (k, v) in tag_args(args) {
            wanted.push(format!("tag {k}={v}"));
            filters.push(filter(&format!("tag:{k}"), [v]));
        }
        if let Some(default) = props::boolean(args, "default") {
            wanted.push(if default { "the default VPC".into() } else { "not the default VPC".into() });
            filters.push(filter("is-default", [default.to_string()]));
        }
        if filters.is_empty() {
            return Err(invalid("the VPC look-up needs `id`, `tags` or `default: true`"));
        }
        let client = self.clients.ec2(region);
        let mut vpcs = describe!(client.describe_vpcs().set_filters(Some(filters)), vpcs, "DescribeVpcs");
        let wanted = wanted.join(", ");
        let vpc = match vpcs.len() {
            0 => return Err(invalid(format!("no VPC in {region} matches {wanted}"))),
            1 => vpcs.remove(0),
            n => {
                let ids: Vec<&str> = vpcs.iter().filter_map(|v| v.vpc_id()).collect();
                return Err(invalid(format!(
                    "{n} VPCs in {region} match {wanted} ({}); the look-up needs exactly one",
                    ids.join(", ")
                )));
            }
        };
        let id = vpc.vpc_id().unwrap_or_default();
        let owner = vpc.owner_id().unwrap_or_default();
        let ipv6 = vpc
            .ipv6_cidr_block_association_set()
            .iter()
            .filter(|a| {
                a.ipv6_cidr_block_state().and_then(|st| st.state()).is_none_or(|st| st.as_str() == "associated")
            })
            .find_map(|a| a.ipv6_cidr_block());
        Ok(props::build([
            ("id", Some(s(id))),
            ("arn", Some(s(common::arn(region, owner, "vpc", id)))),
            ("cidr_block", vpc.cidr_block().map(s)),
            ("ipv6_cidr_block", ipv6.map(s)),
            ("owner_id", Some(s(owner))),
            ("is_default", Some(Value::Bool(vpc.is_default().unwrap_or(false)))),
        ]))
    }
}
