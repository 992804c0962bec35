//! `aws.rds.db_subnet_group`: the subnets an RDS database may use.
//!
//! - The id is the group's name, which RDS stores in lower case (a name
//!   written otherwise is refused, as it would never compare equal). The
//!   name replaces; description and subnets change in place
//!   (ModifyDBSubnetGroup), tags by AddTagsToResource /
//!   RemoveTagsFromResource.
//! - Create looks the name up first: a group carrying this stack's and
//!   address's tags is adopted (a retried create) and brought up to date;
//!   anyone else's is an error naming it.
//! - No readiness: a group is usable once made.
//! - Delete retries while the group is still in use by a database being
//!   deleted (InvalidDBSubnetGroupStateFault), and a missing group is fine.
//! - Reads: DescribeDBSubnetGroups takes no filters, so a few groups are
//!   read by name and many by one paginated listing of the region; their
//!   answers carry no tags, so each group's come from ListTagsForResource.

use super::common::{self, Step, sorted};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, Listed, not_in_place, observe_listed};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_rds::operation::create_db_subnet_group::builders::CreateDBSubnetGroupFluentBuilder;
use aws_sdk_rds::types::DbSubnetGroup as Group;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const NOT_FOUND: &[&str] = &["DBSubnetGroupNotFoundFault"];

/// Schema ↔ AWS (`DBSubnetGroup` of DescribeDBSubnetGroups;
/// CreateDBSubnetGroup). Subnets are compared in order of id.
type Row = Field<Group, CreateDBSubnetGroupFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "DBSubnetGroupName", |g| g.db_subnet_group_name().map(s))
        .create(|c, v| Ok(c.db_subnet_group_name(to::text(v)?))),
    Row::new("description", "DBSubnetGroupDescription", |g| g.db_subnet_group_description().map(s))
        .create(|c, v| Ok(c.db_subnet_group_description(to::text(v)?))),
    Row::new("subnet_ids", "SubnetIds", |g| {
        Some(sorted(g.subnets().iter().filter_map(|s| s.subnet_identifier().map(str::to_string)).collect()))
    })
    .create(|c, v| Ok(c.set_subnet_ids(Some(to::texts(v)?)))),
];
/// In use by a database (possibly one still being deleted).
const IN_USE: &[&str] = &["InvalidDBSubnetGroupStateFault"];
/// How long a delete waits for the databases using the group to go.
const IN_USE_WAIT: Duration = Duration::from_secs(10 * 60);

pub struct DbSubnetGroup {
    clients: Arc<Clients>,
}

impl DbSubnetGroup {
    pub fn new(clients: Arc<Clients>) -> Self {
        DbSubnetGroup { clients }
    }

    fn client(&self, region: &str) -> aws_sdk_rds::Client {
        self.clients.rds(region)
    }

    /// Groups by name: the one named, or all in the region.
    async fn list(&self, region: &str, name: Option<&str>) -> Result<HashMap<String, Group>, ProviderError> {
        let mut out = HashMap::new();
        let mut pages = self
            .client(region)
            .describe_db_subnet_groups()
            .set_db_subnet_group_name(name.map(str::to_string))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(p) => p,
                Err(e) if is(&e, NOT_FOUND) => return Ok(out),
                Err(e) => return Err(provider("DescribeDBSubnetGroups", e)),
            };
            for g in page.db_subnet_groups.unwrap_or_default() {
                if let Some(n) = g.db_subnet_group_name.clone() {
                    out.insert(n, g);
                }
            }
        }
        Ok(out)
    }

    async fn observe_group(&self, region: &str, g: &Group) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = g.db_subnet_group_name() else { return Ok(None) };
        let arn = g.db_subnet_group_arn().unwrap_or_default();
        let tags = match crate::bulktags::refreshed(&self.clients, region, arn).await {
            Some(tags) => tags,
            None => match self.client(region).list_tags_for_resource().resource_name(arn).send().await {
                Ok(out) => common::tag_map(out.tag_list()),
                // Deleted between the listing and now.
                Err(e) if is(&e, NOT_FOUND) => return Ok(None),
                Err(e) => return Err(provider("ListTagsForResource", e)),
            },
        };
        let properties = fields::observed(FIELDS, g);
        let attributes = props::build([("id", Some(s(name))), ("arn", Some(s(arn))), ("vpc_id", g.vpc_id().map(s))]);
        Ok(Some(Observed { id: name.to_string(), properties, attributes, tags }))
    }

    async fn must(&self, region: &str, name: &str, after: &str) -> Result<Observed, ProviderError> {
        self.read(region, name).await?.ok_or_else(|| {
            ProviderError::new(ErrorKind::Other, format!("DB subnet group {name} is not visible after {after}"))
        })
    }

    async fn modify(&self, region: &str, name: &str, p: &Props) -> Result<(), ProviderError> {
        self.client(region)
            .modify_db_subnet_group()
            .db_subnet_group_name(name)
            .set_db_subnet_group_description(props::string(p, "description"))
            .set_subnet_ids(Some(props::strings(p, "subnet_ids")))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| provider("ModifyDBSubnetGroup", e))
    }

    /// Brings a group adopted from an earlier attempt up to the request.
    async fn converge(&self, req: &CreateRequest, live: Observed) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let subnets = live.properties.get("subnet_ids") != Some(&sorted(props::strings(p, "subnet_ids")));
        let description = props::string(p, "description") != props::string(&live.properties, "description");
        let mut changed = false;
        if subnets || description {
            self.modify(region, &live.id, p).await?;
            changed = true;
        }
        if live.tags != req.tags {
            let arn = live.attributes.get("arn").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            common::sync_tags(&self.client(region), &arn, &live.tags, &req.tags).await?;
            changed = true;
        }
        if changed { self.must(region, &live.id, "adopting it").await } else { Ok(live) }
    }
}

