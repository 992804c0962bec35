//! `aws.dynamodb.table`: a table with its indexes, TTL, point-in-time
//! recovery, streams and tags.
//!
//! The id is the table's name (unique per account and region: a create's
//! ResourceInUseException with our tags is adopted). Reads per table:
//! DescribeTable, DescribeTimeToLive, DescribeContinuousBackups,
//! ListTagsOfResource. AWS takes one kind of change per UpdateTable (one
//! index created or deleted, throughput, streams...) and refuses the next
//! while the table or an index is not ACTIVE
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html>):
//! an update makes one change at a time, from what is live, waiting
//! (bounded) for ACTIVE in between, and answers "not yet" past that bound
//! so that the engine's retry carries on where it stopped.

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{self, Field, int32, invalid, not_in_place};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, DeleteGlobalSecondaryIndexAction,
    GlobalSecondaryIndex, GlobalSecondaryIndexUpdate, IndexStatus, KeySchemaElement, KeyType,
    PointInTimeRecoverySpecification, Projection, ProvisionedThroughput, ProvisionedThroughputDescription,
    StreamSpecification, TableClass, TableDescription, TableStatus, TimeToLiveDescription, TimeToLiveSpecification,
    TimeToLiveStatus, UpdateGlobalSecondaryIndexAction,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// `ResourceNotFound` is the local AWS's spelling for some reads.
const NOT_FOUND: &[&str] = &["ResourceNotFoundException", "ResourceNotFound"];

fn built<T>(r: Result<T, aws_smithy_types::error::operation::BuildError>) -> Result<T, ProviderError> {
    r.map_err(|e| invalid(format!("DynamoDB table: {e}")))
}

/// One global secondary index, as the stack and AWS both give it.
#[derive(Debug, Clone, PartialEq)]
struct Gsi {
    name: String,
    hash: String,
    range: Option<String>,
    projection: String,
    non_key: Vec<String>,
    read: Option<i64>,
    write: Option<i64>,
}

impl Gsi {
    fn from_value(v: &Value) -> Option<Gsi> {
        let Value::Map(m) = v else { return None };
        Some(Gsi {
            name: props::string(m, "name")?,
            hash: props::string(m, "hash_key")?,
            range: props::string(m, "range_key"),
            projection: props::string(m, "projection_type").unwrap_or_else(|| "ALL".into()),
            non_key: props::strings(m, "non_key_attributes"),
            read: props::int(m, "read_capacity"),
            write: props::int(m, "write_capacity"),
        })
    }

    fn to_value(&self) -> Value {
        Value::Map(props::build([
            ("name", Some(s(&self.name))),
            ("hash_key", Some(s(&self.hash))),
            ("range_key", self.range.clone().map(s)),
            ("projection_type", Some(s(&self.projection))),
            ("non_key_attributes", (!self.non_key.is_empty()).then(|| props::list(self.non_key.clone()))),
            ("read_capacity", self.read.map(kit::num)),
            ("write_capacity", self.write.map(kit::num)),
        ]))
    }

    /// Everything but the throughput, which UpdateTable changes in place.
    fn same_shape(&self, o: &Gsi) -> bool {
        (&self.hash, &self.range, &self.projection, &self.non_key) == (&o.hash, &o.range, &o.projection, &o.non_key)
    }

    fn throughput(&self) -> Result<Option<ProvisionedThroughput>, ProviderError> {
        match (self.read, self.write) {
            (Some(r), Some(w)) => Ok(Some(built(
                ProvisionedThroughput::builder().read_capacity_units(r).write_capacity_units(w).build(),
            )?)),
            _ => Ok(None),
        }
    }

    fn create(&self) -> Result<CreateGlobalSecondaryIndexAction, ProviderError> {
        built(
            CreateGlobalSecondaryIndexAction::builder()
                .index_name(&self.name)
                .set_key_schema(Some(keys(&self.hash, self.range.as_deref())?))
                .projection(self.projection())
                .set_provisioned_throughput(self.throughput()?)
                .build(),
        )
    }

    fn projection(&self) -> Projection {
        Projection::builder()
            .projection_type(self.projection.as_str().into())
            .set_non_key_attributes((!self.non_key.is_empty()).then(|| self.non_key.clone()))
            .build()
    }
}

fn keys(hash: &str, range: Option<&str>) -> Result<Vec<KeySchemaElement>, ProviderError> {
    let mut out = vec![key(hash, KeyType::Hash)?];
    if let Some(r) = range {
        out.push(key(r, KeyType::Range)?);
    }
    Ok(out)
}

