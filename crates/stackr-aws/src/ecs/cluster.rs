//! `aws.ecs.cluster`: an ECS cluster with its Container Insights setting,
//! capacity providers and default capacity provider strategy (e.g. all
//! tasks on FARGATE_SPOT). Only the name replaces; the setting changes with
//! UpdateCluster, the providers and strategy with
//! PutClusterCapacityProviders (which always takes both), tags with
//! TagResource / UntagResource. No readiness: a cluster is usable at once.
//!
//! The id is the cluster ARN. Cluster names are unique per account and
//! region and CreateCluster of an existing name returns it, so a create
//! first looks the name up: ours (by the stackr tags) is adopted, anyone
//! else's is an error naming it. An `INACTIVE` cluster counts as gone.
//!
//! Reads: DescribeClusters with SETTINGS and TAGS, up to 100 clusters a call.

use super::common::{self, CLUSTER_NOT_FOUND, invalid};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_ecs::operation::create_cluster::builders::CreateClusterFluentBuilder;
use aws_sdk_ecs::types::{Cluster as SdkCluster, ClusterField, ClusterSetting, ClusterSettingName};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;

/// DescribeClusters takes up to 100 clusters.
const BATCH: usize = 100;

pub struct Cluster {
    clients: Arc<Clients>,
}

impl Cluster {
    pub fn new(clients: Arc<Clients>) -> Self {
        Cluster { clients }
    }

    /// Live (not INACTIVE) clusters among `ids` (names or ARNs), by the id asked for.
    async fn describe(&self, region: &str, ids: &[String]) -> Result<HashMap<String, Observed>, ProviderError> {
        let client = self.clients.ecs(region);
        let mut out = HashMap::new();
        for chunk in ids.chunks(BATCH) {
            let res = client
                .describe_clusters()
                .set_clusters(Some(chunk.to_vec()))
                .include(ClusterField::Settings)
                .include(ClusterField::Tags)
                .send()
                .await
                .map_err(|e| provider("DescribeClusters", e))?;
            for c in res.clusters() {
                if c.status() == Some("INACTIVE") {
                    continue;
                }
                let o = observed(c);
                for asked in chunk {
                    if Some(asked.as_str()) == c.cluster_arn() || Some(asked.as_str()) == c.cluster_name() {
                        out.insert(asked.clone(), o.clone());
                    }
                }
            }
        }
        Ok(out)
    }

    async fn one(&self, region: &str, name_or_arn: &str) -> Result<Option<Observed>, ProviderError> {
        Ok(self.describe(region, &[name_or_arn.to_string()]).await?.remove(name_or_arn))
    }

    async fn must(&self, region: &str, arn: &str) -> Result<Observed, ProviderError> {
        self.one(region, arn).await?.ok_or_else(|| crate::kit::vanished("ECS cluster", arn))
    }

    async fn put_capacity_providers(&self, region: &str, name: &str, p: &Props) -> Result<(), ProviderError> {
        self.clients
            .ecs(region)
            .put_cluster_capacity_providers()
            .cluster(name)
            .set_capacity_providers(Some(props::strings(p, "capacity_providers")))
            .set_default_capacity_provider_strategy(Some(
                common::strategy(p.get("default_capacity_provider_strategy"))?.unwrap_or_default(),
            ))
            .send()
            .await
            .map_err(|e| provider("PutClusterCapacityProviders", e))?;
        Ok(())
    }
}

fn insights(value: &str) -> ClusterSetting {
    ClusterSetting::builder().name(ClusterSettingName::ContainerInsights).value(value).build()
}

/// Schema ↔ AWS (`Cluster` of DescribeClusters; CreateCluster).
type Row = Field<SdkCluster, CreateClusterFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "ClusterName", |c| c.cluster_name().map(s)).create(|c, v| Ok(c.cluster_name(to::text(v)?))),
    Row::new("container_insights", "Settings[containerInsights]", |c| {
        c.settings()
            .iter()
            .find(|st| st.name() == Some(&ClusterSettingName::ContainerInsights))
            .and_then(|st| st.value())
            .map(s)
    })
    .create(|c, v| Ok(c.settings(insights(&to::text(v)?)))),
    Row::new("capacity_providers", "CapacityProviders", |c| {
        let mut providers: Vec<String> = c.capacity_providers().to_vec();
        providers.sort();
        Some(props::list(providers))
    })
    .create(|c, v| Ok(c.set_capacity_providers(Some(to::texts(v)?)))),
    Row::new("default_capacity_provider_strategy", "DefaultCapacityProviderStrategy", |c| {
        Some(common::strategy_value(c.default_capacity_provider_strategy()))
    })
    .create(|c, v| Ok(c.set_default_capacity_provider_strategy(common::strategy(Some(v)).map_err(|e| e.message)?))),
];

