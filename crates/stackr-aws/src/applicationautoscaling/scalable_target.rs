//! `aws.applicationautoscaling.scalable_target`: something registered as
//! scalable between a minimum and a maximum capacity (an ECS service's
//! `ecs:service:DesiredCount`). The bounds change in place
//! (RegisterScalableTarget again, AWS's update); tags with TagResource /
//! UntagResource; the namespace, resource id and dimension replace. No
//! readiness.
//!
//! The id is `NAMESPACE/RESOURCE_ID/DIMENSION` (what identifies a target
//! in every call; dimensions hold no `/`); the ARN is the `arn` attribute.
//! RegisterScalableTarget updates whatever is registered under those
//! three, so create looks first: a target carrying the stackr tags of this
//! address is adopted, anyone else's is an error naming it (stackr never
//! takes over bounds it did not set).
//!
//! An ECS service's desired count belongs to auto scaling (stacks set
//! `ignore_changes: [desired_count]` on the service), but a count outside
//! the target's bounds, set by hand, is a departure from the stack: the
//! target then reads as having its bounds widened to that count (a count
//! of 9 under a maximum of 4 reads `max_capacity: 9`), which `diff`
//! reports as drift, and the repair registers the bounds again, which
//! makes AWS bring the count back inside them.
//!
//! Delete is DeregisterScalableTarget, which in AWS also deletes the
//! target's scaling policies and their target tracking alarms.
//!
//! Reads: DescribeScalableTargets per namespace with up to 50 resource ids
//! a call (paginated), plus ListTagsForResource per target, plus for ECS
//! services' counts one DescribeServices per cluster and 10 services (the
//! service type's own read during a refresh, see `ecs::common`). The test bed
//! adds tags, and the policy cascade of deregistration, to moto
//! (testbed/stackr_moto/applicationautoscaling.py).

use super::common::{self, invalid};
use crate::clients::Clients;
use crate::error::provider;
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_applicationautoscaling::operation::register_scalable_target::builders::RegisterScalableTargetFluentBuilder;
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ScalableTarget as SdkTarget, ServiceNamespace};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// DescribeScalableTargets takes up to 50 resource ids.
const BATCH: usize = 50;

pub struct ScalableTarget {
    clients: Arc<Clients>,
}

/// The scalable dimension of an ECS service's count.
const DESIRED_COUNT: &str = "ecs:service:DesiredCount";

/// Widens `min_capacity` / `max_capacity` to include `count`.
fn widen(p: &mut Props, count: i32) {
    let count = count as f64;
    if let Some(Value::Number(min)) = p.get_mut("min_capacity") {
        *min = min.min(count);
    }
    if let Some(Value::Number(max)) = p.get_mut("max_capacity") {
        *max = max.max(count);
    }
}

/// The key of a target: (namespace, resource id, dimension).
type Key = (String, String, String);

pub fn id_of(namespace: &str, resource_id: &str, dimension: &str) -> String {
    format!("{namespace}/{resource_id}/{dimension}")
}

fn parse(id: &str) -> Result<Key, ProviderError> {
    match (id.split_once('/'), id.rsplit_once('/')) {
        (Some((ns, _)), Some((head, dim))) if head.len() > ns.len() => {
            Ok((ns.to_string(), head[ns.len() + 1..].to_string(), dim.to_string()))
        }
        _ => Err(invalid(format!("{id} is not a scalable target id (NAMESPACE/RESOURCE_ID/DIMENSION)"))),
    }
}

fn key_of(p: &Props) -> Result<Key, ProviderError> {
    Ok((
        props::require(p, "service_namespace")?,
        props::require(p, "resource_id")?,
        props::require(p, "scalable_dimension")?,
    ))
}

impl ScalableTarget {
    pub fn new(clients: Arc<Clients>) -> Self {
        ScalableTarget { clients }
    }

