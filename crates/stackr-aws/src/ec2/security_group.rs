//! `aws.ec2.security_group`: a VPC security group and its rules.
//!
//! Rules are a set, diffed by (protocol, ports, peer): a rule the stack no
//! longer lists is revoked, a new one authorized, one whose description
//! alone changed is updated in place (UpdateSecurityGroupRuleDescriptions*);
//! the group itself is never recreated for a rule change. Each rule has one
//! peer: `cidr_ipv4`, `cidr_ipv6`, `source_security_group_id`,
//! `prefix_list_id`, or `self: true` (the group itself).
//!
//! Egress: when the stack gives `egress`, it is exactly the group's
//! outbound rules, so AWS's default allow-all rule (added to every new
//! group) is revoked unless listed. When `egress` is omitted, outbound
//! rules are left alone: the default allow-all stays, and rules added in
//! the console are not reported as drift. The same holds for `ingress`.
//!
//! Observed rules use the stack's shape: `protocol` as AWS reports it
//! (`tcp`, `udp`, `icmp`, `icmpv6`, `-1`, or a number; so write `-1`, not
//! `all`), ports only when the protocol has them, `description` only when
//! set. They are listed in a fixed order: by from port (none first), to
//! port, protocol, then peer (IPv4, IPv6, group, self, prefix list). The
//! engine's diff compares lists in order, so a stack listing rules in
//! another order sees a (harmless, repeated) difference.
//!
//! Reads: one paginated DescribeSecurityGroups (filter `group-id`); during a
//! refresh the region's groups, read once for every EC2 type (`region_reads`).

use super::common::{
    self, Describe, describe, eventually, existing, find_tagged, must_observe, not_in_place, num, observe_by_id,
    tag_spec, tolerate,
};
use super::region_reads;
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ec2::operation::create_security_group::builders::CreateSecurityGroupFluentBuilder;
use aws_sdk_ec2::types::SecurityGroupRule as SdkRule;
use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, UserIdGroupPair};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["InvalidGroup.NotFound", "InvalidGroupId.NotFound"];

/// A rule's one peer, in the order observed rules are sorted by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Peer {
    V4(String),
    V6(String),
    Group(String),
    SelfRef,
    PrefixList(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rule {
    pub(super) protocol: String,
    pub(super) from: Option<i32>,
    pub(super) to: Option<i32>,
    pub(super) peer: Peer,
    pub(super) description: Option<String>,
}

/// AWS's spelling of a protocol.
pub(super) fn protocol(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "all" => "-1".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        other => other.to_string(),
    }
}

/// A port from a rule map (a number, or a string holding one).
pub(super) fn port(m: &BTreeMap<String, Value>, k: &str) -> Result<Option<i32>, ProviderError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.fract() == 0.0 && (-1.0..=65535.0).contains(n) => Ok(Some(*n as i32)),
        Some(Value::String(t)) => {
            t.parse().map(Some).map_err(|_| common::invalid(format!("`{k}` must be a port: {t}")))
        }
        Some(other) => Err(common::invalid(format!("`{k}` must be a port: {other}"))),
    }
}

/// A rule's ports as AWS takes them
/// (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>):
/// none for all protocols (-1); both, 0 to 65535 and in order, for TCP and
/// UDP; for ICMP the type and code, -1 for all.
pub(super) fn ports(proto: &str, m: &BTreeMap<String, Value>) -> Result<(Option<i32>, Option<i32>), ProviderError> {
    // A name AWS knows, -1, or an IP protocol number (0-255).
    let named = ["tcp", "udp", "icmp", "icmpv6", "-1"];
    if !named.contains(&proto) && proto.parse::<u8>().is_err() {
        return Err(common::invalid(format!(
            "`{proto}` is not a protocol: tcp, udp, icmp, icmpv6, -1 (or all) for all traffic, or a protocol \
             number 0-255"
        )));
    }
    if proto == "-1" {
        return Ok((None, None));
    }
    let (from, to) = (port(m, "from_port")?, port(m, "to_port")?);
    if matches!(proto, "tcp" | "udp") {
        match (from, to) {
            (Some(f), Some(t)) if (0..=t).contains(&f) && t <= 65535 => {}
            (Some(f), Some(t)) => {
                return Err(common::invalid(format!(
                    "a {proto} rule's ports run from `from_port` to `to_port`, 0 to 65535: {f} to {t} is not a range"
                )));
            }
            _ => {
                return Err(common::invalid(format!(
                    "a {proto} rule needs `from_port` and `to_port` (the same number for one port); protocol \"-1\" is \
                     all traffic"
                )));
            }
        }
    }
    Ok((from, to))
}

