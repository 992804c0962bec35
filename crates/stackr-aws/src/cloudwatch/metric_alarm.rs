//! `aws.cloudwatch.metric_alarm`: an alarm on one metric or on metric math
//! (`metrics`), whose actions can run scaling policies or notify SNS
//! topics. Everything but the name changes in place: PutMetricAlarm
//! replaces the whole configuration, so an update sends all the stack
//! sets; tags change with TagResource / UntagResource. The name replaces.
//! No readiness.
//!
//! The id is the alarm name (unique per account and region). PutMetricAlarm
//! of an existing name overwrites it, so create looks first: an alarm
//! carrying this address's stackr tags is adopted, anyone else's is an
//! error naming it.
//!
//! Reads: DescribeAlarms with up to 100 alarm names a call (paginated),
//! plus ListTagsForResource per alarm.

use super::metrics;
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_cloudwatch::operation::put_metric_alarm::builders::PutMetricAlarmFluentBuilder;
use aws_sdk_cloudwatch::types::{AlarmType, ComparisonOperator, MetricAlarm as SdkAlarm, StandardUnit, Statistic, Tag};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// DescribeAlarms takes up to 100 names.
const BATCH: usize = 100;
const NOT_FOUND: &[&str] = &["ResourceNotFound", "ResourceNotFoundException"];

/// Schema ↔ AWS (`MetricAlarm` of DescribeAlarms; PutMetricAlarm, which
/// makes the alarm and replaces its whole configuration on every change).
type Row = Field<SdkAlarm, PutMetricAlarmFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("alarm_name", "AlarmName", |a| a.alarm_name().map(s)).create(|c, v| Ok(c.alarm_name(to::text(v)?))),
    Row::new("alarm_description", "AlarmDescription", |a| a.alarm_description().map(s))
        .create(|c, v| Ok(c.alarm_description(to::text(v)?))),
    Row::new("namespace", "Namespace", |a| a.namespace().map(s)).create(|c, v| Ok(c.namespace(to::text(v)?))),
    Row::new("metric_name", "MetricName", |a| a.metric_name().map(s)).create(|c, v| Ok(c.metric_name(to::text(v)?))),
    Row::new("dimensions", "Dimensions", |a| a.metric_name().map(|_| metrics::dimensions_value(a.dimensions())))
        .create(|c, v| Ok(c.set_dimensions(metrics::dimensions(v.as_map())))),
    Row::new("statistic", "Statistic", |a| a.statistic().map(|x| s(x.as_str())))
        .create(|c, v| Ok(c.statistic(Statistic::from(to::text(v)?.as_str())))),
    Row::new("extended_statistic", "ExtendedStatistic", |a| a.extended_statistic().map(s))
        .create(|c, v| Ok(c.extended_statistic(to::text(v)?))),
    Row::new("unit", "Unit", |a| a.unit().map(|u| s(u.as_str())))
        .create(|c, v| Ok(c.unit(StandardUnit::from(to::text(v)?.as_str())))),
    Row::new("period", "Period", |a| a.period().map(num)).create(|c, v| Ok(c.period(to::int32(v)?))),
    Row::new("evaluation_periods", "EvaluationPeriods", |a| a.evaluation_periods().map(num))
        .create(|c, v| Ok(c.evaluation_periods(to::int32(v)?))),
    Row::new("datapoints_to_alarm", "DatapointsToAlarm", |a| a.datapoints_to_alarm().map(num))
        .create(|c, v| Ok(c.datapoints_to_alarm(to::int32(v)?))),
    Row::new("threshold", "Threshold", |a| a.threshold().map(Value::Number))
        .create(|c, v| Ok(c.threshold(to::number(v)?))),
    Row::new("threshold_metric_id", "ThresholdMetricId", |a| a.threshold_metric_id().map(s))
        .create(|c, v| Ok(c.threshold_metric_id(to::text(v)?))),
    Row::new("comparison_operator", "ComparisonOperator", |a| a.comparison_operator().map(|x| s(x.as_str())))
        .create(|c, v| Ok(c.comparison_operator(ComparisonOperator::from(to::text(v)?.as_str())))),
    Row::new("treat_missing_data", "TreatMissingData", |a| a.treat_missing_data().map(s))
        .create(|c, v| Ok(c.treat_missing_data(to::text(v)?))),
    Row::new("evaluate_low_sample_count_percentile", "EvaluateLowSampleCountPercentile", |a| {
        a.evaluate_low_sample_count_percentile().map(s)
    })
    .create(|c, v| Ok(c.evaluate_low_sample_count_percentile(to::text(v)?))),
    Row::new("metrics", "Metrics", |a| (!a.metrics().is_empty()).then(|| metrics::queries_value(a.metrics())))
        .create(|c, v| Ok(c.set_metrics(Some(metrics::queries(v).map_err(|e| e.message)?)))),
    Row::new("actions_enabled", "ActionsEnabled", |a| a.actions_enabled().map(Value::Bool))
        .create(|c, v| Ok(c.actions_enabled(to::boolean(v)?))),
    Row::new("alarm_actions", "AlarmActions", |a| Some(props::list(a.alarm_actions().iter().cloned())))
        .create(|c, v| Ok(c.set_alarm_actions(Some(to::texts(v)?)))),
    Row::new("ok_actions", "OKActions", |a| Some(props::list(a.ok_actions().iter().cloned())))
        .create(|c, v| Ok(c.set_ok_actions(Some(to::texts(v)?)))),
    Row::new("insufficient_data_actions", "InsufficientDataActions", |a| {
        Some(props::list(a.insufficient_data_actions().iter().cloned()))
    })
    .create(|c, v| Ok(c.set_insufficient_data_actions(Some(to::texts(v)?)))),
];

