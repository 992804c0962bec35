//! `aws.route53.hosted_zone` as a resource: a public or private zone (the
//! same kind under `data:` finds an existing one: `data::hosted_zone`).
//!
//! - The id is the zone id without `/hostedzone/`. CreateHostedZone takes
//!   the create's token as its CallerReference, so a create retried after a
//!   lost answer is refused with `HostedZoneAlreadyExists` and the zone made
//!   with that reference is adopted (`find` looks zones of the name up by
//!   that reference too: CreateHostedZone takes no tags, so a crash before
//!   they are set leaves a zone known only by it)
//!   (<https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html>).
//! - A private zone is made with its first VPC (AWS requires one at create)
//!   and the others associated after; `vpcs` changes by
//!   AssociateVPCWithHostedZone then DisassociateVPCFromHostedZone, so it
//!   never has none (AWS refuses to remove the last one, LastVPCAssociation,
//!   <https://docs.aws.amazon.com/Route53/latest/APIReference/API_DisassociateVPCFromHostedZone.html>).
//! - `comment` by UpdateHostedZoneComment; tags by ChangeTagsForResource
//!   (resource type `hostedzone`, at most 10 keys a call), through
//!   [`ZoneTags`]; `force_destroy` is recorded in the `stackr:force-destroy`
//!   tag, so that it compares like a property.
//! - Every change answers a ChangeInfo that is PENDING until every Route 53
//!   server has it; `readiness` (and `deleted`) poll GetChange until INSYNC
//!   (<https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html>).
//! - Delete: AWS refuses a zone holding record sets other than its apex
//!   SOA and NS (HostedZoneNotEmpty,
//!   <https://docs.aws.amazon.com/Route53/latest/APIReference/API_DeleteHostedZone.html>):
//!   such a zone is refused up front with an error naming it and its
//!   records, unless `force_destroy`, which deletes them first.
//! - Reads: GetHostedZone per zone (`NoSuchHostedZone`: gone), tags by
//!   ListTagsForResources, 10 zones a call.

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, TagApi, invalid, not_in_place, sync_tags, tolerate, vanished};
use crate::props::{self, list, s};
use async_trait::async_trait;
use aws_sdk_route53::operation::create_hosted_zone::builders::CreateHostedZoneFluentBuilder;
use aws_sdk_route53::operation::get_hosted_zone::GetHostedZoneOutput;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ChangeInfo, ChangeStatus, HostedZoneConfig, ResourceRecordSet, RrType, Tag,
    TagResourceType, Vpc, VpcRegion,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

const GONE: &[&str] = &["NoSuchHostedZone"];
/// Where `force_destroy` is recorded on the zone.
const FORCE_TAG: &str = "stackr:force-destroy";
/// Keys one ChangeTagsForResource / zones one ListTagsForResources takes.
const TAGS_PER_CALL: usize = 10;

/// Route 53's tagging calls for hosted zones (its tags are per resource
/// type, so the API is on this wrapper rather than on the client).
pub struct ZoneTags(pub aws_sdk_route53::Client);

#[async_trait]
impl TagApi for ZoneTags {
    async fn tag(&self, id: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let tags: Vec<Tag> = tags.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        for chunk in tags.chunks(TAGS_PER_CALL) {
            let call = self.0.change_tags_for_resource().resource_type(TagResourceType::Hostedzone).resource_id(id);
            call.set_add_tags(Some(chunk.to_vec())).send().await.map_err(|e| provider("ChangeTagsForResource", e))?;
        }
        Ok(())
    }

    async fn untag(&self, id: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        for chunk in keys.chunks(TAGS_PER_CALL) {
            let call = self.0.change_tags_for_resource().resource_type(TagResourceType::Hostedzone).resource_id(id);
            call.set_remove_tag_keys(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| provider("ChangeTagsForResource", e))?;
        }
        Ok(())
    }
}

/// `/hostedzone/Z123` → `Z123`.
fn bare(id: &str) -> &str {
    id.trim_start_matches("/hostedzone/")
}

/// `Example.com` → `example.com.`: the name as Route 53 reports it.
fn canonical(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase();
    if n.ends_with('.') { n } else { format!("{n}.") }
}

/// The tags the zone should carry: the stack's, and the force_destroy record.
fn wanted_tags(tags: &BTreeMap<String, String>, p: &Props) -> BTreeMap<String, String> {
    let mut out = tags.clone();
    if let Some(f) = props::boolean(p, "force_destroy") {
        out.insert(FORCE_TAG.into(), f.to_string());
    }
    out
}

