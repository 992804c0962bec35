//! `aws.elbv2.target_group`: a target group (ip targets for Fargate
//! tasks, or instance, lambda, alb).
//!
//! In place: `health_check` (ModifyTargetGroup, sending the fields the
//! stack sets; the others keep their values and are not compared),
//! `attributes` (ModifyTargetGroupAttributes, only the attributes the stack
//! names) and tags. Everything else replaces.
//!
//! The id is the ARN. CreateTargetGroup is idempotent by name in AWS;
//! stackr looks the name up first anyway: a group of that name carrying
//! this stack's and address's tags is adopted (a retried create) and
//! brought to the stack's values, anyone else's is an error naming it.
//!
//! Reads: DescribeTargetGroups and DescribeTags with up to 20 ARNs per call;
//! DescribeTargetGroupAttributes per group (no batch form). Delete retries
//! `ResourceInUse` (a listener still forwarding to the group) as the engine
//! retries every retryable error. Because AWS refuses to delete a group a
//! listener still uses, a group that forwards traffic is replaced with
//! `lifecycle: { create_before_destroy: true }` (and a `name` that changes
//! with it), so the listener moves to the new group before the old goes.

use super::common::{
    NOT_FOUND, arn_suffix, attribute_map, changed_attributes, covers, in_batches, sdk_tags, sync_tags, tags_of,
};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, invalid, not_in_place, tolerate, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetGroupAttribute, TargetGroupIpAddressTypeEnum, TargetTypeEnum,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub struct TargetGroup {
    clients: Arc<Clients>,
}

type Tg = aws_sdk_elasticloadbalancingv2::types::TargetGroup;
use aws_sdk_elasticloadbalancingv2::operation::create_target_group::builders::CreateTargetGroupFluentBuilder;

/// The health check the stack sets, as ModifyTargetGroup / CreateTargetGroup
/// parameters.
struct HealthCheck {
    enabled: Option<bool>,
    path: Option<String>,
    port: Option<String>,
    protocol: Option<ProtocolEnum>,
    matcher: Option<Matcher>,
    interval: Option<i32>,
    timeout: Option<i32>,
    healthy: Option<i32>,
    unhealthy: Option<i32>,
}

impl HealthCheck {
    /// From the `health_check` value (none: every setting AWS's).
    fn from(v: Option<&Value>) -> Result<Self, ProviderError> {
        let empty = Props::new();
        let h = match v {
            Some(Value::Map(m)) => m,
            _ => &empty,
        };
        let int = |k: &str| {
            props::int(h, k)
                .map(|n| i32::try_from(n).map_err(|_| invalid(format!("health_check.{k} is out of range: {n}"))))
                .transpose()
        };
        Ok(HealthCheck {
            enabled: props::boolean(h, "enabled"),
            path: props::string(h, "path"),
            port: props::string(h, "port"),
            protocol: props::string(h, "protocol").map(|v| ProtocolEnum::from(v.as_str())),
            matcher: props::string(h, "matcher").map(|m| Matcher::builder().http_code(m).build()),
            interval: int("interval_seconds")?,
            timeout: int("timeout_seconds")?,
            healthy: int("healthy_threshold")?,
            unhealthy: int("unhealthy_threshold")?,
        })
    }
}

/// One target group as read: its description and its attributes.
struct Seen {
    g: Tg,
    attributes: Value,
}