fn key(attribute: &str, t: KeyType) -> Result<KeySchemaElement, ProviderError> {
    built(KeySchemaElement::builder().attribute_name(attribute).key_type(t).build())
}

fn key_of(ks: &[KeySchemaElement], t: KeyType) -> Option<String> {
    ks.iter().find(|k| k.key_type == t).map(|k| k.attribute_name.clone())
}

fn wanted_gsis(p: &Props) -> Vec<Gsi> {
    p.get("global_secondary_indexes").map(gsis_of).unwrap_or_default()
}

/// The indexes of a `global_secondary_indexes` value (none: not a list).
fn gsis_of(v: &Value) -> Vec<Gsi> {
    match v {
        Value::List(l) => l.iter().filter_map(Gsi::from_value).collect(),
        _ => Vec::new(),
    }
}

/// The indexes of a `global_secondary_indexes` value as CreateTable takes
/// them.
fn create_gsis(v: &Value) -> Result<Vec<GlobalSecondaryIndex>, ProviderError> {
    let mut out = Vec::new();
    for g in gsis_of(v) {
        let gsi = GlobalSecondaryIndex::builder()
            .index_name(&g.name)
            .set_key_schema(Some(keys(&g.hash, g.range.as_deref())?))
            .projection(g.projection())
            .set_provisioned_throughput(g.throughput()?);
        out.push(built(gsi.build())?);
    }
    Ok(out)
}

