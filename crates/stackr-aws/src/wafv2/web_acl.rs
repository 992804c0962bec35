//! `aws.wafv2.web_acl`: a WAF web ACL. Default action, description, rules,
//! visibility config and tags change in place (UpdateWebACL with the lock
//! token, retried on a stale one; the call replaces the whole definition,
//! so what the stack does not manage, e.g. custom response bodies, is sent
//! back as read); name and scope replace it.
//!
//! Rules: `ip_set_arn` is the shorthand for a plain IPSetReferenceStatement
//! and is how such a rule reads back (a `statement` of that shape is
//! refused, with a hint); other statements are JSON in AWS's shape (see
//! [`super::statement`]). Rules are reported in priority order: list them
//! so. Actions read back as lower-case names (`allow`, `count`...).
//!
//! Reads: one ListWebACLs per scope of the region, then GetWebACL and
//! ListTagsForResource per live web ACL. The name is unique per scope: a
//! create first looks the name up, adopting a web ACL carrying this
//! stack's and address's tags (a retried create) and refusing anyone
//! else's; `find` does the same with the journaled name, or without one
//! searches the region's web ACLs for those tags. Delete uses the lock token; a web ACL still used by a
//! distribution fails with WAFAssociatedItemException, reported as
//! retryable (moto does not refuse it; the test bed adds the refusal).

use super::{
    Kind, NONEXISTENT, Summary, list, read_tags, scope_of, scopes, statement, summaries, sync_tags, waf_error,
    waf_tags, with_lock,
};
use crate::clients::Clients;
use crate::error::is;
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_wafv2::operation::create_web_acl::builders::CreateWebACLFluentBuilder;
use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, CaptchaAction, ChallengeAction, CountAction, DefaultAction, IpSetReferenceStatement,
    NoneAction, OverrideAction, Rule, RuleAction, Scope, Statement, VisibilityConfig,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct WebAcl {
    clients: Arc<Clients>,
}

fn bad(msg: impl Into<String>) -> ProviderError {
    ProviderError::new(ErrorKind::Invalid, msg.into())
}

fn map_of<'a>(v: &'a Value, what: &str) -> Result<&'a BTreeMap<String, Value>, ProviderError> {
    match v {
        Value::Map(m) => Ok(m),
        _ => Err(bad(format!("{what} must be a map"))),
    }
}

fn visibility(v: Option<&Value>, what: &str) -> Result<VisibilityConfig, ProviderError> {
    let m = map_of(v.ok_or_else(|| bad(format!("{what}: `visibility_config` is required")))?, what)?;
    VisibilityConfig::builder()
        .cloud_watch_metrics_enabled(props::boolean(m, "cloudwatch_metrics_enabled").unwrap_or(false))
        .sampled_requests_enabled(props::boolean(m, "sampled_requests_enabled").unwrap_or(false))
        .metric_name(props::require(m, "metric_name")?)
        .build()
        .map_err(|e| bad(format!("{what}: {e}")))
}

fn visibility_value(v: &VisibilityConfig) -> Value {
    Value::Map(BTreeMap::from([
        ("cloudwatch_metrics_enabled".to_string(), Value::Bool(v.cloud_watch_metrics_enabled)),
        ("metric_name".to_string(), s(&v.metric_name)),
        ("sampled_requests_enabled".to_string(), Value::Bool(v.sampled_requests_enabled)),
    ]))
}

fn default_action(p: &Props) -> Result<DefaultAction, ProviderError> {
    default_action_named(&props::require(p, "default_action")?)
}

fn default_action_named(name: &str) -> Result<DefaultAction, ProviderError> {
    Ok(match name {
        "allow" => DefaultAction::builder().allow(AllowAction::builder().build()).build(),
        "block" => DefaultAction::builder().block(BlockAction::builder().build()).build(),
        other => return Err(bad(format!("unknown default action `{other}`"))),
    })
}

fn rule_action(name: &str) -> Result<RuleAction, ProviderError> {
    let b = RuleAction::builder();
    Ok(match name {
        "allow" => b.allow(AllowAction::builder().build()),
        "block" => b.block(BlockAction::builder().build()),
        "count" => b.count(CountAction::builder().build()),
        "captcha" => b.captcha(CaptchaAction::builder().build()),
        "challenge" => b.challenge(ChallengeAction::builder().build()),
        other => return Err(bad(format!("unknown rule action `{other}`"))),
    }
    .build())
}