impl Rule {
    /// What identifies a rule in AWS (everything but the description).
    pub(super) fn key(&self) -> (&str, Option<i32>, Option<i32>, &Peer) {
        (&self.protocol, self.from, self.to, &self.peer)
    }

    fn sort_key(&self) -> (i32, i32, &str, &Peer, &str) {
        (
            self.from.unwrap_or(i32::MIN),
            self.to.unwrap_or(i32::MIN),
            &self.protocol,
            &self.peer,
            self.description.as_deref().unwrap_or_default(),
        )
    }

    fn from_value(v: &Value) -> Result<Rule, ProviderError> {
        let Value::Map(m) = v else { return Err(common::invalid("each security group rule must be a map")) };
        let text = |k: &str| m.get(k).and_then(Value::to_interpolated).filter(|t| !t.is_empty());
        let proto = protocol(&text("protocol").ok_or_else(|| common::invalid("a rule needs `protocol`"))?);
        let mut peers = Vec::new();
        if let Some(c) = text("cidr_ipv4") {
            peers.push(Peer::V4(c));
        }
        if let Some(c) = text("cidr_ipv6") {
            peers.push(Peer::V6(c));
        }
        if let Some(g) = text("source_security_group_id") {
            peers.push(Peer::Group(g));
        }
        if let Some(p) = text("prefix_list_id") {
            peers.push(Peer::PrefixList(p));
        }
        if m.get("self") == Some(&Value::Bool(true)) {
            peers.push(Peer::SelfRef);
        }
        let peer = match (peers.pop(), peers.is_empty()) {
            (Some(p), true) => p,
            _ => {
                return Err(common::invalid(format!(
                    "a rule needs exactly one peer (cidr_ipv4, cidr_ipv6, source_security_group_id, prefix_list_id \
                     or self: true): {}",
                    v.to_json()
                )));
            }
        };
        let (from, to) = ports(&proto, m)?;
        Ok(Rule { protocol: proto, from, to, peer, description: text("description") })
    }

    pub(super) fn to_value(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert("protocol".to_string(), s(&self.protocol));
        if let Some(f) = self.from {
            m.insert("from_port".into(), num(f));
        }
        if let Some(t) = self.to {
            m.insert("to_port".into(), num(t));
        }
        match &self.peer {
            Peer::V4(c) => m.insert("cidr_ipv4".into(), s(c)),
            Peer::V6(c) => m.insert("cidr_ipv6".into(), s(c)),
            Peer::Group(g) => m.insert("source_security_group_id".into(), s(g)),
            Peer::PrefixList(p) => m.insert("prefix_list_id".into(), s(p)),
            Peer::SelfRef => m.insert("self".into(), Value::Bool(true)),
        };
        if let Some(d) = &self.description {
            m.insert("description".into(), s(d));
        }
        Value::Map(m)
    }

    /// One rule as DescribeSecurityGroupRules reports it (`own` is the
    /// rule's group: a rule naming it is `self`), with its direction.
    pub(super) fn from_sdk(r: &SdkRule, own: &str) -> Option<(Direction, Rule)> {
        let proto = protocol(r.ip_protocol().unwrap_or("-1"));
        // AWS reports -1 for the ports of a rule without them.
        let (from, to) = if proto == "-1" { (None, None) } else { (r.from_port(), r.to_port()) };
        let peer = if let Some(c) = r.cidr_ipv4() {
            Peer::V4(c.to_string())
        } else if let Some(c) = r.cidr_ipv6() {
            Peer::V6(c.to_string())
        } else if let Some(g) = r.referenced_group_info().and_then(|g| g.group_id()) {
            if g == own { Peer::SelfRef } else { Peer::Group(g.to_string()) }
        } else {
            Peer::PrefixList(r.prefix_list_id()?.to_string())
        };
        let description = r.description().filter(|d| !d.is_empty()).map(str::to_string);
        let d = if r.is_egress() == Some(true) { Direction::Egress } else { Direction::Ingress };
        Some((d, Rule { protocol: proto, from, to, peer, description }))
    }

