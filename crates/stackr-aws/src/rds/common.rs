//! What the RDS reconcilers share: tags (RDS tags by ARN with
//! AddTagsToResource / RemoveTagsFromResource, and returns them in every
//! Describe* answer as `TagList`), the records of write-only settings kept
//! in tags, identifier checks, and batched reads by identifier (clusters:
//! [`clusters`], shared by the cluster and instance types during a refresh).
//!
//! RDS keeps no record of some settings a stack gives: `apply_immediately`
//! (a per-call flag), and a cluster's final snapshot policy (a delete-time
//! setting). So that they compare like any property, they are recorded in
//! tags of the resource (`stackr:apply-immediately`, ...), which observe
//! turns back into properties and leaves out of the reported tags. The
//! properties state recorded stay the authority for what they mean (delete
//! reads the policy from them).

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::props;
use crate::readcache::ReadKey;
use aws_sdk_rds::types::{DbCluster, Filter, Tag};
use stackr_core::value::Value;
use stackr_engine::reconciler::{ErrorKind, Props, ProviderError};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many identifiers one Describe* filter carries.
pub const FILTER_VALUES: usize = 100;

/// A Describe* filter (`db-cluster-id`, `db-instance-id`).
pub fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder().name(name).set_values(Some(values.to_vec())).build()
}

/// The distinct identifiers among `ids`, in chunks one filter can carry.
pub fn chunks(ids: &[String]) -> Vec<Vec<String>> {
    let mut unique: Vec<String> = ids.to_vec();
    unique.sort();
    unique.dedup();
    unique.chunks(FILTER_VALUES).map(<[String]>::to_vec).collect()
}

/// The clusters with these identifiers, in any status (one paginated
/// DescribeDBClusters per 100). During a refresh the same read (same
/// identifiers) is made once for every type that makes it: the clusters,
/// and the instances for their clusters' writers ([`crate::readcache`]).
pub async fn clusters(clients: &Clients, region: &str, ids: &[String]) -> Result<Arc<Vec<DbCluster>>, ProviderError> {
    let chunks = chunks(ids);
    let key = ReadKey::new("RDS", "DescribeDBClusters", region, chunks.concat().join(","));
    let client = clients.rds(region);
    clients
        .reads
        .read(key, || async {
            let mut out = Vec::new();
            for chunk in &chunks {
                let mut pages =
                    client.describe_db_clusters().filters(filter("db-cluster-id", chunk)).into_paginator().send();
                while let Some(page) = pages.next().await {
                    let page = match page {
                        Ok(p) => p,
                        Err(e) if is(&e, &["DBClusterNotFoundFault"]) => break,
                        Err(e) => return Err(provider("DescribeDBClusters", e)),
                    };
                    out.extend(page.db_clusters.unwrap_or_default());
                }
            }
            Ok(Arc::new(out))
        })
        .await
}

pub fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// Tags as AWS reports them, without AWS's own (`aws:*`).
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    props::tag_map(tags.iter().filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default()))))
}

/// A write-only property recorded in a tag.
#[derive(Debug, Clone, Copy)]
pub struct Record {
    pub property: &'static str,
    pub tag: &'static str,
    pub bool: bool,
}

/// The record tags of the properties of `p` that `records` names.
pub fn record_tags(records: &[Record], p: &Props) -> BTreeMap<String, String> {
    records
        .iter()
        .filter_map(|r| {
            let value = if r.bool {
                props::boolean(p, r.property).map(|b| b.to_string())
            } else {
                props::string(p, r.property)
            };
            Some((r.tag.to_string(), value?))
        })
        .collect()
}

/// Splits live tags into the reported tags and the recorded properties.
pub fn split_records(records: &[Record], mut tags: BTreeMap<String, String>) -> (BTreeMap<String, String>, Props) {
    let mut out = Props::new();
    for r in records {
        if let Some(v) = tags.remove(r.tag) {
            let value = if r.bool {
                match v.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => continue,
                }
            } else {
                Value::String(v)
            };
            out.insert(r.property.to_string(), value);
        }
    }
    (tags, out)
}

/// The service's tagging calls, for [`crate::kit::sync_tags`].
#[async_trait::async_trait]
impl crate::kit::TagApi for aws_sdk_rds::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        self.add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(sdk_tags(&tags)))
            .send()
            .await
            .map_err(|e| provider("AddTagsToResource", e))?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        self.remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(|e| provider("RemoveTagsFromResource", e))?;
        Ok(())
    }
}

