//! `aws.route53.record`: a record set in a hosted zone: A/AAAA aliases (to
//! a CloudFront distribution or a load balancer), CNAME, TXT, ...
//!
//! In place: `ttl`, `records` and `alias`, by an UPSERT of the whole record
//! set. `zone_id`, `name`, `type` and `set_identifier` replace. Create is a
//! CREATE, which Route 53 refuses for an existing record set: one made
//! outside the stack is refused with the `stackr import` that adopts it,
//! unless `allow_overwrite: true` (then UPSERT); one holding exactly the
//! wanted values is this create's own (retried after a lost answer).
//! Delete reads the record first and sends DELETE with its exact current
//! values, as Route 53 requires. After every change the engine waits until
//! GetChange reports `INSYNC` (readiness, and `deleted` after a delete).
//!
//! Records have no tags: a record is found by (zone, name, type, set
//! identifier). The id is `<zone>_<name>_<type>[_<set identifier>]` with
//! the zone (`Z123` or `/hostedzone/Z123`) and the name as the stack writes
//! them; a live record matches an id when its
//! normalised name equals the id's (lower case, no trailing dot, Route 53's
//! `\052` read as `*`, other `\ddd` escapes decoded). The observed
//! `zone_id` and `name` are the id's, so a stack's spelling (`www.example.com` or `WWW.example.com.`)
//! is not reported as drift; the `fqdn` attribute is the normalised name.
//! Alias DNS names are observed in lower case without the trailing dot
//! (write them so; the `dns_name` / `domain_name` attributes of load
//! balancers and distributions are). `records` are compared as a set.
//!
//! Reads: one paginated ListResourceRecordSets per hosted zone for all the
//! records of that zone.

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, invalid, not_in_place};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_route53::types::builders::ResourceRecordSetBuilder;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeStatus, ResourceRecord, ResourceRecordSet, RrType,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

const NO_ZONE: &[&str] = &["NoSuchHostedZone"];

pub struct Record {
    clients: Arc<Clients>,
    /// The change each record id waits on to be INSYNC (this process's
    /// creates, updates and deletes), for `readiness` and `deleted`.
    changes: Mutex<HashMap<String, String>>,
}

/// Whether the stack allows taking over a record set made outside it.
fn overwrite(p: &Props) -> bool {
    matches!(p.get("allow_overwrite"), Some(Value::Bool(true)))
}

/// The refusal of a record set that exists but is not this stack's.
fn taken(address: &str, id: &str) -> ProviderError {
    invalid(format!(
        "the record set {id} already exists and was not made by this stack; adopt it with \
         `stackr import {address} {id}`, or set `allow_overwrite: true` on `{address}` to overwrite it"
    ))
}

/// A record name as Route 53 compares it: lower case, without the trailing
/// dot, with `\ddd` escapes (`\052` for `*`) decoded.
pub fn normalise(name: &str) -> String {
    let mut out = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let digits: String = chars.clone().take(3).collect();
            if digits.len() == 3
                && digits.chars().all(|d| d.is_ascii_digit())
                && let Ok(n) = u8::from_str_radix(&digits, 8)
            {
                out.push(char::from(n));
                for _ in 0..3 {
                    chars.next();
                }
                continue;
            }
        }
        out.push(c);
    }
    out.trim_end_matches('.').to_ascii_lowercase()
}

/// `/hostedzone/Z123` → `Z123`.
fn strip_prefix(zone: &str) -> &str {
    zone.trim_start_matches("/hostedzone/")
}

/// A record's id.
pub fn record_id(zone: &str, name: &str, kind: &str, set: Option<&str>) -> String {
    match set {
        Some(set) => format!("{zone}_{name}_{kind}_{set}"),
        None => format!("{zone}_{name}_{kind}"),
    }
}

/// The zone of an id (zone ids have no `_`).
fn zone_of(id: &str) -> Option<&str> {
    id.split_once('_').map(|(z, _)| z)
}

