//! `aws.rds.db_cluster`: an Aurora (or Multi-AZ) DB cluster, typically
//! Aurora Serverless v2.
//!
//! - The id is the cluster identifier, which RDS stores in lower case (one
//!   written otherwise is refused). Create looks it up first: a cluster
//!   carrying this stack's and address's tags is adopted (a retried
//!   create), anyone else's is an error naming it, and one still being
//!   deleted is waited for.
//! - The master password is always managed by RDS in Secrets Manager
//!   (`ManageMasterUserPassword`, the default when the stack leaves it
//!   out): stackr never sends, holds or prints a password. The secret's ARN
//!   is the `master_user_secret_arn` attribute. `manage_master_user_password:
//!   false` is refused, as it would need a password.
//! - In place (one ModifyDBCluster): identifier (a rename, always applied at
//!   once since the id follows it), engine version (major upgrades
//!   allowed), Serverless v2 capacity, backups, maintenance window, log
//!   exports (the difference enabled and disabled), security groups,
//!   parameter group, port, IAM authentication, copy tags to snapshot,
//!   deletion protection, and turning on password management. Replaced:
//!   engine, database name, master user name, storage encryption and key,
//!   subnet group. The KMS key of an already managed password cannot change
//!   (AWS allows it only while turning management on) and is refused.
//! - KMS keys (`kms_key_id`, `master_user_secret_kms_key_id`) are given
//!   as ARNs, the form AWS reports: an alias or bare key id would never
//!   compare equal, and for `kms_key_id` would plan a replacement of the
//!   database on every run, so it is refused.
//! - `apply_immediately` (default false, AWS's own: a change AWS would
//!   apply in the maintenance window waits for it) is sent with every
//!   ModifyDBCluster. A change AWS has scheduled (`PendingModifiedValues`)
//!   is observed as made, so it is not asked for again on every run.
//! - `apply_immediately`, `skip_final_snapshot` and
//!   `final_snapshot_identifier` have no place in AWS: they are recorded
//!   in tags (see `common`), and changing them only changes those tags.
//! - Readiness: `available`. Dependants that need only the identifier or
//!   endpoints (known when CreateDBCluster answers) do not wait for it.
//! - Delete: the final snapshot policy must be explicit, read from the
//!   properties last applied: `skip_final_snapshot: true`, or
//!   `final_snapshot_identifier` naming the snapshot; with neither, the
//!   delete is refused before any call. A cluster with deletion protection
//!   is refused too (never unprotected behind the user's back). The delete
//!   waits until the cluster is gone, so that its subnet group and security
//!   groups can go next; a missing cluster is fine. It is sent as soon as
//!   its instances are `deleting` (`delete_waits_for_gone`), which AWS
//!   allows, so the two deletions overlap.
//! - Reads: one paginated DescribeDBClusters per 100 ids (filter
//!   `db-cluster-id`); its answer carries the tags.
//! - Test bed: moto ignores ModifyDBCluster's CloudwatchLogsExportConfiguration
//!   and EnableIAMDatabaseAuthentication; `testbed/stackr_moto/rds.py`
//!   applies them as AWS does.

use super::common::{self, Record, Step, num, sorted};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, invalid, not_in_place};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_rds::operation::create_db_cluster::builders::CreateDBClusterFluentBuilder;
use aws_sdk_rds::types::{CloudwatchLogsExportConfiguration, DbCluster as Cluster, ServerlessV2ScalingConfiguration};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

const NOT_FOUND: &[&str] = &["DBClusterNotFoundFault"];
/// The settings AWS keeps no record of, recorded in tags.
const RECORDS: &[Record] = &[
    Record { property: "apply_immediately", tag: "stackr:apply-immediately", bool: true },
    Record { property: "skip_final_snapshot", tag: "stackr:skip-final-snapshot", bool: true },
    Record { property: "final_snapshot_identifier", tag: "stackr:final-snapshot-identifier", bool: false },
];
/// How long a cluster just made or renamed may take to be listed.
const VISIBLE_WAIT: Duration = Duration::from_secs(5 * 60);
/// Statuses a cluster does not leave to become available on its own.
const DEAD: &[&str] = &[
    "deleting",
    "failed",
    "cloning-failed",
    "migration-failed",
    "inaccessible-encryption-credentials",
    "stopped",
    "stopping",
];

