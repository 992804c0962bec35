//! `aws.ec2.subnet`: a subnet in one zone with its IPv4 CIDR, an optional
//! IPv6 /64 and the two launch attributes (public IPv4, IPv6 on creation).
//!
//! Reads: one paginated DescribeSubnets (filter `subnet-id`). The launch
//! attributes are set after CreateSubnet with ModifySubnetAttribute (one
//! attribute per call, as the API requires). The /64 is associated and
//! disassociated in place; AWS refuses to disassociate it while
//! `assign_ipv6_address_on_creation` is on, so that is switched off first
//! and set back to what the stack wants afterwards.

use super::common::{
    self, Describe, describe, eventually, existing, filter, find_tagged, must_observe, not_in_place, observe_by_id,
    poll, tag_spec, tolerate,
};
use crate::clients::Clients;
use crate::error::provider;
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ec2::operation::create_subnet::builders::CreateSubnetFluentBuilder;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, ResourceType, SubnetCidrBlockStateCode, SubnetIpv6CidrBlockAssociation,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::sync::Arc;
use std::time::Duration;

const NOT_FOUND: &[&str] = &["InvalidSubnetID.NotFound"];
const IPV6_WAIT: Duration = Duration::from_secs(120);

pub struct Subnet {
    clients: Arc<Clients>,
}

/// The IPv6 blocks in use: every association not on its way out. (moto
/// nests the state one level too deep, so an unreadable state counts as
/// associated.)
fn ipv6_in_use(s: &aws_sdk_ec2::types::Subnet) -> Vec<&SubnetIpv6CidrBlockAssociation> {
    use SubnetCidrBlockStateCode as C;
    s.ipv6_cidr_block_association_set()
        .iter()
        .filter(|a| {
            !matches!(
                a.ipv6_cidr_block_state().and_then(|s| s.state()),
                Some(C::Disassociating | C::Disassociated | C::Failing | C::Failed)
            )
        })
        .collect()
}

/// Associated (not still associating).
fn ipv6_settled(a: &SubnetIpv6CidrBlockAssociation) -> bool {
    a.ipv6_cidr_block_state().and_then(|s| s.state()) != Some(&SubnetCidrBlockStateCode::Associating)
}

/// Which launch attribute.
#[derive(Clone, Copy)]
enum Attr {
    MapPublicIp,
    AssignIpv6,
}

impl Subnet {
    pub fn new(clients: Arc<Clients>) -> Self {
        Subnet { clients }
    }

    async fn raw_one(&self, region: &str, id: &str) -> Result<Option<aws_sdk_ec2::types::Subnet>, ProviderError> {
        let client = self.clients.ec2(region);
        let found = describe!(client.describe_subnets().filters(filter("subnet-id", [id])), subnets, "DescribeSubnets");
        Ok(found.into_iter().find(|s| s.subnet_id() == Some(id)))
    }

    async fn set(&self, client: &aws_sdk_ec2::Client, id: &str, attr: Attr, value: bool) -> Result<(), ProviderError> {
        let v = AttributeBooleanValue::builder().value(value).build();
        let call = client.modify_subnet_attribute().subnet_id(id);
        let call = match attr {
            Attr::MapPublicIp => call.map_public_ip_on_launch(v),
            Attr::AssignIpv6 => call.assign_ipv6_address_on_creation(v),
        };
        eventually("ModifySubnetAttribute", || call.clone().send()).await?;
        Ok(())
    }

    /// Waits until the subnet's /64 is `associated` (or gone when `None`).
    async fn wait_ipv6(&self, region: &str, id: &str, want: Option<&str>) -> Result<(), ProviderError> {
        poll(&format!("the IPv6 block of {id}"), IPV6_WAIT, || async {
            let Some(sub) = self.raw_one(region, id).await? else { return Err(common::vanished("subnet", id)) };
            let used = ipv6_in_use(&sub);
            let done = match want {
                Some(block) => used.iter().any(|a| a.ipv6_cidr_block() == Some(block) && ipv6_settled(a)),
                None => used.is_empty(),
            };
            Ok(done.then_some(()))
        })
        .await
    }