/// The zone's VPCs as (id, region) pairs, sorted; a VPC without
/// `vpc_region` is in `region` (the stack's).
fn vpcs_of(p: &Props, region: &str) -> Vec<(String, String)> {
    let Some(Value::List(items)) = p.get("vpcs") else { return Vec::new() };
    let mut out: Vec<(String, String)> = items
        .iter()
        .filter_map(|v| match v {
            Value::Map(m) => {
                Some((props::string(m, "vpc_id")?, props::string(m, "vpc_region").unwrap_or_else(|| region.into())))
            }
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn sdk_vpc(id: &str, region: &str) -> Vpc {
    Vpc::builder().vpc_id(id).vpc_region(VpcRegion::from(region)).build()
}

/// Schema ↔ AWS (GetHostedZone: `HostedZone`, `VPCs`, `DelegationSet`;
/// CreateHostedZone). The create itself puts the comment and the private
/// flag in one `HostedZoneConfig` and sends the first of `vpcs` (whose
/// region defaults to the stack's), associating the others after;
/// `force_destroy` is stackr's own, read from its tag ([`FORCE_TAG`]).
type Row = Field<GetHostedZoneOutput, CreateHostedZoneFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "Name", |x| x.hosted_zone.as_ref().map(|z| s(z.name()))).create(|c, v| Ok(c.name(to::text(v)?))),
    Row::new("comment", "HostedZoneConfig.Comment", |x| {
        x.hosted_zone.as_ref()?.config().and_then(|c| c.comment()).filter(|c| !c.is_empty()).map(s)
    }),
    Row::new("vpcs", "VPCs", |x| {
        let private = x.hosted_zone.as_ref().and_then(|z| z.config()).is_some_and(|c| c.private_zone());
        let vpcs = x.vpcs().iter().filter_map(|v| {
            let m = props::build([("vpc_id", Some(s(v.vpc_id()?))), ("vpc_region", Some(s(v.vpc_region()?.as_str())))]);
            Some(Value::Map(m))
        });
        // A public zone has none: `vpcs: []` in a stack says so.
        Some(Value::List(if private { vpcs.collect() } else { Vec::new() }))
    }),
    Row::new("delegation_set_id", "DelegationSet.Id", |x| {
        let id = x.delegation_set.as_ref().and_then(|d| d.id()).map(|d| d.trim_start_matches("/delegationset/"));
        id.filter(|d| !d.is_empty()).map(s)
    })
    .create(|c, v| Ok(c.delegation_set_id(to::text(v)?))),
];

pub struct HostedZone {
    clients: Arc<Clients>,
    /// The last change made here to each zone, until INSYNC.
    changes: Mutex<HashMap<String, String>>,
}

impl HostedZone {
    pub fn new(clients: Arc<Clients>) -> Self {
        HostedZone { clients, changes: Mutex::new(HashMap::new()) }
    }

    fn client(&self) -> aws_sdk_route53::Client {
        self.clients.route53()
    }

    fn note(&self, id: &str, info: Option<ChangeInfo>) {
        if let Some(i) = info.filter(|i| i.status != ChangeStatus::Insync) {
            self.changes.lock().unwrap_or_else(|p| p.into_inner()).insert(id.to_string(), i.id);
        }
    }

    /// The zone without its tags (`None`: gone), and its caller reference.
    async fn get(&self, region: &str, id: &str) -> Result<Option<(Observed, String)>, ProviderError> {
        let out = match self.client().get_hosted_zone().id(bare(id)).send().await {
            Ok(o) => o,
            Err(e) if is(&e, GONE) => return Ok(None),
            Err(e) => return Err(provider("GetHostedZone", e)),
        };
        let Some(z) = &out.hosted_zone else { return Ok(None) };
        let id = bare(z.id()).to_string();
        let servers = out.delegation_set.as_ref().map(|d| d.name_servers().to_vec()).unwrap_or_default();
        let properties = fields::observed(FIELDS, &out);
        let attributes = props::build([
            ("id", Some(s(&id))),
            ("zone_id", Some(s(&id))),
            ("arn", Some(s(format!("arn:{}:route53:::hostedzone/{id}", crate::kit::partition(region))))),
            ("name", Some(s(z.name()))),
            ("name_servers", Some(list(servers))),
        ]);
        let reference = z.caller_reference().to_string();
        Ok(Some((Observed { id, properties, attributes, tags: BTreeMap::new() }, reference)))
    }

    /// Fills in the zones' tags (ListTagsForResources, 10 zones a call),
    /// taking the force_destroy record out of them.
    async fn with_tags(&self, zones: &mut [Observed]) -> Result<(), ProviderError> {
        let ids: Vec<String> = zones.iter().map(|z| z.id.clone()).collect();
        let mut tags: HashMap<String, BTreeMap<String, String>> = HashMap::new();
        for chunk in ids.chunks(TAGS_PER_CALL) {
            let call = self.client().list_tags_for_resources().resource_type(TagResourceType::Hostedzone);
            let out = match call.set_resource_ids(Some(chunk.to_vec())).send().await {
                Ok(o) => o,
                // One of them deleted meanwhile: one by one.
                Err(e) if is(&e, GONE) && chunk.len() > 1 => {
                    for id in chunk {
                        let one = self.client().list_tags_for_resource().resource_type(TagResourceType::Hostedzone);
                        match one.resource_id(id).send().await {
                            Ok(o) => {
                                let set = o.resource_tag_set.map(|t| t.tags.unwrap_or_default()).unwrap_or_default();
                                tags.insert(id.clone(), tag_map(set));
                            }
                            Err(e) if is(&e, GONE) => {}
                            Err(e) => return Err(provider("ListTagsForResource", e)),
                        }
                    }
                    continue;
                }
                Err(e) if is(&e, GONE) => continue,
                Err(e) => return Err(provider("ListTagsForResources", e)),
            };
            for set in out.resource_tag_sets {
                if let Some(id) = set.resource_id.clone() {
                    tags.insert(bare(&id).to_string(), tag_map(set.tags.unwrap_or_default()));
                }
            }
        }
        for z in zones.iter_mut() {
            let mut t = tags.remove(&z.id).unwrap_or_default();
            if let Some(f) = t.remove(FORCE_TAG) {
                z.properties.insert("force_destroy".into(), Value::Bool(f == "true"));
            }
            z.tags = t;
        }
        Ok(())
    }

    async fn read(&self, region: &str, id: &str) -> Result<Option<(Observed, String)>, ProviderError> {
        let Some((z, reference)) = self.get(region, id).await? else { return Ok(None) };
        let mut one = [z];
        self.with_tags(&mut one).await?;
        let [z] = one;
        Ok(Some((z, reference)))
    }

    async fn must(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        self.read(region, id).await?.map(|(z, _)| z).ok_or_else(|| vanished("hosted zone", id))
    }

    /// The zones named `name` (ListHostedZonesByName from that name on).
    async fn named(&self, name: &str) -> Result<Vec<String>, ProviderError> {
        let name = canonical(name);
        let mut out = Vec::new();
        let mut next: Option<(String, Option<String>)> = Some((name.clone(), None));
        while let Some((dns, zone)) = next.take() {
            let call = self.client().list_hosted_zones_by_name().dns_name(dns).set_hosted_zone_id(zone);
            let page = call.send().await.map_err(|e| provider("ListHostedZonesByName", e))?;
            let mut past = false;
            for z in &page.hosted_zones {
                if canonical(z.name()) == name {
                    out.push(bare(z.id()).to_string());
                } else {
                    past = true;
                }
            }
            if page.is_truncated && !past {
                next = page.next_dns_name.map(|n| (n, page.next_hosted_zone_id));
            }
        }
        Ok(out)
    }

    /// Brings the zone's comment, VPCs and tags to `p` (after create, or
    /// for an update of those), given `live`.
    async fn converge(
        &self,
        region: &str,
        live: &Observed,
        p: &Props,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let client = self.client();
        let id = &live.id;
        let comment = props::string(p, "comment");
        if comment != props::string(&live.properties, "comment") {
            let call = client.update_hosted_zone_comment().id(id).set_comment(comment.or(Some(String::new())));
            call.send().await.map_err(|e| provider("UpdateHostedZoneComment", e))?;
        }
        let (have, want) = (vpcs_of(&live.properties, region), vpcs_of(p, region));
        if have != want {
            if have.is_empty() || want.is_empty() {
                return Err(invalid(format!(
                    "hosted zone {id}: a zone cannot change between public and private, nor keep no VPC; \
                     replace it (`stackr apply --replace`) to change that"
                )));
            }
            for (vpc, region) in want.iter().filter(|v| !have.contains(v)) {
                let call = client.associate_vpc_with_hosted_zone().hosted_zone_id(id).vpc(sdk_vpc(vpc, region));
                let out = call.send().await.map_err(|e| provider("AssociateVPCWithHostedZone", e))?;
                self.note(id, out.change_info);
            }
            for (vpc, region) in have.iter().filter(|v| !want.contains(v)) {
                let call = client.disassociate_vpc_from_hosted_zone().hosted_zone_id(id).vpc(sdk_vpc(vpc, region));
                let out = call.send().await.map_err(|e| provider("DisassociateVPCFromHostedZone", e))?;
                self.note(id, out.change_info);
            }
        }
        let mut have_tags = live.tags.clone();
        if let Some(f) = props::boolean(&live.properties, "force_destroy") {
            have_tags.insert(FORCE_TAG.into(), f.to_string());
        }
        sync_tags(&ZoneTags(client), id, &have_tags, &wanted_tags(tags, p)).await
    }

    /// Whether the last change made here to `id` is INSYNC.
    async fn in_sync(&self, id: &str) -> Result<Readiness, ProviderError> {
        let change = self.changes.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned();
        let Some(change) = change else { return Ok(Readiness::Ready) };
        let out = self.client().get_change().id(&change).send().await.map_err(|e| provider("GetChange", e))?;
        match out.change_info.map(|c| c.status) {
            Some(ChangeStatus::Insync) => {
                self.changes.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
                Ok(Readiness::Ready)
            }
            Some(other) => Ok(Readiness::Pending(other.as_str().to_string())),
            None => Ok(Readiness::Pending("unknown".into())),
        }
    }

    /// The zone's record sets other than its apex SOA and NS.
    async fn records(&self, id: &str, apex: &str) -> Result<Vec<ResourceRecordSet>, ProviderError> {
        let mut out = Vec::new();
        let mut next: Option<(String, RrType, Option<String>)> = None;
        loop {
            let mut call = self.client().list_resource_record_sets().hosted_zone_id(id);
            if let Some((name, kind, set)) = next.take() {
                call = call.start_record_name(name).start_record_type(kind).set_start_record_identifier(set);
            }
            let page = match call.send().await {
                Ok(p) => p,
                Err(e) if is(&e, GONE) => return Ok(Vec::new()),
                Err(e) => return Err(provider("ListResourceRecordSets", e)),
            };
            out.extend(
                page.resource_record_sets
                    .into_iter()
                    .filter(|r| !(canonical(r.name()) == apex && matches!(r.r#type(), RrType::Soa | RrType::Ns))),
            );
            match (page.is_truncated, page.next_record_name, page.next_record_type) {
                (true, Some(name), Some(kind)) => next = Some((name, kind, page.next_record_identifier)),
                _ => break,
            }
        }
        Ok(out)
    }
}

fn tag_map(tags: Vec<Tag>) -> BTreeMap<String, String> {
    props::tag_map(tags.into_iter().filter_map(|t| Some((t.key?, t.value.unwrap_or_default()))))
}

#[async_trait]
impl Reconciler for HostedZone {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::route53::HOSTED_ZONE_RESOURCE
    }

    /// A zone is public or private for life: VPCs are associated and
    /// disassociated in place, but a public zone never gets one and a
    /// private zone never loses its last
    /// (<https://docs.aws.amazon.com/Route53/latest/APIReference/API_DisassociateVPCFromHostedZone.html>:
    /// "You can't disassociate the last Amazon VPC from a private hosted
    /// zone").
    fn replaces(&self, field: &str, live: Option<&Value>, desired: &Value) -> bool {
        let some = |v: Option<&Value>| matches!(v, Some(Value::List(l)) if !l.is_empty());
        field == "vpcs" && some(live) != some(Some(desired))
    }

    fn normalize_desired(&self, p: &mut Props) {
        if let Some(n) = props::string(p, "name") {
            p.insert("name".into(), s(canonical(&n)));
        }
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut found = Vec::new();
        for id in ids {
            if let Some((z, _)) = self.get(region, id).await? {
                found.push(z);
            }
        }
        self.with_tags(&mut found).await?;
        let mut by_id: HashMap<String, Observed> = found.into_iter().map(|z| (z.id.clone(), z)).collect();
        Ok(ids.iter().map(|id| by_id.remove(bare(id))).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let region = &req.target.region;
        for id in self.named(&name).await? {
            if req.known_ids.contains(&id) {
                continue;
            }
            if let Some((z, reference)) = self.read(region, &id).await?
                && (reference == reference_of(&req.token) || crate::kit::is_ours(&z.tags, &req.target))
            {
                return Ok(Some(z));
            }
        }
        Ok(None)
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let (p, region) = (&req.properties, &req.target.region);
        let name = props::require(p, "name")?;
        let vpcs = vpcs_of(p, region);
        // Private when it names VPCs; `vpcs: []` is a public zone, as is
        // leaving it out.
        let config =
            HostedZoneConfig::builder().set_comment(props::string(p, "comment")).private_zone(!vpcs.is_empty()).build();
        let reference = reference_of(&req.token);
        let made = fields::create(FIELDS, self.client().create_hosted_zone(), p)?
            .caller_reference(&reference)
            .hosted_zone_config(config)
            .set_vpc(vpcs.first().map(|(v, r)| sdk_vpc(v, r)))
            .send()
            .await;
        let id = match made {
            Ok(out) => {
                let id = out.hosted_zone.map(|z| bare(z.id()).to_string()).unwrap_or_default();
                self.note(&id, out.change_info);
                id
            }
            // This very create, retried: its zone is the one with our reference.
            Err(e) if is(&e, &["HostedZoneAlreadyExists"]) => {
                let mut ours = None;
                for id in self.named(&name).await? {
                    if let Some((_, r)) = self.get(region, &id).await?
                        && r == reference
                    {
                        ours = Some(id);
                    }
                }
                ours.ok_or_else(|| provider("CreateHostedZone", e))?
            }
            Err(e) => return Err(provider("CreateHostedZone", e)),
        };
        // Just made: it may take a moment to be visible.
        let live = crate::kit::poll(&format!("hosted zone {id} to be visible"), crate::kit::PROPAGATION, || async {
            Ok(self.read(region, &id).await?.map(|(z, _)| z))
        })
        .await?;
        self.converge(region, &live, p, &req.tags).await?;
        self.must(region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        for field in &req.changed {
            if !matches!(field.as_str(), "comment" | "vpcs" | "tags" | "force_destroy") {
                return Err(not_in_place("a hosted zone", field));
            }
        }
        self.converge(&req.target.region, &req.observed, &req.desired, &req.tags).await?;
        self.must(&req.target.region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let (id, region) = (bare(&req.id), &req.target.region);
        let Some((zone, _)) = self.get(region, id).await? else { return Ok(()) };
        let apex = canonical(&props::string(&zone.attributes, "name").unwrap_or_default());
        let force = props::boolean(&req.properties, "force_destroy").unwrap_or(false);
        for _ in 0..3 {
            let records = self.records(id, &apex).await?;
            if !records.is_empty() && !force {
                let names: Vec<String> =
                    records.iter().take(5).map(|r| format!("{} {}", r.name(), r.r#type().as_str())).collect();
                return Err(invalid(format!(
                    "hosted zone {apex} ({id}) still holds {} record set(s) besides its SOA and NS ({}{}); \
                     AWS refuses to delete it (HostedZoneNotEmpty): delete them, or set `force_destroy: true`",
                    records.len(),
                    names.join(", "),
                    if records.len() > 5 { ", ..." } else { "" }
                )));
            }
            for chunk in records.chunks(100) {
                let changes = chunk
                    .iter()
                    .map(|r| Change::builder().action(ChangeAction::Delete).resource_record_set(r.clone()).build())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| invalid(format!("change: {e}")))?;
                let batch = ChangeBatch::builder()
                    .set_changes(Some(changes))
                    .build()
                    .map_err(|e| invalid(format!("change: {e}")))?;
                let call = self.client().change_resource_record_sets().hosted_zone_id(id).change_batch(batch);
                call.send().await.map_err(|e| provider("ChangeResourceRecordSets", e))?;
            }
            match self.client().delete_hosted_zone().id(id).send().await {
                Ok(out) => {
                    self.note(id, out.change_info);
                    return Ok(());
                }
                // A record set added meanwhile: again.
                Err(e) if is(&e, &["HostedZoneNotEmpty"]) => continue,
                Err(e) => return tolerate("DeleteHostedZone", Err::<(), _>(e), GONE),
            }
        }
        Err(ProviderError::not_yet(format!("hosted zone {apex} ({id}): record sets keep being added"), None))
    }

    async fn readiness(&self, _region: &str, id: &str) -> Result<Readiness, ProviderError> {
        self.in_sync(bare(id)).await
    }

    async fn deleted(&self, _region: &str, id: &str) -> Result<Readiness, ProviderError> {
        self.in_sync(bare(id)).await
    }
}

/// The CallerReference of a create: its token (at most 128 characters).
fn reference_of(token: &str) -> String {
    token.chars().take(128).collect()
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::route53::HOSTED_ZONE_RESOURCE, &["force_destroy"]);
    }
}
