//! `aws.elasticache.cache_cluster`: an ElastiCache cache cluster (memcached,
//! or a single-node redis), ready when `available`.
//!
//! The id is the cluster id, unique per account and region (AWS has no
//! client token here): a create looks the id up first; a cluster of that id
//! carrying this target's stackr tags is adopted, anyone else's is an
//! error. Ids must be written in lower case (AWS stores them so).
//!
//! In place, in one ModifyCacheCluster with `ApplyImmediately` (a stack
//! states what should be, so nothing is left for the maintenance window;
//! `apply_immediately` is observed as `true` and `false` is refused):
//! `num_cache_nodes` (growing adds nodes, placed in the zones that
//! `preferred_availability_zones` gives for them; shrinking removes the
//! highest-numbered nodes, named in `CacheNodeIdsToRemove` as AWS
//! requires), `security_group_ids` (a set), `parameter_group_name`,
//! `engine_version` (AWS only upgrades), `node_type`,
//! `preferred_maintenance_window`; tags by Add/RemoveTagsToResource. The
//! zones of nodes that stay cannot move. Everything else replaces. While a
//! modification is under way AWS reports the new values as pending; they
//! are observed as the cluster's values, so it is not modified twice.
//!
//! Readiness: `available`; `creating`, `modifying`, `snapshotting` and
//! reboots wait; deletion and failed states never become ready. Delete
//! waits until the cluster is gone, so its subnet group and security groups
//! can go next.
//!
//! Reads: few clusters are described by id, many by one paginated
//! DescribeCacheClusters of the region, always with `ShowCacheNodeInfo`
//! (node endpoints and zones); plus one ListTagsForResource per cluster.
//! The test bed makes moto describe nodes, endpoints and security groups,
//! adds ModifyCacheCluster, and lets a deleted cluster disappear.

