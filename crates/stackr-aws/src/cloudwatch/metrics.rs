//! An alarm's `metrics` (AWS's MetricDataQuery list, written in AWS's own
//! PascalCase shape) to the SDK's types and back, and dimensions.

use crate::kit::invalid;
use crate::props::{self, s};
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, StandardUnit};
use stackr_core::value::Value;
use stackr_engine::reconciler::{Props, ProviderError};

fn object(pairs: impl IntoIterator<Item = (&'static str, Option<Value>)>) -> Value {
    Value::Map(props::build(pairs))
}

/// Dimensions from a name-to-value map.
pub fn dimensions(m: Option<&Props>) -> Option<Vec<Dimension>> {
    m.map(|m| {
        m.iter().filter_map(|(k, v)| Some(Dimension::builder().name(k).value(v.to_interpolated()?).build())).collect()
    })
}

/// Dimensions as a name-to-value map.
pub fn dimensions_value(d: &[Dimension]) -> Value {
    Value::Map(d.iter().filter_map(|d| Some((d.name()?.to_string(), s(d.value().unwrap_or_default())))).collect())
}

fn dimension_list(d: &[Dimension]) -> Option<Value> {
    (!d.is_empty()).then(|| {
        Value::List(d.iter().map(|d| object([("Name", d.name().map(s)), ("Value", d.value().map(s))])).collect())
    })
}

fn dimension_items(v: Option<&Value>) -> Option<Vec<Dimension>> {
    v.and_then(Value::as_list).map(|l| {
        l.iter()
            .filter_map(Value::as_map)
            .map(|d| {
                Dimension::builder().set_name(props::string(d, "Name")).set_value(props::string(d, "Value")).build()
            })
            .collect()
    })
}

/// The queries of `metrics`.
pub fn queries(v: &Value) -> Result<Vec<MetricDataQuery>, ProviderError> {
    let list = v.as_list().ok_or_else(|| invalid("`metrics` must be a list of MetricDataQuery maps"))?;
    list.iter()
        .map(|q| {
            let q = q.as_map().ok_or_else(|| invalid("each item of `metrics` must be a map"))?;
            let stat = q.get("MetricStat").and_then(Value::as_map).map(|ms| -> Result<MetricStat, ProviderError> {
                let metric = ms.get("Metric").and_then(Value::as_map).map(|m| {
                    Metric::builder()
                        .set_namespace(props::string(m, "Namespace"))
                        .set_metric_name(props::string(m, "MetricName"))
                        .set_dimensions(dimension_items(m.get("Dimensions")))
                        .build()
                });
                Ok(MetricStat::builder()
                    .set_metric(metric)
                    .set_period(crate::kit::int32(ms, "Period")?)
                    .set_stat(props::string(ms, "Stat"))
                    .set_unit(props::string(ms, "Unit").map(|u| StandardUnit::from(u.as_str())))
                    .build())
            });
            let stat = stat.transpose()?;
            Ok(MetricDataQuery::builder()
                .set_id(props::string(q, "Id"))
                .set_metric_stat(stat)
                .set_expression(props::string(q, "Expression"))
                .set_label(props::string(q, "Label"))
                .set_return_data(props::boolean(q, "ReturnData"))
                .set_period(crate::kit::int32(q, "Period")?)
                .set_account_id(props::string(q, "AccountId"))
                .build())
        })
        .collect()
}

/// `metrics` as the property reports it.
pub fn queries_value(qs: &[MetricDataQuery]) -> Value {
    let n = |v: i32| Value::Number(v as f64);
    Value::List(
        qs.iter()
            .map(|q| {
                let stat = q.metric_stat().map(|ms| {
                    let metric = ms.metric().map(|m| {
                        object([
                            ("Namespace", m.namespace().map(s)),
                            ("MetricName", m.metric_name().map(s)),
                            ("Dimensions", dimension_list(m.dimensions())),
                        ])
                    });
                    object([
                        ("Metric", metric),
                        ("Period", ms.period().map(n)),
                        ("Stat", ms.stat().map(s)),
                        ("Unit", ms.unit().map(|u| s(u.as_str()))),
                    ])
                });
                object([
                    ("Id", q.id().map(s)),
                    ("MetricStat", stat),
                    ("Expression", q.expression().map(s)),
                    ("Label", q.label().map(s)),
                    ("ReturnData", q.return_data().map(Value::Bool)),
                    ("Period", q.period().map(n)),
                    ("AccountId", q.account_id().map(s)),
                ])
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_round_trip() {
        let v = Value::from_json(&serde_json::json!([
            { "Id": "e1", "Expression": "m1 * 100", "ReturnData": true },
            { "Id": "m1", "ReturnData": false, "MetricStat": {
                "Metric": { "Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
                            "Dimensions": [{ "Name": "ClusterName", "Value": "web" }] },
                "Period": 60, "Stat": "Average" } },
        ]));
        assert_eq!(queries_value(&queries(&v).unwrap()), v);
        assert!(queries(&s("nope")).is_err());
    }
}
