//! `aws.rds.db_cluster_parameter_group`: engine settings of an Aurora
//! cluster, named by a cluster's `db_cluster_parameter_group_name`. The
//! reconciling is shared with DB parameter groups
//! ([`super::parameter_group`]); this file is the cluster flavour's calls:
//! CreateDBClusterParameterGroup, DescribeDBClusterParameterGroups,
//! DescribeDBClusterParameters (Source=user), ModifyDBClusterParameterGroup,
//! ResetDBClusterParameterGroup, DeleteDBClusterParameterGroup
//! (<https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBClusterParameterGroup.html>:
//! "can't be associated with any DB clusters", InvalidDBParameterGroupState).

use super::parameter_group::{self as pg, Api, EXISTS, Group, NOT_FOUND};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, Listed, observe_listed, tolerate};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_rds::operation::create_db_cluster_parameter_group::builders::CreateDBClusterParameterGroupFluentBuilder;
use aws_sdk_rds::types::{Parameter, Tag};
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Schema ↔ AWS (`DBClusterParameterGroup` of
/// DescribeDBClusterParameterGroups, with the user's `Parameter`s of
/// DescribeDBClusterParameters; CreateDBClusterParameterGroup). The
/// parameters are set by ModifyDBClusterParameterGroup after the create;
/// `apply_method` is stackr's own (how each parameter is sent), never read
/// back.
type Row = Field<pg::Seen, CreateDBClusterParameterGroupFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "DBClusterParameterGroupName", |x| Some(s(&x.group.name)))
        .create(|c, v| Ok(c.db_cluster_parameter_group_name(to::text(v)?))),
    Row::new("family", "DBParameterGroupFamily", |x| Some(s(&x.group.family)))
        .create(|c, v| Ok(c.db_parameter_group_family(to::text(v)?))),
    Row::new("description", "Description", |x| Some(s(&x.group.description)))
        .create(|c, v| Ok(c.description(to::text(v)?))),
    Row::new("parameters", "Parameters", pg::parameters),
];

pub struct DbClusterParameterGroup {
    clients: Arc<Clients>,
}

impl DbClusterParameterGroup {
    pub fn new(clients: Arc<Clients>) -> Self {
        DbClusterParameterGroup { clients }
    }
}

#[async_trait]
impl Api for DbClusterParameterGroup {
    const WHAT: &'static str = "a DB cluster parameter group";
    type Create = CreateDBClusterParameterGroupFluentBuilder;
    const FIELDS: &'static [Row] = FIELDS;

    fn client(&self, region: &str) -> aws_sdk_rds::Client {
        self.clients.rds(region)
    }

    fn clients(&self) -> &Clients {
        &self.clients
    }

    async fn groups(&self, region: &str, name: Option<&str>) -> Result<Vec<Group>, ProviderError> {
        let mut out = Vec::new();
        let call = self.client(region).describe_db_cluster_parameter_groups();
        let mut pages = call.set_db_cluster_parameter_group_name(name.map(Into::into)).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(p) => p,
                Err(e) if is(&e, NOT_FOUND) => break,
                Err(e) => return Err(provider("DescribeDBClusterParameterGroups", e)),
            };
            out.extend(page.db_cluster_parameter_groups.unwrap_or_default().into_iter().filter_map(|g| {
                Some(Group {
                    name: g.db_cluster_parameter_group_name?,
                    family: g.db_parameter_group_family.unwrap_or_default(),
                    description: g.description.unwrap_or_default(),
                    arn: g.db_cluster_parameter_group_arn.unwrap_or_default(),
                })
            }));
        }
        Ok(out)
    }

    async fn user_parameters(&self, region: &str, name: &str) -> Result<Option<Vec<Parameter>>, ProviderError> {
        let call = self.client(region).describe_db_cluster_parameters().db_cluster_parameter_group_name(name);
        let mut pages = call.source("user").into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => out.extend(p.parameters.unwrap_or_default()),
                Err(e) if is(&e, NOT_FOUND) => return Ok(None),
                Err(e) => return Err(provider("DescribeDBClusterParameters", e)),
            }
        }
        Ok(Some(out))
    }

    async fn make(&self, region: &str, p: &Props, tags: Vec<Tag>) -> Result<bool, ProviderError> {
        props::require(p, "family")?;
        props::require(p, "description")?;
        let call = fields::create(FIELDS, self.client(region).create_db_cluster_parameter_group(), p)?;
        let made = call.set_tags(Some(tags)).send().await;
        match made {
            Ok(_) => Ok(true),
            Err(e) if is(&e, EXISTS) => Ok(false),
            Err(e) => Err(provider("CreateDBClusterParameterGroup", e)),
        }
    }

    async fn modify(&self, region: &str, name: &str, params: Vec<Parameter>) -> Result<(), ProviderError> {
        let call = self.client(region).modify_db_cluster_parameter_group().db_cluster_parameter_group_name(name);
        call.set_parameters(Some(params))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| provider("ModifyDBClusterParameterGroup", e))
    }

    async fn reset(&self, region: &str, name: &str, params: Vec<Parameter>) -> Result<(), ProviderError> {
        let call = self.client(region).reset_db_cluster_parameter_group().db_cluster_parameter_group_name(name);
        call.set_parameters(Some(params))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| provider("ResetDBClusterParameterGroup", e))
    }

    async fn remove(&self, region: &str, name: &str) -> Result<(), ProviderError> {
        let call = self.client(region).delete_db_cluster_parameter_group().db_cluster_parameter_group_name(name);
        tolerate("DeleteDBClusterParameterGroup", call.send().await, NOT_FOUND)
    }
}

#[async_trait]
impl Listed for DbClusterParameterGroup {
    type Raw = pg::Group;

    async fn read_raw(&self, region: &str, id: &str) -> Result<Option<pg::Group>, ProviderError> {
        pg::read_raw(self, region, id).await
    }

    async fn list_raw(&self, region: &str) -> Result<HashMap<String, pg::Group>, ProviderError> {
        pg::list_raw(self, region).await
    }

    async fn observed(&self, region: &str, g: &pg::Group) -> Result<Option<Observed>, ProviderError> {
        pg::observed(self, region, g).await
    }
}

#[async_trait]
impl Reconciler for DbClusterParameterGroup {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::rds::DB_CLUSTER_PARAMETER_GROUP
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_listed(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        pg::find(self, req).await
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        pg::create(self, req).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        pg::update(self, req).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        self.remove(&req.target.region, &req.id).await
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::rds::DB_CLUSTER_PARAMETER_GROUP, &["apply_method"]);
    }
}