fn live_gsis(t: &TableDescription) -> Vec<Gsi> {
    let provisioned = billing(t) == "PROVISIONED";
    let mut out: Vec<Gsi> = t
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            let tp = g.provisioned_throughput.as_ref().filter(|_| provisioned);
            Gsi {
                name: g.index_name.clone().unwrap_or_default(),
                hash: key_of(g.key_schema(), KeyType::Hash).unwrap_or_default(),
                range: key_of(g.key_schema(), KeyType::Range),
                projection: g
                    .projection
                    .as_ref()
                    .and_then(|p| p.projection_type.as_ref())
                    .map_or("ALL".into(), |p| p.as_str().to_string()),
                non_key: g.projection.as_ref().map(|p| p.non_key_attributes().to_vec()).unwrap_or_default(),
                read: tp.and_then(|t| t.read_capacity_units),
                write: tp.and_then(|t| t.write_capacity_units),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn billing(t: &TableDescription) -> String {
    t.billing_mode_summary
        .as_ref()
        .and_then(|b| b.billing_mode.as_ref())
        .map_or("PROVISIONED".into(), |b| b.as_str().to_string())
}

fn attribute_definitions(p: &Props) -> Result<Vec<AttributeDefinition>, ProviderError> {
    p.get("attributes").map_or(Ok(Vec::new()), definitions)
}

/// The definitions of an `attributes` value (none: not a list).
fn definitions(v: &Value) -> Result<Vec<AttributeDefinition>, ProviderError> {
    let Value::List(l) = v else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for a in l {
        let Value::Map(m) = a else { continue };
        let (Some(n), Some(t)) = (props::string(m, "name"), props::string(m, "type")) else { continue };
        out.push(built(AttributeDefinition::builder().attribute_name(n).attribute_type(t.as_str().into()).build())?);
    }
    Ok(out)
}

/// CreateTable's default of a property left out of the stack.
fn reset(field: &str) -> Option<Value> {
    match field {
        "stream_enabled" | "point_in_time_recovery" | "deletion_protection_enabled" => Some(Value::Bool(false)),
        "ttl" => Some(Value::Map([("enabled".to_string(), Value::Bool(false))].into())),
        "table_class" => Some(Value::String("STANDARD".into())),
        _ => None,
    }
}

fn table_throughput(p: &Props) -> Result<Option<ProvisionedThroughput>, ProviderError> {
    match (int32(p, "read_capacity")?, int32(p, "write_capacity")?) {
        (Some(r), Some(w)) => Ok(Some(built(
            ProvisionedThroughput::builder().read_capacity_units(r.into()).write_capacity_units(w.into()).build(),
        )?)),
        _ => Ok(None),
    }
}

fn stream(p: &Props) -> Result<Option<StreamSpecification>, ProviderError> {
    match props::boolean(p, "stream_enabled") {
        None => Ok(None),
        Some(on) => Ok(Some(built(
            StreamSpecification::builder()
                .stream_enabled(on)
                .set_stream_view_type(props::string(p, "stream_view_type").filter(|_| on).map(|v| v.as_str().into()))
                .build(),
        )?)),
    }
}

/// What CreateTable and UpdateTable refuse in a table's shape, told before
/// any call
/// (<https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html>):
/// every key is a defined attribute and every defined attribute a key
/// (of the table or an index); provisioned capacity is given with
/// PROVISIONED (AWS's default) and only then; a stream has a view type;
/// only INCLUDE projections list non-key attributes.
fn check_shape(p: &Props) -> Result<(), ProviderError> {
    let defined: Vec<String> = match p.get("attributes") {
        Some(Value::List(l)) => l.iter().filter_map(|a| a.as_map().and_then(|m| props::string(m, "name"))).collect(),
        _ => Vec::new(),
    };
    let gsis = wanted_gsis(p);
    let mut keys: Vec<(String, String)> = Vec::new();
    for k in ["hash_key", "range_key"] {
        keys.extend(props::string(p, k).map(|a| (k.to_string(), a)));
    }
    for g in &gsis {
        keys.push((format!("global_secondary_indexes {}", g.name), g.hash.clone()));
        keys.extend(g.range.clone().map(|r| (format!("global_secondary_indexes {}", g.name), r)));
    }
    if let Some((at, a)) = keys.iter().find(|(_, a)| !defined.contains(a)) {
        return Err(invalid(format!(
            "`{at}` names {a}, which is not in `attributes`: add {{ name: {a}, type: S|N|B }}"
        )));
    }
    if let Some(a) = defined.iter().find(|a| !keys.iter().any(|(_, k)| k == *a)) {
        return Err(invalid(format!(
            "`attributes` defines {a}, which no key of the table or of an index uses; DynamoDB takes key attributes \
             only (other attributes need no definition)"
        )));
    }
    let provisioned = props::string(p, "billing_mode").is_none_or(|b| b == "PROVISIONED");
    let table_capacity = [props::int(p, "read_capacity"), props::int(p, "write_capacity")];
    let index_capacity = gsis.iter().map(|g| (g.name.as_str(), [g.read, g.write]));
    for (at, [read, write]) in std::iter::once(("the table", table_capacity)).chain(index_capacity) {
        match (provisioned, read.is_some() && write.is_some(), read.is_some() || write.is_some()) {
            (true, false, _) => {
                return Err(invalid(format!(
                    "{at} needs `read_capacity` and `write_capacity` with billing_mode PROVISIONED (AWS's default); \
                     or set `billing_mode: PAY_PER_REQUEST`"
                )));
            }
            (false, _, true) => {
                return Err(invalid(format!("{at} sets a capacity, which billing_mode PAY_PER_REQUEST does not take")));
            }
            _ => {}
        }
    }
    let on = props::boolean(p, "stream_enabled") == Some(true);
    match (on, props::string(p, "stream_view_type")) {
        (true, None) => return Err(invalid("`stream_enabled: true` needs `stream_view_type`")),
        (false, Some(_)) => return Err(invalid("`stream_view_type` needs `stream_enabled: true`")),
        _ => {}
    }
    if let Some(Value::Map(ttl)) = p.get("ttl")
        && props::boolean(ttl, "enabled") == Some(true)
        && props::string(ttl, "attribute_name").is_none()
    {
        return Err(invalid(
            "`ttl.enabled: true` needs `ttl.attribute_name`, the attribute holding each item's expiry",
        ));
    }
    if let Some(g) = gsis.iter().find(|g| (g.projection == "INCLUDE") == g.non_key.is_empty()) {
        return Err(invalid(format!(
            "index {}: `non_key_attributes` goes with `projection_type: INCLUDE`, and INCLUDE needs them",
            g.name
        )));
    }
    Ok(())
}

/// Whether the table and every index take changes.
fn active(t: &TableDescription) -> Result<(), String> {
    match &t.table_status {
        Some(TableStatus::Active) => {}
        other => return Err(other.as_ref().map_or("unknown".into(), |s| s.as_str().to_string())),
    }
    match t.global_secondary_indexes().iter().find(|g| g.index_status != Some(IndexStatus::Active)) {
        Some(g) => Err(format!(
            "index {} {}",
            g.index_name.as_deref().unwrap_or("?"),
            g.index_status.as_ref().map_or("unknown", |s| s.as_str())
        )),
        None => Ok(()),
    }
}

/// One table as read: its description (DescribeTable), its TTL
/// (DescribeTimeToLive) and whether point-in-time recovery is on
/// (DescribeContinuousBackups).
struct Seen {
    name: String,
    t: TableDescription,
    ttl: Option<TimeToLiveDescription>,
    pitr: bool,
}

/// Whether the table's stream is on.
fn stream_on(t: &TableDescription) -> bool {
    t.stream_specification.as_ref().is_some_and(|s| s.stream_enabled)
}

/// The provisioned throughput, reported under PROVISIONED only.
fn provisioned(t: &TableDescription) -> Option<&ProvisionedThroughputDescription> {
    t.provisioned_throughput.as_ref().filter(|_| billing(t) == "PROVISIONED")
}

/// Schema ↔ AWS (`TableDescription` of DescribeTable, with
/// DescribeTimeToLive and DescribeContinuousBackups; CreateTable). The
/// capacities are one `ProvisionedThroughput` and the stream settings one
/// `StreamSpecification` of CreateTable, each written from both
/// properties by the create (`table_throughput`, `stream`); TTL and
/// point-in-time recovery are UpdateTimeToLive and UpdateContinuousBackups
/// after the create.
type Row = Field<Seen, CreateTableFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "TableName", |x| Some(s(&x.name))).create(|c, v| Ok(c.table_name(to::text(v)?))),
    Row::new("hash_key", "KeySchema (HASH)", |x| key_of(x.t.key_schema(), KeyType::Hash).map(s))
        .create(|c, v| Ok(c.key_schema(key(&to::text(v)?, KeyType::Hash).map_err(|e| e.message)?))),
    Row::new("range_key", "KeySchema (RANGE)", |x| key_of(x.t.key_schema(), KeyType::Range).map(s))
        .create(|c, v| Ok(c.key_schema(key(&to::text(v)?, KeyType::Range).map_err(|e| e.message)?))),
    Row::new("attributes", "AttributeDefinitions", |x| {
        let mut attrs: Vec<(String, String)> =
            x.t.attribute_definitions()
                .iter()
                .map(|a| (a.attribute_name.clone(), a.attribute_type.as_str().to_string()))
                .collect();
        attrs.sort();
        Some(Value::List(
            attrs
                .into_iter()
                .map(|(n, t)| Value::Map(props::build([("name", Some(s(n))), ("type", Some(s(t)))])))
                .collect(),
        ))
    })
    .create(|c, v| Ok(c.set_attribute_definitions(Some(definitions(v).map_err(|e| e.message)?)))),
    Row::new("billing_mode", "BillingMode", |x| Some(s(billing(&x.t))))
        .create(|c, v| Ok(c.billing_mode(BillingMode::from(to::text(v)?.as_str())))),
    Row::new("read_capacity", "ProvisionedThroughput.ReadCapacityUnits", |x| {
        provisioned(&x.t).and_then(|t| t.read_capacity_units).map(kit::num)
    }),
    Row::new("write_capacity", "ProvisionedThroughput.WriteCapacityUnits", |x| {
        provisioned(&x.t).and_then(|t| t.write_capacity_units).map(kit::num)
    }),
    Row::new("global_secondary_indexes", "GlobalSecondaryIndexes", |x| {
        Some(Value::List(live_gsis(&x.t).iter().map(Gsi::to_value).collect()))
    })
    .create(|c, v| {
        let gsis = create_gsis(v).map_err(|e| e.message)?;
        Ok(c.set_global_secondary_indexes((!gsis.is_empty()).then_some(gsis)))
    }),
    Row::new("ttl", "TimeToLiveDescription", |x| {
        let ttl_on = x
            .ttl
            .as_ref()
            .and_then(|t| t.time_to_live_status.as_ref())
            .is_some_and(|s| matches!(s, TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling));
        Some(Value::Map(props::build([
            ("attribute_name", x.ttl.as_ref().and_then(|t| t.attribute_name.clone()).filter(|_| ttl_on).map(s)),
            ("enabled", Some(Value::Bool(ttl_on))),
        ])))
    }),
    Row::new("point_in_time_recovery", "PointInTimeRecoveryStatus", |x| Some(Value::Bool(x.pitr))),
    Row::new("stream_enabled", "StreamSpecification.StreamEnabled", |x| Some(Value::Bool(stream_on(&x.t)))),
    Row::new("stream_view_type", "StreamSpecification.StreamViewType", |x| {
        x.t.stream_specification
            .as_ref()
            .and_then(|s| s.stream_view_type.as_ref())
            .filter(|_| stream_on(&x.t))
            .map(|v| s(v.as_str()))
    }),
    Row::new("deletion_protection_enabled", "DeletionProtectionEnabled", |x| {
        Some(Value::Bool(x.t.deletion_protection_enabled.unwrap_or(false)))
    })
    .create(|c, v| Ok(c.deletion_protection_enabled(to::boolean(v)?))),
    Row::new("table_class", "TableClassSummary.TableClass", |x| {
        Some(s(x
            .t
            .table_class_summary
            .as_ref()
            .and_then(|c| c.table_class.as_ref())
            .map_or("STANDARD", |c| c.as_str())))
    })
    .create(|c, v| Ok(c.table_class(TableClass::from(to::text(v)?.as_str())))),
];

