//! `aws.ec2.internet_gateway`: an internet gateway and its attachment.
//!
//! The gateway is created (CreateInternetGateway) and then attached to
//! `vpc_id`; a change of `vpc_id` detaches it and attaches it again, and
//! delete detaches it first (AWS refuses to delete an attached gateway).
//! Reads: one paginated DescribeInternetGateways (filter
//! `internet-gateway-id`).

use super::common::{
    self, Describe, describe, eventually, existing, find_tagged, must_observe, not_in_place, observe_by_id, tag_spec,
    tolerate,
};
use crate::clients::Clients;
use crate::error::provider;
use crate::kit::Field;
use crate::kit::fields;
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ec2::operation::create_internet_gateway::builders::CreateInternetGatewayFluentBuilder;
use aws_sdk_ec2::types::{Filter, ResourceType};
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["InvalidInternetGatewayID.NotFound"];
/// Detaching what is no longer attached.
const NOT_ATTACHED: &[&str] = &["Gateway.NotAttached", "InvalidInternetGatewayID.NotFound"];

pub struct InternetGateway {
    clients: Arc<Clients>,
}

impl InternetGateway {
    pub fn new(clients: Arc<Clients>) -> Self {
        InternetGateway { clients }
    }

    /// Attaches the gateway to `vpc` only (detached from any other first).
    async fn attach_only(&self, region: &str, id: &str, vpc: Option<&str>) -> Result<(), ProviderError> {
        let client = self.clients.ec2(region);
        let current = self.attachments(region, id).await?;
        for other in current.iter().filter(|v| Some(v.as_str()) != vpc) {
            self.detach(&client, id, other).await?;
        }
        match vpc {
            // Already attached there (a retried call).
            Some(vpc) if !current.iter().any(|v| v == vpc) => {
                let call = client.attach_internet_gateway().internet_gateway_id(id).vpc_id(vpc);
                eventually("AttachInternetGateway", || call.clone().send()).await?;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn detach(&self, client: &aws_sdk_ec2::Client, id: &str, vpc: &str) -> Result<(), ProviderError> {
        let r = client.detach_internet_gateway().internet_gateway_id(id).vpc_id(vpc).send().await;
        tolerate("DetachInternetGateway", r, NOT_ATTACHED)
    }

    async fn attachments(&self, region: &str, id: &str) -> Result<Vec<String>, ProviderError> {
        let client = self.clients.ec2(region);
        let igws = describe!(
            client.describe_internet_gateways().filters(common::filter("internet-gateway-id", [id])),
            internet_gateways,
            "DescribeInternetGateways"
        );
        Ok(igws
            .iter()
            .filter(|g| g.internet_gateway_id() == Some(id))
            .flat_map(|g| common::attached_vpcs(g.attachments()))
            .collect())
    }
}

#[async_trait]
impl Describe for InternetGateway {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::INTERNET_GATEWAY
    }

    fn id_filter(&self) -> Option<&'static str> {
        Some("internet-gateway-id")
    }

    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError> {
        let client = self.clients.ec2(region);
        let igws = describe!(
            client.describe_internet_gateways().set_filters(Some(filters)),
            internet_gateways,
            "DescribeInternetGateways"
        );
        Ok(igws
            .iter()
            .filter_map(|g| {
                let id = g.internet_gateway_id()?.to_string();
                let owner = g.owner_id().unwrap_or_default();
                let properties = fields::observed(FIELDS, g);
                let attributes = props::build([
                    ("id", Some(s(&id))),
                    ("arn", Some(s(common::arn(region, owner, "internet-gateway", &id)))),
                    ("owner_id", g.owner_id().map(s)),
                ]);
                Some(Observed { id, properties, attributes, tags: common::tag_map(g.tags()) })
            })
            .collect())
    }
}

/// Schema ↔ AWS (`InternetGateway` of DescribeInternetGateways;
/// CreateInternetGateway). The VPC is attached after the create
/// (AttachInternetGateway), so no row writes the create call.
type Row = Field<aws_sdk_ec2::types::InternetGateway, CreateInternetGatewayFluentBuilder>;
const FIELDS: &[Row] =
    &[Row::new("vpc_id", "Attachments", |g| common::attached_vpcs(g.attachments()).into_iter().next().map(s))];

#[async_trait]
impl Reconciler for InternetGateway {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::INTERNET_GATEWAY
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_by_id(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        find_tagged(self, req).await
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let client = self.clients.ec2(region);
        let want_vpc = props::string(&req.properties, "vpc_id");
        let id = match existing(self, req).await? {
            // Made by an earlier attempt: finish what it may not have (the
            // attachment).
            Some(found) => {
                if props::string(&found.properties, "vpc_id") == want_vpc {
                    return Ok(found);
                }
                found.id
            }
            None => crate::retry::once!(
                aws_sdk_ec2::config::Builder,
                client.create_internet_gateway().tag_specifications(tag_spec(ResourceType::InternetGateway, &req.tags))
            )
            .await
            .map_err(|e| provider("CreateInternetGateway", e))?
            .internet_gateway
            .and_then(|g| g.internet_gateway_id)
            .ok_or_else(|| common::vanished("internet gateway", "(no id returned)"))?,
        };
        self.attach_only(region, &id, want_vpc.as_deref()).await?;
        must_observe(self, region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let client = self.clients.ec2(region);
        let id = &req.id;
        for field in &req.changed {
            match field.as_str() {
                "vpc_id" => self.attach_only(region, id, props::string(&req.desired, "vpc_id").as_deref()).await?,
                "tags" => common::sync_tags(&client, id, &req.observed.tags, &req.tags).await?,
                other => return Err(not_in_place("an internet gateway", other)),
            }
        }
        must_observe(self, region, id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let client = self.clients.ec2(region);
        for vpc in self.attachments(region, &req.id).await? {
            self.detach(&client, &req.id, &vpc).await?;
        }
        let r = client.delete_internet_gateway().internet_gateway_id(&req.id).send().await;
        tolerate("DeleteInternetGateway", r, NOT_FOUND)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ec2::INTERNET_GATEWAY, &[]);
    }
}