    /// The rule as one IpPermission of the group `own`.
    pub(super) fn permission(&self, own: &str) -> IpPermission {
        let d = self.description.clone();
        let b = IpPermission::builder().ip_protocol(&self.protocol).set_from_port(self.from).set_to_port(self.to);
        match &self.peer {
            Peer::V4(c) => b.ip_ranges(IpRange::builder().cidr_ip(c).set_description(d).build()),
            Peer::V6(c) => b.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(c).set_description(d).build()),
            Peer::Group(g) => b.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).set_description(d).build()),
            Peer::SelfRef => b.user_id_group_pairs(UserIdGroupPair::builder().group_id(own).set_description(d).build()),
            Peer::PrefixList(p) => {
                b.prefix_list_ids(PrefixListId::builder().prefix_list_id(p).set_description(d).build())
            }
        }
        .build()
    }
}

/// One rule per peer of AWS's grouped permissions.
fn flatten(perms: &[IpPermission], own: &str) -> Vec<Rule> {
    let mut out = Vec::new();
    for p in perms {
        let proto = protocol(p.ip_protocol().unwrap_or("-1"));
        let (from, to) = if proto == "-1" { (None, None) } else { (p.from_port(), p.to_port()) };
        let desc = |d: Option<&str>| d.filter(|d| !d.is_empty()).map(str::to_string);
        let mut push = |peer: Peer, d: Option<&str>| {
            out.push(Rule { protocol: proto.clone(), from, to, peer, description: desc(d) });
        };
        for r in p.ip_ranges() {
            if let Some(c) = r.cidr_ip() {
                push(Peer::V4(c.to_string()), r.description());
            }
        }
        for r in p.ipv6_ranges() {
            if let Some(c) = r.cidr_ipv6() {
                push(Peer::V6(c.to_string()), r.description());
            }
        }
        for g in p.user_id_group_pairs() {
            match g.group_id() {
                Some(id) if id == own => push(Peer::SelfRef, g.description()),
                Some(id) => push(Peer::Group(id.to_string()), g.description()),
                None => {}
            }
        }
        for l in p.prefix_list_ids() {
            if let Some(id) = l.prefix_list_id() {
                push(Peer::PrefixList(id.to_string()), l.description());
            }
        }
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub(super) fn field(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

pub struct SecurityGroup {
    clients: Arc<Clients>,
}

impl SecurityGroup {
    pub fn new(clients: Arc<Clients>) -> Self {
        SecurityGroup { clients }
    }

    async fn authorize(&self, c: &aws_sdk_ec2::Client, id: &str, d: Direction, r: &Rule) -> Result<(), ProviderError> {
        let p = r.permission(id);
        // Already there (a retried call) is fine.
        const DUPLICATE: &[&str] = &["InvalidPermission.Duplicate"];
        // A group just made, or the peer group, may not be visible yet.
        match d {
            Direction::Ingress => {
                let call = c.authorize_security_group_ingress().group_id(id).ip_permissions(p);
                eventually("AuthorizeSecurityGroupIngress", || {
                    let sent = call.clone().send();
                    async move {
                        match sent.await {
                            Err(e) if is(&e, DUPLICATE) => Ok(()),
                            r => r.map(|_| ()),
                        }
                    }
                })
                .await
            }
            Direction::Egress => {
                let call = c.authorize_security_group_egress().group_id(id).ip_permissions(p);
                eventually("AuthorizeSecurityGroupEgress", || {
                    let sent = call.clone().send();
                    async move {
                        match sent.await {
                            Err(e) if is(&e, DUPLICATE) => Ok(()),
                            r => r.map(|_| ()),
                        }
                    }
                })
                .await
            }
        }
    }

    /// Revokes `rules` of one direction by their security group rule ids
    /// (DescribeSecurityGroupRules gives them): AWS matches a rule given
    /// by its permissions without its description, but an id names exactly
    /// one rule, whatever the peer. A rule without an id is already gone.
    async fn revoke(
        &self,
        c: &aws_sdk_ec2::Client,
        id: &str,
        d: Direction,
        rules: &[&Rule],
    ) -> Result<(), ProviderError> {
        if rules.is_empty() {
            return Ok(());
        }
        let live = group_rules(c, id).await?;
        let ids: Vec<String> = live
            .iter()
            .filter_map(|r| Some((Rule::from_sdk(r, id)?, r.security_group_rule_id()?)))
            .filter(|((dir, live), _)| *dir == d && rules.iter().any(|r| r.key() == live.key()))
            .map(|(_, rule_id)| rule_id.to_string())
            .collect();
        revoke_ids(c, id, d, ids).await
    }

    async fn describe_rule(
        &self,
        c: &aws_sdk_ec2::Client,
        id: &str,
        d: Direction,
        r: &Rule,
    ) -> Result<(), ProviderError> {
        let p = r.permission(id);
        match d {
            Direction::Ingress => c
                .update_security_group_rule_descriptions_ingress()
                .group_id(id)
                .ip_permissions(p)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| provider("UpdateSecurityGroupRuleDescriptionsIngress", e)),
            Direction::Egress => c
                .update_security_group_rule_descriptions_egress()
                .group_id(id)
                .ip_permissions(p)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| provider("UpdateSecurityGroupRuleDescriptionsEgress", e)),
        }
    }

    /// Makes one direction's rules exactly `want`, one call per rule that differs.
    async fn sync_rules(
        &self,
        region: &str,
        id: &str,
        d: Direction,
        have: Option<&Value>,
        want: Option<&Value>,
    ) -> Result<(), ProviderError> {
        let client = self.clients.ec2(region);
        let rules = |v: Option<&Value>| -> Result<Vec<Rule>, ProviderError> {
            v.and_then(Value::as_list).unwrap_or_default().iter().map(Rule::from_value).collect()
        };
        let want = rules(want)?;
        let have = rules(have)?;
        for (i, w) in want.iter().enumerate() {
            if want[..i].iter().any(|o| o.key() == w.key()) {
                return Err(common::invalid(format!(
                    "{} lists the same rule twice: {}",
                    d.field(),
                    w.to_value().to_json()
                )));
            }
        }
        let stale: Vec<&Rule> = have.iter().filter(|h| !want.iter().any(|w| w.key() == h.key())).collect();
        self.revoke(&client, id, d, &stale).await?;
        for w in &want {
            match have.iter().find(|h| h.key() == w.key()) {
                None => self.authorize(&client, id, d, w).await?,
                Some(h) if h.description != w.description => self.describe_rule(&client, id, d, w).await?,
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// Every rule of the group `id`, both directions (DescribeSecurityGroupRules,
/// paginated, filter `group-id`).
pub(super) async fn group_rules(c: &aws_sdk_ec2::Client, id: &str) -> Result<Vec<SdkRule>, ProviderError> {
    let call = c.describe_security_group_rules().filters(common::filter("group-id", [id]));
    Ok(describe!(call, security_group_rules, "DescribeSecurityGroupRules"))
}

/// Revokes rules of the group `id` by rule id, and checks AWS's answer:
/// `Return` false, or rules listed in `UnknownIpPermissions`, mean nothing
/// was revoked (RevokeSecurityGroupIngress: "AWS recommends that you
/// describe the security group to verify that the rules were removed",
/// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html).
/// A rule id AWS no longer knows is a rule already gone.
pub(super) async fn revoke_ids(
    c: &aws_sdk_ec2::Client,
    id: &str,
    d: Direction,
    ids: Vec<String>,
) -> Result<(), ProviderError> {
    match revoke_call(c, id, d, &ids).await? {
        // One id of several gone refuses them all: one by one.
        false if ids.len() > 1 => {
            for one in ids {
                revoke_call(c, id, d, std::slice::from_ref(&one)).await?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// One Revoke call by rule ids: whether AWS knew every id.
async fn revoke_call(c: &aws_sdk_ec2::Client, id: &str, d: Direction, ids: &[String]) -> Result<bool, ProviderError> {
    if ids.is_empty() {
        return Ok(true);
    }
    let set = Some(ids.to_vec());
    match d {
        Direction::Ingress => {
            let r = c.revoke_security_group_ingress().group_id(id).set_security_group_rule_ids(set).send().await;
            revoked("RevokeSecurityGroupIngress", id, ids, r.map(|o| (o.r#return(), o.unknown_ip_permissions().len())))
        }
        Direction::Egress => {
            let r = c.revoke_security_group_egress().group_id(id).set_security_group_rule_ids(set).send().await;
            revoked("RevokeSecurityGroupEgress", id, ids, r.map(|o| (o.r#return(), o.unknown_ip_permissions().len())))
        }
    }
}

/// A Revoke call's answer (`Return`, how many `UnknownIpPermissions`).
fn revoked<E, R>(
    call: &str,
    id: &str,
    ids: &[String],
    answer: Result<(Option<bool>, usize), SdkError<E, R>>,
) -> Result<bool, ProviderError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    // An id AWS no longer knows, or a group gone with its rules.
    const GONE: &[&str] = &[
        "InvalidSecurityGroupRuleId.NotFound",
        "InvalidPermission.NotFound",
        "InvalidGroup.NotFound",
        "InvalidGroupId.NotFound",
    ];
    match answer {
        Ok((Some(false), _)) | Ok((_, 1..)) => Err(ProviderError::new(
            ErrorKind::Other,
            format!("{call} on {id} revoked nothing for the rules {}: AWS does not know them", ids.join(", ")),
        )),
        Ok(_) => Ok(true),
        Err(e) if is(&e, GONE) => Ok(false),
        Err(e) => Err(provider(call, e)),
    }
}

#[async_trait]
impl Describe for SecurityGroup {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::SECURITY_GROUP
    }

    fn id_filter(&self) -> Option<&'static str> {
        Some("group-id")
    }

    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError> {
        let client = self.clients.ec2(region);
        let groups = describe!(
            client.describe_security_groups().set_filters(Some(filters)),
            security_groups,
            "DescribeSecurityGroups"
        );
        Ok(groups.iter().filter_map(|g| observed(region, g)).collect())
    }
}

/// A security group as observed.
fn observed(region: &str, g: &aws_sdk_ec2::types::SecurityGroup) -> Option<Observed> {
    let id = g.group_id()?.to_string();
    let owner = g.owner_id().unwrap_or_default();
    let arn =
        g.security_group_arn().map(str::to_string).unwrap_or_else(|| common::arn(region, owner, "security-group", &id));
    let properties = fields::observed(FIELDS, g);
    let attributes = props::build([("id", Some(s(&id))), ("arn", Some(s(arn))), ("owner_id", g.owner_id().map(s))]);
    Some(Observed { id, properties, attributes, tags: common::tag_map(g.tags()) })
}

/// A group's permissions of one direction as the stack's rules (a rule
/// naming the group itself is `self`).
fn rules(g: &aws_sdk_ec2::types::SecurityGroup, perms: &[IpPermission]) -> Value {
    Value::List(flatten(perms, g.group_id().unwrap_or_default()).iter().map(Rule::to_value).collect())
}

/// Schema ↔ AWS (`SecurityGroup` of DescribeSecurityGroups;
/// CreateSecurityGroup). The rules are authorized after the create
/// (AuthorizeSecurityGroupIngress/Egress, `sync_rules`), so theirs are
/// read-only rows.
type Row = Field<aws_sdk_ec2::types::SecurityGroup, CreateSecurityGroupFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "GroupName", |g| g.group_name().map(s)).create(|c, v| Ok(c.group_name(to::text(v)?))),
    Row::new("description", "Description", |g| g.description().map(s)).create(|c, v| Ok(c.description(to::text(v)?))),
    Row::new("vpc_id", "VpcId", |g| g.vpc_id().map(s)).create(|c, v| Ok(c.vpc_id(to::text(v)?))),
    Row::new("ingress", "IpPermissions", |g| Some(rules(g, g.ip_permissions()))),
    Row::new("egress", "IpPermissionsEgress", |g| Some(rules(g, g.ip_permissions_egress()))),
];

#[async_trait]
impl Reconciler for SecurityGroup {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::SECURITY_GROUP
    }

    /// Each known inline rule as AWS would take it (one peer; ports).
    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        for field in ["ingress", "egress"] {
            if let Some(Value::List(rules)) = p.get(field) {
                for (i, r) in rules.iter().enumerate().filter(|(_, r)| !r.contains_unknown()) {
                    Rule::from_value(r).map_err(|e| common::invalid(format!("`{field}[{i}]`: {}", e.message)))?;
                }
            }
        }
        Ok(())
    }

    /// Rules as AWS reports them: protocol names (`all` is `-1`), no ports
    /// for all traffic (`protocol: "-1", from_port: 0, to_port: 0`, as
    /// Terraform users write it, is the same rule). A rule not yet known,
    /// or not valid (reported when sent), is left as written.
    fn normalize_desired(&self, props: &mut Props) {
        for field in ["ingress", "egress"] {
            if let Some(Value::List(rules)) = props.get_mut(field) {
                for r in rules.iter_mut().filter(|r| !r.contains_unknown()) {
                    if let Ok(rule) = Rule::from_value(r) {
                        *r = rule.to_value();
                    }
                }
            }
        }
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        if let Some(all) = region_reads::security_groups(&self.clients, region).await? {
            return Ok(region_reads::pick(ids, all.iter().filter_map(|g| observed(region, g))));
        }
        observe_by_id(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        find_tagged(self, req).await
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        // A group an earlier attempt made may lack rules: synced below
        // like a fresh one.
        let id = match existing(self, req).await? {
            Some(found) => found.id,
            None => {
                props::require(p, "name")?;
                props::require(p, "description")?;
                let call = fields::create(FIELDS, self.clients.ec2(region).create_security_group(), p)?
                    .tag_specifications(tag_spec(ResourceType::SecurityGroup, &req.tags));
                eventually("CreateSecurityGroup", || call.clone().send())
                    .await?
                    .group_id
                    .ok_or_else(|| common::vanished("security group", "(no id returned)"))?
            }
        };
        let live = must_observe(self, region, &id).await?;
        for d in [Direction::Ingress, Direction::Egress] {
            if let Some(want) = p.get(d.field()).filter(|v| !matches!(v, Value::Null)) {
                self.sync_rules(region, &id, d, live.properties.get(d.field()), Some(want)).await?;
            }
        }
        must_observe(self, region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        for field in &req.changed {
            let d = match field.as_str() {
                "ingress" => Direction::Ingress,
                "egress" => Direction::Egress,
                "tags" => {
                    common::sync_tags(&self.clients.ec2(region), &req.id, &req.observed.tags, &req.tags).await?;
                    continue;
                }
                other => return Err(not_in_place("a security group", other)),
            };
            let want = req.desired.get(field).cloned().unwrap_or(Value::List(Vec::new()));
            self.sync_rules(region, &req.id, d, req.observed.properties.get(field), Some(&want)).await?;
        }
        must_observe(self, region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.ec2(&req.target.region).delete_security_group().group_id(&req.id).send().await;
        tolerate("DeleteSecurityGroup", r, NOT_FOUND)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ec2::SECURITY_GROUP, &[]);
    }

    #[test]
    fn rules_round_trip_in_the_stack_shape() {
        let v = rule(&[
            ("protocol", s("tcp")),
            ("from_port", num(443)),
            ("to_port", num(443)),
            ("cidr_ipv6", s("::/0")),
            ("description", s("https")),
        ]);
        assert_eq!(Rule::from_value(&v).unwrap().to_value(), v);
        let all = rule(&[("protocol", s("-1")), ("self", Value::Bool(true))]);
        assert_eq!(Rule::from_value(&all).unwrap().to_value(), all);
    }

    #[test]
    fn protocols_and_ports_are_normalized_for_matching() {
        let a =
            Rule::from_value(&rule(&[("protocol", s("ALL")), ("from_port", num(0)), ("cidr_ipv4", s("0.0.0.0/0"))]))
                .unwrap();
        let b = Rule::from_value(&rule(&[("protocol", s("-1")), ("cidr_ipv4", s("0.0.0.0/0"))])).unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(protocol("6"), "tcp");
        assert_eq!(protocol("58"), "icmpv6");
    }

    #[test]
    fn a_protocol_is_a_name_aws_knows_or_a_number() {
        let peer = ("cidr_ipv4", s("10.0.0.0/8"));
        let typo = rule(&[("protocol", s("tpc")), ("from_port", num(80)), ("to_port", num(80)), peer.clone()]);
        let e = Rule::from_value(&typo).unwrap_err().message;
        assert!(e.contains("`tpc` is not a protocol: tcp, udp"), "{e}");
        let gre = rule(&[("protocol", s("47")), peer.clone()]);
        assert!(Rule::from_value(&gre).is_ok());
        assert!(Rule::from_value(&rule(&[("protocol", s("256")), peer])).is_err());
    }

    #[test]
    fn tcp_and_udp_rules_need_a_port_range_in_order() {
        let peer = ("cidr_ipv4", s("10.0.0.0/8"));
        let ok = rule(&[("protocol", s("tcp")), ("from_port", num(80)), ("to_port", num(80)), peer.clone()]);
        assert!(Rule::from_value(&ok).is_ok());
        let missing = rule(&[("protocol", s("udp")), ("from_port", num(53)), peer.clone()]);
        assert!(Rule::from_value(&missing).unwrap_err().message.contains("needs `from_port` and `to_port`"));
        let reversed = rule(&[("protocol", s("tcp")), ("from_port", num(443)), ("to_port", num(80)), peer.clone()]);
        assert!(Rule::from_value(&reversed).unwrap_err().message.contains("443 to 80 is not a range"));
        let icmp = rule(&[("protocol", s("icmp")), ("from_port", num(-1)), ("to_port", num(-1)), peer]);
        assert!(Rule::from_value(&icmp).is_ok(), "ICMP type and code, -1 for all");
    }

    #[test]
    fn a_rule_has_exactly_one_peer() {
        let none = rule(&[("protocol", s("tcp")), ("from_port", num(1)), ("to_port", num(1))]);
        assert!(Rule::from_value(&none).is_err());
        let two = rule(&[("protocol", s("-1")), ("cidr_ipv4", s("0.0.0.0/0")), ("cidr_ipv6", s("::/0"))]);
        assert!(Rule::from_value(&two).is_err());
    }

    #[test]
    fn grouped_permissions_flatten_in_a_fixed_order() {
        let perms = vec![
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").description("").build())
                .build(),
            IpPermission::builder()
                .ip_protocol("-1")
                .user_id_group_pairs(UserIdGroupPair::builder().group_id("sg-own").build())
                .user_id_group_pairs(UserIdGroupPair::builder().group_id("sg-peer").build())
                .build(),
        ];
        let got: Vec<Value> = flatten(&perms, "sg-own").iter().map(Rule::to_value).collect();
        let want = vec![
            rule(&[("protocol", s("-1")), ("source_security_group_id", s("sg-peer"))]),
            rule(&[("protocol", s("-1")), ("self", Value::Bool(true))]),
            rule(&[
                ("protocol", s("tcp")),
                ("from_port", num(443)),
                ("to_port", num(443)),
                ("cidr_ipv4", s("0.0.0.0/0")),
            ]),
            rule(&[("protocol", s("tcp")), ("from_port", num(443)), ("to_port", num(443)), ("cidr_ipv6", s("::/0"))]),
        ];
        assert_eq!(got, want);
    }
}