use super::common::{self, sdk_tags, tags_of};
use crate::clients::Clients;
use crate::error::{code, is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, Listed, invalid, not_in_place, num, observe_listed, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_elasticache::operation::create_cache_cluster::builders::CreateCacheClusterFluentBuilder;
use aws_sdk_elasticache::types::{AzMode, CacheCluster as Cluster, NetworkType};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;

const KIND: &str = "aws.elasticache.cache_cluster";

const NOT_FOUND: &[&str] = &["CacheClusterNotFound"];

pub struct CacheCluster {
    clients: Arc<Clients>,
}

/// States a cluster never comes back from as itself.
fn dead(status: &str) -> bool {
    matches!(status, "deleting" | "deleted")
}

fn status(c: &Cluster) -> &str {
    c.cache_cluster_status.as_deref().unwrap_or("unknown")
}

/// `host:port`.
fn endpoint(e: &aws_sdk_elasticache::types::Endpoint) -> Option<String> {
    Some(format!("{}:{}", e.address.as_deref()?, e.port?))
}

/// A node id's number (`0003` -> 3); unnumbered ids sort first.
fn node_number(id: &str) -> u32 {
    id.parse().unwrap_or(0)
}

/// The cluster's nodes, in node id order.
fn nodes(c: &Cluster) -> Vec<&aws_sdk_elasticache::types::CacheNode> {
    let mut n: Vec<_> = c.cache_nodes.iter().flatten().collect();
    n.sort_by_key(|n| n.cache_node_id.as_deref().map(node_number).unwrap_or(0));
    n
}

/// The AZ mode, which DescribeCacheClusters does not report: a
/// `PreferredAvailabilityZone` of "Multiple" (nodes in several zones) is
/// cross-az, nodes sharing a zone single-az; a lone node (or none) could be
/// either, and keeps the mode last applied (`recorded`).
fn az_mode(c: &Cluster, node_count: usize, recorded: Option<&str>) -> String {
    match (c.preferred_availability_zone.as_deref(), recorded) {
        (Some("Multiple"), _) => "cross-az".into(),
        (_, Some(mode)) if node_count <= 1 => mode.into(),
        _ => "single-az".into(),
    }
}

/// The port: the configuration endpoint's, else the first node's.
fn port(c: &Cluster) -> Option<i32> {
    c.configuration_endpoint
        .as_ref()
        .and_then(|e| e.port)
        .or_else(|| nodes(c).iter().find_map(|n| n.endpoint.as_ref().and_then(|e| e.port)))
}

/// One cluster as read: its description and the AZ mode last applied.
struct Seen {
    c: Cluster,
    recorded_mode: Option<String>,
}

/// Schema ↔ AWS (`CacheCluster` of DescribeCacheClusters, a pending
/// modification read as the cluster's value; CreateCacheCluster). AWS does
/// not report the AZ mode ([`az_mode`]); `apply_immediately` is what
/// stackr does with every change (see `immediately_only`).
type Row = Field<Seen, CreateCacheClusterFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("cluster_id", "CacheClusterId", |x| x.c.cache_cluster_id.clone().map(s))
        .create(|c, v| Ok(c.cache_cluster_id(to::text(v)?))),
    Row::new("engine", "Engine", |x| x.c.engine.clone().map(s)).create(|c, v| Ok(c.engine(to::text(v)?))),
    Row::new("engine_version", "EngineVersion", |x| {
        x.c.pending_modified_values
            .as_ref()
            .and_then(|p| p.engine_version.clone())
            .or(x.c.engine_version.clone())
            .map(s)
    })
    .create(|c, v| Ok(c.engine_version(to::text(v)?))),
    Row::new("node_type", "CacheNodeType", |x| {
        x.c.pending_modified_values
            .as_ref()
            .and_then(|p| p.cache_node_type.clone())
            .or(x.c.cache_node_type.clone())
            .map(s)
    })
    .create(|c, v| Ok(c.cache_node_type(to::text(v)?))),
    Row::new("num_cache_nodes", "NumCacheNodes", |x| {
        x.c.pending_modified_values.as_ref().and_then(|p| p.num_cache_nodes).or(x.c.num_cache_nodes).map(num)
    })
    .create(|c, v| Ok(c.num_cache_nodes(to::int32(v)?))),
    Row::new("az_mode", "AZMode", |x| Some(s(az_mode(&x.c, nodes(&x.c).len(), x.recorded_mode.as_deref()))))
        .create(|c, v| Ok(c.az_mode(AzMode::from(to::text(v)?.as_str())))),
    Row::new("preferred_availability_zones", "PreferredAvailabilityZones, CacheNodes", |x| {
        let zones: Vec<String> = nodes(&x.c).iter().filter_map(|n| n.customer_availability_zone.clone()).collect();
        (!zones.is_empty()).then(|| props::list(zones))
    })
    .create(|c, v| Ok(c.set_preferred_availability_zones(to::texts_or_none(v)?))),
    Row::new("security_group_ids", "SecurityGroupIds, SecurityGroups", |x| {
        let mut groups: Vec<String> =
            x.c.security_groups.iter().flatten().filter_map(|g| g.security_group_id.clone()).collect();
        groups.sort();
        Some(props::list(groups))
    })
    .create(|c, v| Ok(c.set_security_group_ids(to::texts_or_none(v)?))),
    Row::new("parameter_group_name", "CacheParameterGroupName", |x| {
        x.c.cache_parameter_group.as_ref().and_then(|g| g.cache_parameter_group_name.clone()).map(s)
    })
    .create(|c, v| Ok(c.cache_parameter_group_name(to::text(v)?))),
    Row::new("port", "Port", |x| port(&x.c).map(num)).create(|c, v| Ok(c.port(to::int32(v)?))),
    Row::new("subnet_group_name", "CacheSubnetGroupName", |x| x.c.cache_subnet_group_name.clone().map(s))
        .create(|c, v| Ok(c.cache_subnet_group_name(to::text(v)?))),
    Row::new("network_type", "NetworkType", |x| x.c.network_type.as_ref().map(|n| s(n.as_str())))
        .create(|c, v| Ok(c.network_type(NetworkType::from(to::text(v)?.as_str())))),
    Row::new("transit_encryption_enabled", "TransitEncryptionEnabled", |x| {
        Some(Value::Bool(x.c.transit_encryption_enabled.unwrap_or(false)))
    })
    .create(|c, v| Ok(c.transit_encryption_enabled(to::boolean(v)?))),
    Row::new("preferred_maintenance_window", "PreferredMaintenanceWindow", |x| {
        x.c.preferred_maintenance_window.clone().map(s)
    })
    .create(|c, v| Ok(c.preferred_maintenance_window(to::text(v)?))),
    Row::new("apply_immediately", "ApplyImmediately", |_| Some(Value::Bool(true))),
];

