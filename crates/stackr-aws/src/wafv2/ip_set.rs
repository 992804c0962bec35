//! `aws.wafv2.ip_set`: a WAF IP set of one address family. Its addresses
//! (a set of CIDR blocks, compared in canonical form, see [`super::cidr`]),
//! description and tags change in place (UpdateIPSet with the lock token,
//! retried on a stale one); name, scope and address family replace it.
//!
//! Reads: one ListIPSets per scope of the region (CLOUDFRONT only in
//! us-east-1) to learn names, then GetIPSet and ListTagsForResource per
//! live IP set. The name is unique per scope: a create first looks the
//! name up, adopting an IP set carrying this stack's and address's tags
//! (a retried create) and refusing anyone else's. `find` looks the
//! journaled name up the same way, or without one, searches the region's
//! IP sets for this stack's and address's tags.
//!
//! Delete reads the lock token and deletes; an IP set still used by a web
//! ACL fails with WAFAssociatedItemException, reported as retryable so the
//! engine tries again once the web ACL has moved on or gone (moto does not
//! refuse that delete; the test bed adds the refusal).

use super::{
    Kind, NONEXISTENT, Summary, cidr, list, read_tags, scope_of, scopes, summaries, sync_tags, waf_error, waf_tags,
    with_lock,
};
use crate::clients::Clients;
use crate::error::is;
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_wafv2::operation::create_ip_set::builders::CreateIPSetFluentBuilder;
use aws_sdk_wafv2::types::{IpAddressVersion, Scope};
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::sync::Arc;

pub struct IpSet {
    clients: Arc<Clients>,
}

fn scope_name(scope: &Scope) -> &'static str {
    if *scope == Scope::Cloudfront { "CLOUDFRONT" } else { "REGIONAL" }
}

/// The desired addresses, checked: canonical CIDR blocks of the set's family.
fn wanted_addresses(p: &Props) -> Result<Vec<String>, ProviderError> {
    let version = props::require(p, "ip_address_version")?;
    let mut out = Vec::new();
    for a in props::strings(p, "addresses") {
        let Some(c) = cidr::canonical(&a) else {
            return Err(ProviderError::new(
                ErrorKind::Invalid,
                format!("`{a}` is not a CIDR block (e.g. 192.0.2.0/24)"),
            ));
        };
        if c != a {
            return Err(ProviderError::new(
                ErrorKind::Invalid,
                format!(
                    "write the address `{a}` as `{c}`, its canonical form, so it compares equal to what WAF reports"
                ),
            ));
        }
        if !cidr::family_matches(&a, &version) {
            return Err(ProviderError::new(ErrorKind::Invalid, format!("`{a}` is not an {version} address")));
        }
        out.push(a);
    }
    Ok(cidr::normalized(out))
}

/// One IP set as read: GetIPSet's set and the scope it was listed in.
struct Seen {
    set: aws_sdk_wafv2::types::IpSet,
    scope: Scope,
}

/// Schema ↔ AWS (`IPSet` of GetIPSet, with the scope of ListIPSets;
/// CreateIPSet). The addresses a create is given are checked first
/// ([`wanted_addresses`]).
type Row = Field<Seen, CreateIPSetFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "Name", |x| Some(s(&x.set.name))).create(|c, v| Ok(c.name(to::text(v)?))),
    Row::new("scope", "Scope", |x| Some(s(scope_name(&x.scope))))
        .create(|c, v| Ok(c.scope(Scope::from(to::text(v)?.as_str())))),
    Row::new("ip_address_version", "IPAddressVersion", |x| Some(s(x.set.ip_address_version.as_str())))
        .create(|c, v| Ok(c.ip_address_version(IpAddressVersion::from(to::text(v)?.as_str())))),
    Row::new("addresses", "Addresses", |x| Some(props::list(cidr::normalized(x.set.addresses.clone()))))
        .create(|c, v| Ok(c.set_addresses(Some(cidr::normalized(to::texts(v)?))))),
    Row::new("description", "Description", |x| x.set.description.clone().filter(|d| !d.is_empty()).map(s))
        .create(|c, v| Ok(c.description(to::text(v)?))),
];

impl IpSet {
    pub fn new(clients: Arc<Clients>) -> Self {
        IpSet { clients }
    }

