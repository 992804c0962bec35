//! `aws.elasticache.replication_group`: a Redis OSS / Valkey replication
//! group, ready when `available`.
//!
//! The id is the group id, unique per account and region (no client
//! token): CreateReplicationGroup answering `ReplicationGroupAlreadyExists`
//! adopts the group when its tags (ListTagsForResource on its ARN) say it
//! is this target's, and is an error naming it otherwise.
//!
//! States (<https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ReplicationGroup.html>):
//! `creating` -> `available`; `modifying` / `snapshotting` while a change or
//! a backup runs; `deleting` -> gone (`ReplicationGroupNotFoundFault`);
//! `create-failed`. While not `available`, ModifyReplicationGroup,
//! Increase/DecreaseReplicaCount and DeleteReplicationGroup answer
//! `InvalidReplicationGroupState`
//! (<https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html>,
//! <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_IncreaseReplicaCount.html>,
//! <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html>):
//! "not yet" (`super::TRANSIENT`), retried by the engine.
//!
//! A modification is asynchronous: AWS shows what is not applied yet as
//! PendingModifiedValues (the group's for failover and transit encryption,
//! the member clusters' for engine version and node type); those values are
//! observed as the group's, so a change under way is not drift, and the
//! engine waits for `available` again after an update.
//!
//! Update order, so that a retried update repeats nothing: tags, then the
//! replica count (IncreaseReplicaCount / DecreaseReplicaCount, compared with
//! the live count first), then one ModifyReplicationGroup last (the AUTH
//! token is only ever sent there). A refusal of the modify because the
//! replica change made the group `modifying` is retried like any other.
//!
//! The ReplicationGroup shape lacks the nodes' settings (engine version,
//! parameter group, subnet group, security groups, maintenance window):
//! they are read from the first member cluster (DescribeCacheClusters).
//! The AUTH token is never read back (AWS only says `AuthTokenEnabled`),
//! never returned nor logged.