fn observed(
    c: &Cluster,
    tags: std::collections::BTreeMap<String, String>,
    recorded_mode: Option<&str>,
) -> Option<Observed> {
    let id = c.cache_cluster_id.clone()?;
    let nodes = nodes(c);
    let properties = fields::observed(FIELDS, &Seen { c: c.clone(), recorded_mode: recorded_mode.map(String::from) });
    let config = c.configuration_endpoint.as_ref();
    let attributes = props::build([
        ("id", Some(s(&id))),
        ("arn", c.arn.clone().map(s)),
        ("configuration_endpoint", config.and_then(endpoint).map(s)),
        ("cluster_address", config.and_then(|e| e.address.clone()).map(s)),
        ("node_endpoints", Some(props::list(nodes.iter().filter_map(|n| n.endpoint.as_ref().and_then(endpoint))))),
    ]);
    Some(Observed { id, properties, attributes, tags })
}

/// `apply_immediately: false` would hold changes for the maintenance
/// window, leaving the stack unmatched until then: refused.
fn immediately_only(p: &Props) -> Result<(), ProviderError> {
    if props::boolean(p, "apply_immediately") == Some(false) {
        return Err(invalid(
            "`apply_immediately: false` is not supported: stackr applies cache cluster changes immediately; \
             leave it out or set it to true",
        ));
    }
    Ok(())
}

impl CacheCluster {
    pub fn new(clients: Arc<Clients>) -> Self {
        CacheCluster { clients }
    }

    /// One cluster by id, in any state, with its nodes.
    async fn raw(&self, region: &str, id: &str) -> Result<Option<Cluster>, ProviderError> {
        let call =
            self.clients.elasticache(region).describe_cache_clusters().cache_cluster_id(id).show_cache_node_info(true);
        match call.send().await {
            Ok(out) => Ok(out
                .cache_clusters
                .unwrap_or_default()
                .into_iter()
                .find(|c| c.cache_cluster_id.as_deref() == Some(id))),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeCacheClusters", e)),
        }
    }

    async fn all(&self, region: &str) -> Result<HashMap<String, Cluster>, ProviderError> {
        let mut out = HashMap::new();
        let mut pages = self
            .clients
            .elasticache(region)
            .describe_cache_clusters()
            .show_cache_node_info(true)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| provider("DescribeCacheClusters", e))?;
            for c in page.cache_clusters.unwrap_or_default() {
                if let Some(id) = c.cache_cluster_id.clone() {
                    out.insert(id, c);
                }
            }
        }
        Ok(out)
    }

    /// A live cluster as observed (tags read), `None` when gone or going.
    async fn observe_cluster(&self, region: &str, c: &Cluster) -> Result<Option<Observed>, ProviderError> {
        if dead(status(c)) {
            return Ok(None);
        }
        let tags = match c.arn.as_deref() {
            Some(arn) => tags_of(&self.clients, region, arn).await?,
            None => Default::default(),
        };
        let recorded = self.clients.reads.recorded();
        let id = c.cache_cluster_id.as_deref().unwrap_or_default();
        let mode = recorded.as_ref().and_then(|r| r.text(KIND, region, id, "az_mode"));
        Ok(observed(c, tags, mode))
    }

    async fn must(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        self.read(region, id).await?.ok_or_else(|| vanished("cache cluster", id))
    }
}

#[async_trait]
impl Listed for CacheCluster {
    type Raw = Cluster;

