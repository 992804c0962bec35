//! `aws.applicationautoscaling.scaling_policy`: a target tracking or step
//! scaling policy of a scalable target. The policy type and its
//! configuration change in place (PutScalingPolicy again, which AWS treats
//! as an update keeping the ARN); the name and the target's namespace,
//! resource id and dimension replace. Not taggable; no readiness.
//!
//! The id is the policy ARN, which names the namespace, resource id and
//! policy name (`...:resource/NAMESPACE/RESOURCE_ID:policyName/NAME`).
//! PutScalingPolicy is an upsert by name per target, so create is
//! idempotent by construction; as policies carry no tags, a policy of the
//! same name on the same target is taken over (the name is the contract).
//! `customized_metric` takes AWS's CustomizedMetricSpecification with one
//! metric (MetricName, Namespace, Dimensions, Statistic, Unit); metric
//! math (`Metrics`) and predictive scaling are refused with a clear error.
//!
//! Reads: DescribeScalingPolicies per namespace with up to 50 policy names
//! a call (paginated). The test bed keeps a policy's ARN across updates,
//! as AWS does (testbed/stackr_moto/applicationautoscaling.py).

use super::common::{self, invalid};
use crate::clients::Clients;
use crate::error::provider;
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_applicationautoscaling::operation::put_scaling_policy::builders::PutScalingPolicyFluentBuilder;
use aws_sdk_applicationautoscaling::types::{
    AdjustmentType, CustomizedMetricSpecification, MetricAggregationType, MetricDimension, MetricStatistic, MetricType,
    PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalingPolicy as SdkPolicy, ServiceNamespace,
    StepAdjustment, StepScalingPolicyConfiguration, TargetTrackingScalingPolicyConfiguration,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// DescribeScalingPolicies takes up to 50 policy names.
const BATCH: usize = 50;

pub struct ScalingPolicy {
    clients: Arc<Clients>,
}

/// (namespace, resource id, policy name) from a policy ARN.
fn parse(arn: &str) -> Result<(String, String, String), ProviderError> {
    let bad = || invalid(format!("{arn} is not a scaling policy ARN"));
    let (_, rest) = arn.split_once(":resource/").ok_or_else(bad)?;
    let (target, name) = rest.rsplit_once(":policyName/").ok_or_else(bad)?;
    let (ns, rid) = target.split_once('/').ok_or_else(bad)?;
    Ok((ns.to_string(), rid.to_string(), name.to_string()))
}

fn num(n: f64) -> Value {
    Value::Number(n)
}

fn float(p: &Props, k: &str) -> Option<f64> {
    p.get(k).and_then(Value::as_f64)
}

fn object(pairs: impl IntoIterator<Item = (&'static str, Option<Value>)>) -> Value {
    Value::Map(props::build(pairs))
}

fn customized(v: &Value) -> Result<CustomizedMetricSpecification, ProviderError> {
    let m =
        v.as_map().ok_or_else(|| invalid("`customized_metric` must be a map (AWS's CustomizedMetricSpecification)"))?;
    if m.contains_key("Metrics") {
        return Err(invalid("`customized_metric` with `Metrics` (metric math) is not supported; name one metric"));
    }
    let dims = m
        .get("Dimensions")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
        .map(|d| {
            MetricDimension::builder()
                .set_name(props::string(d, "Name"))
                .set_value(props::string(d, "Value"))
                .build()
                .map_err(|e| invalid(format!("customized_metric Dimensions: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CustomizedMetricSpecification::builder()
        .set_metric_name(props::string(m, "MetricName"))
        .set_namespace(props::string(m, "Namespace"))
        .set_dimensions((!dims.is_empty()).then_some(dims))
        .set_statistic(props::string(m, "Statistic").map(|x| MetricStatistic::from(x.as_str())))
        .set_unit(props::string(m, "Unit"))
        .build())
}

fn customized_value(c: &CustomizedMetricSpecification) -> Value {
    let dims: Vec<Value> =
        c.dimensions().iter().map(|d| object([("Name", Some(s(d.name()))), ("Value", Some(s(d.value())))])).collect();
    object([
        ("MetricName", c.metric_name().map(s)),
        ("Namespace", c.namespace().map(s)),
        ("Dimensions", (!dims.is_empty()).then_some(Value::List(dims))),
        ("Statistic", c.statistic().map(|x| s(x.as_str()))),
        ("Unit", c.unit().map(s)),
    ])
}

fn target_tracking(t: &Props) -> Result<TargetTrackingScalingPolicyConfiguration, ProviderError> {
    let predefined = match props::string(t, "predefined_metric_type") {
        None => None,
        Some(kind) => Some(
            PredefinedMetricSpecification::builder()
                .predefined_metric_type(MetricType::from(kind.as_str()))
                .set_resource_label(props::string(t, "resource_label"))
                .build()
                .map_err(|e| invalid(format!("target_tracking: {e}")))?,
        ),
    };
    let custom = match t.get("customized_metric") {
        None | Some(Value::Null) => None,
        Some(v) => Some(customized(v)?),
    };
    TargetTrackingScalingPolicyConfiguration::builder()
        .set_target_value(float(t, "target_value"))
        .set_predefined_metric_specification(predefined)
        .set_customized_metric_specification(custom)
        .set_scale_in_cooldown(crate::kit::int32(t, "scale_in_cooldown")?)
        .set_scale_out_cooldown(crate::kit::int32(t, "scale_out_cooldown")?)
        .set_disable_scale_in(props::boolean(t, "disable_scale_in"))
        .build()
        .map_err(|e| invalid(format!("target_tracking: {e}")))
}

fn step_scaling(st: &Props) -> Result<StepScalingPolicyConfiguration, ProviderError> {
    let steps = st
        .get("step_adjustments")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
        .map(|a| {
            StepAdjustment::builder()
                .set_metric_interval_lower_bound(float(a, "metric_interval_lower_bound"))
                .set_metric_interval_upper_bound(float(a, "metric_interval_upper_bound"))
                .set_scaling_adjustment(crate::kit::int32(a, "scaling_adjustment")?)
                .build()
                .map_err(|e| invalid(format!("step_adjustments: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StepScalingPolicyConfiguration::builder()
        .set_adjustment_type(props::string(st, "adjustment_type").map(|a| AdjustmentType::from(a.as_str())))
        .set_step_adjustments(Some(steps))
        .set_cooldown(crate::kit::int32(st, "cooldown")?)
        .set_metric_aggregation_type(
            props::string(st, "metric_aggregation_type").map(|a| MetricAggregationType::from(a.as_str())),
        )
        .set_min_adjustment_magnitude(crate::kit::int32(st, "min_adjustment_magnitude")?)
        .build())
}

/// Schema ↔ AWS (`ScalingPolicy` of DescribeScalingPolicies;
/// PutScalingPolicy, for the create and every change). Predictive scaling
/// is refused before the call, and never reported.
type Row = Field<SdkPolicy, PutScalingPolicyFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "PolicyName", |p| Some(s(p.policy_name()))).create(|c, v| Ok(c.policy_name(to::text(v)?))),
    Row::new("service_namespace", "ServiceNamespace", |p| Some(s(p.service_namespace().as_str())))
        .create(|c, v| Ok(c.service_namespace(ServiceNamespace::from(to::text(v)?.as_str())))),
    Row::new("resource_id", "ResourceId", |p| Some(s(p.resource_id()))).create(|c, v| Ok(c.resource_id(to::text(v)?))),
    Row::new("scalable_dimension", "ScalableDimension", |p| Some(s(p.scalable_dimension().as_str())))
        .create(|c, v| Ok(c.scalable_dimension(ScalableDimension::from(to::text(v)?.as_str())))),
    Row::new("policy_type", "PolicyType", |p| Some(s(p.policy_type().as_str())))
        .create(|c, v| Ok(c.policy_type(PolicyType::from(to::text(v)?.as_str())))),
    Row::new("target_tracking", "TargetTrackingScalingPolicyConfiguration", |p| {
        p.target_tracking_scaling_policy_configuration().map(target_tracking_value)
    })
    .create(|c, v| match v.as_map() {
        Some(t) => Ok(c.target_tracking_scaling_policy_configuration(target_tracking(t).map_err(|e| e.message)?)),
        None => Ok(c),
    }),
    Row::new("step_scaling", "StepScalingPolicyConfiguration", |p| {
        p.step_scaling_policy_configuration().map(step_scaling_value)
    })
    .create(|c, v| match v.as_map() {
        Some(st) => Ok(c.step_scaling_policy_configuration(step_scaling(st).map_err(|e| e.message)?)),
        None => Ok(c),
    }),
    Row::new("predictive_scaling", "PredictiveScalingPolicyConfiguration", |_| None),
];

fn target_tracking_value(t: &TargetTrackingScalingPolicyConfiguration) -> Value {
    let pre = t.predefined_metric_specification();
    object([
        ("target_value", Some(num(t.target_value()))),
        ("predefined_metric_type", pre.map(|m| s(m.predefined_metric_type().as_str()))),
        ("resource_label", pre.and_then(|m| m.resource_label()).map(s)),
        ("customized_metric", t.customized_metric_specification().map(customized_value)),
        ("scale_in_cooldown", t.scale_in_cooldown().map(|n| num(n as f64))),
        ("scale_out_cooldown", t.scale_out_cooldown().map(|n| num(n as f64))),
        ("disable_scale_in", t.disable_scale_in().map(Value::Bool)),
    ])
}

fn step_scaling_value(c: &StepScalingPolicyConfiguration) -> Value {
    let steps: Vec<Value> = c
        .step_adjustments()
        .iter()
        .map(|a| {
            object([
                ("metric_interval_lower_bound", a.metric_interval_lower_bound().map(num)),
                ("metric_interval_upper_bound", a.metric_interval_upper_bound().map(num)),
                ("scaling_adjustment", Some(num(a.scaling_adjustment() as f64))),
            ])
        })
        .collect();
    object([
        ("adjustment_type", c.adjustment_type().map(|a| s(a.as_str()))),
        ("step_adjustments", Some(Value::List(steps))),
        ("cooldown", c.cooldown().map(|n| num(n as f64))),
        ("metric_aggregation_type", c.metric_aggregation_type().map(|a| s(a.as_str()))),
        ("min_adjustment_magnitude", c.min_adjustment_magnitude().map(|n| num(n as f64))),
    ])
}

fn observed(p: &SdkPolicy) -> Observed {
    let arn = p.policy_arn().to_string();
    let properties = fields::observed(FIELDS, p);
    let alarms = props::list(p.alarms().iter().map(|a| a.alarm_arn().to_string()));
    let attributes = props::build([("id", Some(s(&arn))), ("arn", Some(s(&arn))), ("alarm_arns", Some(alarms))]);
    Observed { id: arn, properties, attributes, tags: BTreeMap::new() }
}

impl ScalingPolicy {
    pub fn new(clients: Arc<Clients>) -> Self {
        ScalingPolicy { clients }
    }

    /// Policies by ARN, among those named `names` in namespace `ns`.
    async fn describe(
        &self,
        region: &str,
        ns: &str,
        names: &[String],
        resource_id: Option<&str>,
    ) -> Result<HashMap<String, Observed>, ProviderError> {
        let client = self.clients.autoscaling(region);
        let mut out = HashMap::new();
        for chunk in names.chunks(BATCH) {
            let mut pages = client
                .describe_scaling_policies()
                .service_namespace(ServiceNamespace::from(ns))
                .set_policy_names(Some(chunk.to_vec()))
                .set_resource_id(resource_id.map(str::to_string))
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| provider("DescribeScalingPolicies", e))?;
                for p in page.scaling_policies() {
                    if chunk.iter().any(|n| n == p.policy_name()) {
                        out.insert(p.policy_arn().to_string(), observed(p));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The policy of that name on that target, if any.
    async fn by_name(&self, region: &str, p: &Props) -> Result<Option<Observed>, ProviderError> {
        let (ns, rid, dim, name) = (
            props::require(p, "service_namespace")?,
            props::require(p, "resource_id")?,
            props::require(p, "scalable_dimension")?,
            props::require(p, "name")?,
        );
        let found = self.describe(region, &ns, std::slice::from_ref(&name), Some(&rid)).await?;
        Ok(found.into_values().find(|o| {
            props::string(&o.properties, "resource_id").as_deref() == Some(rid.as_str())
                && props::string(&o.properties, "scalable_dimension").as_deref() == Some(dim.as_str())
        }))
    }

    async fn put(&self, region: &str, p: &Props) -> Result<String, ProviderError> {
        let kind = props::require(p, "policy_type")?;
        if kind == "PredictiveScaling" || p.get("predictive_scaling").is_some_and(|v| !matches!(v, Value::Null)) {
            return Err(invalid(
                "predictive scaling policies are not supported yet; use target tracking or step scaling",
            ));
        }
        let call = fields::create(FIELDS, self.clients.autoscaling(region).put_scaling_policy(), p)?;
        match kind.as_str() {
            "TargetTrackingScaling" if call.get_target_tracking_scaling_policy_configuration().is_none() => {
                return Err(invalid("a TargetTrackingScaling policy needs `target_tracking`"));
            }
            "StepScaling" if call.get_step_scaling_policy_configuration().is_none() => {
                return Err(invalid("a StepScaling policy needs `step_scaling`"));
            }
            _ => {}
        }
        for required in ["name", "service_namespace", "resource_id", "scalable_dimension"] {
            props::require(p, required)?;
        }
        let out = call.send().await.map_err(|e| provider("PutScalingPolicy", e))?;
        Ok(out.policy_arn().to_string())
    }

    async fn must(&self, region: &str, arn: &str) -> Result<Observed, ProviderError> {
        let (ns, rid, name) = parse(arn)?;
        self.describe(region, &ns, &[name], Some(&rid))
            .await?
            .remove(arn)
            .ok_or_else(|| crate::kit::vanished("scaling policy", arn))
    }
}

#[async_trait]
impl Reconciler for ScalingPolicy {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::applicationautoscaling::SCALING_POLICY
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut by_ns: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in ids {
            let (ns, _, name) = parse(id)?;
            by_ns.entry(ns).or_default().push(name);
        }
        let mut found = HashMap::new();
        for (ns, mut names) in by_ns {
            names.sort();
            names.dedup();
            found.extend(self.describe(region, &ns, &names, None).await?);
        }
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        if req.properties.is_empty() {
            return Ok(None);
        }
        Ok(self.by_name(&req.target.region, &req.properties).await?.filter(|o| !req.known_ids.contains(&o.id)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let arn = self.put(region, &req.properties).await?;
        self.must(region, &arn).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        for field in &req.changed {
            if !matches!(field.as_str(), "policy_type" | "target_tracking" | "step_scaling" | "predictive_scaling") {
                return Err(crate::kit::not_in_place("a scaling policy", field));
            }
        }
        // The key fields never change in place: take them from what is live.
        let mut p = req.desired.clone();
        for k in ["name", "service_namespace", "resource_id", "scalable_dimension"] {
            if let Some(v) = req.observed.properties.get(k) {
                p.insert(k.into(), v.clone());
            }
        }
        let arn = self.put(region, &p).await?;
        self.must(region, &arn).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let (ns, rid, name) = parse(&req.id)?;
        // Look first: emulators answer a missing policy differently from AWS.
        let Some(live) = self.describe(region, &ns, std::slice::from_ref(&name), Some(&rid)).await?.remove(&req.id)
        else {
            return Ok(());
        };
        let dim = props::string(&live.properties, "scalable_dimension").unwrap_or_default();
        let r = self
            .clients
            .autoscaling(region)
            .delete_scaling_policy()
            .policy_name(&name)
            .service_namespace(ServiceNamespace::from(ns.as_str()))
            .resource_id(&rid)
            .scalable_dimension(ScalableDimension::from(dim.as_str()))
            .send()
            .await;
        crate::kit::tolerate("DeleteScalingPolicy", r, common::NOT_FOUND)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::applicationautoscaling::SCALING_POLICY, &[]);
    }

    #[test]
    fn policy_arn_parts() {
        let arn = "arn:aws:autoscaling:ap-northeast-1:123456789012:scalingPolicy:6d8972f3-efc8-437c-92d1-6270f29a66e7:\
                   resource/ecs/service/web/wordpress:policyName/cpu";
        let (ns, rid, name) = parse(arn).unwrap();
        assert_eq!((ns.as_str(), rid.as_str(), name.as_str()), ("ecs", "service/web/wordpress", "cpu"));
        assert!(parse("arn:aws:autoscaling:x").is_err());
    }

    #[test]
    fn customized_metric_round_trip() {
        let v = Value::from_json(&serde_json::json!({
            "MetricName": "RequestCount",
            "Namespace": "AWS/ApplicationELB",
            "Dimensions": [{ "Name": "LoadBalancer", "Value": "app/x/1" }],
            "Statistic": "Sum",
        }));
        assert_eq!(customized_value(&customized(&v).unwrap()), v);
        let math = Value::from_json(&serde_json::json!({ "Metrics": [] }));
        assert!(customized(&math).is_err());
    }
}