fn rule_action_name(a: &RuleAction) -> Option<&'static str> {
    if a.allow.is_some() {
        Some("allow")
    } else if a.block.is_some() {
        Some("block")
    } else if a.count.is_some() {
        Some("count")
    } else if a.captcha.is_some() {
        Some("captcha")
    } else if a.challenge.is_some() {
        Some("challenge")
    } else {
        None
    }
}

/// A rule of the stack, for the SDK.
fn rule(v: &Value) -> Result<Rule, ProviderError> {
    let m = map_of(v, "a web ACL rule")?;
    let name = props::require(m, "name")?;
    let what = format!("rule {name}");
    let priority = props::int(m, "priority").ok_or_else(|| bad(format!("{what}: `priority` is required")))?;
    let stmt = match (props::string(m, "ip_set_arn"), m.get("statement").filter(|v| !matches!(v, Value::Null))) {
        (Some(arn), None) => Statement::builder()
            .ip_set_reference_statement(
                IpSetReferenceStatement::builder().arn(arn).build().map_err(|e| bad(format!("{what}: {e}")))?,
            )
            .build(),
        (None, Some(j)) => {
            let json = match j {
                Value::String(t) => serde_json::from_str(t).map_err(|e| bad(format!("{what}: statement: {e}")))?,
                other => other.to_json(),
            };
            let st = statement::from_json(&json)?;
            if plain_ip_set(&st).is_some() {
                return Err(bad(format!("{what}: write a plain IP set reference as `ip_set_arn`")));
            }
            st
        }
        (Some(_), Some(_)) => return Err(bad(format!("{what}: give `ip_set_arn` or `statement`, not both"))),
        (None, None) => return Err(bad(format!("{what}: needs `ip_set_arn` or `statement`"))),
    };
    let action = props::string(m, "action").map(|a| rule_action(&a)).transpose()?;
    let override_action = match props::string(m, "override_action").as_deref() {
        None => None,
        Some("none") => Some(OverrideAction::builder().none(NoneAction::builder().build()).build()),
        Some("count") => Some(OverrideAction::builder().count(CountAction::builder().build()).build()),
        Some(other) => return Err(bad(format!("{what}: unknown override action `{other}`"))),
    };
    Rule::builder()
        .name(&name)
        .priority(crate::kit::num::to_i32("priority", priority)?)
        .statement(stmt)
        .set_action(action)
        .set_override_action(override_action)
        .visibility_config(visibility(m.get("visibility_config"), &what)?)
        .build()
        .map_err(|e| bad(format!("{what}: {e}")))
}

/// The IP set ARN of a plain IPSetReferenceStatement.
fn plain_ip_set(st: &Statement) -> Option<&str> {
    let r = st.ip_set_reference_statement.as_ref()?;
    r.ip_set_forwarded_ip_config.is_none().then_some(r.arn.as_str())
}

/// A live rule in the stack's shape.
fn rule_value(r: &Rule) -> Value {
    let mut m = BTreeMap::new();
    m.insert("name".to_string(), s(&r.name));
    m.insert("priority".to_string(), Value::Number(f64::from(r.priority)));
    if let Some(a) = r.action.as_ref().and_then(rule_action_name) {
        m.insert("action".to_string(), s(a));
    }
    if let Some(o) = &r.override_action {
        m.insert("override_action".to_string(), s(if o.count.is_some() { "count" } else { "none" }));
    }
    match r.statement.as_ref() {
        Some(st) => match plain_ip_set(st) {
            Some(arn) => m.insert("ip_set_arn".to_string(), s(arn)),
            None => m.insert("statement".to_string(), Value::from_json(&statement::to_json(st))),
        },
        None => None,
    };
    if let Some(v) = &r.visibility_config {
        m.insert("visibility_config".to_string(), visibility_value(v));
    }
    Value::Map(m)
}

fn rules(p: &Props) -> Result<Vec<Rule>, ProviderError> {
    rule_list(p.get("rules"))
}

fn rule_list(v: Option<&Value>) -> Result<Vec<Rule>, ProviderError> {
    match v {
        Some(Value::List(l)) => l.iter().map(rule).collect(),
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(_) => Err(bad("`rules` must be a list")),
    }
}

