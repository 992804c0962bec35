//! `aws.ec2.nat_gateway`: a NAT gateway in a subnet, ready when
//! `available`. Only its tags change in place.
//!
//! Created with a client token (and, as everywhere, after a look-up by the
//! stackr tags: moto ignores the token). Readiness polls the state:
//! `pending` waits, `available` is ready, `failed` (or deleted) will never
//! be. A gateway that is `deleting`, `deleted` or `failed` counts as gone.
//! A public gateway is created only once its VPC has an attached internet
//! gateway: AWS accepts the create but the gateway then fails with
//! `Gateway.NotAttached`
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html>),
//! so until the attachment exists the create answers "not yet" (for
//! [`IGW_WAIT`]) and the engine retries it: no stack has to order the
//! gateway after the attachment by hand.
//! Delete returns once AWS accepted it; the engine then waits until the
//! gateway is `deleted` (`deleted`), so that its Elastic IP and subnet can
//! go next.
//!
//! Reads: one paginated DescribeNatGateways (filter `nat-gateway-id`).

use super::common::{
    self, Describe, describe, eventually, existing, filter, find_tagged, must_observe, observe_by_id, tag_spec,
    tolerate,
};
use crate::clients::Clients;
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ec2::operation::create_nat_gateway::builders::CreateNatGatewayFluentBuilder;
use aws_sdk_ec2::types::{ConnectivityType, Filter, NatGatewayState, ResourceType};
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::sync::Arc;
use std::time::Duration;

const NOT_FOUND: &[&str] = &["NatGatewayNotFound", "InvalidNatGatewayID.NotFound"];
/// How long a public gateway's create waits for its VPC's internet gateway
/// to be attached (made by the same apply) before giving up.
const IGW_WAIT: Duration = Duration::from_secs(10 * 60);

pub struct NatGateway {
    clients: Arc<Clients>,
}

fn dead(state: Option<&NatGatewayState>) -> bool {
    matches!(state, Some(NatGatewayState::Deleting | NatGatewayState::Deleted | NatGatewayState::Failed))
}

impl NatGateway {
    /// "Not yet" until the VPC of `subnet` has an attached internet gateway.
    async fn internet_gateway_attached(&self, region: &str, subnet: &str) -> Result<(), ProviderError> {
        let ec2 = self.clients.ec2(region);
        let subnets = describe!(ec2.describe_subnets().subnet_ids(subnet), subnets, "DescribeSubnets");
        let Some(vpc) = subnets.first().and_then(|s| s.vpc_id.clone()) else {
            // An unknown subnet: CreateNatGateway says so in AWS's words.
            return Ok(());
        };
        let gateways = describe!(
            ec2.describe_internet_gateways().filters(filter("attachment.vpc-id", [vpc.as_str()])),
            internet_gateways,
            "DescribeInternetGateways"
        );
        let attached = gateways.iter().flat_map(|g| g.attachments()).any(|a| {
            a.vpc_id.as_deref() == Some(vpc.as_str())
                && matches!(a.state.as_ref().map(|s| s.as_str()), Some("available" | "attached"))
        });
        if attached {
            Ok(())
        } else {
            Err(ProviderError::not_yet(
                format!(
                    "VPC {vpc} has no attached internet gateway yet; a public NAT gateway made now would fail \
                     (Gateway.NotAttached)"
                ),
                Some(IGW_WAIT),
            ))
        }
    }

    pub fn new(clients: Arc<Clients>) -> Self {
        NatGateway { clients }
    }

    /// The gateway in any state.
    async fn raw(&self, region: &str, id: &str) -> Result<Option<aws_sdk_ec2::types::NatGateway>, ProviderError> {
        let client = self.clients.ec2(region);
        let found = describe!(
            client.describe_nat_gateways().filter(filter("nat-gateway-id", [id])),
            nat_gateways,
            "DescribeNatGateways"
        );
        Ok(found.into_iter().find(|g| g.nat_gateway_id() == Some(id)))
    }

    /// Whether a gateway being deleted still holds the address `allocation`.
    async fn held_by_deleting(&self, region: &str, allocation: Option<&str>) -> Result<bool, ProviderError> {
        let Some(allocation) = allocation else { return Ok(false) };
        let client = self.clients.ec2(region);
        let deleting = describe!(
            client.describe_nat_gateways().filter(filter("state", ["deleting"])),
            nat_gateways,
            "DescribeNatGateways"
        );
        Ok(deleting.iter().any(|g| g.nat_gateway_addresses().iter().any(|a| a.allocation_id() == Some(allocation))))
    }
}

#[async_trait]
impl Describe for NatGateway {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::NAT_GATEWAY
    }

    fn id_filter(&self) -> Option<&'static str> {
        Some("nat-gateway-id")
    }

    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError> {
        let client = self.clients.ec2(region);
        let gws =
            describe!(client.describe_nat_gateways().set_filter(Some(filters)), nat_gateways, "DescribeNatGateways");
        Ok(gws
            .iter()
            .filter(|g| !dead(g.state()))
            .filter_map(|g| {
                let id = g.nat_gateway_id()?.to_string();
                let primary = primary(g);
                let properties = fields::observed(FIELDS, g);
                let attributes = props::build([
                    ("id", Some(s(&id))),
                    ("public_ip", primary.and_then(|a| a.public_ip()).map(s)),
                    ("private_ip", primary.and_then(|a| a.private_ip()).map(s)),
                    ("network_interface_id", primary.and_then(|a| a.network_interface_id()).map(s)),
                ]);
                Some(Observed { id, properties, attributes, tags: common::tag_map(g.tags()) })
            })
            .collect())
    }
}

