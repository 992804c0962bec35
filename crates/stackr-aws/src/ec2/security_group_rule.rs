//! `aws.ec2.security_group_rule`: one rule of a security group, as a
//! resource of its own; its id is the security group rule id (sgr-...).
//!
//! Made by AuthorizeSecurityGroupIngress/Egress with the rule's tags
//! (TagSpecifications, resource type `security-group-rule`); AWS answers
//! `InvalidPermission.Duplicate` for a rule the group already has, which
//! is adopted only when it carries this stack's marks for this address (a
//! retried create), never when it is inline in a group or another's. The
//! description changes in place (ModifySecurityGroupRules, which takes the
//! whole rule); anything else replaces the rule. Deleted by rule id
//! (RevokeSecurityGroup*). Reads: DescribeSecurityGroupRules, filter
//! `security-group-rule-id`, 200 ids a call.
//! https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html

use super::common::{
    self, Describe, describe, eventually, existing, find_tagged, must_observe, observe_by_id, tag_spec,
};
use super::security_group::{Direction, Peer, Rule, group_rules, ports, protocol, revoke_ids};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::{self, Field, fields};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    Filter, ResourceType, SecurityGroupRule as SdkRule, SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::sync::Arc;

const PEERS: [&str; 4] = ["cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id"];

pub struct SecurityGroupRule {
    clients: Arc<Clients>,
}

impl SecurityGroupRule {
    pub fn new(clients: Arc<Clients>) -> Self {
        SecurityGroupRule { clients }
    }
}

/// The wanted rule: its group, direction and rule (exactly one peer).
fn wanted(p: &Props) -> Result<(String, Direction, Rule), ProviderError> {
    let group = props::require(p, "security_group_id")?;
    let d = match props::require(p, "type")?.as_str() {
        "ingress" => Direction::Ingress,
        "egress" => Direction::Egress,
        other => return Err(common::invalid(format!("`type` must be ingress or egress, not {other}"))),
    };
    let text = |k: &str| p.get(k).and_then(Value::to_interpolated).filter(|t| !t.is_empty());
    let proto = protocol(&text("protocol").ok_or_else(|| common::invalid("a rule needs `protocol`"))?);
    let set: Vec<(&str, String)> = PEERS.iter().filter_map(|k| Some((*k, text(k)?))).collect();
    let peer = match set.as_slice() {
        [("cidr_ipv4", c)] => Peer::V4(c.clone()),
        [("cidr_ipv6", c)] => Peer::V6(c.clone()),
        [("prefix_list_id", l)] => Peer::PrefixList(l.clone()),
        [(_, g)] if *g == group => Peer::SelfRef,
        [(_, g)] => Peer::Group(g.clone()),
        _ => {
            let given: Vec<&str> = set.iter().map(|(k, _)| *k).collect();
            return Err(common::invalid(format!(
                "a security group rule needs exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id or \
                 referenced_security_group_id; given: {}",
                if given.is_empty() { "none".to_string() } else { given.join(", ") }
            )));
        }
    };
    let (from, to) = ports(&proto, p)?;
    Ok((group, d, Rule { protocol: proto, from, to, peer, description: text("description") }))
}

/// A rule as observed, in the schema's names.
fn observed(region: &str, r: &SdkRule) -> Option<Observed> {
    let id = r.security_group_rule_id()?.to_string();
    let group = r.group_id()?.to_string();
    let (direction, rule) = Rule::from_sdk(r, &group)?;
    let properties = fields::observed(FIELDS, &Seen { group, direction, rule });
    let arn = r
        .security_group_rule_arn()
        .map(str::to_string)
        .unwrap_or_else(|| common::arn(region, r.group_owner_id().unwrap_or_default(), "security-group-rule", &id));
    let attributes = props::build([("id", Some(s(&id))), ("arn", Some(s(arn)))]);
    Some(Observed { id, properties, attributes, tags: common::tag_map(r.tags()) })
}

/// A rule as DescribeSecurityGroupRules reports it, read as the stack's
/// rule (`Rule::from_sdk`): its group, direction and rule.
struct Seen {
    group: String,
    direction: Direction,
    rule: Rule,
}