    /// The targets among `keys` that exist, with their tags.
    async fn describe(&self, region: &str, keys: &[Key]) -> Result<HashMap<Key, Observed>, ProviderError> {
        let client = self.clients.autoscaling(region);
        let mut by_ns: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (ns, rid, _) in keys {
            by_ns.entry(ns).or_default().push(rid);
        }
        let mut out = HashMap::new();
        for (ns, mut rids) in by_ns {
            rids.sort();
            rids.dedup();
            for chunk in rids.chunks(BATCH) {
                let mut pages = client
                    .describe_scalable_targets()
                    .service_namespace(ServiceNamespace::from(ns))
                    .set_resource_ids(Some(chunk.iter().map(|r| r.to_string()).collect()))
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| provider("DescribeScalableTargets", e))?;
                    for t in page.scalable_targets() {
                        let key = (
                            t.service_namespace().as_str().to_string(),
                            t.resource_id().to_string(),
                            t.scalable_dimension().as_str().to_string(),
                        );
                        if keys.contains(&key) {
                            let o = self.observed(region, t).await?;
                            out.insert(key, o);
                        }
                    }
                }
            }
        }
        self.widen_to_service_counts(region, &mut out).await?;
        Ok(out)
    }

    /// Widens the bounds of ECS service targets to the service's desired
    /// count where it lies outside them (see the module doc).
    async fn widen_to_service_counts(
        &self,
        region: &str,
        targets: &mut HashMap<Key, Observed>,
    ) -> Result<(), ProviderError> {
        let mut by_cluster: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (ns, rid, dim) in targets.keys() {
            if let ("ecs", "ecs:service:DesiredCount", Some(("service", rest))) =
                (ns.as_str(), dim.as_str(), rid.split_once('/'))
                && let Some((cluster, name)) = rest.split_once('/')
            {
                by_cluster.entry(cluster.to_string()).or_default().push(name.to_string());
            }
        }
        for (cluster, names) in by_cluster {
            let services = crate::ecs::common::describe_services(&self.clients, region, &cluster, &names).await?;
            for svc in services.iter().filter(|s| s.status() == Some("ACTIVE")) {
                let Some(name) = svc.service_name() else { continue };
                let key = ("ecs".to_string(), format!("service/{cluster}/{name}"), DESIRED_COUNT.to_string());
                if let Some(o) = targets.get_mut(&key) {
                    widen(&mut o.properties, svc.desired_count());
                }
            }
        }
        Ok(())
    }

    async fn observed(&self, region: &str, t: &SdkTarget) -> Result<Observed, ProviderError> {
        let (ns, rid, dim) = (t.service_namespace().as_str(), t.resource_id(), t.scalable_dimension().as_str());
        let id = id_of(ns, rid, dim);
        let arn = t.scalable_target_arn().map(str::to_string);
        let tags = match &arn {
            Some(a) => common::tags_of(&self.clients, region, a).await?,
            None => BTreeMap::new(),
        };
        let properties = fields::observed(FIELDS, t);
        let attributes = props::build([("id", Some(s(&id))), ("arn", arn.map(s))]);
        Ok(Observed { id, properties, attributes, tags })
    }

    async fn one(&self, region: &str, key: &Key) -> Result<Option<Observed>, ProviderError> {
        Ok(self.describe(region, std::slice::from_ref(key)).await?.remove(key))
    }

    async fn register(
        &self,
        region: &str,
        key: &Key,
        p: &Props,
        tags: Option<&BTreeMap<String, String>>,
    ) -> Result<(), ProviderError> {
        let call = self
            .clients
            .autoscaling(region)
            .register_scalable_target()
            .service_namespace(ServiceNamespace::from(key.0.as_str()))
            .resource_id(&key.1)
            .scalable_dimension(ScalableDimension::from(key.2.as_str()));
        // The key names the target; the capacities are the stack's.
        let only_limits: Props =
            p.iter().filter(|(k, _)| k.ends_with("_capacity")).map(|(k, v)| (k.clone(), v.clone())).collect();
        fields::create(FIELDS, call, &only_limits)?
            .set_tags(tags.map(|t| t.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| provider("RegisterScalableTarget", e))?;
        Ok(())
    }

    async fn must(&self, region: &str, key: &Key) -> Result<Observed, ProviderError> {
        let id = id_of(&key.0, &key.1, &key.2);
        self.one(region, key).await?.ok_or_else(|| crate::kit::vanished("scalable target", &id))
    }
}