/// The gateway's primary address (the one it was made with).
fn primary(g: &aws_sdk_ec2::types::NatGateway) -> Option<&aws_sdk_ec2::types::NatGatewayAddress> {
    let addrs = g.nat_gateway_addresses();
    addrs.iter().find(|a| a.is_primary() == Some(true)).or(addrs.first())
}

/// Schema ↔ AWS (`NatGateway` of DescribeNatGateways; CreateNatGateway).
type Row = Field<aws_sdk_ec2::types::NatGateway, CreateNatGatewayFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("subnet_id", "SubnetId", |g| g.subnet_id().map(s)).create(|c, v| Ok(c.subnet_id(to::text(v)?))),
    Row::new("allocation_id", "AllocationId", |g| primary(g).and_then(|a| a.allocation_id()).map(s))
        .create(|c, v| Ok(c.allocation_id(to::text(v)?))),
    Row::new("connectivity_type", "ConnectivityType", |g| g.connectivity_type().map(|c| s(c.as_str())))
        .create(|c, v| Ok(c.connectivity_type(ConnectivityType::from(to::text(v)?.as_str())))),
    Row::new("private_ip_address", "PrivateIpAddress", |g| primary(g).and_then(|a| a.private_ip()).map(s))
        .create(|c, v| Ok(c.private_ip_address(to::text(v)?))),
];

#[async_trait]
impl Reconciler for NatGateway {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::NAT_GATEWAY
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
        let call = self.clients.ec2(region).create_nat_gateway();
        props::require(p, "subnet_id")?;
        let call = fields::create(FIELDS, call, p)?
            .client_token(&req.token)
            .tag_specifications(tag_spec(ResourceType::Natgateway, &req.tags));
        if props::string(p, "connectivity_type").as_deref() != Some("private") {
            self.internet_gateway_attached(region, &props::require(p, "subnet_id")?).await?;
        }
        // AWS accepts a gateway whose address is still held by one being
        // deleted (the one this replaces), then fails it with
        // Resource.AlreadyAssociated: wait until the address is let go.
        let allocation = props::string(p, "allocation_id");
        if self.held_by_deleting(region, allocation.as_deref()).await? {
            return Err(ProviderError::not_yet(
                format!("Elastic IP {} is still held by a NAT gateway being deleted", allocation.unwrap_or_default()),
                None,
            ));
        }
        let out = match eventually("CreateNatGateway", || call.clone().send()).await {
            Ok(out) => out,
            // An address still held by a gateway being deleted (the one this
            // replaces, or one deleted out of band) is let go within minutes.
            Err(e)
                if e.message.contains("Resource.AlreadyAssociated")
                    && self.held_by_deleting(region, props::string(p, "allocation_id").as_deref()).await? =>
            {
                return Err(ProviderError::not_yet(e.message, None));
            }
            Err(e) => return Err(e),
        };
        let id = out
            .nat_gateway
            .and_then(|g| g.nat_gateway_id)
            .ok_or_else(|| common::vanished("NAT gateway", "(no id returned)"))?;
        must_observe(self, region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        common::update_tags_only(self, &self.clients.ec2(&req.target.region), req, "a NAT gateway").await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let id = &req.id;
        // Look first: moto fails on deleting an unknown id with a server error.
        match self.raw(region, id).await? {
            None => return Ok(()),
            Some(g) if g.state() == Some(&NatGatewayState::Deleted) => return Ok(()),
            Some(g) if g.state() == Some(&NatGatewayState::Deleting) => {}
            Some(_) => {
                let r = self.clients.ec2(region).delete_nat_gateway().nat_gateway_id(id).send().await;
                tolerate("DeleteNatGateway", r, NOT_FOUND)?;
            }
        }
        Ok(())
    }

    /// Gone at `deleted`: until then the gateway holds its Elastic IP and
    /// its interface in the subnet.
    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(match self.raw(region, id).await? {
            None => Readiness::Ready,
            Some(g) if g.state() == Some(&NatGatewayState::Deleted) => Readiness::Ready,
            Some(g) => {
                Readiness::Pending(g.state().map(|s| s.as_str().to_string()).unwrap_or_else(|| "unknown".into()))
            }
        })
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let Some(g) = self.raw(region, id).await? else {
            return Ok(Readiness::Failed(format!("NAT gateway {id} is gone")));
        };
        Ok(match g.state() {
            Some(NatGatewayState::Available) => Readiness::Ready,
            Some(NatGatewayState::Failed) => Readiness::Failed(format!(
                "failed: {} ({})",
                g.failure_message().unwrap_or("no message"),
                g.failure_code().unwrap_or("no code")
            )),
            Some(state @ (NatGatewayState::Deleting | NatGatewayState::Deleted)) => {
                Readiness::Failed(state.as_str().to_string())
            }
            Some(state) => Readiness::Pending(state.as_str().to_string()),
            None => Readiness::Pending("unknown".into()),
        })
    }

    /// NAT gateways take 1-3 minutes to create and about one to delete, longer on a busy day.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(20, 20, 30)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ec2::NAT_GATEWAY, &[]);
    }
}
