//! `aws.rds.db_instance`: an instance of an Aurora DB cluster
//! (`db.serverless` for Serverless v2, or a provisioned class).
//!
//! - The id is the instance identifier, which RDS stores in lower case (one
//!   written otherwise is refused). Create looks it up first: an instance
//!   carrying this stack's and address's tags is adopted (a retried
//!   create), anyone else's is an error naming it, and one still being
//!   deleted is waited for.
//! - Created only once its cluster is available (`needs_ready`): AWS
//!   refuses instances in a cluster that is still being created.
//! - In place (one ModifyDBInstance): identifier (a rename, always applied
//!   at once since the id follows it), class, promotion tier, public
//!   access, parameter group, Performance Insights and its retention,
//!   Enhanced Monitoring, minor version upgrades, certificate authority.
//!   Replaced: cluster, engine, availability zone.
//! - `apply_immediately` (default false, AWS's own: a class or certificate
//!   change waits for the maintenance window) is sent with every
//!   ModifyDBInstance; AWS keeps no record of it, so it is recorded in the
//!   tag `stackr:apply-immediately`. A change AWS has scheduled
//!   (`PendingModifiedValues`) is observed as made.
//! - Readiness: `available`. Delete (no snapshot: an Aurora instance has
//!   none of its own) waits until the instance is gone, so that the
//!   cluster can go next; a missing instance is fine.
//! - Reads: one paginated DescribeDBInstances per 100 ids (filter
//!   `db-instance-id`; its answer carries the tags), plus one
//!   DescribeDBClusters for their clusters (the `writer` attribute).
//! - Test bed: moto keeps no Performance Insights settings;
//!   `testbed/stackr_moto/rds.py` keeps and reports them as AWS does.

use super::common::{self, Record, Step, num};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, not_in_place};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder;
use aws_sdk_rds::types::DbInstance as Instance;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

const NOT_FOUND: &[&str] = &["DBInstanceNotFound", "DBInstanceNotFoundFault"];
/// The settings AWS keeps no record of, recorded in tags.
const RECORDS: &[Record] = &[Record { property: "apply_immediately", tag: "stackr:apply-immediately", bool: true }];
/// How long an instance just made or renamed may take to be listed.
const VISIBLE_WAIT: Duration = Duration::from_secs(5 * 60);
/// Statuses an instance does not leave to become available on its own.
const DEAD: &[&str] = &[
    "deleting",
    "failed",
    "inaccessible-encryption-credentials",
    "restore-error",
    "stopped",
    "stopping",
    "storage-full",
];

pub struct DbInstance {
    clients: Arc<Clients>,
}

fn status(i: &Instance) -> &str {
    i.db_instance_status().unwrap_or("unknown")
}