/// The name the id spells, if `rrs` is the record it names.
fn name_in_id<'a>(id: &'a str, zone: &str, rrs: &ResourceRecordSet) -> Option<&'a str> {
    let rest = id.strip_prefix(zone)?.strip_prefix('_')?;
    let tail = match rrs.set_identifier() {
        Some(set) => format!("_{}_{set}", rrs.r#type().as_str()),
        None => format!("_{}", rrs.r#type().as_str()),
    };
    let name = rest.strip_suffix(&tail)?;
    (normalise(name) == normalise(rrs.name())).then_some(name)
}

/// One record as read: the record set, with the zone and the name as its
/// id spells them.
struct Seen {
    zone: String,
    name: String,
    r: ResourceRecordSet,
}

/// An alias target in the stack's shape.
fn alias_value(a: &AliasTarget) -> Value {
    Value::Map(props::build([
        ("name", Some(s(a.dns_name().trim_end_matches('.').to_ascii_lowercase()))),
        ("zone_id", Some(s(a.hosted_zone_id()))),
        ("evaluate_target_health", Some(Value::Bool(a.evaluate_target_health()))),
    ]))
}

/// The stack's alias (its `name` and `zone_id` checked by [`wanted`]) as
/// Route 53 takes it.
fn alias_target(v: &Value) -> Result<AliasTarget, String> {
    let Value::Map(a) = v else { return Err(format!("must be a map, not {}", v.type_name())) };
    AliasTarget::builder()
        .dns_name(props::require(a, "name").map_err(|e| e.message)?)
        .hosted_zone_id(props::require(a, "zone_id").map_err(|e| e.message)?)
        .evaluate_target_health(props::boolean(a, "evaluate_target_health").unwrap_or(false))
        .build()
        .map_err(|e| e.to_string())
}

/// Schema ↔ AWS (`ResourceRecordSet` of ListResourceRecordSets; the record
/// set of ChangeResourceRecordSets CREATE and UPSERT, see [`wanted`]). The
/// zone is the change call's own `HostedZoneId`; `allow_overwrite` is
/// stackr's own.
type Row = Field<Seen, ResourceRecordSetBuilder>;
const FIELDS: &[Row] = &[
    Row::new("zone_id", "HostedZoneId", |x| Some(s(&x.zone))),
    // DNS names are case-insensitive; Route 53 keeps them in lower case.
    Row::new("name", "Name", |x| Some(s(&x.name))).create(|c, v| Ok(c.name(to::text(v)?.to_ascii_lowercase()))),
    Row::new("type", "Type", |x| Some(s(x.r.r#type().as_str())))
        .create(|c, v| Ok(c.r#type(RrType::from(to::text(v)?.as_str())))),
    Row::new("ttl", "TTL", |x| x.r.ttl().map(|t| Value::Number(t as f64))).create(|c, v| Ok(c.ttl(to::int64(v)?))),
    Row::new("records", "ResourceRecords", |x| {
        let mut records: Vec<String> = x.r.resource_records().iter().map(|v| v.value().to_string()).collect();
        records.sort();
        x.r.alias_target().is_none().then(|| props::list(records))
    })
    .create(|c, v| {
        let records = to::texts(v)?
            .into_iter()
            .map(|v| ResourceRecord::builder().value(v).build().map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(c.set_resource_records(Some(records)))
    }),
    Row::new("alias", "AliasTarget", |x| x.r.alias_target().map(alias_value))
        .create(|c, v| Ok(c.alias_target(alias_target(v)?))),
    Row::new("set_identifier", "SetIdentifier", |x| x.r.set_identifier().map(s))
        .create(|c, v| Ok(c.set_identifier(to::text(v)?))),
];

/// The record as the schema's properties (with the given spelling of its name).
fn observed(zone: &str, name: &str, id: &str, r: &ResourceRecordSet) -> Observed {
    let properties = fields::observed(FIELDS, &Seen { zone: zone.to_string(), name: name.to_string(), r: r.clone() });
    let attributes = props::build([("id", Some(s(id))), ("fqdn", Some(s(normalise(r.name()))))]);
    Observed { id: id.to_string(), properties, attributes, tags: BTreeMap::new() }
}

/// The record set the stack describes: an alias, or a TTL and records
/// (what the other way has is left out).
fn wanted(p: &Props) -> Result<ResourceRecordSet, ProviderError> {
    let name = props::require(p, "name")?;
    props::require(p, "type")?;
    let mut p = p.clone();
    match p.get("alias") {
        Some(Value::Map(a)) => {
            props::require(a, "name")?;
            props::require(a, "zone_id")?;
            p.remove("ttl");
            p.remove("records");
        }
        _ => {
            props::int(&p, "ttl").ok_or_else(|| invalid(format!("{name} needs `ttl` (or `alias`)")))?;
            if props::strings(&p, "records").is_empty() {
                return Err(invalid(format!("{name} needs `records` (or `alias`)")));
            }
            p.remove("alias");
        }
    }
    let b = fields::create(FIELDS, ResourceRecordSet::builder(), &p)?;
    b.build().map_err(|e| invalid(format!("record {name}: {e}")))
}

/// The id of the record the stack describes.
fn id_of(p: &Props) -> Result<(String, String), ProviderError> {
    let zone = props::require(p, "zone_id")?;
    let id = record_id(
        &zone,
        &props::require(p, "name")?,
        &props::require(p, "type")?,
        props::string(p, "set_identifier").as_deref(),
    );
    Ok((zone, id))
}

impl Record {
    pub fn new(clients: Arc<Clients>) -> Self {
        Record { clients, changes: Mutex::new(HashMap::new()) }
    }

    fn note_change(&self, id: &str, change: Option<String>) {
        let mut changes = self.changes.lock().unwrap_or_else(|p| p.into_inner());
        match change {
            Some(c) => changes.insert(id.to_string(), c),
            None => changes.remove(id),
        };
    }

    /// Whether the last change of `id` made here reached every Route 53
    /// server (GetChange INSYNC, 30-60 s on AWS); no change known: yes.
    async fn in_sync(&self, id: &str) -> Result<Readiness, ProviderError> {
        let change = self.changes.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned();
        let Some(change) = change else { return Ok(Readiness::Ready) };
        let out = self.clients.route53().get_change().id(&change).send().await.map_err(|e| provider("GetChange", e))?;
        match out.change_info.map(|c| c.status) {
            Some(ChangeStatus::Insync) => {
                self.note_change(id, None);
                Ok(Readiness::Ready)
            }
            Some(other) => Ok(Readiness::Pending(other.as_str().to_string())),
            None => Ok(Readiness::Pending("unknown".into())),
        }
    }

    /// Every record set of a zone (`None` when the zone is gone).
    async fn zone_records(&self, zone: &str) -> Result<Option<Vec<ResourceRecordSet>>, ProviderError> {
        let client = self.clients.route53();
        let mut out = Vec::new();
        let mut next: Option<(String, RrType, Option<String>)> = None;
        loop {
            let mut call = client.list_resource_record_sets().hosted_zone_id(strip_prefix(zone));
            if let Some((name, kind, set)) = next.take() {
                call = call.start_record_name(name).start_record_type(kind).set_start_record_identifier(set);
            }
            let page = match call.send().await {
                Ok(p) => p,
                Err(e) if is(&e, NO_ZONE) => return Ok(None),
                Err(e) => return Err(provider("ListResourceRecordSets", e)),
            };
            out.extend(page.resource_record_sets);
            match (page.is_truncated, page.next_record_name, page.next_record_type) {
                (true, Some(name), Some(kind)) => next = Some((name, kind, page.next_record_identifier)),
                _ => break,
            }
        }
        Ok(Some(out))
    }

    /// The live record an id names, and the name as the id spells it.
    async fn read(&self, id: &str) -> Result<Option<(ResourceRecordSet, String)>, ProviderError> {
        let Some(zone) = zone_of(id) else { return Ok(None) };
        let Some(records) = self.zone_records(zone).await? else { return Ok(None) };
        Ok(records.into_iter().find_map(|r| name_in_id(id, zone, &r).map(str::to_string).map(|n| (r, n))))
    }

    /// Sends one change for record `id`; the engine then waits until it is
    /// INSYNC (`readiness` after a create or update, `deleted` after a
    /// delete), without holding a slot.
    async fn change(
        &self,
        id: &str,
        zone: &str,
        action: ChangeAction,
        rrs: ResourceRecordSet,
    ) -> Result<(), ProviderError> {
        let client = self.clients.route53();
        let change = Change::builder()
            .action(action)
            .resource_record_set(rrs)
            .build()
            .map_err(|e| invalid(format!("change: {e}")))?;
        let batch = ChangeBatch::builder().changes(change).build().map_err(|e| invalid(format!("change: {e}")))?;
        let out = client
            .change_resource_record_sets()
            .hosted_zone_id(strip_prefix(zone))
            .change_batch(batch)
            .send()
            .await
            .map_err(|e| provider("ChangeResourceRecordSets", e))?;
        let pending = out.change_info.filter(|i| i.status != ChangeStatus::Insync).map(|i| i.id);
        self.note_change(id, pending);
        Ok(())
    }

    async fn upsert(&self, p: &Props) -> Result<Observed, ProviderError> {
        let (zone, id) = id_of(p)?;
        self.change(&id, &zone, ChangeAction::Upsert, wanted(p)?).await?;
        match self.read(&id).await? {
            Some((r, name)) => Ok(observed(&zone, &name, &id, &r)),
            None => Err(crate::kit::vanished("record", &id)),
        }
    }
}

#[async_trait]
impl Reconciler for Record {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::route53::RECORD
    }

    /// A record set moved to another name or zone never meets the old one:
    /// the new one is made first, so the name being moved to answers
    /// before the old one goes (a site's domain change would otherwise
    /// leave both unanswered while everything between is made). Another
    /// type or set identifier at the same name is deleted first: a CNAME
    /// stands alone at its name.
    fn replaced_first_for(&self, changes: &[stackr_engine::plan::Change]) -> bool {
        changes.iter().any(|c| c.forces_replacement && matches!(c.field.as_str(), "name" | "zone_id"))
    }

    /// Route 53 deletes a record set whatever points at it.
    fn deleted_while_used(&self) -> bool {
        true
    }

    /// What ChangeResourceRecordSets refuses
    /// (<https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html>):
    /// an alias with a TTL or records of its own (it has neither), and A
    /// or AAAA values that are not IPv4 or IPv6 addresses.
    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        let has = |k: &str| p.get(k).is_some_and(|v| !matches!(v, Value::Null));
        if has("alias") && (has("ttl") || has("records")) {
            let which = if has("ttl") { "ttl" } else { "records" };
            return Err(invalid(format!(
                "`{which}`: an alias record has no {which} of its own (Route 53 answers with the target's); \
                 leave it out, or drop `alias`"
            )));
        }
        let kind = props::string(p, "type").unwrap_or_default();
        for (i, r) in props::strings(p, "records").iter().enumerate() {
            let ok = match kind.as_str() {
                "A" => r.parse::<std::net::Ipv4Addr>().is_ok(),
                "AAAA" => r.parse::<std::net::Ipv6Addr>().is_ok(),
                _ => true,
            };
            if !ok {
                let what = if kind == "A" { "an IPv4 address" } else { "an IPv6 address" };
                return Err(invalid(format!(
                    "`records[{i}]`: `{r}` is not {what}, what a {kind} record holds (a name is a CNAME's, or an alias's)"
                )));
            }
        }
        Ok(())
    }

    async fn observe(&self, _region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut zones: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
        for id in ids {
            if let Some(z) = zone_of(id) {
                zones.entry(z).or_default().push(id);
            }
        }
        let mut found: HashMap<&String, Observed> = HashMap::new();
        for (zone, ids) in zones {
            let records = self.zone_records(zone).await?.unwrap_or_default();
            for id in ids {
                if let Some((r, name)) = records.iter().find_map(|r| name_in_id(id, zone, r).map(|n| (r, n))) {
                    found.insert(id, observed(zone, name, id, r));
                }
            }
        }
        Ok(ids.iter().map(|id| found.remove(id)).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Ok((zone, id)) = id_of(&req.properties) else { return Ok(None) };
        if req.known_ids.contains(&id) {
            return Ok(None);
        }
        // Records have no tags: what holds the values this create sent is
        // taken as its own; anything else was made by someone else.
        let Some((r, name)) = self.read(&id).await? else { return Ok(None) };
        let live = observed(&zone, &name, &id, &r);
        Ok((same_values(&live.properties, &req.properties) || overwrite(&req.properties)).then_some(live))
    }

    /// ChangeResourceRecordSets CREATE, which Route 53 refuses for a record
    /// set that exists (InvalidChangeBatch, "... but it already exists",
    /// <https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html>):
    /// a record set made outside the stack is never silently taken over
    /// (and deleted by a later destroy). One holding exactly the values
    /// wanted is this create's own, retried after its answer was lost.
    /// `allow_overwrite: true` takes over with an UPSERT.
    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let (zone, id) = id_of(&req.properties)?;
        let address = &req.target.address;
        if let Some((r, name)) = self.read(&id).await? {
            let live = observed(&zone, &name, &id, &r);
            if same_values(&live.properties, &req.properties) {
                return Ok(live);
            }
            if !overwrite(&req.properties) {
                return Err(taken(address, &id));
            }
            return self.upsert(&req.properties).await;
        }
        match self.change(&id, &zone, ChangeAction::Create, wanted(&req.properties)?).await {
            Ok(()) => {}
            Err(e) if e.message.contains("already exists") => {
                // Made meanwhile: by this very create (an SDK retry after a
                // lost answer) when its values are ours.
                let ours = self.read(&id).await?.map(|(r, name)| observed(&zone, &name, &id, &r));
                return match ours {
                    Some(live) if same_values(&live.properties, &req.properties) => Ok(live),
                    _ => Err(taken(address, &id)),
                };
            }
            Err(e) => return Err(e),
        }
        match self.read(&id).await? {
            Some((r, name)) => Ok(observed(&zone, &name, &id, &r)),
            None => Err(crate::kit::vanished("record", &id)),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        for field in &req.changed {
            if !matches!(field.as_str(), "ttl" | "records" | "alias") {
                return Err(not_in_place("a record", field));
            }
        }
        self.upsert(&req.desired).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let Some(zone) = zone_of(&req.id) else { return Ok(()) };
        // Route 53 deletes only with the exact current values: read them,
        // and read again if they changed in between.
        for _ in 0..3 {
            let Some((r, _)) = self.read(&req.id).await? else { return Ok(()) };
            match self.change(&req.id, zone, ChangeAction::Delete, r).await {
                Ok(()) => return Ok(()),
                Err(e) if e.message.contains("InvalidChangeBatch") => continue,
                Err(e) => return Err(e),
            }
        }
        Err(ProviderError::new(
            ErrorKind::Retryable,
            format!("record {}: its values kept changing while being deleted", req.id),
        ))
    }

    async fn readiness(&self, _region: &str, id: &str) -> Result<Readiness, ProviderError> {
        self.in_sync(id).await
    }

    async fn deleted(&self, _region: &str, id: &str) -> Result<Readiness, ProviderError> {
        self.in_sync(id).await
    }
}

/// Whether the live record has the values the stack sets (records as a set,
/// alias names without the trailing dot and in any case).
fn same_values(live: &Props, want: &Props) -> bool {
    let ttl = !want.contains_key("ttl") || props::int(live, "ttl") == props::int(want, "ttl");
    let mut a = props::strings(live, "records");
    let mut b = props::strings(want, "records");
    a.sort();
    b.sort();
    let alias = |p: &Props| match p.get("alias") {
        Some(Value::Map(m)) => Some((
            props::string(m, "name").map(|n| n.trim_end_matches('.').to_ascii_lowercase()),
            props::string(m, "zone_id"),
            props::boolean(m, "evaluate_target_health").unwrap_or(false),
        )),
        _ => None,
    };
    ttl && a == b && alias(live) == alias(want)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(field: &str, before: &str, after: &str) -> stackr_engine::plan::Change {
        stackr_engine::plan::Change {
            field: field.into(),
            before: before.into(),
            after: after.into(),
            forces_replacement: true,
            drift: false,
            config: true,
        }
    }

    #[tokio::test]
    async fn a_record_moved_to_another_name_is_made_first_one_changing_type_is_not() {
        let clients = Arc::new(crate::clients::Clients::new(aws_config::SdkConfig::builder().build(), Vec::new()));
        let r = Record::new(clients);
        assert!(r.replaced_first_for(&[change("name", "a.example.com", "b.example.com")]));
        assert!(r.replaced_first_for(&[change("zone_id", "Z1", "Z2"), change("type", "A", "CNAME")]));
        assert!(!r.replaced_first_for(&[change("type", "A", "CNAME")]), "a CNAME stands alone at its name");
        assert!(r.deleted_while_used());
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(normalise("WWW.Example.com."), "www.example.com");
        assert_eq!(normalise("\\052.example.com."), "*.example.com");
        assert_eq!(normalise("*.example.com"), "*.example.com");
        assert_eq!(normalise("a\\\\b"), "a\\\\b");
    }

    #[test]
    fn ids_match_records_however_the_name_is_spelt() {
        let rrs =
            ResourceRecordSet::builder().name("_abc.www.example.com.").r#type(RrType::Cname).build().expect("valid");
        let id = record_id("Z1", "_abc.WWW.example.com", "CNAME", None);
        assert_eq!(zone_of(&id), Some("Z1"));
        assert_eq!(name_in_id(&id, "Z1", &rrs), Some("_abc.WWW.example.com"));
        assert_eq!(name_in_id(&record_id("Z1", "_abc.www.example.com", "TXT", None), "Z1", &rrs), None);
        assert_eq!(name_in_id(&record_id("Z1", "_abc.www.example.com", "CNAME", Some("x")), "Z1", &rrs), None);
    }

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::route53::RECORD, &["allow_overwrite"]);
    }
}