/// Schema ↔ AWS (`TargetGroup` of DescribeTargetGroups, the attributes of
/// DescribeTargetGroupAttributes; CreateTargetGroup). The attributes are
/// set by ModifyTargetGroupAttributes after the create.
type Row = Field<Seen, CreateTargetGroupFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "Name", |x| x.g.target_group_name().map(s)).create(|c, v| Ok(c.name(to::text(v)?))),
    Row::new("port", "Port", |x| num(x.g.port())).create(|c, v| Ok(c.port(to::int32(v)?))),
    Row::new("protocol", "Protocol", |x| x.g.protocol().map(|p| s(p.as_str())))
        .create(|c, v| Ok(c.protocol(ProtocolEnum::from(to::text(v)?.as_str())))),
    Row::new("protocol_version", "ProtocolVersion", |x| x.g.protocol_version().map(s))
        .create(|c, v| Ok(c.protocol_version(to::text(v)?))),
    Row::new("vpc_id", "VpcId", |x| x.g.vpc_id().map(s)).create(|c, v| Ok(c.vpc_id(to::text(v)?))),
    Row::new("target_type", "TargetType", |x| x.g.target_type().map(|t| s(t.as_str())))
        .create(|c, v| Ok(c.target_type(TargetTypeEnum::from(to::text(v)?.as_str())))),
    Row::new("ip_address_type", "IpAddressType", |x| x.g.ip_address_type().map(|t| s(t.as_str())))
        .create(|c, v| Ok(c.ip_address_type(TargetGroupIpAddressTypeEnum::from(to::text(v)?.as_str())))),
    Row::new("health_check", "HealthCheck*, Matcher", |x| Some(health_check(&x.g))).create(|c, v| {
        let h = HealthCheck::from(Some(v)).map_err(|e| e.message)?;
        Ok(c.set_health_check_enabled(h.enabled)
            .set_health_check_path(h.path)
            .set_health_check_port(h.port)
            .set_health_check_protocol(h.protocol)
            .set_matcher(h.matcher)
            .set_health_check_interval_seconds(h.interval)
            .set_health_check_timeout_seconds(h.timeout)
            .set_healthy_threshold_count(h.healthy)
            .set_unhealthy_threshold_count(h.unhealthy))
    }),
    Row::new("attributes", "Attributes", |x| Some(x.attributes.clone())),
];

fn num(n: Option<i32>) -> Option<Value> {
    n.map(|n| Value::Number(f64::from(n)))
}

fn health_check(g: &Tg) -> Value {
    Value::Map(props::build([
        ("enabled", g.health_check_enabled().map(Value::Bool)),
        ("path", g.health_check_path().map(s)),
        ("port", g.health_check_port().map(s)),
        ("protocol", g.health_check_protocol().map(|p| s(p.as_str()))),
        ("matcher", g.matcher().and_then(|m| m.http_code().or(m.grpc_code())).map(s)),
        ("interval_seconds", num(g.health_check_interval_seconds())),
        ("timeout_seconds", num(g.health_check_timeout_seconds())),
        ("healthy_threshold", num(g.healthy_threshold_count())),
        ("unhealthy_threshold", num(g.unhealthy_threshold_count())),
    ]))
}

impl TargetGroup {
    pub fn new(clients: Arc<Clients>) -> Self {
        TargetGroup { clients }
    }

    fn client(&self, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        self.clients.elbv2(region)
    }

    async fn raw(&self, region: &str, arns: &[String]) -> Result<Vec<Tg>, ProviderError> {
        let client = &self.client(region);
        in_batches(arns, |chunk| async move {
            match client.describe_target_groups().set_target_group_arns(Some(chunk)).send().await {
                Ok(r) => Ok(Some(r.target_groups.unwrap_or_default())),
                Err(e) if is(&e, NOT_FOUND) => Ok(None),
                Err(e) => Err(provider("DescribeTargetGroups", e)),
            }
        })
        .await
    }

    async fn by_name(&self, region: &str, name: &str) -> Result<Vec<Tg>, ProviderError> {
        match self.client(region).describe_target_groups().names(name).send().await {
            Ok(r) => Ok(r.target_groups.unwrap_or_default()),
            Err(e) if is(&e, NOT_FOUND) => Ok(Vec::new()),
            Err(e) => Err(provider("DescribeTargetGroups", e)),
        }
    }

    async fn complete(&self, region: &str, groups: Vec<Tg>) -> Result<Vec<Observed>, ProviderError> {
        let client = self.client(region);
        let arns: Vec<String> = groups.iter().filter_map(|g| g.target_group_arn().map(str::to_string)).collect();
        let mut tags = tags_of(&self.clients, region, &arns).await?;
        let mut out = Vec::new();
        for g in groups {
            let Some(arn) = g.target_group_arn().map(str::to_string) else { continue };
            let attrs = match client.describe_target_group_attributes().target_group_arn(&arn).send().await {
                Ok(r) => r.attributes.unwrap_or_default(),
                Err(e) if is(&e, NOT_FOUND) => continue,
                Err(e) => return Err(provider("DescribeTargetGroupAttributes", e)),
            };
            let attributes = attribute_map(attrs.into_iter().map(|a| (a.key, a.value)));
            let properties = fields::observed(FIELDS, &Seen { g, attributes });
            let attributes = props::build([
                ("id", Some(s(&arn))),
                ("arn", Some(s(&arn))),
                ("arn_suffix", arn_suffix(&arn, "targetgroup").map(s)),
            ]);
            let tags = tags.remove(&arn).unwrap_or_default();
            out.push(Observed { id: arn, properties, attributes, tags });
        }
        Ok(out)
    }