    async fn set_ipv6(&self, region: &str, id: &str, want: Option<String>) -> Result<(), ProviderError> {
        let client = self.clients.ec2(region);
        let Some(sub) = self.raw_one(region, id).await? else { return Err(common::vanished("subnet", id)) };
        for a in ipv6_in_use(&sub) {
            if a.ipv6_cidr_block() == want.as_deref() {
                continue;
            }
            if let Some(assoc) = a.association_id() {
                client
                    .disassociate_subnet_cidr_block()
                    .association_id(assoc)
                    .send()
                    .await
                    .map_err(|e| provider("DisassociateSubnetCidrBlock", e))?;
            }
        }
        match want {
            Some(block) => {
                if !ipv6_in_use(&sub).iter().any(|a| a.ipv6_cidr_block() == Some(block.as_str())) {
                    client
                        .associate_subnet_cidr_block()
                        .subnet_id(id)
                        .ipv6_cidr_block(&block)
                        .send()
                        .await
                        .map_err(|e| provider("AssociateSubnetCidrBlock", e))?;
                }
                self.wait_ipv6(region, id, Some(&block)).await
            }
            None => self.wait_ipv6(region, id, None).await,
        }
    }
}

#[async_trait]
impl Describe for Subnet {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::SUBNET
    }

    fn id_filter(&self) -> Option<&'static str> {
        Some("subnet-id")
    }

    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError> {
        let client = self.clients.ec2(region);
        let subnets = describe!(client.describe_subnets().set_filters(Some(filters)), subnets, "DescribeSubnets");
        Ok(subnets
            .iter()
            .filter_map(|sub| {
                let id = sub.subnet_id()?.to_string();
                let owner = sub.owner_id().unwrap_or_default();
                let arn =
                    sub.subnet_arn().map(str::to_string).unwrap_or_else(|| common::arn(region, owner, "subnet", &id));
                let properties = fields::observed(FIELDS, sub);
                let attributes = props::build([
                    ("id", Some(s(&id))),
                    ("arn", Some(s(arn))),
                    ("availability_zone_id", sub.availability_zone_id().map(s)),
                    ("owner_id", sub.owner_id().map(s)),
                ]);
                Some(Observed { id, properties, attributes, tags: common::tag_map(sub.tags()) })
            })
            .collect())
    }
}

/// Schema ↔ AWS (`Subnet` of DescribeSubnets; CreateSubnet). The public
/// IP and IPv6 address settings are ModifySubnetAttribute calls after the
/// create.
type Row = Field<aws_sdk_ec2::types::Subnet, CreateSubnetFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("vpc_id", "VpcId", |x| x.vpc_id().map(s)).create(|c, v| Ok(c.vpc_id(to::text(v)?))),
    Row::new("availability_zone", "AvailabilityZone", |x| x.availability_zone().map(s))
        .create(|c, v| Ok(c.availability_zone(to::text(v)?))),
    Row::new("availability_zone_id", "AvailabilityZoneId", |x| x.availability_zone_id().map(s))
        .create(|c, v| Ok(c.availability_zone_id(to::text(v)?))),
    Row::new("cidr_block", "CidrBlock", |x| x.cidr_block().map(s)).create(|c, v| Ok(c.cidr_block(to::text(v)?))),
    Row::new("ipv6_cidr_block", "Ipv6CidrBlockAssociationSet", |x| {
        ipv6_in_use(x).into_iter().find_map(|a| a.ipv6_cidr_block().filter(|c| !c.is_empty())).map(s)
    })
    .create(|c, v| Ok(c.ipv6_cidr_block(to::text(v)?))),
    Row::new("map_public_ip_on_launch", "MapPublicIpOnLaunch", |x| {
        Some(Value::Bool(x.map_public_ip_on_launch().unwrap_or(false)))
    }),
    Row::new("assign_ipv6_address_on_creation", "AssignIpv6AddressOnCreation", |x| {
        Some(Value::Bool(x.assign_ipv6_address_on_creation().unwrap_or(false)))
    }),
];