pub struct MetricAlarm {
    clients: Arc<Clients>,
}

fn cw_tags(t: &BTreeMap<String, String>) -> Vec<Tag> {
    t.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

fn num(n: i32) -> Value {
    Value::Number(n as f64)
}

impl MetricAlarm {
    pub fn new(clients: Arc<Clients>) -> Self {
        MetricAlarm { clients }
    }

    /// The alarms among `names` that exist, by name, with their tags.
    async fn describe(&self, region: &str, names: &[String]) -> Result<HashMap<String, Observed>, ProviderError> {
        let client = self.clients.cloudwatch(region);
        let mut out = HashMap::new();
        for chunk in names.chunks(BATCH) {
            let mut pages = client
                .describe_alarms()
                .set_alarm_names(Some(chunk.to_vec()))
                .alarm_types(AlarmType::MetricAlarm)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| provider("DescribeAlarms", e))?;
                for a in page.metric_alarms() {
                    if let Some(name) = a.alarm_name()
                        && chunk.iter().any(|n| n == name)
                    {
                        let o = self.observed(region, a).await?;
                        out.insert(name.to_string(), o);
                    }
                }
            }
        }
        Ok(out)
    }

    async fn observed(&self, region: &str, a: &SdkAlarm) -> Result<Observed, ProviderError> {
        let name = a.alarm_name().unwrap_or_default().to_string();
        let arn = a.alarm_arn().unwrap_or_default().to_string();
        let tags = match crate::bulktags::refreshed(&self.clients, region, &arn).await {
            Some(tags) => tags,
            None => props::tag_map(
                self.clients
                    .cloudwatch(region)
                    .list_tags_for_resource()
                    .resource_arn(&arn)
                    .send()
                    .await
                    .map_err(|e| provider("ListTagsForResource", e))?
                    .tags
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|t| Some((t.key?, t.value.unwrap_or_default()))),
            ),
        };
        let properties = fields::observed(FIELDS, a);
        let attributes = props::build([("id", Some(s(&name))), ("arn", Some(s(&arn)))]);
        Ok(Observed { id: name, properties, attributes, tags })
    }

    async fn one(&self, region: &str, name: &str) -> Result<Option<Observed>, ProviderError> {
        Ok(self.describe(region, &[name.to_string()]).await?.remove(name))
    }

    /// PutMetricAlarm with everything `p` sets (tags only on a first write).
    async fn put(&self, region: &str, p: &Props, tags: Option<&BTreeMap<String, String>>) -> Result<(), ProviderError> {
        props::require(p, "alarm_name")?;
        fields::create(FIELDS, self.clients.cloudwatch(region).put_metric_alarm(), p)?
            .set_tags(tags.map(cw_tags))
            .send()
            .await
            .map_err(|e| provider("PutMetricAlarm", e))?;
        Ok(())
    }

    async fn must(&self, region: &str, name: &str) -> Result<Observed, ProviderError> {
        self.one(region, name).await?.ok_or_else(|| crate::kit::vanished("alarm", name))
    }
}

#[async_trait]
impl Reconciler for MetricAlarm {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::cloudwatch::METRIC_ALARM
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut unique: Vec<String> = ids.to_vec();
        unique.sort();
        unique.dedup();
        let found = self.describe(region, &unique).await?;
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "alarm_name") else { return Ok(None) };
        Ok(self
            .one(&req.target.region, &name)
            .await?
            .filter(|o| !req.known_ids.contains(&o.id) && tags::ours(&o.tags, &req.target.stack, &req.target.address)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let name = props::require(&req.properties, "alarm_name")?;
        if let Some(live) = self.one(region, &name).await? {
            return crate::kit::adopt_existing("an alarm", &name, live, req);
        }
        self.put(region, &req.properties, Some(&req.tags)).await?;
        self.must(region, &name).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let client = self.clients.cloudwatch(region);
        let mut put = false;
        for field in &req.changed {
            match field.as_str() {
                "alarm_name" => return Err(crate::kit::not_in_place("an alarm", field)),
                "tags" => {
                    let arn = req.observed.attributes.get("arn").and_then(Value::as_str).unwrap_or_default();
                    let d = tags::diff(&req.observed.tags, &req.tags);
                    if !d.remove.is_empty() {
                        client
                            .untag_resource()
                            .resource_arn(arn)
                            .set_tag_keys(Some(d.remove))
                            .send()
                            .await
                            .map_err(|e| provider("UntagResource", e))?;
                    }
                    if !d.set.is_empty() {
                        client
                            .tag_resource()
                            .resource_arn(arn)
                            .set_tags(Some(cw_tags(&d.set)))
                            .send()
                            .await
                            .map_err(|e| provider("TagResource", e))?;
                    }
                }
                _ => put = true,
            }
        }
        if put {
            let mut p = req.desired.clone();
            p.insert("alarm_name".into(), s(&req.id));
            self.put(region, &p, None).await?;
        }
        self.must(region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        match self.clients.cloudwatch(&req.target.region).delete_alarms().alarm_names(&req.id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NOT_FOUND) => Ok(()),
            Err(e) => Err(provider("DeleteAlarms", e)),
        }
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::cloudwatch::METRIC_ALARM, &[]);
    }
}