/// Schema ↔ AWS (`SecurityGroupRule` of DescribeSecurityGroupRules). No row
/// writes the create call: AuthorizeSecurityGroupIngress/Egress take the
/// whole rule as one `IpPermission`, checked as a whole by `wanted` (one
/// peer, ports that fit the protocol) and built by `Rule::permission`, as
/// for a group's inline rules.
type Row = Field<Seen, ()>;
const FIELDS: &[Row] = &[
    Row::new("security_group_id", "GroupId", |x| Some(s(&x.group))),
    Row::new("type", "IsEgress", |x| Some(s(x.direction.field()))),
    Row::new("protocol", "IpProtocol", |x| Some(s(&x.rule.protocol))),
    Row::new("from_port", "FromPort", |x| x.rule.from.map(common::num)),
    Row::new("to_port", "ToPort", |x| x.rule.to.map(common::num)),
    Row::new("cidr_ipv4", "CidrIpv4", |x| match &x.rule.peer {
        Peer::V4(c) => Some(s(c)),
        _ => None,
    }),
    Row::new("cidr_ipv6", "CidrIpv6", |x| match &x.rule.peer {
        Peer::V6(c) => Some(s(c)),
        _ => None,
    }),
    Row::new("prefix_list_id", "PrefixListId", |x| match &x.rule.peer {
        Peer::PrefixList(l) => Some(s(l)),
        _ => None,
    }),
    // A rule naming its own group is `self` to the stack's rule.
    Row::new("referenced_security_group_id", "ReferencedGroupInfo", |x| match &x.rule.peer {
        Peer::Group(g) => Some(s(g)),
        Peer::SelfRef => Some(s(&x.group)),
        _ => None,
    }),
    Row::new("description", "Description", |x| x.rule.description.clone().map(s)),
];

#[async_trait]
impl Describe for SecurityGroupRule {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::SECURITY_GROUP_RULE
    }

    fn id_filter(&self) -> Option<&'static str> {
        Some("security-group-rule-id")
    }

    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError> {
        let call = self.clients.ec2(region).describe_security_group_rules().set_filters(Some(filters));
        let rules = describe!(call, security_group_rules, "DescribeSecurityGroupRules");
        Ok(rules.iter().filter_map(|r| observed(region, r)).collect())
    }
}