#[async_trait]
impl Reconciler for Subnet {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::SUBNET
    }

    /// A zone of the subnet's region: a zone's name is its region's and a
    /// letter (`ap-northeast-1a`); CreateSubnet refuses any other
    /// (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html>).
    fn check_in(&self, region: &str, p: &Props) -> Result<(), ProviderError> {
        if let Some(zone) = props::string(p, "availability_zone")
            && !zone
                .strip_prefix(region)
                .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase()))
        {
            return Err(common::invalid(format!(
                "`availability_zone`: {zone} is not a zone of {region}, where the subnet is made; write e.g. \
                 {region}a, or set the resource's `region`"
            )));
        }
        Ok(())
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_by_id(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        find_tagged(self, req).await
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        if let Some(found) = existing(self, req).await? {
            return Ok(found);
        }
        let region = &req.target.region;
        let p = &req.properties;
        let client = self.clients.ec2(region);
        let ipv6 = props::string(p, "ipv6_cidr_block");
        props::require(p, "vpc_id")?;
        props::require(p, "cidr_block")?;
        let call = fields::create(FIELDS, client.create_subnet(), p)?
            .tag_specifications(tag_spec(ResourceType::Subnet, &req.tags));
        let created =
            eventually("CreateSubnet", || crate::retry::once!(aws_sdk_ec2::config::Builder, call.clone())).await?;
        let id =
            created.subnet.and_then(|s| s.subnet_id).ok_or_else(|| common::vanished("subnet", "(no id returned)"))?;
        if let Some(block) = &ipv6 {
            self.wait_ipv6(region, &id, Some(block)).await?;
        }
        if props::boolean(p, "map_public_ip_on_launch") == Some(true) {
            self.set(&client, &id, Attr::MapPublicIp, true).await?;
        }
        if props::boolean(p, "assign_ipv6_address_on_creation") == Some(true) {
            self.set(&client, &id, Attr::AssignIpv6, true).await?;
        }
        must_observe(self, region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let client = self.clients.ec2(region);
        let id = &req.id;
        let changed = |f: &str| req.changed.iter().any(|c| c == f);
        if let Some(other) = req.changed.iter().find(|f| {
            !matches!(
                f.as_str(),
                "ipv6_cidr_block" | "map_public_ip_on_launch" | "assign_ipv6_address_on_creation" | "tags"
            )
        }) {
            return Err(not_in_place("a subnet", other));
        }
        let mut assign = props::boolean(&req.observed.properties, "assign_ipv6_address_on_creation").unwrap_or(false);
        let want_assign = if changed("assign_ipv6_address_on_creation") {
            props::boolean(&req.desired, "assign_ipv6_address_on_creation").unwrap_or(false)
        } else {
            assign
        };
        if changed("ipv6_cidr_block") {
            if assign {
                self.set(&client, id, Attr::AssignIpv6, false).await?;
                assign = false;
            }
            self.set_ipv6(region, id, props::string(&req.desired, "ipv6_cidr_block")).await?;
        }
        if want_assign != assign {
            self.set(&client, id, Attr::AssignIpv6, want_assign).await?;
        }
        if changed("map_public_ip_on_launch") {
            let want = props::boolean(&req.desired, "map_public_ip_on_launch").unwrap_or(false);
            self.set(&client, id, Attr::MapPublicIp, want).await?;
        }
        if changed("tags") {
            common::sync_tags(&client, id, &req.observed.tags, &req.tags).await?;
        }
        must_observe(self, region, id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.ec2(&req.target.region).delete_subnet().subnet_id(&req.id).send().await;
        tolerate("DeleteSubnet", r, NOT_FOUND)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ec2::SUBNET, &[]);
    }
}