/// An instance as the schema shapes it; `writers` are the identifiers of
/// the cluster writers. Changes AWS has scheduled count as made.
/// Schema ↔ AWS (`DBInstance` of DescribeDBInstances, a change AWS has
/// scheduled (`PendingModifiedValues`) counting as made; CreateDBInstance).
/// `apply_immediately` is stackr's own, recorded in a tag (`RECORDS`).
type Row = Field<Instance, CreateDBInstanceFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("identifier", "DBInstanceIdentifier", |i| {
        i.pending_modified_values().and_then(|p| p.db_instance_identifier()).or(i.db_instance_identifier()).map(s)
    })
    .create(|c, v| Ok(c.db_instance_identifier(to::text(v)?))),
    Row::new("cluster_identifier", "DBClusterIdentifier", |i| i.db_cluster_identifier().map(s))
        .create(|c, v| Ok(c.db_cluster_identifier(to::text(v)?))),
    Row::new("instance_class", "DBInstanceClass", |i| {
        i.pending_modified_values().and_then(|p| p.db_instance_class()).or(i.db_instance_class()).map(s)
    })
    .create(|c, v| Ok(c.db_instance_class(to::text(v)?))),
    Row::new("engine", "Engine", |i| i.engine().map(s)).create(|c, v| Ok(c.engine(to::text(v)?))),
    Row::new("availability_zone", "AvailabilityZone", |i| i.availability_zone().map(s))
        .create(|c, v| Ok(c.availability_zone(to::text(v)?))),
    Row::new("promotion_tier", "PromotionTier", |i| i.promotion_tier().map(num))
        .create(|c, v| Ok(c.promotion_tier(to::int32(v)?))),
    Row::new("publicly_accessible", "PubliclyAccessible", |i| i.publicly_accessible().map(Value::Bool))
        .create(|c, v| Ok(c.publicly_accessible(to::boolean(v)?))),
    Row::new("db_parameter_group_name", "DBParameterGroupName", |i| {
        i.db_parameter_groups().first().and_then(|g| g.db_parameter_group_name()).map(s)
    })
    .create(|c, v| Ok(c.db_parameter_group_name(to::text(v)?))),
    Row::new("performance_insights_enabled", "PerformanceInsightsEnabled", |i| {
        Some(Value::Bool(i.performance_insights_enabled().unwrap_or(false)))
    })
    .create(|c, v| Ok(c.enable_performance_insights(to::boolean(v)?))),
    Row::new("performance_insights_retention_period", "PerformanceInsightsRetentionPeriod", |i| {
        i.performance_insights_retention_period().filter(|_| i.performance_insights_enabled() == Some(true)).map(num)
    })
    .create(|c, v| Ok(c.performance_insights_retention_period(to::int32(v)?))),
    Row::new("monitoring_interval", "MonitoringInterval", |i| i.monitoring_interval().map(num))
        .create(|c, v| Ok(c.monitoring_interval(to::int32(v)?))),
    Row::new("monitoring_role_arn", "MonitoringRoleArn", |i| i.monitoring_role_arn().map(s))
        .create(|c, v| Ok(c.monitoring_role_arn(to::text(v)?))),
    Row::new("auto_minor_version_upgrade", "AutoMinorVersionUpgrade", |i| {
        i.auto_minor_version_upgrade().map(Value::Bool)
    })
    .create(|c, v| Ok(c.auto_minor_version_upgrade(to::boolean(v)?))),
    Row::new("ca_certificate_identifier", "CACertificateIdentifier", |i| {
        i.pending_modified_values().and_then(|p| p.ca_certificate_identifier()).or(i.ca_certificate_identifier()).map(s)
    })
    .create(|c, v| Ok(c.ca_certificate_identifier(to::text(v)?))),
];

fn observed(i: &Instance, writers: &HashSet<String>) -> Option<Observed> {
    let id = i.db_instance_identifier()?.to_string();
    let (tags, records) = common::split_records(RECORDS, common::tag_map(i.tag_list()));
    let mut properties = fields::observed(FIELDS, i);
    properties.extend(records);
    let endpoint = i.endpoint();
    let attributes = props::build([
        ("id", Some(s(&id))),
        ("arn", i.db_instance_arn().map(s)),
        ("endpoint", endpoint.and_then(|e| e.address()).map(s)),
        ("port", endpoint.and_then(|e| e.port()).or(i.db_instance_port()).map(num)),
        ("resource_id", i.dbi_resource_id().map(s)),
        ("writer", Some(Value::Bool(writers.contains(&id)))),
    ]);
    Some(Observed { id, properties, attributes, tags })
}

impl DbInstance {
    pub fn new(clients: Arc<Clients>) -> Self {
        DbInstance { clients }
    }

    fn client(&self, region: &str) -> aws_sdk_rds::Client {
        self.clients.rds(region)
    }