#[async_trait]
impl Reconciler for SecurityGroupRule {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::SECURITY_GROUP_RULE
    }

    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        // The group may be unknown still: a stand-in tells only `self` apart.
        let mut p = p.clone();
        if p.get("security_group_id").is_some_and(Value::contains_unknown) {
            p.insert("security_group_id".into(), Value::String(String::new()));
        }
        let mut fields = vec!["type", "protocol", "from_port", "to_port"];
        fields.extend(PEERS);
        if kit::known(&p, &fields) { wanted(&p).map(|_| ()) } else { Ok(()) }
    }

    /// As the inline rules of `aws.ec2.security_group`: the protocol as AWS
    /// reports it (`all` is -1, 6 is tcp...), no ports for protocol -1.
    fn normalize_desired(&self, p: &mut Props) {
        let Some(proto) = p.get("protocol").filter(|v| !v.contains_unknown()).and_then(Value::to_interpolated) else {
            return;
        };
        let proto = protocol(&proto);
        if proto == "-1" {
            p.remove("from_port");
            p.remove("to_port");
        }
        p.insert("protocol".into(), s(proto));
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_by_id(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        find_tagged(self, req).await
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let (group, d, rule) = wanted(&req.properties)?;
        if let Some(found) = existing(self, req).await? {
            return Ok(found);
        }
        let c = self.clients.ec2(region);
        let (p, tags) = (rule.permission(&group), tag_spec(ResourceType::SecurityGroupRule, &req.tags));
        const DUPLICATE: &[&str] = &["InvalidPermission.Duplicate"];
        // The group (or the peer group) just made may not be visible yet.
        let made: Option<String> = match d {
            Direction::Ingress => {
                let call =
                    c.authorize_security_group_ingress().group_id(&group).ip_permissions(p).tag_specifications(tags);
                eventually("AuthorizeSecurityGroupIngress", || {
                    let sent = call.clone().send();
                    async move {
                        match sent.await {
                            Err(e) if is(&e, DUPLICATE) => Ok(None),
                            r => r.map(|o| {
                                o.security_group_rules()
                                    .iter()
                                    .find_map(|r| r.security_group_rule_id().map(str::to_string))
                            }),
                        }
                    }
                })
                .await?
            }
            Direction::Egress => {
                let call =
                    c.authorize_security_group_egress().group_id(&group).ip_permissions(p).tag_specifications(tags);
                eventually("AuthorizeSecurityGroupEgress", || {
                    let sent = call.clone().send();
                    async move {
                        match sent.await {
                            Err(e) if is(&e, DUPLICATE) => Ok(None),
                            r => r.map(|o| {
                                o.security_group_rules()
                                    .iter()
                                    .find_map(|r| r.security_group_rule_id().map(str::to_string))
                            }),
                        }
                    }
                })
                .await?
            }
        };
        if let Some(id) = made {
            return must_observe(self, region, &id).await;
        }
        // A duplicate: ours (a create retried) or someone else's.
        let live = group_rules(&c, &group).await?;
        let same =
            live.iter().find(|r| Rule::from_sdk(r, &group).is_some_and(|(ld, l)| ld == d && l.key() == rule.key()));
        match same.and_then(|r| observed(region, r)) {
            Some(o) if crate::tags::same_owner(&o.tags, &req.tags) => Ok(o),
            _ => Err(common::invalid(format!(
                "the {} rule {} of {group} already exists (inline in the group's {}, another \
                 aws.ec2.security_group_rule, or made outside this stack); remove it there or import it",
                d.field(),
                observed_text(&rule, &group),
                d.field(),
            ))),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let c = self.clients.ec2(region);
        let mut modified = false;
        for field in &req.changed {
            match field.as_str() {
                // One ModifySecurityGroupRules sets the whole rule, keeping
                // its id: ports, protocol, an IPv4 peer and the description
                // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRuleRequest.html).
                "description" | "protocol" | "from_port" | "to_port" | "cidr_ipv4" if modified => {}
                "description" | "protocol" | "from_port" | "to_port" | "cidr_ipv4" => {
                    modified = true;
                    let (group, _, rule) = wanted(&req.desired)?;
                    let b = SecurityGroupRuleRequest::builder()
                        .ip_protocol(&rule.protocol)
                        .from_port(rule.from.unwrap_or(-1))
                        .to_port(rule.to.unwrap_or(-1))
                        .description(rule.description.clone().unwrap_or_default());
                    let b = match &rule.peer {
                        Peer::V4(x) => b.cidr_ipv4(x),
                        Peer::V6(x) => b.cidr_ipv6(x),
                        Peer::PrefixList(x) => b.prefix_list_id(x),
                        Peer::Group(x) => b.referenced_group_id(x),
                        Peer::SelfRef => b.referenced_group_id(&group),
                    };
                    let update = SecurityGroupRuleUpdate::builder()
                        .security_group_rule_id(&req.id)
                        .security_group_rule(b.build())
                        .build();
                    c.modify_security_group_rules()
                        .group_id(&group)
                        .security_group_rules(update)
                        .send()
                        .await
                        .map_err(|e| provider("ModifySecurityGroupRules", e))?;
                }
                "tags" => common::sync_tags(&c, &req.id, &req.observed.tags, &req.tags).await?,
                other => return Err(common::not_in_place("a security group rule", other)),
            }
        }
        must_observe(self, region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        // The group and direction as AWS has them; gone when not listed.
        let Some(live) = common::observe_one(self, region, &req.id).await? else { return Ok(()) };
        let (group, d, _) = wanted(&live.properties)?;
        revoke_ids(&self.clients.ec2(region), &group, d, vec![req.id.clone()]).await
    }
}

/// A rule in words, for errors.
fn observed_text(rule: &Rule, group: &str) -> String {
    let mut r = rule.to_value();
    if let Value::Map(m) = &mut r
        && m.remove("self").is_some()
    {
        m.insert("source_security_group_id".into(), s(group));
    }
    r.to_json().to_string()
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ec2::SECURITY_GROUP_RULE, &[]);
    }
}