use super::common::{self, sdk_tags, tags_of};
use crate::clients::Clients;
use crate::error::{code, is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{self, Field, Listed, int32, invalid, not_in_place, num, observe_listed, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_elasticache::operation::create_replication_group::builders::CreateReplicationGroupFluentBuilder;
use aws_sdk_elasticache::types::{
    AuthTokenUpdateStrategyType, AutomaticFailoverStatus, CacheCluster, ClusterMode, MultiAzStatus,
    PendingAutomaticFailoverStatus, ReplicationGroup as Group,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["ReplicationGroupNotFoundFault"];

pub struct ReplicationGroup {
    clients: Arc<Clients>,
}

fn status(g: &Group) -> &str {
    g.status.as_deref().unwrap_or("unknown")
}

fn count(n: usize) -> Value {
    num(i64::try_from(n).unwrap_or(i64::MAX))
}

fn cluster_enabled(g: &Group) -> bool {
    g.cluster_enabled.unwrap_or(false) || g.cluster_mode == Some(ClusterMode::Enabled)
}

/// Replicas per node group (the first's; AWS keeps them equal unless
/// shards are configured one by one).
fn live_replicas(g: &Group) -> Option<usize> {
    g.node_groups().first().map(|n| n.node_group_members().len().saturating_sub(1))
}

/// The port: the configuration endpoint's, else the first primary's.
fn port(g: &Group) -> Option<i32> {
    let first = g.node_groups().first();
    g.configuration_endpoint
        .as_ref()
        .and_then(|e| e.port)
        .or_else(|| first.and_then(|n| n.primary_endpoint.as_ref()?.port))
}

/// Automatic failover, a pending change taken as the group's.
fn failover(g: &Group) -> Option<bool> {
    match g.pending_modified_values.as_ref().and_then(|p| p.automatic_failover_status.as_ref()) {
        Some(p) => Some(*p == PendingAutomaticFailoverStatus::Enabled),
        None => g
            .automatic_failover
            .as_ref()
            .map(|a| matches!(a, AutomaticFailoverStatus::Enabled | AutomaticFailoverStatus::Enabling)),
    }
}

/// The member cluster's pending changes.
fn member_pending(x: &WithMember) -> Option<&aws_sdk_elasticache::types::PendingModifiedValues> {
    x.1.as_ref().and_then(|m| m.pending_modified_values.as_ref())
}

/// Schema ↔ AWS (`ReplicationGroup` of DescribeReplicationGroups, with its
/// first member's `CacheCluster` for the nodes' settings; pending values
/// taken as the group's; CreateReplicationGroup). The create sends cluster
/// mode, node groups, replicas, cache clusters and automatic failover from
/// what [`check`] makes of them together; the AUTH token is never read
/// (code of its own), `auth_token_update_strategy` and `apply_immediately`
/// are stackr's own.
type Row = Field<WithMember, CreateReplicationGroupFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("replication_group_id", "ReplicationGroupId", |x| x.0.replication_group_id.clone().map(s))
        .create(|c, v| Ok(c.replication_group_id(to::text(v)?))),
    Row::new("description", "ReplicationGroupDescription", |x| x.0.description.clone().map(s))
        .create(|c, v| Ok(c.replication_group_description(to::text(v)?))),
    Row::new("engine", "Engine", |x| x.0.engine.clone().or_else(|| x.1.as_ref().and_then(|m| m.engine.clone())).map(s))
        .create(|c, v| Ok(c.engine(to::text(v)?))),
    Row::new("engine_version", "EngineVersion", |x| {
        member_pending(x)
            .and_then(|p| p.engine_version.clone())
            .or_else(|| x.1.as_ref().and_then(|m| m.engine_version.clone()))
            .map(s)
    })
    .create(|c, v| Ok(c.engine_version(to::text(v)?))),
    Row::new("node_type", "CacheNodeType", |x| {
        member_pending(x).and_then(|p| p.cache_node_type.clone()).or(x.0.cache_node_type.clone()).map(s)
    })
    .create(|c, v| Ok(c.cache_node_type(to::text(v)?))),
    Row::new("port", "Port", |x| port(&x.0).map(num)).create(|c, v| Ok(c.port(to::int32(v)?))),
    Row::new("cache_subnet_group_name", "CacheSubnetGroupName", |x| {
        x.1.as_ref().and_then(|m| m.cache_subnet_group_name.clone()).map(s)
    })
    .create(|c, v| Ok(c.cache_subnet_group_name(to::text(v)?))),
    Row::new("security_group_ids", "SecurityGroupIds, SecurityGroups", |x| {
        x.1.as_ref().map(|m| {
            let mut ids: Vec<String> = m.security_groups().iter().filter_map(|g| g.security_group_id.clone()).collect();
            ids.sort();
            props::list(ids)
        })
    })
    .create(|c, v| Ok(c.set_security_group_ids(to::texts_or_none(v)?))),
    Row::new("parameter_group_name", "CacheParameterGroupName", |x| {
        x.1.as_ref().and_then(|m| m.cache_parameter_group.as_ref()?.cache_parameter_group_name.clone()).map(s)
    })
    .create(|c, v| Ok(c.cache_parameter_group_name(to::text(v)?))),
    Row::new("cluster_mode", "ClusterMode, ClusterEnabled", |x| {
        Some(s(if cluster_enabled(&x.0) { "enabled" } else { "disabled" }))
    }),
    Row::new("num_node_groups", "NumNodeGroups, NodeGroups", |x| Some(count(x.0.node_groups().len()))),
    Row::new("replicas_per_node_group", "ReplicasPerNodeGroup, NodeGroupMembers", |x| live_replicas(&x.0).map(count)),
    Row::new("num_cache_clusters", "NumCacheClusters, MemberClusters", |x| {
        (!cluster_enabled(&x.0)).then(|| count(x.0.member_clusters().len()))
    }),
    Row::new("automatic_failover_enabled", "AutomaticFailoverEnabled, AutomaticFailover", |x| {
        failover(&x.0).map(Value::Bool)
    }),
    Row::new("multi_az_enabled", "MultiAZEnabled, MultiAZ", |x| {
        Some(Value::Bool(x.0.multi_az == Some(MultiAzStatus::Enabled)))
    })
    .create(|c, v| Ok(c.multi_az_enabled(to::boolean(v)?))),
    Row::new("at_rest_encryption_enabled", "AtRestEncryptionEnabled", |x| {
        Some(Value::Bool(x.0.at_rest_encryption_enabled.unwrap_or(false)))
    })
    .create(|c, v| Ok(c.at_rest_encryption_enabled(to::boolean(v)?))),
    Row::new("transit_encryption_enabled", "TransitEncryptionEnabled", |x| {
        let pending = x.0.pending_modified_values.as_ref().and_then(|p| p.transit_encryption_enabled);
        Some(Value::Bool(pending.or(x.0.transit_encryption_enabled).unwrap_or(false)))
    })
    .create(|c, v| Ok(c.transit_encryption_enabled(to::boolean(v)?))),
    Row::new("kms_key_id", "KmsKeyId", |x| x.0.kms_key_id.clone().filter(|k| !k.is_empty()).map(s))
        .create(|c, v| Ok(c.kms_key_id(to::text(v)?))),
    Row::new("snapshot_retention_limit", "SnapshotRetentionLimit", |x| x.0.snapshot_retention_limit.map(num))
        .create(|c, v| Ok(c.snapshot_retention_limit(to::int32(v)?))),
    Row::new("snapshot_window", "SnapshotWindow", |x| x.0.snapshot_window.clone().map(s))
        .create(|c, v| Ok(c.snapshot_window(to::text(v)?))),
    Row::new("maintenance_window", "PreferredMaintenanceWindow", |x| {
        x.1.as_ref().and_then(|m| m.preferred_maintenance_window.clone()).map(s)
    })
    .create(|c, v| Ok(c.preferred_maintenance_window(to::text(v)?))),
];

fn observed(raw: &WithMember, tags: BTreeMap<String, String>) -> Option<Observed> {
    let g = &raw.0;
    let id = g.replication_group_id.clone()?;
    let enabled = cluster_enabled(g);
    let first = g.node_groups().first();
    let config = g.configuration_endpoint.as_ref();
    let port = port(g);
    let properties = fields::observed(FIELDS, raw);
    let address = |e: Option<&aws_sdk_elasticache::types::Endpoint>| e.and_then(|e| e.address.clone()).map(s);
    let attributes = props::build([
        ("id", Some(s(&id))),
        ("arn", g.arn.clone().map(s)),
        (
            "primary_endpoint_address",
            if enabled { None } else { address(first.and_then(|n| n.primary_endpoint.as_ref())) },
        ),
        (
            "reader_endpoint_address",
            if enabled { None } else { address(first.and_then(|n| n.reader_endpoint.as_ref())) },
        ),
        ("configuration_endpoint_address", if enabled { address(config) } else { None }),
        ("port", port.map(num)),
    ]);
    Some(Observed { id, properties, attributes, tags })
}

/// What a stack asks for, checked before any call against the rules of
/// CreateReplicationGroup
/// (<https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html>):
/// whether cluster mode is enabled, and the replicas per node group wanted.
fn check(p: &Props) -> Result<(bool, Option<i64>), ProviderError> {
    let shards = props::int(p, "num_node_groups");
    let enabled = match props::string(p, "cluster_mode").as_deref() {
        Some("enabled") => true,
        Some(_) if shards.is_some_and(|n| n > 1) => {
            return Err(invalid("`num_node_groups` above 1 needs `cluster_mode: enabled`"));
        }
        Some(_) => false,
        None => shards.is_some_and(|n| n > 1),
    };
    let per_group = props::int(p, "replicas_per_node_group");
    let clusters = props::int(p, "num_cache_clusters");
    if enabled && clusters.is_some() {
        return Err(invalid(
            "`num_cache_clusters` is for cluster mode disabled; with cluster mode enabled give \
             `num_node_groups` and `replicas_per_node_group`",
        ));
    }
    let replicas = match (clusters, per_group) {
        (Some(c), Some(r)) if c - 1 != r => {
            return Err(invalid(format!(
                "`num_cache_clusters: {c}` (the primary and {} replicas) contradicts `replicas_per_node_group: {r}`; \
                 give one of them",
                c - 1
            )));
        }
        (Some(c), _) => Some(c - 1),
        (None, r) => r,
    };
    let failover = props::boolean(p, "automatic_failover_enabled");
    if enabled && failover == Some(false) {
        return Err(invalid("cluster mode enabled requires `automatic_failover_enabled: true`"));
    }
    let has_replica = replicas.unwrap_or(0) >= 1;
    if !enabled && failover == Some(true) && !has_replica {
        return Err(invalid("automatic failover needs at least one replica: set `num_cache_clusters` to 2 or more"));
    }
    if props::boolean(p, "multi_az_enabled") == Some(true) {
        if !(failover == Some(true) || enabled && failover.is_none()) {
            return Err(invalid("`multi_az_enabled: true` requires `automatic_failover_enabled: true`"));
        }
        if !has_replica {
            return Err(invalid("`multi_az_enabled: true` needs at least one replica"));
        }
    }
    if let Some(token) = props::string(p, "auth_token") {
        if props::boolean(p, "transit_encryption_enabled") != Some(true) {
            return Err(invalid("`auth_token` requires `transit_encryption_enabled: true`"));
        }
        // The token itself is never put in a message.
        let len = token.chars().count();
        if !(16..=128).contains(&len)
            || !token.chars().all(|c| c.is_ascii_graphic())
            || token.contains(['/', '"', '@', '%'])
        {
            return Err(invalid(
                "`auth_token` must be 16 to 128 printable ASCII characters, without spaces, / \" @ or %",
            ));
        }
    }
    Ok((enabled, replicas))
}

fn to_i32(field: &str, n: i64) -> Result<i32, ProviderError> {
    kit::num::to_i32(field, n)
}

impl ReplicationGroup {
    pub fn new(clients: Arc<Clients>) -> Self {
        ReplicationGroup { clients }
    }

    /// One group by id, in any state.
    async fn raw(&self, region: &str, id: &str) -> Result<Option<Group>, ProviderError> {
        match self.clients.elasticache(region).describe_replication_groups().replication_group_id(id).send().await {
            Ok(out) => Ok(out
                .replication_groups
                .unwrap_or_default()
                .into_iter()
                .find(|g| g.replication_group_id() == Some(id))),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeReplicationGroups", e)),
        }
    }

    /// The group's first member cluster (the nodes' settings), if visible.
    async fn member(&self, region: &str, g: &Group) -> Result<Option<CacheCluster>, ProviderError> {
        let Some(first) = g.member_clusters().first() else { return Ok(None) };
        match self.clients.elasticache(region).describe_cache_clusters().cache_cluster_id(first).send().await {
            Ok(out) => Ok(out.cache_clusters.unwrap_or_default().into_iter().next()),
            Err(e) if is(&e, &["CacheClusterNotFound"]) => Ok(None),
            Err(e) => Err(provider("DescribeCacheClusters", e)),
        }
    }

    async fn observe_group(&self, region: &str, raw: &WithMember) -> Result<Option<Observed>, ProviderError> {
        let g = &raw.0;
        if matches!(status(g), "deleting" | "deleted") {
            return Ok(None);
        }
        let tags = match g.arn.as_deref() {
            Some(arn) => tags_of(&self.clients, region, arn).await?,
            None => Default::default(),
        };
        Ok(observed(raw, tags))
    }

    async fn must(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        self.read(region, id).await?.ok_or_else(|| vanished("replication group", id))
    }
}

/// A group with its first member cluster, where node settings are read.
pub struct WithMember(Group, Option<CacheCluster>);

#[async_trait]
impl Listed for ReplicationGroup {
    type Raw = WithMember;

    async fn read_raw(&self, region: &str, id: &str) -> Result<Option<WithMember>, ProviderError> {
        let Some(g) = self.raw(region, id).await? else { return Ok(None) };
        let member = self.member(region, &g).await?;
        Ok(Some(WithMember(g, member)))
    }

    async fn list_raw(&self, region: &str) -> Result<HashMap<String, WithMember>, ProviderError> {
        let client = self.clients.elasticache(region);
        let groups =
            crate::collect!(client.describe_replication_groups(), replication_groups, "DescribeReplicationGroups");
        let mut clusters: HashMap<String, CacheCluster> =
            crate::collect!(client.describe_cache_clusters(), cache_clusters, "DescribeCacheClusters")
                .into_iter()
                .filter_map(|c| Some((c.cache_cluster_id.clone()?, c)))
                .collect();
        let mut out = HashMap::new();
        for g in groups {
            let member = g.member_clusters().first().and_then(|m| clusters.remove(m));
            if let Some(id) = g.replication_group_id.clone() {
                out.insert(id, WithMember(g, member));
            }
        }
        Ok(out)
    }

    async fn observed(&self, region: &str, raw: &WithMember) -> Result<Option<Observed>, ProviderError> {
        self.observe_group(region, raw).await
    }
}

#[async_trait]
impl Reconciler for ReplicationGroup {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::elasticache::REPLICATION_GROUP
    }

    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        const READ: &[&str] = &[
            "num_node_groups",
            "cluster_mode",
            "replicas_per_node_group",
            "num_cache_clusters",
            "automatic_failover_enabled",
            "multi_az_enabled",
            "auth_token",
            "transit_encryption_enabled",
        ];
        if kit::known(p, READ) { check(p).map(|_| ()) } else { Ok(()) }
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_listed(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(id) = props::string(&req.properties, "replication_group_id") else { return Ok(None) };
        Ok(kit::mine(self.read(&req.target.region, &id.to_ascii_lowercase()).await?, req))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let id = props::require(p, "replication_group_id")?;
        common::lower_case_name("replication group id", &id)?;
        let (enabled, replicas) = check(p)?;
        props::require(p, "description")?;
        props::require(p, "node_type")?;
        let mut call = fields::create(FIELDS, self.clients.elasticache(region).create_replication_group(), p)?
            .set_auth_token(props::string(p, "auth_token"))
            .set_tags(Some(sdk_tags(&req.tags)));
        let failover = props::boolean(p, "automatic_failover_enabled");
        call = if enabled {
            call.cluster_mode(ClusterMode::Enabled)
                .num_node_groups(int32(p, "num_node_groups")?.unwrap_or(1))
                .set_replicas_per_node_group(replicas.map(|r| to_i32("replicas_per_node_group", r)).transpose()?)
                .automatic_failover_enabled(failover.unwrap_or(true))
        } else {
            call.cluster_mode(ClusterMode::Disabled)
                .set_num_cache_clusters(replicas.map(|r| to_i32("num_cache_clusters", r + 1)).transpose()?)
                .set_automatic_failover_enabled(failover)
        };
        match call.send().await {
            Ok(_) => self.must(region, &id).await,
            Err(e) if code(&e).as_deref() == Some("ReplicationGroupAlreadyExists") => {
                match self.read(region, &id).await? {
                    Some(o) => kit::adopt_existing("a replication group", &id, o, req),
                    // Still being deleted: the id is not free until it is gone.
                    None => Err(ProviderError::not_yet(
                        format!("replication group {id} is still being deleted; its id is not free yet"),
                        None,
                    )),
                }
            }
            Err(e) => Err(provider("CreateReplicationGroup", e)),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let (region, id, d) = (&req.target.region, &req.id, &req.desired);
        let client = self.clients.elasticache(region);
        let (_, replicas) = check(d)?;
        let changed = |f: &str| req.changed.iter().any(|c| c == f);
        if changed("tags") {
            let arn = props::string(&req.observed.attributes, "arn").unwrap_or_default();
            common::sync_tags(&client, &arn, &req.observed.tags, &req.tags).await?;
        }
        if let Some(want) = replicas.filter(|_| changed("num_cache_clusters") || changed("replicas_per_node_group")) {
            let live = self.raw(region, id).await?.ok_or_else(|| vanished("replication group", id))?;
            let have = live_replicas(&live).and_then(|n| i64::try_from(n).ok()).unwrap_or(0);
            let new = to_i32("replicas_per_node_group", want)?;
            // ApplyImmediately=false is not supported by AWS for these calls.
            if want > have {
                let r = client.increase_replica_count().replication_group_id(id).new_replica_count(new);
                r.apply_immediately(true).send().await.map_err(|e| provider("IncreaseReplicaCount", e))?;
            } else if want < have {
                let r = client.decrease_replica_count().replication_group_id(id).new_replica_count(new);
                r.apply_immediately(true).send().await.map_err(|e| provider("DecreaseReplicaCount", e))?;
            }
        }
        let now = props::boolean(d, "apply_immediately").unwrap_or(true);
        let mut call = client.modify_replication_group().replication_group_id(id).apply_immediately(now);
        let modify = req.changed.iter().any(|c| !LOCAL_OR_ELSEWHERE.contains(&c.as_str()));
        for field in &req.changed {
            call = match field.as_str() {
                "description" => call.set_replication_group_description(props::string(d, "description")),
                "engine" => call.set_engine(props::string(d, "engine")),
                "engine_version" => call.set_engine_version(props::string(d, "engine_version")),
                "node_type" => call.set_cache_node_type(props::string(d, "node_type")),
                "security_group_ids" => call.set_security_group_ids(Some(props::strings(d, "security_group_ids"))),
                "parameter_group_name" => call.set_cache_parameter_group_name(props::string(d, "parameter_group_name")),
                "automatic_failover_enabled" => {
                    call.set_automatic_failover_enabled(props::boolean(d, "automatic_failover_enabled"))
                }
                "multi_az_enabled" => call.set_multi_az_enabled(props::boolean(d, "multi_az_enabled")),
                "snapshot_retention_limit" => call.set_snapshot_retention_limit(int32(d, "snapshot_retention_limit")?),
                "snapshot_window" => call.set_snapshot_window(props::string(d, "snapshot_window")),
                "maintenance_window" => call.set_preferred_maintenance_window(props::string(d, "maintenance_window")),
                "auth_token" => {
                    let strategy = match props::string(d, "auth_token_update_strategy").as_deref() {
                        Some("set") => AuthTokenUpdateStrategyType::Set,
                        _ => AuthTokenUpdateStrategyType::Rotate,
                    };
                    let token = props::string(d, "auth_token")
                        .ok_or_else(|| invalid("`auth_token` cannot be removed in place; replace the group"))?;
                    call.auth_token(token).auth_token_update_strategy(strategy)
                }
                f if LOCAL_OR_ELSEWHERE.contains(&f) => call,
                other => return Err(not_in_place("a replication group", other)),
            };
        }
        if modify {
            // `InvalidReplicationGroupState` while modifying: "not yet" (`super::TRANSIENT`).
            call.send().await.map_err(|e| provider("ModifyReplicationGroup", e))?;
        }
        self.must(region, id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let (region, id) = (&req.target.region, &req.id);
        match self.raw(region, id).await? {
            None => Ok(()),
            Some(g) if matches!(status(&g), "deleting" | "deleted") => Ok(()),
            Some(_) => {
                let r =
                    self.clients.elasticache(region).delete_replication_group().replication_group_id(id).send().await;
                // Still creating or modifying: "not yet" (`super::TRANSIENT`).
                kit::tolerate("DeleteReplicationGroup", r, NOT_FOUND)
            }
        }
    }

    /// Gone once DescribeReplicationGroups answers
    /// `ReplicationGroupNotFoundFault`: `deleting` lasts minutes, and the
    /// subnet group and security groups are in use until then.
    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(match self.raw(region, id).await? {
            None => Readiness::Ready,
            Some(g) if status(&g) == "deleted" => Readiness::Ready,
            Some(g) => Readiness::Pending(status(&g).to_string()),
        })
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let Some(g) = self.raw(region, id).await? else {
            return Ok(Readiness::Failed(format!("replication group {id} is gone")));
        };
        Ok(match status(&g) {
            "available" => Readiness::Ready,
            st @ ("deleting" | "deleted" | "create-failed") => {
                Readiness::Failed(format!("replication group {id} is {st}"))
            }
            st => Readiness::Pending(st.to_string()),
        })
    }

    /// Replication groups take 10-20 minutes to create; node type changes
    /// and replica counts tens of minutes; deletion minutes.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(60, 90, 60)
    }
}

/// Fields of `changed` that ModifyReplicationGroup does not carry.
const LOCAL_OR_ELSEWHERE: &[&str] =
    &["tags", "num_cache_clusters", "replicas_per_node_group", "apply_immediately", "auth_token_update_strategy"];

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(
            FIELDS,
            &stackr_schema::elasticache::REPLICATION_GROUP,
            &["auth_token", "auth_token_update_strategy", "apply_immediately"],
        );
    }
}