pub struct DbCluster {
    clients: Arc<Clients>,
}

/// What a delete does about the final snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FinalSnapshot {
    Skip,
    Take(String),
}

/// The final snapshot policy of properties last applied, or the error
/// naming both ways to give one.
fn final_snapshot(id: &str, p: &Props) -> Result<FinalSnapshot, ProviderError> {
    if props::boolean(p, "skip_final_snapshot") == Some(true) {
        return Ok(FinalSnapshot::Skip);
    }
    match props::string(p, "final_snapshot_identifier").filter(|n| !n.is_empty()) {
        Some(name) => Ok(FinalSnapshot::Take(name)),
        None => Err(invalid(format!(
            "DB cluster {id} has no final snapshot policy: set `skip_final_snapshot: true` (no snapshot) or \
             `final_snapshot_identifier` (the snapshot to take), apply, then delete"
        ))),
    }
}

/// A KMS key property must be an ARN (what AWS reports), if set.
fn key_arn(k: &str, p: &Props) -> Result<(), ProviderError> {
    match props::string(p, k) {
        Some(key) if !key.starts_with("arn:") => Err(invalid(format!(
            "`{k}` must be the key's ARN (AWS reports keys by ARN, so `{key}` would never compare equal)"
        ))),
        _ => Ok(()),
    }
}

fn status(c: &Cluster) -> &str {
    c.status().unwrap_or("unknown")
}

/// Serverless v2 capacity from the stack's map.
fn scaling(p: &Props) -> Result<Option<ServerlessV2ScalingConfiguration>, ProviderError> {
    p.get("serverless_v2_scaling").map_or(Ok(None), scaling_of)
}

/// Serverless v2 capacity from a `serverless_v2_scaling` value (none: null).
fn scaling_of(v: &Value) -> Result<Option<ServerlessV2ScalingConfiguration>, ProviderError> {
    match v {
        Value::Null => Ok(None),
        Value::Map(m) => {
            let n = |k: &str| match m.get(k) {
                Some(Value::Number(n)) => Some(*n),
                _ => None,
            };
            Ok(Some(
                ServerlessV2ScalingConfiguration::builder()
                    .set_min_capacity(n("min_capacity"))
                    .set_max_capacity(n("max_capacity"))
                    .set_seconds_until_auto_pause(common::int32(m, "seconds_until_auto_pause")?)
                    .build(),
            ))
        }
        other => Err(invalid(format!("`serverless_v2_scaling` must be a map: {other}"))),
    }
}

/// The log exports to enable and to disable to go from `have` to `want`.
fn log_changes(have: &[String], want: &[String]) -> CloudwatchLogsExportConfiguration {
    let enable: Vec<String> = want.iter().filter(|w| !have.contains(w)).cloned().collect();
    let disable: Vec<String> = have.iter().filter(|h| !want.contains(h)).cloned().collect();
    CloudwatchLogsExportConfiguration::builder()
        .set_enable_log_types(Some(enable))
        .set_disable_log_types(Some(disable))
        .build()
}