pub use crate::kit::sync_tags;

/// RDS stores identifiers in lower case: one written otherwise would never
/// compare equal to what AWS reports, so it is refused up front.
pub fn lower_case(field: &str, value: &str) -> Result<(), ProviderError> {
    if value.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(ProviderError::new(
            ErrorKind::Invalid,
            format!("`{field}` must be lower case (RDS stores it in lower case): {value}"),
        ));
    }
    Ok(())
}

/// A number value.
pub fn num(n: impl Into<f64>) -> Value {
    Value::Number(n.into())
}

/// A list of strings, sorted (set-valued fields).
pub fn sorted(mut v: Vec<String>) -> Value {
    v.sort();
    v.dedup();
    props::list(v)
}

/// An `i32` property, or an `Invalid` error naming it when out of range.
pub fn int32(p: &Props, k: &str) -> Result<Option<i32>, ProviderError> {
    match props::int(p, k) {
        None => Ok(None),
        Some(n) => i32::try_from(n)
            .map(Some)
            .map_err(|_| ProviderError::new(ErrorKind::Invalid, format!("`{k}` is out of range: {n}"))),
    }
}

/// One look of a [`wait`]: done, or still waiting with the status seen.
pub enum Step<T> {
    Done(T),
    Pending(String),
}

/// Polls `f` until it is done, pausing 1 s doubling to 10 s, for at most
/// `timeout`; the timeout error names `what` and the last status seen.
pub async fn wait<T, F, Fut>(what: &str, timeout: Duration, mut f: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Step<T>, ProviderError>>,
{
    let deadline = stackr_engine::clock::deadline(timeout);
    let mut pause = Duration::from_secs(1);
    loop {
        let last = match f().await? {
            Step::Done(v) => return Ok(v),
            Step::Pending(status) => status,
        };
        if Instant::now() >= deadline {
            return Err(ProviderError::new(
                ErrorKind::Other,
                format!("timed out after {}s waiting for {what}; last status `{last}`", timeout.as_secs()),
            ));
        }
        stackr_engine::clock::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORDS: &[Record] = &[
        Record { property: "apply_immediately", tag: "stackr:apply-immediately", bool: true },
        Record { property: "final_snapshot_identifier", tag: "stackr:final-snapshot-identifier", bool: false },
    ];

    #[test]
    fn records_round_trip_through_tags() {
        let mut p = Props::new();
        p.insert("apply_immediately".into(), Value::Bool(false));
        p.insert("final_snapshot_identifier".into(), Value::String("last".into()));
        p.insert("engine".into(), Value::String("aurora-mysql".into()));
        let mut tags = record_tags(RECORDS, &p);
        assert_eq!(tags.len(), 2);
        tags.insert("team".into(), "data".into());
        let (left, got) = split_records(RECORDS, tags);
        assert_eq!(left.keys().collect::<Vec<_>>(), vec!["team"]);
        assert_eq!(got.get("apply_immediately"), Some(&Value::Bool(false)));
        assert_eq!(got.get("final_snapshot_identifier"), Some(&Value::String("last".into())));
    }

    #[tokio::test]
    async fn a_timed_out_wait_names_what_and_the_last_status() {
        let err = wait("DB cluster db to be deleted", Duration::ZERO, || async {
            Ok::<Step<()>, ProviderError>(Step::Pending("deleting".into()))
        })
        .await
        .unwrap_err();
        assert!(err.message.contains("DB cluster db to be deleted"), "{}", err.message);
        assert!(err.message.contains("last status `deleting`"), "{}", err.message);
    }

    #[test]
    fn identifiers_must_be_lower_case() {
        assert!(lower_case("name", "wordpress-db").is_ok());
        assert!(lower_case("name", "WordPress").is_err());
    }

    #[test]
    fn ids_are_chunked_without_duplicates() {
        let ids: Vec<String> = (0..250).map(|i| format!("id-{}", i % 240)).collect();
        let c = chunks(&ids);
        assert_eq!(c.iter().map(Vec::len).sum::<usize>(), 240);
        assert!(c.iter().all(|c| c.len() <= FILTER_VALUES));
    }
}
