//! `aws.ec2.eip`: an Elastic IP address (AllocateAddress). Only its tags
//! change in place.
//!
//! Reads: one DescribeAddresses (filter `allocation-id`; the API is not
//! paginated, and its `AllocationIds` parameter fails the whole call for
//! one missing id). Addresses carry no owner, so the account for the ARN
//! comes from the clients' caller identity (one GetCallerIdentity per region). Releasing an address a NAT
//! gateway still holds is retried (the gateway lets go when deleted).

use super::common::{self, Describe, existing, find_tagged, must_observe, observe_by_id, tag_spec};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ec2::operation::allocate_address::builders::AllocateAddressFluentBuilder;
use aws_sdk_ec2::types::{DomainType, Filter, ResourceType};
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["InvalidAllocationID.NotFound"];
/// Still associated (with a NAT gateway being deleted, say; AWS answers
/// AuthFailure for an address a NAT gateway holds).
const IN_USE: &[&str] = &["InvalidIPAddress.InUse", "AuthFailure"];

pub struct Eip {
    clients: Arc<Clients>,
}

impl Eip {
    pub fn new(clients: Arc<Clients>) -> Self {
        Eip { clients }
    }

    async fn account(&self, region: &str) -> Result<String, ProviderError> {
        Ok(self.clients.caller_identity(region).await?.account)
    }
}

#[async_trait]
impl Describe for Eip {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::EIP
    }

    fn id_filter(&self) -> Option<&'static str> {
        Some("allocation-id")
    }

    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError> {
        let out = self
            .clients
            .ec2(region)
            .describe_addresses()
            .set_filters(Some(filters))
            .send()
            .await
            .map_err(|e| provider("DescribeAddresses", e))?;
        if out.addresses().is_empty() {
            return Ok(Vec::new());
        }
        let account = self.account(region).await?;
        Ok(out
            .addresses()
            .iter()
            .filter_map(|a| {
                let id = a.allocation_id()?.to_string();
                let properties = fields::observed(FIELDS, a);
                let attributes = props::build([
                    ("id", Some(s(&id))),
                    ("arn", Some(s(common::arn(region, &account, "elastic-ip", &id)))),
                    ("public_ip", a.public_ip().map(s)),
                ]);
                Some(Observed { id, properties, attributes, tags: common::tag_map(a.tags()) })
            })
            .collect())
    }
}

/// Schema ↔ AWS (`Address` of DescribeAddresses; AllocateAddress).
type Row = Field<aws_sdk_ec2::types::Address, AllocateAddressFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("domain", "Domain", |a| a.domain().map(|d| s(d.as_str())))
        .create(|c, v| Ok(c.domain(DomainType::from(to::text(v)?.as_str())))),
    Row::new("public_ipv4_pool", "PublicIpv4Pool", |a| a.public_ipv4_pool().map(s))
        .create(|c, v| Ok(c.public_ipv4_pool(to::text(v)?))),
    Row::new("network_border_group", "NetworkBorderGroup", |a| a.network_border_group().map(s))
        .create(|c, v| Ok(c.network_border_group(to::text(v)?))),
];

#[async_trait]
impl Reconciler for Eip {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::EIP
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
        // In a VPC unless the stack says otherwise.
        let call = self.clients.ec2(region).allocate_address().domain(DomainType::Vpc);
        let call = fields::create(FIELDS, call, p)?.tag_specifications(tag_spec(ResourceType::ElasticIp, &req.tags));
        let out = crate::retry::once!(aws_sdk_ec2::config::Builder, call)
            .await
            .map_err(|e| provider("AllocateAddress", e))?;
        let id = out.allocation_id.ok_or_else(|| common::vanished("Elastic IP", "(no allocation id returned)"))?;
        must_observe(self, region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        common::update_tags_only(self, &self.clients.ec2(&req.target.region), req, "an Elastic IP").await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let client = self.clients.ec2(&req.target.region);
        match client.release_address().allocation_id(&req.id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NOT_FOUND) => Ok(()),
            Err(e) if is(&e, IN_USE) => {
                let mut err = provider("ReleaseAddress", e);
                err.kind = ErrorKind::Retryable;
                Err(err)
            }
            Err(e) => Err(provider("ReleaseAddress", e)),
        }
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ec2::EIP, &[]);
    }
}