/// One web ACL as read: GetWebACL's ACL and the scope it was listed in.
struct Seen {
    acl: aws_sdk_wafv2::types::WebAcl,
    scope: Scope,
}

/// Schema ↔ AWS (`WebACL` of GetWebACL, with the scope of ListWebACLs;
/// CreateWebACL). The create checks rules, default action and visibility
/// config before it looks the name up; the rows then convert them.
type Row = Field<Seen, CreateWebACLFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "Name", |x| Some(s(&x.acl.name))).create(|c, v| Ok(c.name(to::text(v)?))),
    Row::new("scope", "Scope", |x| Some(s(if x.scope == Scope::Cloudfront { "CLOUDFRONT" } else { "REGIONAL" })))
        .create(|c, v| Ok(c.scope(Scope::from(to::text(v)?.as_str())))),
    Row::new("default_action", "DefaultAction", |x| {
        x.acl.default_action.as_ref().map(|d| s(if d.block.is_some() { "block" } else { "allow" }))
    })
    .create(|c, v| Ok(c.default_action(default_action_named(&to::text(v)?).map_err(|e| e.message)?))),
    Row::new("description", "Description", |x| x.acl.description.clone().filter(|d| !d.is_empty()).map(s))
        .create(|c, v| Ok(c.description(to::text(v)?))),
    Row::new("rules", "Rules", |x| {
        let mut live_rules = x.acl.rules.clone().unwrap_or_default();
        live_rules.sort_by_key(|r| r.priority);
        Some(Value::List(live_rules.iter().map(rule_value).collect()))
    })
    .create(|c, v| Ok(c.set_rules(Some(rule_list(Some(v)).map_err(|e| e.message)?)))),
    Row::new("visibility_config", "VisibilityConfig", |x| x.acl.visibility_config.as_ref().map(visibility_value))
        .create(|c, v| Ok(c.visibility_config(visibility(Some(v), "the web ACL").map_err(|e| e.message)?))),
];

impl WebAcl {
    pub fn new(clients: Arc<Clients>) -> Self {
        WebAcl { clients }
    }