#[async_trait]
impl Listed for DbSubnetGroup {
    type Raw = Group;

    async fn read_raw(&self, region: &str, id: &str) -> Result<Option<Group>, ProviderError> {
        Ok(self.list(region, Some(id)).await?.remove(id))
    }

    async fn list_raw(&self, region: &str) -> Result<HashMap<String, Group>, ProviderError> {
        self.list(region, None).await
    }

    async fn observed(&self, region: &str, raw: &Group) -> Result<Option<Observed>, ProviderError> {
        self.observe_group(region, raw).await
    }
}

#[async_trait]
impl Reconciler for DbSubnetGroup {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::rds::DB_SUBNET_GROUP
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_listed(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let found = self.read(&req.target.region, &name).await?;
        Ok(found
            .filter(|o| !req.known_ids.contains(&o.id) && tags::ours(&o.tags, &req.target.stack, &req.target.address)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let name = props::require(p, "name")?;
        common::lower_case("name", &name)?;
        if let Some(live) = self.read(region, &name).await? {
            if !tags::same_owner(&live.tags, &req.tags) {
                return Err(crate::kit::owned::taken(
                    "a DB subnet group",
                    &name,
                    &live.tags,
                    &req.target.address,
                    &req.tags,
                ));
            }
            return self.converge(req, live).await;
        }
        let created = self.client(region).create_db_subnet_group();
        props::require(p, "description")?;
        let created = fields::create(FIELDS, created, p)?.set_tags(Some(common::sdk_tags(&req.tags))).send().await;
        match created {
            Ok(_) => self.must(region, &name, "CreateDBSubnetGroup").await,
            // Made meanwhile (a concurrent retry): ours is adopted.
            Err(e) if is(&e, &["DBSubnetGroupAlreadyExists", "DBSubnetGroupAlreadyExistsFault"]) => {
                match self.read(region, &name).await? {
                    Some(live) if tags::same_owner(&live.tags, &req.tags) => self.converge(req, live).await,
                    _ => Err(provider("CreateDBSubnetGroup", e)),
                }
            }
            Err(e) => Err(provider("CreateDBSubnetGroup", e)),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let mut modify = false;
        for field in &req.changed {
            match field.as_str() {
                "description" | "subnet_ids" => modify = true,
                "tags" => {
                    let arn =
                        req.observed.attributes.get("arn").and_then(|v| v.as_str()).unwrap_or_default().to_string();
                    common::sync_tags(&self.client(region), &arn, &req.observed.tags, &req.tags).await?;
                }
                other => return Err(not_in_place("a DB subnet group", other)),
            }
        }
        if modify {
            self.modify(region, &req.id, &req.desired).await?;
        }
        self.must(region, &req.id, "update").await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let name = &req.id;
        let what = format!("DB subnet group {name} to be free to delete");
        common::wait(&what, IN_USE_WAIT, || async {
            match self.client(region).delete_db_subnet_group().db_subnet_group_name(name).send().await {
                Ok(_) => Ok(Step::Done(())),
                Err(e) if is(&e, NOT_FOUND) => Ok(Step::Done(())),
                Err(e) if is(&e, IN_USE) => {
                    Ok(Step::Pending(format!("in use: {}", provider("DeleteDBSubnetGroup", e))))
                }
                Err(e) => Err(provider("DeleteDBSubnetGroup", e)),
            }
        })
        .await
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::rds::DB_SUBNET_GROUP, &[]);
    }
}