/// Schema ↔ AWS (`DBCluster` of DescribeDBClusters, a change AWS has
/// scheduled (`PendingModifiedValues`) counting as made; CreateDBCluster).
/// `ManageMasterUserPassword` is always sent true by the create (stackr
/// never holds a password); `apply_immediately`, `skip_final_snapshot` and
/// `final_snapshot_identifier` are stackr's own, recorded in tags
/// (`RECORDS`).
type Row = Field<Cluster, CreateDBClusterFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("cluster_identifier", "DBClusterIdentifier", |c| {
        c.pending_modified_values().and_then(|p| p.db_cluster_identifier()).or(c.db_cluster_identifier()).map(s)
    })
    .create(|c, v| Ok(c.db_cluster_identifier(to::text(v)?))),
    Row::new("engine", "Engine", |c| c.engine().map(s)).create(|c, v| Ok(c.engine(to::text(v)?))),
    Row::new("engine_version", "EngineVersion", |c| {
        c.pending_modified_values().and_then(|p| p.engine_version()).or(c.engine_version()).map(s)
    })
    .create(|c, v| Ok(c.engine_version(to::text(v)?))),
    Row::new("database_name", "DatabaseName", |c| c.database_name().map(s))
        .create(|c, v| Ok(c.database_name(to::text(v)?))),
    Row::new("master_username", "MasterUsername", |c| c.master_username().map(s))
        .create(|c, v| Ok(c.master_username(to::text(v)?))),
    Row::new("manage_master_user_password", "MasterUserSecret", |c| {
        Some(Value::Bool(c.master_user_secret().is_some()))
    }),
    Row::new("master_user_secret_kms_key_id", "MasterUserSecret.KmsKeyId", |c| {
        c.master_user_secret().and_then(|m| m.kms_key_id()).map(s)
    })
    .create(|c, v| Ok(c.master_user_secret_kms_key_id(to::text(v)?))),
    Row::new("serverless_v2_scaling", "ServerlessV2ScalingConfiguration", |c| {
        c.serverless_v2_scaling_configuration().map(|sc| {
            Value::Map(props::build([
                ("min_capacity", sc.min_capacity().map(num)),
                ("max_capacity", sc.max_capacity().map(num)),
                ("seconds_until_auto_pause", sc.seconds_until_auto_pause().map(num)),
            ]))
        })
    })
    .create(|c, v| Ok(c.set_serverless_v2_scaling_configuration(scaling_of(v).map_err(|e| e.message)?))),
    Row::new("storage_encrypted", "StorageEncrypted", |c| c.storage_encrypted().map(Value::Bool))
        .create(|c, v| Ok(c.storage_encrypted(to::boolean(v)?))),
    Row::new("kms_key_id", "KmsKeyId", |c| c.kms_key_id().map(s)).create(|c, v| Ok(c.kms_key_id(to::text(v)?))),
    Row::new("backup_retention_period", "BackupRetentionPeriod", |c| {
        c.pending_modified_values().and_then(|p| p.backup_retention_period()).or(c.backup_retention_period()).map(num)
    })
    .create(|c, v| Ok(c.backup_retention_period(to::int32(v)?))),
    Row::new("preferred_backup_window", "PreferredBackupWindow", |c| c.preferred_backup_window().map(s))
        .create(|c, v| Ok(c.preferred_backup_window(to::text(v)?))),
    Row::new("preferred_maintenance_window", "PreferredMaintenanceWindow", |c| c.preferred_maintenance_window().map(s))
        .create(|c, v| Ok(c.preferred_maintenance_window(to::text(v)?))),
    Row::new("enabled_cloudwatch_logs_exports", "EnabledCloudwatchLogsExports", |c| {
        let mut logs: Vec<String> = c.enabled_cloudwatch_logs_exports().to_vec();
        if let Some(p) = c.pending_modified_values().and_then(|p| p.pending_cloudwatch_logs_exports()) {
            logs.retain(|l| !p.log_types_to_disable().contains(l));
            logs.extend(p.log_types_to_enable().iter().cloned());
        }
        Some(sorted(logs))
    })
    .create(|c, v| Ok(c.set_enable_cloudwatch_logs_exports(Some(to::texts(v)?)))),
    Row::new("vpc_security_group_ids", "VpcSecurityGroups", |c| {
        let groups = c
            .vpc_security_groups()
            .iter()
            .filter(|g| g.status() != Some("removing"))
            .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
            .collect();
        Some(sorted(groups))
    })
    .create(|c, v| Ok(c.set_vpc_security_group_ids(Some(to::texts(v)?)))),
    Row::new("db_subnet_group_name", "DBSubnetGroup", |c| c.db_subnet_group().map(s))
        .create(|c, v| Ok(c.db_subnet_group_name(to::text(v)?))),
    Row::new("db_cluster_parameter_group_name", "DBClusterParameterGroup", |c| c.db_cluster_parameter_group().map(s))
        .create(|c, v| Ok(c.db_cluster_parameter_group_name(to::text(v)?))),
    Row::new("port", "Port", |c| c.port().map(num)).create(|c, v| Ok(c.port(to::int32(v)?))),
    Row::new("iam_database_authentication_enabled", "IAMDatabaseAuthenticationEnabled", |c| {
        c.pending_modified_values()
            .and_then(|p| p.iam_database_authentication_enabled())
            .or(c.iam_database_authentication_enabled())
            .map(Value::Bool)
    })
    .create(|c, v| Ok(c.enable_iam_database_authentication(to::boolean(v)?))),
    Row::new("copy_tags_to_snapshot", "CopyTagsToSnapshot", |c| c.copy_tags_to_snapshot().map(Value::Bool))
        .create(|c, v| Ok(c.copy_tags_to_snapshot(to::boolean(v)?))),
    Row::new("deletion_protection", "DeletionProtection", |c| c.deletion_protection().map(Value::Bool))
        .create(|c, v| Ok(c.deletion_protection(to::boolean(v)?))),
];