    async fn read_raw(&self, region: &str, id: &str) -> Result<Option<Cluster>, ProviderError> {
        self.raw(region, id).await
    }

    async fn list_raw(&self, region: &str) -> Result<HashMap<String, Cluster>, ProviderError> {
        self.all(region).await
    }

    async fn observed(&self, region: &str, raw: &Cluster) -> Result<Option<Observed>, ProviderError> {
        self.observe_cluster(region, raw).await
    }
}

#[async_trait]
impl Reconciler for CacheCluster {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::elasticache::CACHE_CLUSTER
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_listed(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(id) = props::string(&req.properties, "cluster_id") else { return Ok(None) };
        let found = self.read(&req.target.region, &id.to_ascii_lowercase()).await?;
        Ok(found.filter(|o| {
            !req.known_ids.contains(&o.id) && crate::tags::ours(&o.tags, &req.target.stack, &req.target.address)
        }))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let id = props::require(p, "cluster_id")?;
        common::lower_case_name("cache cluster id", &id)?;
        immediately_only(p)?;
        let existing = match self.read(region, &id).await? {
            Some(o) => Some(o),
            None => {
                props::int(p, "num_cache_nodes").ok_or_else(|| invalid("`num_cache_nodes` is required"))?;
                props::require(p, "engine")?;
                props::require(p, "node_type")?;
                let call = fields::create(FIELDS, self.clients.elasticache(region).create_cache_cluster(), p)?;
                let made = call.set_tags(Some(sdk_tags(&req.tags))).send().await;
                match made {
                    Ok(_) => return self.must(region, &id).await,
                    Err(e) if code(&e).as_deref() == Some("CacheClusterAlreadyExists") => {
                        self.read(region, &id).await?
                    }
                    Err(e) => return Err(provider("CreateCacheCluster", e)),
                }
            }
        };
        match existing {
            Some(o) if crate::tags::same_owner(&o.tags, &req.tags) => Ok(o),
            Some(_) => Err(invalid(format!(
                "a cache cluster {id} already exists and was not made for {}; choose another cluster_id",
                req.target.address
            ))),
            // Still being deleted: AWS refuses the id until it is gone.
            None => Err(ProviderError::new(
                ErrorKind::Retryable,
                format!("cache cluster {id} is still being deleted; its id is not free yet"),
            )),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let id = &req.id;
        let client = self.clients.elasticache(region);
        let d = &req.desired;
        immediately_only(d)?;
        let mut call = client.modify_cache_cluster().cache_cluster_id(id).apply_immediately(true);
        let mut modify = false;
        let changed = |f: &str| req.changed.iter().any(|c| c == f);
        if changed("num_cache_nodes") || changed("preferred_availability_zones") {
            let live = self.raw(region, id).await?.ok_or_else(|| vanished("cache cluster", id))?;
            let have: Vec<(String, String)> = nodes(&live)
                .iter()
                .filter_map(|n| {
                    Some((n.cache_node_id.clone()?, n.customer_availability_zone.clone().unwrap_or_default()))
                })
                .collect();
            let want = props::int(d, "num_cache_nodes").unwrap_or(have.len() as i64).max(1) as usize;
            let zones = props::strings(d, "preferred_availability_zones");
            let kept = want.min(have.len());
            if !zones.is_empty() && zones.len() != want {
                return Err(invalid(format!(
                    "`preferred_availability_zones` of cache cluster {id} must name one zone per node ({want}), \
                     repeating a zone for several nodes"
                )));
            }
            if !zones.is_empty() {
                let staying: Vec<&String> = have[..kept].iter().map(|(_, z)| z).collect();
                let wanted: Vec<&String> = zones.iter().take(kept).collect();
                if staying != wanted {
                    return Err(invalid(format!(
                        "the zones of cache cluster {id}'s existing nodes cannot change in place \
                         (they are {staying:?}); list them first in `preferred_availability_zones`, or replace the cluster"
                    )));
                }
            }
            if want != have.len() {
                call = call.num_cache_nodes(want as i32);
                modify = true;
                if want < have.len() {
                    // The highest-numbered nodes go.
                    call = call.set_cache_node_ids_to_remove(Some(
                        have[want..].iter().rev().map(|(n, _)| n.clone()).collect(),
                    ));
                } else if !zones.is_empty() {
                    call = call.set_new_availability_zones(Some(zones[have.len()..want].to_vec()));
                }
            }
        }
        for field in &req.changed {
            match field.as_str() {
                "num_cache_nodes" | "preferred_availability_zones" | "apply_immediately" => {}
                "security_group_ids" => {
                    call = call.set_security_group_ids(Some(props::strings(d, "security_group_ids")));
                    modify = true;
                }
                "parameter_group_name" => {
                    call = call.set_cache_parameter_group_name(props::string(d, "parameter_group_name"));
                    modify = true;
                }
                "engine_version" => {
                    call = call.set_engine_version(props::string(d, "engine_version"));
                    modify = true;
                }
                "node_type" => {
                    call = call.set_cache_node_type(props::string(d, "node_type"));
                    modify = true;
                }
                // Existing nodes stay where they are; nodes added in the
                // same call follow the mode
                // (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyCacheCluster.html).
                // Back to single-az is refused while nodes are in several
                // zones, even those this call removes; a lone node is in
                // one zone whatever the mode, so down to one it is not sent.
                "az_mode" => {
                    let mode = props::string(d, "az_mode");
                    let lone = props::int(d, "num_cache_nodes").is_some_and(|n| n <= 1);
                    if !(lone && mode.as_deref() == Some("single-az")) {
                        call = call.set_az_mode(mode.map(|m| AzMode::from(m.as_str())));
                        modify = true;
                    }
                }
                "preferred_maintenance_window" => {
                    call = call.set_preferred_maintenance_window(props::string(d, "preferred_maintenance_window"));
                    modify = true;
                }
                "tags" => {
                    let arn = req.observed.attributes.get("arn").and_then(|v| v.as_str()).unwrap_or_default();
                    common::sync_tags(&client, arn, &req.observed.tags, &req.tags).await?;
                }
                other => return Err(not_in_place("a cache cluster", other)),
            }
        }
        if modify {
            match call.send().await {
                Ok(_) => {}
                // Not `available`: "not yet" (`super::TRANSIENT`).
                Err(e) => return Err(provider("ModifyCacheCluster", e)),
            }
        }
        self.must(region, id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let id = &req.id;
        match self.raw(region, id).await? {
            None => return Ok(()),
            Some(c) if status(&c) == "deleted" => return Ok(()),
            Some(c) if status(&c) == "deleting" => {}
            Some(_) => {
                match self.clients.elasticache(region).delete_cache_cluster().cache_cluster_id(id).send().await {
                    Ok(_) => {}
                    Err(e) if is(&e, NOT_FOUND) => return Ok(()),
                    // Still being made or modified: "not yet" until `available`.
                    Err(e) => return Err(provider("DeleteCacheCluster", e)),
                }
            }
        }
        Ok(())
    }

    /// Gone once DescribeCacheClusters no longer finds it: `deleting`
    /// lasts minutes, and its subnet group and security groups wait.
    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(match self.raw(region, id).await? {
            None => Readiness::Ready,
            Some(c) if status(&c) == "deleted" => Readiness::Ready,
            Some(c) => Readiness::Pending(status(&c).to_string()),
        })
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let Some(c) = self.raw(region, id).await? else {
            return Ok(Readiness::Failed(format!("cache cluster {id} is gone")));
        };
        Ok(match status(&c) {
            "available" => Readiness::Ready,
            st @ ("deleting" | "deleted" | "create-failed" | "incompatible-network" | "restore-failed") => {
                Readiness::Failed(format!("cache cluster {id} is {st}"))
            }
            st => Readiness::Pending(st.to_string()),
        })
    }

    /// Cache clusters take 5-10 minutes to create, minutes to modify, 3-8 to delete.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(40, 80, 40)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::elasticache::CACHE_CLUSTER, &[]);
    }
}