    async fn must_observe(&self, region: &str, arn: &str) -> Result<Observed, ProviderError> {
        let groups = self.raw(region, &[arn.to_string()]).await?;
        self.complete(region, groups).await?.pop().ok_or_else(|| vanished("target group", arn))
    }

    /// Brings the in-place properties the stack sets to their values;
    /// calls nothing when they already have them.
    async fn converge(
        &self,
        region: &str,
        live: &Observed,
        desired: &Props,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let client = self.client(region);
        let arn = &live.id;
        if let Some(want) = desired.get("health_check")
            && !matches!(want, Value::Null)
            && !covers(live.properties.get("health_check"), want)
        {
            let h = HealthCheck::from(desired.get("health_check"))?;
            client
                .modify_target_group()
                .target_group_arn(arn)
                .set_health_check_enabled(h.enabled)
                .set_health_check_path(h.path)
                .set_health_check_port(h.port)
                .set_health_check_protocol(h.protocol)
                .set_matcher(h.matcher)
                .set_health_check_interval_seconds(h.interval)
                .set_health_check_timeout_seconds(h.timeout)
                .set_healthy_threshold_count(h.healthy)
                .set_unhealthy_threshold_count(h.unhealthy)
                .send()
                .await
                .map_err(|e| provider("ModifyTargetGroup", e))?;
        }
        let changed = changed_attributes(live.properties.get("attributes"), desired.get("attributes"));
        if !changed.is_empty() {
            let attrs = changed.into_iter().map(|(k, v)| TargetGroupAttribute::builder().key(k).value(v).build());
            client
                .modify_target_group_attributes()
                .target_group_arn(arn)
                .set_attributes(Some(attrs.collect()))
                .send()
                .await
                .map_err(|e| provider("ModifyTargetGroupAttributes", e))?;
        }
        sync_tags(&client, arn, &live.tags, tags).await
    }
}

#[async_trait]
impl Reconciler for TargetGroup {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::elbv2::TARGET_GROUP
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut unique: Vec<String> = ids.to_vec();
        unique.sort();
        unique.dedup();
        let groups = self.raw(region, &unique).await?;
        let found: HashMap<String, Observed> =
            self.complete(region, groups).await?.into_iter().map(|o| (o.id.clone(), o)).collect();
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let groups = self.by_name(&req.target.region, &name).await?;
        Ok(self
            .complete(&req.target.region, groups)
            .await?
            .into_iter()
            .find(|o| crate::kit::is_ours(&o.tags, &req.target) && !req.known_ids.contains(&o.id)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let name = props::require(p, "name")?;
        let existing = self.complete(region, self.by_name(region, &name).await?).await?;
        let arn = match existing.into_iter().next() {
            Some(o) => crate::kit::adopt_existing("a target group", &name, o, req)?.id,
            None => {
                let call = self.client(region).create_target_group();
                let out = fields::create(FIELDS, call, p)?
                    .set_tags(Some(sdk_tags(&req.tags)))
                    .send()
                    .await
                    .map_err(|e| provider("CreateTargetGroup", e))?;
                out.target_groups
                    .unwrap_or_default()
                    .into_iter()
                    .find_map(|g| g.target_group_arn)
                    .ok_or_else(|| vanished("target group", &name))?
            }
        };
        let live = self.must_observe(region, &arn).await?;
        self.converge(region, &live, p, &req.tags).await?;
        self.must_observe(region, &arn).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        for field in &req.changed {
            if !matches!(field.as_str(), "health_check" | "attributes" | "tags") {
                return Err(not_in_place("a target group", field));
            }
        }
        self.converge(&req.target.region, &req.observed, &req.desired, &req.tags).await?;
        self.must_observe(&req.target.region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.client(&req.target.region).delete_target_group().target_group_arn(&req.id).send().await;
        tolerate("DeleteTargetGroup", r, NOT_FOUND)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::elbv2::TARGET_GROUP, &[]);
    }
}