pub struct Table {
    clients: Arc<Clients>,
}

impl Table {
    pub fn new(clients: Arc<Clients>) -> Self {
        Table { clients }
    }

    fn client(&self, region: &str) -> aws_sdk_dynamodb::Client {
        self.clients.dynamodb(region)
    }

    async fn describe(&self, region: &str, name: &str) -> Result<Option<TableDescription>, ProviderError> {
        match self.client(region).describe_table().table_name(name).send().await {
            Ok(o) => Ok(o.table),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeTable", e)),
        }
    }

    /// The table as observed; `None` when gone or `DELETING` (on its way:
    /// its other reads answer ResourceNotFoundException, "or its status
    /// might not be ACTIVE",
    /// <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeTimeToLive.html>),
    /// or gone between two reads.
    async fn read(&self, region: &str, name: &str) -> Result<Option<Observed>, ProviderError> {
        let Some(t) = self.describe(region, name).await? else { return Ok(None) };
        if t.table_status == Some(TableStatus::Deleting) {
            return Ok(None);
        }
        let client = self.client(region);
        let arn = t.table_arn.clone().unwrap_or_default();
        let ttl = match client.describe_time_to_live().table_name(name).send().await {
            Ok(o) => o.time_to_live_description,
            Err(e) if is(&e, NOT_FOUND) => return Ok(None),
            Err(e) => return Err(provider("DescribeTimeToLive", e)),
        };
        let backups = match client.describe_continuous_backups().table_name(name).send().await {
            Ok(o) => o,
            Err(e) if is(&e, &["TableNotFoundException", "ResourceNotFoundException", "ResourceNotFound"]) => {
                return Ok(None);
            }
            Err(e) => return Err(provider("DescribeContinuousBackups", e)),
        };
        let pitr = backups
            .continuous_backups_description
            .and_then(|c| c.point_in_time_recovery_description)
            .and_then(|p| p.point_in_time_recovery_status)
            .is_some_and(|s| s.as_str() == "ENABLED");
        let mut tags = BTreeMap::new();
        let mut next: Option<String> = None;
        loop {
            let page = match client.list_tags_of_resource().resource_arn(&arn).set_next_token(next.take()).send().await
            {
                Ok(page) => page,
                Err(e) if is(&e, NOT_FOUND) => return Ok(None),
                Err(e) => return Err(provider("ListTagsOfResource", e)),
            };
            tags.extend(page.tags().iter().map(|t| (t.key.clone(), t.value.clone())));
            match page.next_token {
                Some(n) => next = Some(n),
                None => break,
            }
        }
        let stream_on = stream_on(&t);
        let stream_arn = t.latest_stream_arn.clone().filter(|_| stream_on).map(s);
        let properties = fields::observed(FIELDS, &Seen { name: name.to_string(), t, ttl, pitr });
        let attributes = props::build([("id", Some(s(name))), ("arn", Some(s(&arn))), ("stream_arn", stream_arn)]);
        Ok(Some(Observed { id: name.to_string(), properties, attributes, tags: props::tag_map(tags) }))
    }