fn observed(c: &SdkCluster) -> Observed {
    let arn = c.cluster_arn().unwrap_or_default().to_string();
    let properties = fields::observed(FIELDS, c);
    let attributes = props::build([("id", Some(s(&arn))), ("arn", Some(s(&arn)))]);
    Observed { id: arn, properties, attributes, tags: common::tag_map(c.tags()) }
}

#[async_trait]
impl Reconciler for Cluster {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ecs::CLUSTER
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let found = self.describe(region, ids).await?;
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let found = self.one(&req.target.region, &name).await?;
        Ok(found
            .filter(|o| !req.known_ids.contains(&o.id) && tags::ours(&o.tags, &req.target.stack, &req.target.address)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let name = props::require(p, "name")?;
        if let Some(live) = self.one(region, &name).await? {
            return crate::kit::adopt_existing("an ECS cluster", &name, live, req);
        }
        let out = self.clients.ecs(region).create_cluster();
        let out = fields::create(FIELDS, out, p)?
            .set_tags(Some(common::ecs_tags(&req.tags)))
            .send()
            .await
            .map_err(|e| provider("CreateCluster", e))?;
        let arn = out.cluster.and_then(|c| c.cluster_arn).ok_or_else(|| invalid("CreateCluster returned no ARN"))?;
        self.must(region, &arn).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let client = self.clients.ecs(region);
        let name = props::string(&req.observed.properties, "name").unwrap_or_else(|| req.id.clone());
        let mut providers = false;
        for field in &req.changed {
            match field.as_str() {
                "container_insights" => {
                    let v = props::string(&req.desired, "container_insights").unwrap_or_else(|| "disabled".into());
                    client
                        .update_cluster()
                        .cluster(&name)
                        .settings(insights(&v))
                        .send()
                        .await
                        .map_err(|e| provider("UpdateCluster", e))?;
                }
                "capacity_providers" | "default_capacity_provider_strategy" => providers = true,
                "tags" => common::sync_tags(&client, &req.id, &req.observed.tags, &req.tags).await?,
                other => return Err(crate::kit::not_in_place("an ECS cluster", other)),
            }
        }
        if providers {
            // Both go in one call: what the stack leaves out stays as it is.
            let mut p = req.desired.clone();
            for k in ["capacity_providers", "default_capacity_provider_strategy"] {
                if matches!(p.get(k), None | Some(Value::Null)) {
                    let live = req.observed.properties.get(k).cloned().unwrap_or(Value::List(Vec::new()));
                    p.insert(k.into(), live);
                }
            }
            self.put_capacity_providers(region, &name, &p).await?;
        }
        self.must(region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let client = self.clients.ecs(region);
        // A cluster whose services are still draining refuses to go
        // (ClusterContainsServicesException): "not yet", retried by the
        // engine without holding a slot (see `super::TRANSIENT`).
        match client.delete_cluster().cluster(&req.id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, CLUSTER_NOT_FOUND) => Ok(()),
            Err(e) => Err(provider("DeleteCluster", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::common::{num, object};
    use super::*;

    #[test]
    fn strategy_round_trip() {
        let v = Value::List(vec![object([
            ("capacity_provider", Some(s("FARGATE_SPOT"))),
            ("weight", Some(num(1))),
            ("base", Some(num(0))),
        ])]);
        let items = common::strategy(Some(&v)).unwrap().unwrap();
        assert_eq!(items[0].capacity_provider(), "FARGATE_SPOT");
        assert_eq!(common::strategy_value(&items), v);
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ecs::CLUSTER, &[]);
    }
}