    /// The live IP set of a listed summary (`None`: gone meanwhile).
    async fn read(&self, region: &str, sum: &Summary) -> Result<Option<Observed>, ProviderError> {
        let client = self.clients.wafv2(region);
        let out = match client.get_ip_set().name(&sum.name).scope(sum.scope.clone()).id(&sum.id).send().await {
            Ok(o) => o,
            Err(e) if is(&e, NONEXISTENT) => return Ok(None),
            Err(e) => return Err(waf_error("GetIPSet", e)),
        };
        let Some(set) = out.ip_set else { return Ok(None) };
        let Some(tags) = read_tags(&self.clients, region, &set.arn).await? else { return Ok(None) };
        let seen = Seen { set, scope: sum.scope.clone() };
        let properties = fields::observed(FIELDS, &seen);
        let attributes = props::build([("id", Some(s(&seen.set.id))), ("arn", Some(s(&seen.set.arn)))]);
        Ok(Some(Observed { id: seen.set.id, properties, attributes, tags }))
    }

    /// The summary of the IP set with this id in the region, if any.
    async fn summary(&self, region: &str, id: &str) -> Result<Option<Summary>, ProviderError> {
        let all = list(&self.clients.wafv2(region), Kind::IpSets, &scopes(region)).await?;
        Ok(all.into_iter().find(|s| s.id == id))
    }

    async fn must_read(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        let sum = self.summary(region, id).await?.ok_or_else(|| crate::kit::vanished("IP set", id))?;
        self.read(region, &sum).await?.ok_or_else(|| crate::kit::vanished("IP set", id))
    }

    /// The IP set of this name in the request's scope, if any.
    async fn named(&self, target: &Target, p: &Props) -> Result<Option<Observed>, ProviderError> {
        let scope = scope_of(p, target)?;
        let name = props::require(p, "name")?;
        let found = list(&self.clients.wafv2(&target.region), Kind::IpSets, &[scope]).await?;
        match found.into_iter().find(|s| s.name == name) {
            Some(sum) => self.read(&target.region, &sum).await,
            None => Ok(None),
        }
    }

    /// UpdateIPSet with the lock token, from the live set: addresses and
    /// description as `p` wants them (an unset description is kept).
    async fn write(&self, region: &str, id: &str, p: &Props) -> Result<(), ProviderError> {
        let addresses = wanted_addresses(p)?;
        let client = self.clients.wafv2(region);
        let sum = self.summary(region, id).await?.ok_or_else(|| crate::kit::vanished("IP set", id))?;
        let done = with_lock("UpdateIPSet", || async {
            let cur = match client.get_ip_set().name(&sum.name).scope(sum.scope.clone()).id(id).send().await {
                Ok(o) => o,
                Err(e) if is(&e, NONEXISTENT) => return Ok(None),
                Err(e) => return Err(waf_error("GetIPSet", e)),
            };
            let description = props::string(p, "description")
                .or_else(|| cur.ip_set.as_ref().and_then(|s| s.description.clone()).filter(|d| !d.is_empty()));
            let r = client
                .update_ip_set()
                .name(&sum.name)
                .scope(sum.scope.clone())
                .id(id)
                .set_description(description)
                .set_addresses(Some(addresses.clone()))
                .set_lock_token(cur.lock_token)
                .send()
                .await;
            Ok(Some(r))
        })
        .await?;
        done.map(|_| ()).ok_or_else(|| crate::kit::vanished("IP set", id))
    }
}