/// A cluster as the schema shapes it; changes AWS has scheduled count as made.
fn observed(c: &Cluster) -> Option<Observed> {
    let id = c.db_cluster_identifier()?.to_string();
    let (tags, records) = common::split_records(RECORDS, common::tag_map(c.tag_list()));
    let secret = c.master_user_secret();
    let mut properties = fields::observed(FIELDS, c);
    properties.extend(records);
    let attributes = props::build([
        ("id", Some(s(&id))),
        ("arn", c.db_cluster_arn().map(s)),
        ("endpoint", c.endpoint().map(s)),
        ("reader_endpoint", c.reader_endpoint().map(s)),
        ("port", c.port().map(num)),
        ("master_user_secret_arn", secret.and_then(|m| m.secret_arn()).map(s)),
        ("resource_id", c.db_cluster_resource_id().map(s)),
        ("hosted_zone_id", c.hosted_zone_id().map(s)),
    ]);
    Some(Observed { id, properties, attributes, tags })
}

impl DbCluster {
    pub fn new(clients: Arc<Clients>) -> Self {
        DbCluster { clients }
    }

    fn client(&self, region: &str) -> aws_sdk_rds::Client {
        self.clients.rds(region)
    }

    /// The clusters with these identifiers, in any status, by identifier.
    async fn describe(&self, region: &str, ids: &[String]) -> Result<HashMap<String, Cluster>, ProviderError> {
        let mut out = HashMap::new();
        for c in common::clusters(&self.clients, region, ids).await?.iter() {
            if let Some(id) = c.db_cluster_identifier.clone() {
                out.insert(id, c.clone());
            }
        }
        Ok(out)
    }

    async fn raw(&self, region: &str, id: &str) -> Result<Option<Cluster>, ProviderError> {
        Ok(self.describe(region, &[id.to_string()]).await?.remove(id))
    }

    /// The cluster, not being deleted.
    async fn one(&self, region: &str, id: &str) -> Result<Option<Observed>, ProviderError> {
        Ok(self.raw(region, id).await?.filter(|c| status(c) != "deleting").as_ref().and_then(observed))
    }

    /// The cluster right after a call that made or renamed it.
    async fn must(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        common::wait(&format!("DB cluster {id} to be listed"), VISIBLE_WAIT, || async {
            Ok(match self.one(region, id).await? {
                Some(o) => Step::Done(o),
                None => Step::Pending("not listed".into()),
            })
        })
        .await
    }

    /// Waits until the cluster is gone.
    /// Gone once DescribeDB* no longer finds it (`deleting` lasts minutes).
    async fn gone(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(match self.raw(region, id).await? {
            None => Readiness::Ready,
            Some(c) => Readiness::Pending(status(&c).to_string()),
        })
    }

    /// A cluster of this identifier that already exists: ours is adopted,
    /// anyone else's is an error.
    fn adopt(&self, req: &CreateRequest, live: Cluster) -> Result<Observed, ProviderError> {
        let id = live.db_cluster_identifier().unwrap_or_default().to_string();
        let o = observed(&live).ok_or_else(|| invalid(format!("DB cluster {id} has no identifier")))?;
        crate::kit::adopt_existing("a DB cluster", &id, o, req)
    }
}