/// Schema ↔ AWS (`ScalableTarget` of DescribeScalableTargets;
/// RegisterScalableTarget, for the create and every change: the first
/// three name the target, the capacities change in place).
type Row = Field<SdkTarget, RegisterScalableTargetFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("service_namespace", "ServiceNamespace", |t| Some(s(t.service_namespace().as_str())))
        .create(|c, v| Ok(c.service_namespace(ServiceNamespace::from(to::text(v)?.as_str())))),
    Row::new("resource_id", "ResourceId", |t| Some(s(t.resource_id()))).create(|c, v| Ok(c.resource_id(to::text(v)?))),
    Row::new("scalable_dimension", "ScalableDimension", |t| Some(s(t.scalable_dimension().as_str())))
        .create(|c, v| Ok(c.scalable_dimension(ScalableDimension::from(to::text(v)?.as_str())))),
    Row::new("min_capacity", "MinCapacity", |t| Some(Value::Number(t.min_capacity() as f64)))
        .create(|c, v| Ok(c.min_capacity(to::int32(v)?))),
    Row::new("max_capacity", "MaxCapacity", |t| Some(Value::Number(t.max_capacity() as f64)))
        .create(|c, v| Ok(c.max_capacity(to::int32(v)?))),
];

#[async_trait]
impl Reconciler for ScalableTarget {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::applicationautoscaling::SCALABLE_TARGET
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let keys = ids.iter().map(|id| parse(id)).collect::<Result<Vec<_>, _>>()?;
        let found = self.describe(region, &keys).await?;
        Ok(keys.iter().map(|k| found.get(k).cloned()).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Ok(key) = key_of(&req.properties) else { return Ok(None) };
        Ok(self
            .one(&req.target.region, &key)
            .await?
            .filter(|o| !req.known_ids.contains(&o.id) && tags::ours(&o.tags, &req.target.stack, &req.target.address)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let key = key_of(&req.properties)?;
        if let Some(live) = self.one(region, &key).await? {
            if !tags::same_owner(&live.tags, &req.tags) {
                return Err(invalid(format!(
                    "{} is already registered as a scalable target, not by this stack for {}; import it or deregister it",
                    live.id, req.target.address
                )));
            }
            return Ok(live);
        }
        self.register(region, &key, &req.properties, Some(&req.tags)).await?;
        self.must(region, &key).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let key = parse(&req.id)?;
        let mut bounds = false;
        for field in &req.changed {
            match field.as_str() {
                "min_capacity" | "max_capacity" => bounds = true,
                "tags" => {
                    let arn = req.observed.attributes.get("arn").and_then(Value::as_str).unwrap_or_default();
                    common::sync_tags(&self.clients.autoscaling(region), arn, &req.observed.tags, &req.tags).await?;
                }
                other => return Err(crate::kit::not_in_place("a scalable target", other)),
            }
        }
        if bounds {
            self.register(region, &key, &req.desired, None).await?;
        }
        self.must(region, &key).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let key = parse(&req.id)?;
        // Look first: what "not registered" answers differs between AWS
        // (ObjectNotFoundException) and emulators.
        if self.one(region, &key).await?.is_none() {
            return Ok(());
        }
        let r = self
            .clients
            .autoscaling(region)
            .deregister_scalable_target()
            .service_namespace(ServiceNamespace::from(key.0.as_str()))
            .resource_id(&key.1)
            .scalable_dimension(ScalableDimension::from(key.2.as_str()))
            .send()
            .await;
        crate::kit::tolerate("DeregisterScalableTarget", r, common::NOT_FOUND)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_outside_the_bounds_widens_them() {
        let mut p: Props =
            [("min_capacity".to_string(), Value::Number(1.0)), ("max_capacity".to_string(), Value::Number(4.0))].into();
        widen(&mut p, 3);
        assert_eq!((p["min_capacity"].as_f64(), p["max_capacity"].as_f64()), (Some(1.0), Some(4.0)));
        widen(&mut p, 9);
        assert_eq!(p["max_capacity"].as_f64(), Some(9.0));
        widen(&mut p, 0);
        assert_eq!(p["min_capacity"].as_f64(), Some(0.0));
    }

    #[test]
    fn ids_round_trip() {
        let id = id_of("ecs", "service/web/wordpress", "ecs:service:DesiredCount");
        assert_eq!(id, "ecs/service/web/wordpress/ecs:service:DesiredCount");
        let (ns, rid, dim) = parse(&id).unwrap();
        assert_eq!(
            (ns.as_str(), rid.as_str(), dim.as_str()),
            ("ecs", "service/web/wordpress", "ecs:service:DesiredCount")
        );
        assert!(parse("ecs").is_err());
        assert!(parse("ecs/x").is_err());
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::applicationautoscaling::SCALABLE_TARGET, &[]);
    }
}
