//! What the ECS reconcilers share: tags (TagResource / UntagResource on an
//! ARN), capacity provider strategies in both directions, the pieces of an
//! ECS ARN, small builders for nested property values, and the
//! DescribeServices read that the service and its scalable target share
//! during a refresh ([`describe_services`]).

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::props;
use crate::readcache::ReadKey;
use aws_sdk_ecs::types::{CapacityProviderStrategyItem, Tag};
use aws_sdk_ecs::types::{Service, ServiceField};
use stackr_core::value::Value;
use stackr_engine::reconciler::{Props, ProviderError};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The error ECS gives for a cluster that does not exist.
pub const CLUSTER_NOT_FOUND: &[&str] = &["ClusterNotFoundException"];

pub use crate::kit::invalid;

/// How many services one DescribeServices call takes.
const SERVICES_PER_CALL: usize = 10;

/// The services among `names` (names or ARNs) of `cluster`, in any status,
/// as DescribeServices returns them, tags included (10 a call); none for a
/// missing cluster. During a refresh the same read (same cluster and
/// services) is made once for every type that makes it
/// ([`crate::readcache`]).
pub async fn describe_services(
    clients: &Clients,
    region: &str,
    cluster: &str,
    names: &[String],
) -> Result<Arc<Vec<Service>>, ProviderError> {
    // A service ARN ends with the service's name; with the cluster given,
    // the two name the same service.
    let mut names: Vec<String> = names.iter().map(|n| n.rsplit('/').next().unwrap_or(n).to_string()).collect();
    names.sort();
    names.dedup();
    let key = ReadKey::new("ECS", "DescribeServices", region, format!("{cluster} {}", names.join(",")));
    let client = clients.ecs(region);
    clients
        .reads
        .read(key, || async {
            let mut out = Vec::new();
            for chunk in names.chunks(SERVICES_PER_CALL) {
                let res = client
                    .describe_services()
                    .cluster(cluster)
                    .set_services(Some(chunk.to_vec()))
                    .include(ServiceField::Tags)
                    .send()
                    .await;
                match res {
                    Ok(r) => out.extend(r.services.unwrap_or_default()),
                    Err(e) if is(&e, CLUSTER_NOT_FOUND) => return Ok(Arc::new(Vec::new())),
                    Err(e) => return Err(provider("DescribeServices", e)),
                }
            }
            Ok(Arc::new(out))
        })
        .await
}

/// ECS tags for a request.
pub fn ecs_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// Tags as AWS reports them, without AWS's own.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    props::tag_map(tags.iter().filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default()))))
}

/// The service's tagging calls, for [`crate::kit::sync_tags`].
#[async_trait::async_trait]
impl crate::kit::TagApi for aws_sdk_ecs::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        self.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(ecs_tags(&tags)))
            .send()
            .await
            .map_err(|e| provider("TagResource", e))?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        self.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(|e| provider("UntagResource", e))?;
        Ok(())
    }
}

pub use crate::kit::sync_tags;

/// A capacity provider strategy from its property value (a list of
/// `{capacity_provider, weight, base}`).
pub fn strategy(v: Option<&Value>) -> Result<Option<Vec<CapacityProviderStrategyItem>>, ProviderError> {
    let Some(Value::List(items)) = v else { return Ok(None) };
    items
        .iter()
        .map(|item| {
            let m = item.as_map().ok_or_else(|| invalid("a capacity provider strategy item must be a map"))?;
            CapacityProviderStrategyItem::builder()
                .set_capacity_provider(props::string(m, "capacity_provider"))
                .weight(crate::kit::num::to_i32("weight", props::int(m, "weight").unwrap_or(0))?)
                .base(crate::kit::num::to_i32("base", props::int(m, "base").unwrap_or(0))?)
                .build()
                .map_err(|e| invalid(format!("capacity provider strategy: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A capacity provider strategy as the property reports it.
pub fn strategy_value(items: &[CapacityProviderStrategyItem]) -> Value {
    Value::List(
        items
            .iter()
            .map(|i| {
                object([
                    ("capacity_provider", Some(props::s(i.capacity_provider()))),
                    ("weight", Some(num(i.weight()))),
                    ("base", Some(num(i.base()))),
                ])
            })
            .collect(),
    )
}

/// A map value from pairs, dropping `None`s.
pub fn object(pairs: impl IntoIterator<Item = (&'static str, Option<Value>)>) -> Value {
    Value::Map(props::build(pairs))
}

pub fn num(n: i32) -> Value {
    Value::Number(n as f64)
}

/// A list of strings, or `None` when empty.
pub fn strings(v: &[String]) -> Option<Value> {
    (!v.is_empty()).then(|| props::list(v.iter().cloned()))
}

/// The map at `k`, if any.
pub fn map<'a>(p: &'a Props, k: &str) -> Option<&'a Props> {
    p.get(k).and_then(Value::as_map)
}

/// The maps of the list at `k`.
pub fn maps<'a>(p: &'a Props, k: &str) -> Vec<&'a Props> {
    p.get(k).and_then(Value::as_list).map(|l| l.iter().filter_map(Value::as_map).collect()).unwrap_or_default()
}

/// The strings of a string-to-string map at `k`, in key order.
pub fn string_map(p: &Props, k: &str) -> Vec<(String, String)> {
    map(p, k)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.to_interpolated()?))).collect())
        .unwrap_or_default()
}

/// A string-to-string map value, or `None` when empty.
pub fn string_map_value(pairs: impl IntoIterator<Item = (String, String)>) -> Option<Value> {
    let m: BTreeMap<String, Value> = pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    (!m.is_empty()).then_some(Value::Map(m))
}

/// The parts of an ECS ARN after the resource type:
/// `arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME` gives `["CLUSTER", "NAME"]`.
pub fn arn_path(arn: &str) -> Vec<&str> {
    arn.splitn(6, ':').nth(5).map(|r| r.split('/').skip(1).collect()).unwrap_or_default()
}