#[async_trait]
impl Reconciler for DbCluster {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::rds::DB_CLUSTER
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.describe(region, ids).await?;
        Ok(ids.iter().map(|id| found.get(id).filter(|c| status(c) != "deleting").and_then(observed)).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(id) = props::string(&req.properties, "cluster_identifier") else { return Ok(None) };
        let found = self.one(&req.target.region, &id).await?;
        Ok(found
            .filter(|o| !req.known_ids.contains(&o.id) && tags::ours(&o.tags, &req.target.stack, &req.target.address)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let id = props::require(p, "cluster_identifier")?;
        common::lower_case("cluster_identifier", &id)?;
        if props::boolean(p, "manage_master_user_password") == Some(false) {
            return Err(invalid(
                "`manage_master_user_password: false` would need a master password, which stackr never holds; \
                 leave it out or set it to true so that RDS keeps the password in Secrets Manager",
            ));
        }
        for key in ["kms_key_id", "master_user_secret_kms_key_id"] {
            key_arn(key, p)?;
        }
        match self.raw(region, &id).await? {
            Some(c) if status(&c) == "deleting" => {
                return Err(ProviderError::not_yet(format!("a DB cluster named {id} is still being deleted"), None));
            }
            Some(c) => return self.adopt(req, c),
            None => {}
        }
        let mut tags = req.tags.clone();
        tags.extend(common::record_tags(RECORDS, p));
        props::require(p, "engine")?;
        props::require(p, "master_username")?;
        let created = fields::create(FIELDS, self.client(region).create_db_cluster(), p)?
            .manage_master_user_password(true)
            .set_tags(Some(common::sdk_tags(&tags)))
            .send()
            .await;
        match created {
            Ok(_) => self.must(region, &id).await,
            // Made meanwhile (a concurrent retry): ours is adopted.
            Err(e) if is(&e, &["DBClusterAlreadyExistsFault"]) => match self.raw(region, &id).await? {
                Some(c) => self.adopt(req, c),
                None => Err(provider("CreateDBCluster", e)),
            },
            Err(e) => Err(provider("CreateDBCluster", e)),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let d = &req.desired;
        let have = &req.observed.properties;
        let client = self.client(region);
        let mut call = client.modify_db_cluster().db_cluster_identifier(&req.id);
        let mut modify = false;
        let mut sync_tags = false;
        let mut id = req.id.clone();
        for field in &req.changed {
            modify |= !matches!(
                field.as_str(),
                "apply_immediately" | "skip_final_snapshot" | "final_snapshot_identifier" | "tags"
            );
            call = match field.as_str() {
                "cluster_identifier" => {
                    id = props::require(d, "cluster_identifier")?;
                    common::lower_case("cluster_identifier", &id)?;
                    call.new_db_cluster_identifier(&id)
                }
                "engine_version" => {
                    call.set_engine_version(props::string(d, "engine_version")).allow_major_version_upgrade(true)
                }
                "serverless_v2_scaling" => call.set_serverless_v2_scaling_configuration(scaling(d)?),
                "backup_retention_period" => {
                    call.set_backup_retention_period(common::int32(d, "backup_retention_period")?)
                }
                "preferred_backup_window" => call.set_preferred_backup_window(props::string(d, field)),
                "preferred_maintenance_window" => call.set_preferred_maintenance_window(props::string(d, field)),
                "enabled_cloudwatch_logs_exports" => call.cloudwatch_logs_export_configuration(log_changes(
                    &props::strings(have, field),
                    &props::strings(d, field),
                )),
                "vpc_security_group_ids" => call.set_vpc_security_group_ids(Some(props::strings(d, field))),
                "db_cluster_parameter_group_name" => call.set_db_cluster_parameter_group_name(props::string(d, field)),
                "port" => call.set_port(common::int32(d, "port")?),
                "iam_database_authentication_enabled" => {
                    call.set_enable_iam_database_authentication(props::boolean(d, field))
                }
                "copy_tags_to_snapshot" => call.set_copy_tags_to_snapshot(props::boolean(d, field)),
                "deletion_protection" => call.set_deletion_protection(props::boolean(d, field)),
                "manage_master_user_password" => {
                    if props::boolean(d, field) != Some(true) {
                        return Err(invalid(
                            "turning `manage_master_user_password` off would need a master password, which stackr \
                             never holds",
                        ));
                    }
                    key_arn("master_user_secret_kms_key_id", d)?;
                    call.manage_master_user_password(true)
                        .set_master_user_secret_kms_key_id(props::string(d, "master_user_secret_kms_key_id"))
                }
                "master_user_secret_kms_key_id" => {
                    key_arn(field, d)?;
                    if have.get("manage_master_user_password") == Some(&Value::Bool(true)) {
                        return Err(invalid(
                            "the KMS key of a managed master password cannot change: AWS sets it only when \
                             password management is turned on",
                        ));
                    }
                    call.set_master_user_secret_kms_key_id(props::string(d, field))
                }
                "apply_immediately" | "skip_final_snapshot" | "final_snapshot_identifier" | "tags" => {
                    sync_tags = true;
                    call
                }
                other => return Err(not_in_place("a DB cluster", other)),
            };
        }
        if sync_tags {
            let arn = req.observed.attributes.get("arn").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let mut have_tags = req.observed.tags.clone();
            have_tags.extend(common::record_tags(RECORDS, have));
            let mut want_tags: BTreeMap<String, String> = req.tags.clone();
            want_tags.extend(common::record_tags(RECORDS, d));
            common::sync_tags(&client, &arn, &have_tags, &want_tags).await?;
        }
        if modify {
            // A rename is applied at once whatever `apply_immediately`
            // says: the cluster is known by its identifier.
            let now = props::boolean(d, "apply_immediately").unwrap_or(false) || id != req.id;
            call.apply_immediately(now).send().await.map_err(|e| provider("ModifyDBCluster", e))?;
        }
        self.must(region, &id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let id = &req.id;
        // The policy is checked before any call; a request that carries no
        // properties at all (nothing recorded) first looks whether there is
        // anything to delete.
        let policy = if req.properties.is_empty() { None } else { Some(final_snapshot(id, &req.properties)?) };
        let Some(live) = self.raw(region, id).await? else { return Ok(()) };
        let policy = match policy {
            Some(p) => p,
            None => final_snapshot(id, &req.properties)?,
        };
        if status(&live) != "deleting" {
            if live.deletion_protection() == Some(true) {
                return Err(invalid(format!(
                    "DB cluster {id} has deletion protection, and stackr never turns it off on its own: set \
                     `deletion_protection: false`, apply, then delete"
                )));
            }
            let call = match &policy {
                FinalSnapshot::Skip => self.client(region).delete_db_cluster().skip_final_snapshot(true),
                FinalSnapshot::Take(name) => self
                    .client(region)
                    .delete_db_cluster()
                    .skip_final_snapshot(false)
                    .final_db_snapshot_identifier(name),
            };
            let call = call.db_cluster_identifier(id);
            // Not `available` yet (still being made or changed): AWS
            // refuses until it is, and the engine retries (transient codes).
            match call.send().await {
                Ok(_) => {}
                Err(e) if is(&e, NOT_FOUND) => {}
                Err(e) => return Err(provider("DeleteDBCluster", e)),
            }
        }
        Ok(())
    }

    /// Refused before a run starts, so that destroy does not delete the
    /// instances and everything else first: deletion protection, as last
    /// applied, or no final snapshot policy.
    fn undeletable(&self, id: &str, properties: &Props) -> Option<String> {
        if props::boolean(properties, "deletion_protection") == Some(true) {
            return Some(format!(
                "DB cluster {id} has deletion protection, and stackr never turns it off on its own: set \
                 `deletion_protection: false`, apply, then delete"
            ));
        }
        if properties.is_empty() {
            return None;
        }
        final_snapshot(id, properties).err().map(|e| e.message)
    }

    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        self.gone(region, id).await
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let Some(c) = self.raw(region, id).await? else {
            return Ok(Readiness::Failed(format!("DB cluster {id} is gone")));
        };
        Ok(match status(&c) {
            "available" => Readiness::Ready,
            s if DEAD.contains(&s) || s.starts_with("incompatible-") => Readiness::Failed(s.to_string()),
            s => Readiness::Pending(s.to_string()),
        })
    }

    /// Aurora clusters take 3-10 minutes to create and 5-10 to delete, far more on occasion.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(60, 60, 60)
    }

    /// DeleteDBCluster needs its instances `deleting`, not gone ("You
    /// can't delete a DB cluster if it contains DB instances that aren't
    /// in the deleting state",
    /// <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html>):
    /// the cluster's deletion overlaps its instances' 5-10 minutes instead
    /// of following them. AWS removes the cluster only after its last
    /// instance, so what waits for the cluster to be gone still comes after both.
    fn delete_waits_for_gone(&self, kind: &str) -> bool {
        kind != "aws.rds.db_instance"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, Value)]) -> Props {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn the_final_snapshot_policy_must_be_explicit() {
        assert_eq!(final_snapshot("db", &p(&[("skip_final_snapshot", Value::Bool(true))])), Ok(FinalSnapshot::Skip));
        assert_eq!(
            final_snapshot("db", &p(&[("final_snapshot_identifier", s("db-final"))])),
            Ok(FinalSnapshot::Take("db-final".into()))
        );
        let err = final_snapshot("db", &p(&[("skip_final_snapshot", Value::Bool(false))])).unwrap_err();
        assert!(err.message.contains("skip_final_snapshot") && err.message.contains("final_snapshot_identifier"));
        assert_eq!(err.kind, ErrorKind::Invalid);
    }

    #[test]
    fn kms_keys_are_arns() {
        assert!(key_arn("kms_key_id", &p(&[("kms_key_id", s("alias/aws/rds"))])).is_err());
        assert!(key_arn("kms_key_id", &p(&[("kms_key_id", s("arn:aws:kms:ap-northeast-1:1:key/k"))])).is_ok());
        assert!(key_arn("kms_key_id", &p(&[])).is_ok());
    }

    #[test]
    fn log_exports_change_by_difference() {
        let c = log_changes(&["error".into(), "slowquery".into()], &["audit".into(), "error".into()]);
        assert_eq!(c.enable_log_types(), ["audit".to_string()]);
        assert_eq!(c.disable_log_types(), ["slowquery".to_string()]);
    }

    #[test]
    fn pending_changes_count_as_made() {
        let c = Cluster::builder()
            .db_cluster_identifier("db")
            .engine_version("8.0.mysql_aurora.3.07.1")
            .enabled_cloudwatch_logs_exports("error")
            .pending_modified_values(
                aws_sdk_rds::types::ClusterPendingModifiedValues::builder()
                    .engine_version("8.0.mysql_aurora.3.08.0")
                    .pending_cloudwatch_logs_exports(
                        aws_sdk_rds::types::PendingCloudwatchLogsExports::builder()
                            .log_types_to_enable("audit")
                            .log_types_to_disable("error")
                            .build(),
                    )
                    .build(),
            )
            .tag_list(aws_sdk_rds::types::Tag::builder().key("stackr:skip-final-snapshot").value("true").build())
            .build();
        let o = observed(&c).unwrap();
        assert_eq!(o.properties["engine_version"], s("8.0.mysql_aurora.3.08.0"));
        assert_eq!(o.properties["enabled_cloudwatch_logs_exports"], props::list(["audit".to_string()]));
        assert_eq!(o.properties["skip_final_snapshot"], Value::Bool(true));
        assert!(o.tags.is_empty());
        assert_eq!(o.properties["manage_master_user_password"], Value::Bool(false));
    }

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(
            FIELDS,
            &stackr_schema::rds::DB_CLUSTER,
            &["skip_final_snapshot", "final_snapshot_identifier", "apply_immediately"],
        );
    }
}