    /// GetWebACL of a listed summary: the ACL and its lock token (`None`: gone).
    async fn get(
        &self,
        region: &str,
        sum: &Summary,
    ) -> Result<Option<(aws_sdk_wafv2::types::WebAcl, Option<String>)>, ProviderError> {
        let out = match self
            .clients
            .wafv2(region)
            .get_web_acl()
            .name(&sum.name)
            .scope(sum.scope.clone())
            .id(&sum.id)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if is(&e, NONEXISTENT) => return Ok(None),
            Err(e) => return Err(waf_error("GetWebACL", e)),
        };
        Ok(out.web_acl.map(|acl| (acl, out.lock_token)))
    }

    async fn read(&self, region: &str, sum: &Summary) -> Result<Option<Observed>, ProviderError> {
        let Some((acl, _)) = self.get(region, sum).await? else { return Ok(None) };
        let Some(tags) = read_tags(&self.clients, region, &acl.arn).await? else { return Ok(None) };
        let seen = Seen { acl, scope: sum.scope.clone() };
        let properties = fields::observed(FIELDS, &seen);
        let acl = seen.acl;
        let attributes = props::build([
            ("id", Some(s(&acl.id))),
            ("arn", Some(s(&acl.arn))),
            ("capacity", Some(Value::Number(acl.capacity as f64))),
        ]);
        Ok(Some(Observed { id: acl.id.clone(), properties, attributes, tags }))
    }

    async fn summary(&self, region: &str, id: &str) -> Result<Option<Summary>, ProviderError> {
        let all = list(&self.clients.wafv2(region), Kind::WebAcls, &scopes(region)).await?;
        Ok(all.into_iter().find(|s| s.id == id))
    }

    async fn must_read(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        let sum = self.summary(region, id).await?.ok_or_else(|| crate::kit::vanished("web ACL", id))?;
        self.read(region, &sum).await?.ok_or_else(|| crate::kit::vanished("web ACL", id))
    }

    async fn named(&self, target: &Target, p: &Props) -> Result<Option<Observed>, ProviderError> {
        let scope = scope_of(p, target)?;
        let name = props::require(p, "name")?;
        let found = list(&self.clients.wafv2(&target.region), Kind::WebAcls, &[scope]).await?;
        match found.into_iter().find(|s| s.name == name) {
            Some(sum) => self.read(&target.region, &sum).await,
            None => Ok(None),
        }
    }

    /// UpdateWebACL from the live definition, with the fields in `fields`
    /// as `p` wants them.
    async fn write(&self, region: &str, id: &str, p: &Props, fields: &[String]) -> Result<(), ProviderError> {
        let want = |f: &str| fields.iter().any(|x| x == f);
        let new_rules = if want("rules") { Some(rules(p)?) } else { None };
        let new_default = if want("default_action") { Some(default_action(p)?) } else { None };
        let new_visibility =
            if want("visibility_config") { Some(visibility(p.get("visibility_config"), "the web ACL")?) } else { None };
        let sum = self.summary(region, id).await?.ok_or_else(|| crate::kit::vanished("web ACL", id))?;
        let client = self.clients.wafv2(region);
        let done = with_lock("UpdateWebACL", || async {
            let Some((acl, token)) = self.get(region, &sum).await? else { return Ok(None) };
            let description =
                if want("description") { props::string(p, "description") } else { acl.description.clone() };
            let r = client
                .update_web_acl()
                .name(&sum.name)
                .scope(sum.scope.clone())
                .id(id)
                .set_default_action(new_default.clone().or(acl.default_action.clone()))
                .set_description(description.filter(|d| !d.is_empty()))
                .set_rules(Some(new_rules.clone().or(acl.rules.clone()).unwrap_or_default()))
                .set_visibility_config(new_visibility.clone().or(acl.visibility_config.clone()))
                .set_data_protection_config(acl.data_protection_config.clone())
                .set_custom_response_bodies(acl.custom_response_bodies.clone())
                .set_captcha_config(acl.captcha_config.clone())
                .set_challenge_config(acl.challenge_config.clone())
                .set_token_domains(acl.token_domains.clone())
                .set_association_config(acl.association_config.clone())
                .set_lock_token(token)
                .send()
                .await;
            Ok(Some(r))
        })
        .await?;
        done.map(|_| ()).ok_or_else(|| crate::kit::vanished("web ACL", id))
    }
}

