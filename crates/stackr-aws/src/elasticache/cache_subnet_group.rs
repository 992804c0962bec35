//! `aws.elasticache.cache_subnet_group`: the subnets (of one VPC) an
//! ElastiCache cluster may place nodes in.
//!
//! The id is the group's name, unique per account and region, so a create
//! is idempotent by name: a group of that name carrying this target's
//! stackr tags is adopted, anyone else's is an error that names it. Names
//! must be written in lower case (AWS stores them so).
//!
//! In place: `description` and `subnet_ids` (ModifyCacheSubnetGroup, one
//! call for both; subnets compared as a set) and tags. The name replaces.
//!
//! Delete: DeleteCacheSubnetGroup; CacheSubnetGroupInUse (a cluster in it
//! is still being deleted) is retryable.
//!
//! Reads: few groups are described by name, many by one paginated
//! DescribeCacheSubnetGroups of the region; plus one ListTagsForResource
//! per group. The test bed adds ModifyCacheSubnetGroup and
//! DeleteCacheSubnetGroup to moto.

use super::common::{self, sdk_tags, tags_of};
use crate::clients::Clients;
use crate::error::{code, is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, Listed, not_in_place, observe_listed, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_elasticache::operation::create_cache_subnet_group::builders::CreateCacheSubnetGroupFluentBuilder;
use aws_sdk_elasticache::types::CacheSubnetGroup as Group;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["CacheSubnetGroupNotFoundFault"];

/// Schema ↔ AWS (`CacheSubnetGroup` of DescribeCacheSubnetGroups;
/// CreateCacheSubnetGroup). Subnets are compared in order of id.
type Row = Field<Group, CreateCacheSubnetGroupFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "CacheSubnetGroupName", |g| g.cache_subnet_group_name.clone().map(s))
        .create(|c, v| Ok(c.cache_subnet_group_name(to::text(v)?))),
    Row::new("description", "CacheSubnetGroupDescription", |g| g.cache_subnet_group_description.clone().map(s))
        .create(|c, v| Ok(c.cache_subnet_group_description(to::text(v)?))),
    Row::new("subnet_ids", "SubnetIds", |g| {
        let mut ids: Vec<String> = g.subnets.iter().flatten().filter_map(|s| s.subnet_identifier.clone()).collect();
        ids.sort();
        Some(props::list(ids))
    })
    .create(|c, v| Ok(c.set_subnet_ids(Some(to::texts(v)?)))),
];

pub struct CacheSubnetGroup {
    clients: Arc<Clients>,
}

impl CacheSubnetGroup {
    pub fn new(clients: Arc<Clients>) -> Self {
        CacheSubnetGroup { clients }
    }

    async fn raw(&self, region: &str, name: &str) -> Result<Option<Group>, ProviderError> {
        match self.clients.elasticache(region).describe_cache_subnet_groups().cache_subnet_group_name(name).send().await
        {
            Ok(out) => Ok(out
                .cache_subnet_groups
                .unwrap_or_default()
                .into_iter()
                .find(|g| g.cache_subnet_group_name.as_deref() == Some(name))),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeCacheSubnetGroups", e)),
        }
    }

    async fn all(&self, region: &str) -> Result<HashMap<String, Group>, ProviderError> {
        let mut out = HashMap::new();
        let mut pages = self.clients.elasticache(region).describe_cache_subnet_groups().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| provider("DescribeCacheSubnetGroups", e))?;
            for g in page.cache_subnet_groups.unwrap_or_default() {
                if let Some(name) = g.cache_subnet_group_name.clone() {
                    out.insert(name, g);
                }
            }
        }
        Ok(out)
    }

    async fn observe_group(&self, region: &str, g: &Group) -> Result<Observed, ProviderError> {
        let name = g.cache_subnet_group_name.clone().unwrap_or_default();
        let arn = g.arn.clone().unwrap_or_default();
        let tags = if arn.is_empty() { Default::default() } else { tags_of(&self.clients, region, &arn).await? };
        let properties = fields::observed(FIELDS, g);
        let attributes =
            props::build([("id", Some(s(&name))), ("arn", g.arn.clone().map(s)), ("vpc_id", g.vpc_id.clone().map(s))]);
        Ok(Observed { id: name, properties, attributes, tags })
    }

    async fn must(&self, region: &str, name: &str) -> Result<Observed, ProviderError> {
        self.read(region, name).await?.ok_or_else(|| vanished("cache subnet group", name))
    }
}

#[async_trait]
impl Listed for CacheSubnetGroup {
    type Raw = Group;

    async fn read_raw(&self, region: &str, id: &str) -> Result<Option<Group>, ProviderError> {
        self.raw(region, id).await
    }

    async fn list_raw(&self, region: &str) -> Result<HashMap<String, Group>, ProviderError> {
        self.all(region).await
    }

    async fn observed(&self, region: &str, raw: &Group) -> Result<Option<Observed>, ProviderError> {
        self.observe_group(region, raw).await.map(Some)
    }
}

#[async_trait]
impl Reconciler for CacheSubnetGroup {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::elasticache::CACHE_SUBNET_GROUP
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_listed(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let found = self.read(&req.target.region, &name.to_ascii_lowercase()).await?;
        Ok(found.filter(|o| {
            !req.known_ids.contains(&o.id) && crate::tags::ours(&o.tags, &req.target.stack, &req.target.address)
        }))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let name = props::require(p, "name")?;
        common::lower_case_name("cache subnet group name", &name)?;
        let existing = match self.read(region, &name).await? {
            Some(o) => Some(o),
            None => {
                let made = self.clients.elasticache(region).create_cache_subnet_group();
                props::require(p, "description")?;
                let made = fields::create(FIELDS, made, p)?.set_tags(Some(sdk_tags(&req.tags))).send().await;
                match made {
                    Ok(_) => return self.must(region, &name).await,
                    Err(e) if code(&e).as_deref() == Some("CacheSubnetGroupAlreadyExists") => {
                        self.read(region, &name).await?
                    }
                    Err(e) => return Err(provider("CreateCacheSubnetGroup", e)),
                }
            }
        };
        match existing {
            Some(o) => crate::kit::adopt_existing("a cache subnet group", &name, o, req),
            None => Err(vanished("cache subnet group", &name)),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let client = self.clients.elasticache(region);
        let mut modify = false;
        for field in &req.changed {
            match field.as_str() {
                "description" | "subnet_ids" => modify = true,
                "tags" => {
                    let arn = req.observed.attributes.get("arn").and_then(|v| v.as_str()).unwrap_or_default();
                    common::sync_tags(&client, arn, &req.observed.tags, &req.tags).await?;
                }
                other => return Err(not_in_place("a cache subnet group", other)),
            }
        }
        if modify {
            client
                .modify_cache_subnet_group()
                .cache_subnet_group_name(&req.id)
                .set_cache_subnet_group_description(props::string(&req.desired, "description"))
                .set_subnet_ids(Some(props::strings(&req.desired, "subnet_ids")).filter(|s| !s.is_empty()))
                .send()
                .await
                .map_err(|e| provider("ModifyCacheSubnetGroup", e))?;
        }
        self.must(region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        match self
            .clients
            .elasticache(&req.target.region)
            .delete_cache_subnet_group()
            .cache_subnet_group_name(&req.id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NOT_FOUND) => Ok(()),
            // Still used by a cluster being deleted: "not yet" (`super::TRANSIENT`).
            Err(e) => Err(provider("DeleteCacheSubnetGroup", e)),
        }
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::elasticache::CACHE_SUBNET_GROUP, &[]);
    }
}