    async fn must(&self, region: &str, name: &str) -> Result<Observed, ProviderError> {
        kit::poll(&format!("DynamoDB table {name} to be visible"), kit::PROPAGATION, || self.read(region, name)).await
    }

    /// Waits (bounded) until the table and its indexes are ACTIVE and
    /// returns the table; past the bound, "not yet" for the engine.
    async fn settle(&self, region: &str, name: &str) -> Result<TableDescription, ProviderError> {
        let what = format!("DynamoDB table {name} and its indexes to be ACTIVE");
        kit::poll(&what, Duration::from_secs(300), || async {
            Ok(self.describe(region, name).await?.filter(|t| active(t).is_ok()))
        })
        .await
        .map_err(|e| ProviderError::not_yet(e.message, None))
    }

    async fn update_table(
        &self,
        region: &str,
        name: &str,
        f: impl FnOnce(
            aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder,
        ) -> aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder,
    ) -> Result<TableDescription, ProviderError> {
        f(self.client(region).update_table().table_name(name)).send().await.map_err(|e| provider("UpdateTable", e))?;
        self.settle(region, name).await
    }

    /// Global secondary indexes, one creation or deletion per call.
    async fn sync_gsis(
        &self,
        region: &str,
        name: &str,
        p: &Props,
        mut t: TableDescription,
    ) -> Result<(), ProviderError> {
        let want = wanted_gsis(p);
        let attrs = attribute_definitions(p)?;
        loop {
            let live = live_gsis(&t);
            let gone = live.iter().find(|l| !want.iter().any(|w| w.name == l.name && w.same_shape(l)));
            let new = want.iter().find(|w| !live.iter().any(|l| l.name == w.name));
            let resized = want.iter().find(|w| {
                live.iter().any(|l| {
                    l.name == w.name && l.same_shape(w) && w.read.is_some() && (l.read, l.write) != (w.read, w.write)
                })
            });
            let change = if let Some(g) = gone {
                GlobalSecondaryIndexUpdate::builder()
                    .delete(built(DeleteGlobalSecondaryIndexAction::builder().index_name(&g.name).build())?)
                    .build()
            } else if let Some(g) = new {
                GlobalSecondaryIndexUpdate::builder().create(g.create()?).build()
            } else if let Some(g) = resized {
                let action = UpdateGlobalSecondaryIndexAction::builder()
                    .index_name(&g.name)
                    .set_provisioned_throughput(g.throughput()?)
                    .build();
                GlobalSecondaryIndexUpdate::builder().update(built(action)?).build()
            } else {
                return Ok(());
            };
            let creates = change.create.is_some();
            t = self
                .update_table(region, name, |u| {
                    u.global_secondary_index_updates(change).set_attribute_definitions(creates.then(|| attrs.clone()))
                })
                .await?;
        }
    }