#[async_trait]
impl Reconciler for WebAcl {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::wafv2::WEB_ACL
    }

    /// Rules in evaluation order, as AWS reads them back: the order they
    /// are written in means nothing, their priorities do.
    fn normalize_desired(&self, p: &mut Props) {
        if let Some(Value::List(rules)) = p.get_mut("rules")
            && rules.iter().all(|r| r.as_map().and_then(|m| m.get("priority")).and_then(Value::as_f64).is_some())
        {
            rules.sort_by(|a, b| {
                let at = |r: &Value| r.as_map().and_then(|m| m.get("priority")).and_then(Value::as_f64).unwrap_or(0.0);
                at(a).total_cmp(&at(b))
            });
        }
    }

    /// A priority or a name given to two rules: AWS refuses the ACL
    /// (<https://docs.aws.amazon.com/waf/latest/APIReference/API_Rule.html>:
    /// "Rules with lower priority are evaluated first"; each rule's name
    /// and priority are unique in the ACL).
    fn check_in(&self, region: &str, p: &Props) -> Result<(), ProviderError> {
        super::scope_in(region, p)?;
        self.check(p)
    }

    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        let Some(Value::List(rules)) = p.get("rules") else { return Ok(()) };
        for key in ["priority", "name"] {
            let mut seen: Vec<String> = Vec::new();
            for m in rules.iter().filter_map(Value::as_map) {
                let Some(v) = m.get(key).filter(|v| !v.contains_unknown()).and_then(Value::to_interpolated) else {
                    continue;
                };
                if seen.contains(&v) {
                    return Err(ProviderError::new(
                        ErrorKind::Invalid,
                        format!("`rules`: two rules have {key} {v}; each rule of a web ACL needs its own"),
                    ));
                }
                seen.push(v);
            }
        }
        Ok(())
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(ids.len());
        for sum in summaries(&self.clients, region, Kind::WebAcls, ids).await? {
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
        for sum in list(&self.clients.wafv2(region), Kind::WebAcls, &scopes(region)).await? {
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
        rules(p)?;
        default_action(p)?;
        visibility(p.get("visibility_config"), "the web ACL")?;
        if let Some(live) = self.named(&req.target, p).await? {
            if !crate::tags::same_owner(&live.tags, &req.tags) {
                return Err(super::taken("web ACL", &name, &live.tags, req));
            }
            return Ok(live);
        }
        let call = fields::create(FIELDS, self.clients.wafv2(region).create_web_acl(), p)?;
        // CreateWebACL is always sent a rule list, empty when the stack has none.
        let call = if call.get_rules().is_none() { call.set_rules(Some(Vec::new())) } else { call };
        let created = call.set_tags(Some(waf_tags(&req.tags)?)).send().await;
        match created {
            Ok(out) => {
                let id = out.summary.and_then(|s| s.id).ok_or_else(|| crate::kit::vanished("web ACL", &name))?;
                self.must_read(region, &id).await
            }
            Err(e) if is(&e, &["WAFDuplicateItemException", "WafV2DuplicateItem"]) => {
                match self.named(&req.target, p).await? {
                    Some(live) if crate::tags::same_owner(&live.tags, &req.tags) => Ok(live),
                    other => Err(super::taken("web ACL", &name, &other.map(|o| o.tags).unwrap_or_default(), req)),
                }
            }
            Err(e) => Err(waf_error("CreateWebACL", e)),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let acl_fields: Vec<String> = req
            .changed
            .iter()
            .filter(|f| matches!(f.as_str(), "default_action" | "description" | "rules" | "visibility_config"))
            .cloned()
            .collect();
        for field in &req.changed {
            match field.as_str() {
                "default_action" | "description" | "rules" | "visibility_config" | "tags" => {}
                other => return Err(crate::kit::not_in_place("a WAF web ACL", other)),
            }
        }
        if !acl_fields.is_empty() {
            self.write(region, &req.id, &req.desired, &acl_fields).await?;
        }
        if req.changed.iter().any(|f| f == "tags") {
            let arn = props::string(&req.observed.attributes, "arn")
                .ok_or_else(|| crate::kit::vanished("web ACL", &req.id))?;
            sync_tags(&self.clients.wafv2(region), &arn, &req.observed.tags, &req.tags).await?;
        }
        self.must_read(region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let Some(sum) = self.summary(region, &req.id).await? else { return Ok(()) };
        let client = self.clients.wafv2(region);
        with_lock("DeleteWebACL", || async {
            let Some((_, token)) = self.get(region, &sum).await? else { return Ok(None) };
            let r = client
                .delete_web_acl()
                .name(&sum.name)
                .scope(sum.scope.clone())
                .id(&sum.id)
                .set_lock_token(token)
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

    fn v(j: serde_json::Value) -> Value {
        Value::from_json(&j)
    }

    #[test]
    fn rules_round_trip_in_the_stack_shape() {
        let vis = serde_json::json!({ "cloudwatch_metrics_enabled": true, "metric_name": "m", "sampled_requests_enabled": false });
        for r in [
            serde_json::json!({ "name": "office", "priority": 1, "action": "allow", "ip_set_arn": "arn:x", "visibility_config": vis }),
            serde_json::json!({ "name": "common", "priority": 2, "override_action": "none", "visibility_config": vis,
                "statement": { "ManagedRuleGroupStatement": { "VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet" } } }),
        ] {
            assert_eq!(rule_value(&rule(&v(r.clone())).unwrap()), v(r));
        }
    }

    #[test]
    fn rules_are_checked() {
        let vis = serde_json::json!({ "cloudwatch_metrics_enabled": true, "metric_name": "m", "sampled_requests_enabled": true });
        let plain = serde_json::json!({ "name": "r", "priority": 1, "action": "allow", "visibility_config": vis,
            "statement": { "IPSetReferenceStatement": { "ARN": "arn:x" } } });
        assert!(rule(&v(plain)).unwrap_err().message.contains("ip_set_arn"));
        let none = serde_json::json!({ "name": "r", "priority": 1, "visibility_config": vis });
        assert!(rule(&v(none)).is_err());
    }

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::wafv2::WEB_ACL, &[]);
    }
}