#[async_trait]
impl Reconciler for IpSet {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::wafv2::IP_SET
    }

    /// The scope's region, and addresses that are CIDR blocks of the set's
    /// family in canonical form (told at create otherwise, after what
    /// precedes it was made).
    fn check_in(&self, region: &str, p: &Props) -> Result<(), ProviderError> {
        super::scope_in(region, p)?;
        let known =
            ["addresses", "ip_address_version"].iter().all(|k| p.get(*k).is_some_and(|v| !v.contains_unknown()));
        if known {
            wanted_addresses(p).map_err(|e| ProviderError::new(e.kind, format!("`addresses`: {}", e.message)))?;
        }
        Ok(())
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(ids.len());
        for sum in summaries(&self.clients, region, Kind::IpSets, ids).await? {
            out.push(match sum {
                Some(sum) => self.read(region, &sum).await?,
                None => None,
            });
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let ours = |o: &Observed| {
            !req.known_ids.contains(&o.id) && crate::tags::ours(&o.tags, &req.target.stack, &req.target.address)
        };
        if props::string(&req.properties, "name").is_some() {
            return Ok(self.named(&req.target, &req.properties).await?.filter(ours));
        }
        // No journaled name: look for the stackr tags among all of the region's.
        let region = &req.target.region;
        for sum in list(&self.clients.wafv2(region), Kind::IpSets, &scopes(region)).await? {
            if let Some(o) = self.read(region, &sum).await?.filter(ours) {
                return Ok(Some(o));
            }
        }
        Ok(None)
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let p = &req.properties;
        let region = &req.target.region;
        scope_of(p, &req.target)?;
        let name = props::require(p, "name")?;
        props::require(p, "ip_address_version")?;
        wanted_addresses(p)?;
        if let Some(live) = self.named(&req.target, p).await? {
            if !crate::tags::same_owner(&live.tags, &req.tags) {
                return Err(super::taken("IP set", &name, &live.tags, req));
            }
            return Ok(live);
        }
        let call = fields::create(FIELDS, self.clients.wafv2(region).create_ip_set(), p)?;
        let created = call.set_tags(Some(waf_tags(&req.tags)?)).send().await;
        match created {
            Ok(out) => {
                let id = out.summary.and_then(|s| s.id).ok_or_else(|| crate::kit::vanished("IP set", &name))?;
                self.must_read(region, &id).await
            }
            // Made meanwhile (a concurrent retry): adopt it if it is ours.
            Err(e) if is(&e, &["WAFDuplicateItemException", "WafV2DuplicateItem"]) => {
                match self.named(&req.target, p).await? {
                    Some(live) if crate::tags::same_owner(&live.tags, &req.tags) => Ok(live),
                    other => Err(super::taken("IP set", &name, &other.map(|o| o.tags).unwrap_or_default(), req)),
                }
            }
            Err(e) => Err(waf_error("CreateIPSet", e)),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let mut wrote = false;
        for field in &req.changed {
            match field.as_str() {
                "addresses" | "description" if !wrote => {
                    wrote = true;
                    self.write(region, &req.id, &req.desired).await?;
                }
                "addresses" | "description" => {}
                "tags" => {
                    let arn = props::string(&req.observed.attributes, "arn")
                        .ok_or_else(|| crate::kit::vanished("IP set", &req.id))?;
                    sync_tags(&self.clients.wafv2(region), &arn, &req.observed.tags, &req.tags).await?;
                }
                other => return Err(crate::kit::not_in_place("a WAF IP set", other)),
            }
        }
        self.must_read(region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let Some(sum) = self.summary(region, &req.id).await? else { return Ok(()) };
        let client = self.clients.wafv2(region);
        with_lock("DeleteIPSet", || async {
            let cur = match client.get_ip_set().name(&sum.name).scope(sum.scope.clone()).id(&sum.id).send().await {
                Ok(o) => o,
                Err(e) if is(&e, NONEXISTENT) => return Ok(None),
                Err(e) => return Err(waf_error("GetIPSet", e)),
            };
            let r = client
                .delete_ip_set()
                .name(&sum.name)
                .scope(sum.scope.clone())
                .id(&sum.id)
                .set_lock_token(cur.lock_token)
                .send()
                .await;
            match r {
                Err(e) if is(&e, NONEXISTENT) => Ok(None),
                other => Ok(Some(other)),
            }
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackr_core::value::Value;

    fn p(version: &str, addrs: &[&str]) -> Props {
        [
            ("ip_address_version".to_string(), Value::String(version.into())),
            ("addresses".to_string(), Value::List(addrs.iter().map(|a| Value::String(a.to_string())).collect())),
        ]
        .into()
    }

    #[test]
    fn addresses_are_checked() {
        assert_eq!(
            wanted_addresses(&p("IPV4", &["10.0.1.0/24", "10.0.0.0/24"])).unwrap(),
            ["10.0.0.0/24", "10.0.1.0/24"]
        );
        let e = wanted_addresses(&p("IPV4", &["10.0.0.5/24"])).unwrap_err();
        assert!(e.message.contains("10.0.0.0/24"), "{}", e.message);
        assert!(wanted_addresses(&p("IPV6", &["10.0.0.0/24"])).is_err());
        assert!(wanted_addresses(&p("IPV6", &["2001:DB8::/32"])).is_err());
        assert!(wanted_addresses(&p("IPV6", &["2001:db8::/32"])).is_ok());
        assert!(wanted_addresses(&p("IPV4", &["10.0.0.1"])).is_err());
    }

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::wafv2::IP_SET, &[]);
    }
}