    async fn set_ttl(&self, region: &str, name: &str, p: &Props, live: &Props) -> Result<(), ProviderError> {
        let Some(Value::Map(want)) = p.get("ttl") else { return Ok(()) };
        let on = props::boolean(want, "enabled").unwrap_or(false);
        let live_attr = match live.get("ttl") {
            Some(Value::Map(m)) => props::string(m, "attribute_name"),
            _ => None,
        };
        let live_on = matches!(live.get("ttl"), Some(Value::Map(m)) if props::boolean(m, "enabled") == Some(true));
        if !on && !live_on {
            // UpdateTimeToLive refuses to disable what is not enabled.
            return Ok(());
        }
        let Some(attr) = props::string(want, "attribute_name").or(live_attr) else {
            return if on { Err(invalid("`ttl.attribute_name` is needed to enable TTL")) } else { Ok(()) };
        };
        let spec = built(TimeToLiveSpecification::builder().enabled(on).attribute_name(attr).build())?;
        let r =
            self.client(region).update_time_to_live().table_name(name).time_to_live_specification(spec).send().await;
        r.map(|_| ()).map_err(|e| provider("UpdateTimeToLive", e))
    }

    async fn set_pitr(&self, region: &str, name: &str, p: &Props) -> Result<(), ProviderError> {
        let Some(on) = props::boolean(p, "point_in_time_recovery") else { return Ok(()) };
        let spec = built(PointInTimeRecoverySpecification::builder().point_in_time_recovery_enabled(on).build())?;
        let r =
            self.client(region).update_continuous_backups().table_name(name).point_in_time_recovery_specification(spec);
        crate::kit::done("UpdateContinuousBackups", r.send().await)
    }
}

