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
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_cloudwatch::types::{AlarmType, ComparisonOperator, MetricAlarm as SdkAlarm, StandardUnit, Statistic, Tag};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// DescribeAlarms takes up to 100 names.
const BATCH: usize = 100;
const NOT_FOUND: &[&str] = &["ResourceNotFound", "ResourceNotFoundException"];

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
        let list = |v: &[String]| Some(props::list(v.iter().cloned()));
        let properties = props::build([
            ("alarm_name", Some(s(&name))),
            ("alarm_description", a.alarm_description().map(s)),
            ("namespace", a.namespace().map(s)),
            ("metric_name", a.metric_name().map(s)),
            ("dimensions", a.metric_name().map(|_| metrics::dimensions_value(a.dimensions()))),
            ("statistic", a.statistic().map(|x| s(x.as_str()))),
            ("extended_statistic", a.extended_statistic().map(s)),
            ("unit", a.unit().map(|u| s(u.as_str()))),
            ("period", a.period().map(num)),
            ("evaluation_periods", a.evaluation_periods().map(num)),
            ("datapoints_to_alarm", a.datapoints_to_alarm().map(num)),
            ("threshold", a.threshold().map(Value::Number)),
            ("threshold_metric_id", a.threshold_metric_id().map(s)),
            ("comparison_operator", a.comparison_operator().map(|c| s(c.as_str()))),
            ("treat_missing_data", a.treat_missing_data().map(s)),
            ("evaluate_low_sample_count_percentile", a.evaluate_low_sample_count_percentile().map(s)),
            ("metrics", (!a.metrics().is_empty()).then(|| metrics::queries_value(a.metrics()))),
            ("actions_enabled", a.actions_enabled().map(Value::Bool)),
            ("alarm_actions", list(a.alarm_actions())),
            ("ok_actions", list(a.ok_actions())),
            ("insufficient_data_actions", list(a.insufficient_data_actions())),
        ]);
        let attributes = props::build([("id", Some(s(&name))), ("arn", Some(s(&arn)))]);
        Ok(Observed { id: name, properties, attributes, tags })
    }

    async fn one(&self, region: &str, name: &str) -> Result<Option<Observed>, ProviderError> {
        Ok(self.describe(region, &[name.to_string()]).await?.remove(name))
    }

    /// PutMetricAlarm with everything `p` sets (tags only on a first write).
    async fn put(&self, region: &str, p: &Props, tags: Option<&BTreeMap<String, String>>) -> Result<(), ProviderError> {
        let opt_list = |k: &str| p.contains_key(k).then(|| props::strings(p, k));
        let queries = match p.get("metrics") {
            None | Some(Value::Null) => None,
            Some(v) => Some(metrics::queries(v)?),
        };
        self.clients
            .cloudwatch(region)
            .put_metric_alarm()
            .alarm_name(props::require(p, "alarm_name")?)
            .set_alarm_description(props::string(p, "alarm_description"))
            .set_namespace(props::string(p, "namespace"))
            .set_metric_name(props::string(p, "metric_name"))
            .set_dimensions(metrics::dimensions(p.get("dimensions").and_then(Value::as_map)))
            .set_statistic(props::string(p, "statistic").map(|x| Statistic::from(x.as_str())))
            .set_extended_statistic(props::string(p, "extended_statistic"))
            .set_unit(props::string(p, "unit").map(|u| StandardUnit::from(u.as_str())))
            .set_period(crate::kit::int32(p, "period")?)
            .set_evaluation_periods(crate::kit::int32(p, "evaluation_periods")?)
            .set_datapoints_to_alarm(crate::kit::int32(p, "datapoints_to_alarm")?)
            .set_threshold(p.get("threshold").and_then(Value::as_f64))
            .set_threshold_metric_id(props::string(p, "threshold_metric_id"))
            .set_comparison_operator(
                props::string(p, "comparison_operator").map(|c| ComparisonOperator::from(c.as_str())),
            )
            .set_treat_missing_data(props::string(p, "treat_missing_data"))
            .set_evaluate_low_sample_count_percentile(props::string(p, "evaluate_low_sample_count_percentile"))
            .set_metrics(queries)
            .set_actions_enabled(props::boolean(p, "actions_enabled"))
            .set_alarm_actions(opt_list("alarm_actions"))
            .set_ok_actions(opt_list("ok_actions"))
            .set_insufficient_data_actions(opt_list("insufficient_data_actions"))
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