    /// The instances with these identifiers, in any status, by identifier.
    async fn describe(&self, region: &str, ids: &[String]) -> Result<HashMap<String, Instance>, ProviderError> {
        let mut out = HashMap::new();
        for chunk in common::chunks(ids) {
            let mut pages = self
                .client(region)
                .describe_db_instances()
                .filters(common::filter("db-instance-id", &chunk))
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = match page {
                    Ok(p) => p,
                    Err(e) if is(&e, NOT_FOUND) => break,
                    Err(e) => return Err(provider("DescribeDBInstances", e)),
                };
                for i in page.db_instances.unwrap_or_default() {
                    if let Some(id) = i.db_instance_identifier.clone() {
                        out.insert(id, i);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The writers of the clusters of `instances` (one DescribeDBClusters).
    async fn writers<'a>(
        &self,
        region: &str,
        instances: impl Iterator<Item = &'a Instance>,
    ) -> Result<HashSet<String>, ProviderError> {
        let clusters: Vec<String> = instances.filter_map(|i| i.db_cluster_identifier().map(str::to_string)).collect();
        let mut out = HashSet::new();
        for c in common::clusters(&self.clients, region, &clusters).await?.iter() {
            out.extend(
                c.db_cluster_members()
                    .iter()
                    .filter(|m| m.is_cluster_writer() == Some(true))
                    .filter_map(|m| m.db_instance_identifier().map(str::to_string)),
            );
        }
        Ok(out)
    }

    async fn raw(&self, region: &str, id: &str) -> Result<Option<Instance>, ProviderError> {
        Ok(self.describe(region, &[id.to_string()]).await?.remove(id))
    }

    /// The instance, not being deleted.
    async fn one(&self, region: &str, id: &str) -> Result<Option<Observed>, ProviderError> {
        let Some(i) = self.raw(region, id).await?.filter(|i| status(i) != "deleting") else { return Ok(None) };
        let writers = self.writers(region, std::iter::once(&i)).await?;
        Ok(observed(&i, &writers))
    }

    /// The instance right after a call that made or renamed it.
    async fn must(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        common::wait(&format!("DB instance {id} to be listed"), VISIBLE_WAIT, || async {
            Ok(match self.one(region, id).await? {
                Some(o) => Step::Done(o),
                None => Step::Pending("not listed".into()),
            })
        })
        .await
    }

    /// Gone once DescribeDB* no longer finds it (`deleting` lasts minutes).
    async fn gone(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(match self.raw(region, id).await? {
            None => Readiness::Ready,
            Some(i) => Readiness::Pending(status(&i).to_string()),
        })
    }

    /// An instance of this identifier that already exists: ours is
    /// adopted, anyone else's is an error.
    async fn adopt(&self, req: &CreateRequest, id: &str) -> Result<Observed, ProviderError> {
        let o = self.must(&req.target.region, id).await?;
        crate::kit::adopt_existing("a DB instance", id, o, req)
    }
}

#[async_trait]
impl Reconciler for DbInstance {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::rds::DB_INSTANCE
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.describe(region, ids).await?;
        let live: Vec<&Instance> = found.values().filter(|i| status(i) != "deleting").collect();
        let writers = self.writers(region, live.iter().copied()).await?;
        Ok(ids
            .iter()
            .map(|id| found.get(id).filter(|i| status(i) != "deleting").and_then(|i| observed(i, &writers)))
            .collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(id) = props::string(&req.properties, "identifier") else { return Ok(None) };
        let found = self.one(&req.target.region, &id).await?;
        Ok(found
            .filter(|o| !req.known_ids.contains(&o.id) && tags::ours(&o.tags, &req.target.stack, &req.target.address)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let id = props::require(p, "identifier")?;
        common::lower_case("identifier", &id)?;
        match self.raw(region, &id).await? {
            Some(i) if status(&i) == "deleting" => {
                return Err(ProviderError::not_yet(format!("a DB instance named {id} is still being deleted"), None));
            }
            Some(_) => return self.adopt(req, &id).await,
            None => {}
        }
        let mut tags = req.tags.clone();
        tags.extend(common::record_tags(RECORDS, p));
        for k in ["cluster_identifier", "instance_class", "engine"] {
            props::require(p, k)?;
        }
        let created = fields::create(FIELDS, self.client(region).create_db_instance(), p)?
            .set_tags(Some(common::sdk_tags(&tags)))
            .send()
            .await;
        match created {
            Ok(_) => self.must(region, &id).await,
            // Made meanwhile (a concurrent retry): ours is adopted.
            Err(e) if is(&e, &["DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault"]) => {
                self.adopt(req, &id).await
            }
            Err(e) => Err(provider("CreateDBInstance", e)),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let d = &req.desired;
        let client = self.client(region);
        let mut call = client.modify_db_instance().db_instance_identifier(&req.id);
        let mut modify = false;
        let mut sync_tags = false;
        let mut id = req.id.clone();
        for field in &req.changed {
            modify |= !matches!(field.as_str(), "apply_immediately" | "tags");
            call = match field.as_str() {
                "identifier" => {
                    id = props::require(d, "identifier")?;
                    common::lower_case("identifier", &id)?;
                    call.new_db_instance_identifier(&id)
                }
                "instance_class" => call.set_db_instance_class(props::string(d, field)),
                "promotion_tier" => call.set_promotion_tier(common::int32(d, field)?),
                "publicly_accessible" => call.set_publicly_accessible(props::boolean(d, field)),
                "db_parameter_group_name" => call.set_db_parameter_group_name(props::string(d, field)),
                "performance_insights_enabled" => call
                    .set_enable_performance_insights(props::boolean(d, field))
                    .set_performance_insights_retention_period(common::int32(
                        d,
                        "performance_insights_retention_period",
                    )?),
                "performance_insights_retention_period" => call
                    .set_enable_performance_insights(props::boolean(d, "performance_insights_enabled"))
                    .set_performance_insights_retention_period(common::int32(d, field)?),
                "monitoring_interval" | "monitoring_role_arn" => call
                    .set_monitoring_interval(common::int32(d, "monitoring_interval")?)
                    .set_monitoring_role_arn(props::string(d, "monitoring_role_arn")),
                "auto_minor_version_upgrade" => call.set_auto_minor_version_upgrade(props::boolean(d, field)),
                "ca_certificate_identifier" => call.set_ca_certificate_identifier(props::string(d, field)),
                "apply_immediately" | "tags" => {
                    sync_tags = true;
                    call
                }
                other => return Err(not_in_place("a DB instance", other)),
            };
        }
        if sync_tags {
            let arn = req.observed.attributes.get("arn").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let mut have_tags = req.observed.tags.clone();
            have_tags.extend(common::record_tags(RECORDS, &req.observed.properties));
            let mut want_tags: BTreeMap<String, String> = req.tags.clone();
            want_tags.extend(common::record_tags(RECORDS, d));
            common::sync_tags(&client, &arn, &have_tags, &want_tags).await?;
        }
        if modify {
            // A rename is applied at once whatever `apply_immediately`
            // says: the instance is known by its identifier.
            let now = props::boolean(d, "apply_immediately").unwrap_or(false) || id != req.id;
            call.apply_immediately(now).send().await.map_err(|e| provider("ModifyDBInstance", e))?;
        }
        self.must(region, &id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let id = &req.id;
        let Some(live) = self.raw(region, id).await? else { return Ok(()) };
        if status(&live) != "deleting" {
            let call = self.client(region).delete_db_instance().db_instance_identifier(id).skip_final_snapshot(true);
            // Not `available` yet (still being made or changed): AWS
            // refuses until it is, and the engine retries (transient codes).
            match call.send().await {
                Ok(_) => {}
                Err(e) if is(&e, NOT_FOUND) => {}
                Err(e) => return Err(provider("DeleteDBInstance", e)),
            }
        }
        Ok(())
    }

    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        self.gone(region, id).await
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let Some(i) = self.raw(region, id).await? else {
            return Ok(Readiness::Failed(format!("DB instance {id} is gone")));
        };
        Ok(match status(&i) {
            "available" => Readiness::Ready,
            s if DEAD.contains(&s) || s.starts_with("incompatible-") => Readiness::Failed(s.to_string()),
            s => Readiness::Pending(s.to_string()),
        })
    }

    fn needs_ready(&self, kind: &str) -> bool {
        kind == "aws.rds.db_cluster"
    }

    /// Aurora instances take 8-15 minutes to create and 5-10 to delete, far more on occasion.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(60, 60, 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_changes_count_as_made_and_the_writer_is_known() {
        let i = Instance::builder()
            .db_instance_identifier("db-1")
            .db_instance_class("db.r7g.large")
            .pending_modified_values(
                aws_sdk_rds::types::PendingModifiedValues::builder().db_instance_class("db.serverless").build(),
            )
            .performance_insights_retention_period(7)
            .tag_list(aws_sdk_rds::types::Tag::builder().key("stackr:apply-immediately").value("false").build())
            .build();
        let o = observed(&i, &HashSet::from(["db-1".to_string()])).unwrap();
        assert_eq!(o.properties["instance_class"], s("db.serverless"));
        assert_eq!(o.properties["apply_immediately"], Value::Bool(false));
        assert_eq!(o.properties["performance_insights_enabled"], Value::Bool(false));
        assert!(!o.properties.contains_key("performance_insights_retention_period"));
        assert_eq!(o.attributes["writer"], Value::Bool(true));
        assert!(o.tags.is_empty());
    }

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::rds::DB_INSTANCE, &["apply_immediately"]);
    }
}