#[async_trait]
impl Reconciler for Table {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::dynamodb::TABLE
    }

    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        const READ: &[&str] = &[
            "attributes",
            "hash_key",
            "range_key",
            "global_secondary_indexes",
            "billing_mode",
            "read_capacity",
            "write_capacity",
            "stream_enabled",
            "stream_view_type",
            "ttl",
        ];
        if kit::known(p, READ) { check_shape(p) } else { Ok(()) }
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.read(region, id).await?);
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        Ok(kit::mine(self.read(&req.target.region, &name).await?, req))
    }

    /// Lists in the order AWS's answers are read back in (by name), the
    /// default projection spelled out, a disabled TTL without its attribute.
    fn normalize_desired(&self, p: &mut Props) {
        if let Some(Value::List(l)) = p.get_mut("attributes") {
            l.sort_by_key(|a| match a {
                Value::Map(m) => props::string(m, "name"),
                _ => None,
            });
        }
        if let Some(Value::List(l)) = p.get_mut("global_secondary_indexes") {
            for g in l.iter_mut() {
                if let Value::Map(m) = g {
                    m.entry("projection_type".into()).or_insert_with(|| s("ALL"));
                }
            }
            l.sort_by_key(|g| match g {
                Value::Map(m) => props::string(m, "name"),
                _ => None,
            });
        }
        if let Some(Value::Map(ttl)) = p.get_mut("ttl")
            && props::boolean(ttl, "enabled") == Some(false)
        {
            ttl.remove("attribute_name");
        }
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let (region, p) = (&req.target.region, &req.properties);
        let name = props::require(p, "name")?;
        let mut tags = Vec::new();
        for (k, v) in &req.tags {
            tags.push(built(aws_sdk_dynamodb::types::Tag::builder().key(k).value(v).build())?);
        }
        props::require(p, "hash_key")?;
        let created = fields::create(FIELDS, self.client(region).create_table(), p)?
            .set_provisioned_throughput(table_throughput(p)?)
            .set_stream_specification(stream(p)?.filter(|s| s.stream_enabled))
            .set_tags(Some(tags))
            .send()
            .await;
        match created {
            Ok(_) => {}
            // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html:
            // ResourceInUseException for a name already taken.
            Err(e) if is(&e, &["ResourceInUseException"]) => {
                // A table of that name being deleted holds it until gone.
                return match self.read(region, &name).await? {
                    Some(live) => kit::adopt_existing("a DynamoDB table", &name, live, req),
                    None => Err(ProviderError::new(
                        ErrorKind::Retryable,
                        format!("CreateTable: table {name} is still being deleted (ResourceInUseException)"),
                    )),
                };
            }
            Err(e) => return Err(provider("CreateTable", e)),
        }
        // TTL and backups are set on an ACTIVE table (CREATING: seconds).
        let wants_ttl = matches!(p.get("ttl"), Some(Value::Map(m)) if props::boolean(m, "enabled") == Some(true));
        if wants_ttl || props::boolean(p, "point_in_time_recovery") == Some(true) {
            self.settle(region, &name).await?;
            if wants_ttl {
                self.set_ttl(region, &name, p, &Props::new()).await?;
            }
            if props::boolean(p, "point_in_time_recovery") == Some(true) {
                self.set_pitr(region, &name, p).await?;
            }
        }
        self.must(region, &name).await
    }

    /// Left out of the stack: no stream, no TTL, no point-in-time
    /// recovery, no deletion protection, the STANDARD class (CreateTable's
    /// defaults).
    fn resets(&self, field: &str) -> bool {
        reset(field).is_some()
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let desired = kit::with_resets(&req.desired, &req.changed, reset);
        let (region, name, p) = (&req.target.region, &req.id, &desired);
        let client = self.client(region);
        let changed = |f: &str| req.changed.iter().any(|c| c == f);
        if let Some(other) = req.changed.iter().find(|f| {
            !matches!(
                f.as_str(),
                "tags"
                    | "attributes"
                    | "billing_mode"
                    | "read_capacity"
                    | "write_capacity"
                    | "global_secondary_indexes"
                    | "ttl"
                    | "point_in_time_recovery"
                    | "stream_enabled"
                    | "stream_view_type"
                    | "deletion_protection_enabled"
                    | "table_class"
            )
        }) {
            return Err(not_in_place("a DynamoDB table", other));
        }
        // Every step starts from the live table, so a retried update
        // (after "not yet") carries on where the last one stopped.
        let mut t = self.settle(region, name).await?;
        let live = self.read(region, name).await?.ok_or_else(|| kit::vanished("DynamoDB table", name))?;
        let differs = |f: &str| p.get(f).is_some_and(|w| live.properties.get(f) != Some(w));
        if changed("tags") {
            let arn = t.table_arn.clone().unwrap_or_default();
            kit::sync_tags(&client, &arn, &live.tags, &req.tags).await?;
        }
        if differs("deletion_protection_enabled") {
            let on = props::boolean(p, "deletion_protection_enabled");
            t = self.update_table(region, name, |u| u.set_deletion_protection_enabled(on)).await?;
        }
        if differs("billing_mode") || differs("read_capacity") || differs("write_capacity") {
            let mode = props::string(p, "billing_mode").map(|b| BillingMode::from(b.as_str()));
            let tp = table_throughput(p)?;
            t = self.update_table(region, name, |u| u.set_billing_mode(mode).set_provisioned_throughput(tp)).await?;
        }
        if differs("stream_enabled") || differs("stream_view_type") {
            // A stream's view type changes by turning it off, then on.
            if live.properties.get("stream_enabled") == Some(&Value::Bool(true)) {
                let off = built(StreamSpecification::builder().stream_enabled(false).build())?;
                t = self.update_table(region, name, |u| u.stream_specification(off)).await?;
            }
            if let Some(spec) = stream(p)?.filter(|s| s.stream_enabled) {
                t = self.update_table(region, name, |u| u.stream_specification(spec)).await?;
            }
        }
        if differs("table_class") {
            let class = props::string(p, "table_class").map(|c| c.as_str().into());
            t = self.update_table(region, name, |u| u.set_table_class(class)).await?;
        }
        if differs("global_secondary_indexes") {
            self.sync_gsis(region, name, p, t).await?;
        }
        if differs("ttl") {
            self.set_ttl(region, name, p, &live.properties).await?;
        }
        if differs("point_in_time_recovery") {
            self.set_pitr(region, name, p).await?;
        }
        self.must(region, name).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.client(&req.target.region).delete_table().table_name(&req.id).send().await;
        kit::tolerate("DeleteTable", r, NOT_FOUND)
    }

    fn undeletable(&self, id: &str, properties: &Props) -> Option<String> {
        (props::boolean(properties, "deletion_protection_enabled") == Some(true)).then(|| {
            format!(
                "DynamoDB table {id} has deletion protection on: set deletion_protection_enabled to false and apply \
                 first"
            )
        })
    }

    /// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeTable.html:
    /// CREATING, UPDATING, then ACTIVE; an index CREATING (backfilling)
    /// or DELETING is not ready either.
    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let Some(t) = self.describe(region, id).await? else { return Ok(Readiness::Pending("not visible yet".into())) };
        Ok(match (&t.table_status, active(&t)) {
            (Some(TableStatus::InaccessibleEncryptionCredentials), _) => {
                Readiness::Failed("INACCESSIBLE_ENCRYPTION_CREDENTIALS: its KMS key is not usable".into())
            }
            (_, Ok(())) => Readiness::Ready,
            (_, Err(status)) => Readiness::Pending(status),
        })
    }

    /// DELETING, then ResourceNotFoundException
    /// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteTable.html).
    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(match self.describe(region, id).await? {
            None => Readiness::Ready,
            Some(t) => Readiness::Pending(t.table_status.map_or("DELETING".into(), |s| s.as_str().to_string())),
        })
    }

    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(30, 60, 20)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(extra: serde_json::Value) -> Props {
        let mut base = serde_json::json!({
            "name": "orders", "hash_key": "id", "billing_mode": "PAY_PER_REQUEST",
            "attributes": [{ "name": "id", "type": "S" }],
        });
        base.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        match Value::from_json(&base) {
            Value::Map(m) => m,
            _ => unreachable!(),
        }
    }

    fn refused(p: &Props) -> String {
        check_shape(p).err().map(|e| e.message).unwrap_or_default()
    }

    #[test]
    fn the_shape_aws_refuses_is_told_before_any_call() {
        assert_eq!(refused(&table(serde_json::json!({}))), "");
        let gsi = serde_json::json!({ "attributes": [{ "name": "id", "type": "S" }, { "name": "status", "type": "S" }],
            "global_secondary_indexes": [{ "name": "by-status", "hash_key": "status" }] });
        assert_eq!(refused(&table(gsi)), "");
        assert!(refused(&table(serde_json::json!({ "range_key": "at" }))).contains("`range_key` names at"));
        let unused = serde_json::json!({ "attributes": [{ "name": "id", "type": "S" }, { "name": "x", "type": "N" }] });
        assert!(refused(&table(unused)).contains("defines x, which no key"));
        let provisioned = serde_json::json!({ "billing_mode": "PROVISIONED", "read_capacity": 5 });
        assert!(refused(&table(provisioned)).contains("the table needs `read_capacity` and `write_capacity`"));
        assert!(refused(&table(serde_json::json!({ "read_capacity": 5 }))).contains("PAY_PER_REQUEST does not take"));
        assert!(refused(&table(serde_json::json!({ "stream_enabled": true }))).contains("needs `stream_view_type`"));
        let include = serde_json::json!({ "attributes": [{ "name": "id", "type": "S" }, { "name": "s", "type": "S" }],
            "global_secondary_indexes": [{ "name": "g", "hash_key": "s", "projection_type": "INCLUDE" }] });
        assert!(refused(&table(include)).contains("index g"));
        assert!(refused(&table(serde_json::json!({ "ttl": { "enabled": true } }))).contains("ttl.attribute_name"));
    }

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::dynamodb::TABLE, &[]);
    }

    #[test]
    fn a_check_that_needs_an_unknown_value_passes() {
        let mut p = table(serde_json::json!({ "range_key": "at" }));
        p.insert("attributes".into(), Value::Unknown);
        let sdk = aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        assert!(Table::new(Arc::new(Clients::new(sdk, Vec::new()))).check(&p).is_ok());
    }
}
