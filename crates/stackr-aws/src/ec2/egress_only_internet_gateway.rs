//! `aws.ec2.egress_only_internet_gateway`: outbound-only IPv6 access for a
//! VPC, created attached to it (CreateEgressOnlyInternetGateway with a
//! client token); only its tags change in place.
//!
//! Reads: DescribeEgressOnlyInternetGateways has no id filter, so `observe`
//! passes the ids and, should AWS refuse the whole call for one missing id,
//! lists the region's gateways instead (there are few). Tag filters are
//! checked on our side too: moto ignores them here.

use super::common::{self, Describe, describe, eventually, existing, find_tagged, must_observe, tag_spec, tolerate};
use crate::clients::Clients;
use crate::error::provider;
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ec2::operation::create_egress_only_internet_gateway::builders::CreateEgressOnlyInternetGatewayFluentBuilder;
use aws_sdk_ec2::types::{EgressOnlyInternetGateway as Eigw, Filter, ResourceType};
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;

const NOT_FOUND: &[&str] = &[
    "InvalidEgressOnlyInternetGatewayId.NotFound",
    "InvalidEgressOnlyInternetGatewayID.NotFound",
    "InvalidGatewayID.NotFound",
];

pub struct EgressOnlyInternetGateway {
    clients: Arc<Clients>,
}

impl EgressOnlyInternetGateway {
    pub fn new(clients: Arc<Clients>) -> Self {
        EgressOnlyInternetGateway { clients }
    }

    fn observed(g: &Eigw) -> Option<Observed> {
        let id = g.egress_only_internet_gateway_id()?.to_string();
        let properties = fields::observed(FIELDS, g);
        let attributes = props::build([("id", Some(s(&id)))]);
        Some(Observed { id, properties, attributes, tags: common::tag_map(g.tags()) })
    }
}

#[async_trait]
impl Describe for EgressOnlyInternetGateway {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::EGRESS_ONLY_INTERNET_GATEWAY
    }

    fn id_filter(&self) -> Option<&'static str> {
        None
    }

    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError> {
        let client = self.clients.ec2(region);
        let gws = describe!(
            client.describe_egress_only_internet_gateways().set_filters(Some(filters)),
            egress_only_internet_gateways,
            "DescribeEgressOnlyInternetGateways"
        );
        Ok(gws.iter().filter_map(Self::observed).collect())
    }
}

/// Schema ↔ AWS (`EgressOnlyInternetGateway` of
/// DescribeEgressOnlyInternetGateways; CreateEgressOnlyInternetGateway).
type Row = Field<Eigw, CreateEgressOnlyInternetGatewayFluentBuilder>;
const FIELDS: &[Row] =
    &[Row::new("vpc_id", "VpcId", |g| common::attached_vpcs(g.attachments()).into_iter().next().map(s))
        .create(|c, v| Ok(c.vpc_id(to::text(v)?)))];

#[async_trait]
impl Reconciler for EgressOnlyInternetGateway {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::EGRESS_ONLY_INTERNET_GATEWAY
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let client = self.clients.ec2(region);
        let mut found: HashMap<String, Observed> = HashMap::new();
        let mut pages = client
            .describe_egress_only_internet_gateways()
            .set_egress_only_internet_gateway_ids(Some(ids.to_vec()))
            .into_paginator()
            .send();
        let mut by_id = true;
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => found.extend(
                    page.egress_only_internet_gateways().iter().filter_map(Self::observed).map(|o| (o.id.clone(), o)),
                ),
                Err(e) if crate::error::code(&e).is_some_and(|c| c.ends_with("NotFound")) => {
                    by_id = false;
                    break;
                }
                Err(e) => return Err(provider("DescribeEgressOnlyInternetGateways", e)),
            }
        }
        if !by_id {
            found = self.describe(region, Vec::new()).await?.into_iter().map(|o| (o.id.clone(), o)).collect();
        }
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
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
        props::require(p, "vpc_id")?;
        let call = fields::create(FIELDS, self.clients.ec2(region).create_egress_only_internet_gateway(), p)?
            .client_token(&req.token)
            .tag_specifications(tag_spec(ResourceType::EgressOnlyInternetGateway, &req.tags));
        let created = eventually("CreateEgressOnlyInternetGateway", || call.clone().send()).await?;
        let id = created
            .egress_only_internet_gateway
            .and_then(|g| g.egress_only_internet_gateway_id)
            .ok_or_else(|| common::vanished("egress-only internet gateway", "(no id returned)"))?;
        must_observe(self, region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        common::update_tags_only(self, &self.clients.ec2(&req.target.region), req, "an egress-only internet gateway")
            .await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self
            .clients
            .ec2(&req.target.region)
            .delete_egress_only_internet_gateway()
            .egress_only_internet_gateway_id(&req.id)
            .send()
            .await;
        tolerate("DeleteEgressOnlyInternetGateway", r, NOT_FOUND)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ec2::EGRESS_ONLY_INTERNET_GATEWAY, &[]);
    }
}
