//! `aws.elbv2.listener_rule`: a rule of an ALB listener: host-header,
//! path, method, source-IP, header and query conditions, and its actions
//! (forward, redirect, fixed-response).
//!
//! In place: `priority` (SetRulePriorities), `conditions` and `actions`
//! (ModifyRule, sending what differs) and tags. `listener_arn` replaces.
//!
//! The id is the ARN. A priority is unique per listener, so the look-up
//! before a create is by (listener, priority): a rule there carrying this
//! stack's and address's tags is adopted (a retried create) and brought to
//! the stack's values; anyone else's is an error naming it.
//!
//! Reads: one DescribeRules per listener (paged by marker) for all its
//! rules (ids grouped by the listener their ARN names), and one
//! DescribeTags per 20 ARNs. Conditions are observed in the schema's shape
//! whether AWS reports them as `Values` or as `*Config`; actions in
//! `order`.

use super::common::{NOT_FOUND, action_from_sdk, action_to_sdk, covers, rule_listener, sdk_tags, sync_tags, tags_of};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, invalid, not_in_place, tolerate, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::operation::create_rule::builders::CreateRuleFluentBuilder;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, HostHeaderConditionConfig, HttpHeaderConditionConfig, HttpRequestMethodConditionConfig,
    PathPatternConditionConfig, QueryStringConditionConfig, QueryStringKeyValuePair, RuleCondition, RulePriorityPair,
    SourceIpConditionConfig,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

pub struct ListenerRule {
    clients: Arc<Clients>,
}

type Rule = aws_sdk_elasticloadbalancingv2::types::Rule;

/// The highest priority a listener rule takes.
const MAX_PRIORITY: i32 = 50000;
/// How long a rule waits for another rule of the stack to leave the
/// priority it wants.
const SWAP_WINDOW: std::time::Duration = std::time::Duration::from_secs(300);

fn priority(p: &Props) -> Result<i32, ProviderError> {
    let n = props::int(p, "priority").ok_or_else(|| invalid("property `priority` is required"))?;
    i32::try_from(n).map_err(|_| invalid(format!("priority is out of range: {n}")))
}

/// The conditions given as lists: one the stack leaves out is the empty
/// list, on both sides of the comparison, so a condition added outside
/// stackr is drift (the rule owns all its conditions: ModifyRule replaces
/// them together).
const LIST_CONDITIONS: [&str; 5] = ["host_header", "path_pattern", "http_request_method", "source_ip", "query_string"];

/// `conditions` with every list condition written out (empty when unset).
fn with_every_condition(v: &mut Value) {
    if let Value::Map(c) = v {
        for k in LIST_CONDITIONS {
            c.entry(k.to_string()).or_insert_with(|| Value::List(Vec::new()));
        }
    }
}

/// The stack's conditions as AWS takes them (the `*Config` forms).
fn conditions_to_sdk(v: Option<&Value>) -> Result<Vec<RuleCondition>, ProviderError> {
    let Some(Value::Map(c)) = v else { return Err(invalid("property `conditions` must be a map")) };
    // An empty list is a condition left out.
    let c: &Props = &c
        .iter()
        .filter(|(_, v)| !matches!(v, Value::List(l) if l.is_empty()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut out = Vec::new();
    if c.contains_key("host_header") {
        let cfg = HostHeaderConditionConfig::builder().set_values(Some(props::strings(c, "host_header"))).build();
        out.push(RuleCondition::builder().field("host-header").host_header_config(cfg).build());
    }
    if c.contains_key("path_pattern") {
        let cfg = PathPatternConditionConfig::builder().set_values(Some(props::strings(c, "path_pattern"))).build();
        out.push(RuleCondition::builder().field("path-pattern").path_pattern_config(cfg).build());
    }
    if c.contains_key("http_request_method") {
        let cfg = HttpRequestMethodConditionConfig::builder()
            .set_values(Some(props::strings(c, "http_request_method")))
            .build();
        out.push(RuleCondition::builder().field("http-request-method").http_request_method_config(cfg).build());
    }
    if c.contains_key("source_ip") {
        let cfg = SourceIpConditionConfig::builder().set_values(Some(props::strings(c, "source_ip"))).build();
        out.push(RuleCondition::builder().field("source-ip").source_ip_config(cfg).build());
    }
    if let Some(Value::Map(h)) = c.get("http_header") {
        let cfg = HttpHeaderConditionConfig::builder()
            .set_http_header_name(props::string(h, "name"))
            .set_values(Some(props::strings(h, "values")))
            .build();
        out.push(RuleCondition::builder().field("http-header").http_header_config(cfg).build());
    }
    if let Some(Value::List(q)) = c.get("query_string") {
        let pairs = q
            .iter()
            .filter_map(|v| match v {
                Value::Map(m) => Some(
                    QueryStringKeyValuePair::builder()
                        .set_key(props::string(m, "key"))
                        .set_value(props::string(m, "value"))
                        .build(),
                ),
                _ => None,
            })
            .collect();
        let cfg = QueryStringConditionConfig::builder().set_values(Some(pairs)).build();
        out.push(RuleCondition::builder().field("query-string").query_string_config(cfg).build());
    }
    if out.is_empty() {
        return Err(invalid("a listener rule needs at least one condition"));
    }
    Ok(out)
}

/// A rule's conditions in the schema's shape.
fn conditions_from_sdk(conditions: &[RuleCondition]) -> Value {
    let mut out = Props::new();
    for c in conditions {
        let plain = || props::list(c.values().to_vec());
        match c.field().unwrap_or_default() {
            "host-header" => {
                let v = c.host_header_config().map(|h| props::list(h.values().to_vec())).unwrap_or_else(plain);
                out.insert("host_header".into(), v);
            }
            "path-pattern" => {
                let v = c.path_pattern_config().map(|h| props::list(h.values().to_vec())).unwrap_or_else(plain);
                out.insert("path_pattern".into(), v);
            }
            "http-request-method" => {
                let v = c.http_request_method_config().map(|h| props::list(h.values().to_vec())).unwrap_or_else(plain);
                out.insert("http_request_method".into(), v);
            }
            "source-ip" => {
                let v = c.source_ip_config().map(|h| props::list(h.values().to_vec())).unwrap_or_else(plain);
                out.insert("source_ip".into(), v);
            }
            "http-header" => {
                if let Some(h) = c.http_header_config() {
                    let v = props::build([
                        ("name", h.http_header_name().map(s)),
                        ("values", Some(props::list(h.values().to_vec()))),
                    ]);
                    out.insert("http_header".into(), Value::Map(v));
                }
            }
            "query-string" => {
                if let Some(q) = c.query_string_config() {
                    let pairs = q
                        .values()
                        .iter()
                        .map(|p| Value::Map(props::build([("key", p.key().map(s)), ("value", p.value().map(s))])))
                        .collect();
                    out.insert("query_string".into(), Value::List(pairs));
                }
            }
            _ => {}
        }
    }
    let mut out = Value::Map(out);
    with_every_condition(&mut out);
    out
}

fn actions_to_sdk(v: Option<&Value>) -> Result<Vec<Action>, ProviderError> {
    match v {
        Some(Value::List(l)) if !l.is_empty() => l.iter().map(action_to_sdk).collect(),
        _ => Err(invalid("property `actions` must be a non-empty list")),
    }
}

/// One rule as read: the listener it was read from (a rule does not name
/// it) and its description.
struct Seen {
    listener: String,
    r: Rule,
}

/// Schema ↔ AWS (`Rule` of DescribeRules; CreateRule).
type Row = Field<Seen, CreateRuleFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("listener_arn", "ListenerArn", |x| Some(s(&x.listener))).create(|c, v| Ok(c.listener_arn(to::text(v)?))),
    Row::new("priority", "Priority", |x| x.r.priority().and_then(|p| p.parse::<f64>().ok()).map(Value::Number))
        .create(|c, v| Ok(c.priority(to::int32(v)?))),
    Row::new("conditions", "Conditions", |x| Some(conditions_from_sdk(x.r.conditions())))
        .create(|c, v| Ok(c.set_conditions(Some(conditions_to_sdk(Some(v)).map_err(|e| e.message)?)))),
    Row::new("actions", "Actions", |x| {
        let mut actions: Vec<&Action> = x.r.actions().iter().collect();
        actions.sort_by_key(|a| a.order());
        Some(Value::List(actions.into_iter().map(action_from_sdk).collect()))
    })
    .create(|c, v| Ok(c.set_actions(Some(actions_to_sdk(Some(v)).map_err(|e| e.message)?)))),
];

impl ListenerRule {
    pub fn new(clients: Arc<Clients>) -> Self {
        ListenerRule { clients }
    }

    fn client(&self, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        self.clients.elbv2(region)
    }

    /// The rules of a listener, its default rule left out (none when the
    /// listener is gone).
    async fn of(&self, region: &str, listener: &str) -> Result<Vec<Rule>, ProviderError> {
        let client = self.client(region);
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = match client.describe_rules().listener_arn(listener).set_marker(marker.take()).send().await {
                Ok(p) => p,
                Err(e) if is(&e, NOT_FOUND) => return Ok(Vec::new()),
                Err(e) => return Err(provider("DescribeRules", e)),
            };
            out.extend(page.rules.unwrap_or_default().into_iter().filter(|r| r.is_default() != Some(true)));
            match page.next_marker {
                Some(m) if !m.is_empty() => marker = Some(m),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Why rule `arn` cannot take priority `want` yet, after making way.
    /// Priorities are unique per listener, so two rules of this stack that
    /// swap priorities (each update sent on its own) would each find the
    /// other's in use forever: a rule whose priority is held by another
    /// rule of this stack steps aside to a free priority, and the engine
    /// retries it once the other has moved ("not yet"). A priority held by
    /// a rule that is not this stack's is a conflict to resolve by hand.
    /// <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_SetRulePriorities.html>
    /// `arn` is `None` for a rule not made yet (it has nowhere to step from).
    async fn make_way(
        &self,
        region: &str,
        arn: Option<&str>,
        desired: &Props,
        want: i32,
        stack: &str,
    ) -> ProviderError {
        let Some(listener) = props::string(desired, "listener_arn") else {
            return invalid("property `listener_arn` is required");
        };
        let rules = match self.of(region, &listener).await {
            Ok(r) => r,
            Err(e) => return e,
        };
        let prio = |r: &Rule| r.priority().and_then(|p| p.parse::<i32>().ok());
        let Some(holder) = rules.iter().find(|r| prio(r) == Some(want)).and_then(|r| r.rule_arn()) else {
            return ProviderError::not_yet(format!("priority {want} was in use on {listener}"), Some(SWAP_WINDOW));
        };
        let ours = tags_of(&self.clients, region, &[holder.to_string()])
            .await
            .ok()
            .and_then(|mut t| t.remove(holder))
            .is_some_and(|t| crate::tags::of_stack(&t, stack));
        if !ours {
            return invalid(format!(
                "priority {want} of {listener} is held by rule {holder}, which this stack does not manage; \
                 move or delete it, or give this rule another priority"
            ));
        }
        // Step aside to the highest free priority (rules are matched lowest
        // first, so it is tried last meanwhile).
        let used: BTreeSet<i32> = rules.iter().filter_map(prio).collect();
        let mine = arn.and_then(|arn| rules.iter().find(|r| r.rule_arn() == Some(arn))).and_then(prio);
        if let (Some(arn), Some(free)) = (arn, (1..=MAX_PRIORITY).rev().find(|p| !used.contains(p)))
            && mine.is_some_and(|m| m < free)
        {
            let pair = RulePriorityPair::builder().rule_arn(arn).priority(free).build();
            let _ = self.client(region).set_rule_priorities().rule_priorities(pair).send().await;
        }
        ProviderError::not_yet(
            format!("priority {want} is held by rule {holder} of this stack, which moves in this run; waiting for it"),
            Some(SWAP_WINDOW),
        )
    }

    async fn complete(&self, region: &str, listener: &str, rules: Vec<Rule>) -> Result<Vec<Observed>, ProviderError> {
        let arns: Vec<String> = rules.iter().filter_map(|r| r.rule_arn().map(str::to_string)).collect();
        let mut tags = tags_of(&self.clients, region, &arns).await?;
        let mut out = Vec::new();
        for r in rules {
            let Some(arn) = r.rule_arn().map(str::to_string) else { continue };
            let properties = fields::observed(FIELDS, &Seen { listener: listener.to_string(), r });
            let attributes = props::build([("id", Some(s(&arn))), ("arn", Some(s(&arn)))]);
            let tags = tags.remove(&arn).unwrap_or_default();
            out.push(Observed { id: arn, properties, attributes, tags });
        }
        Ok(out)
    }

    async fn must_observe(&self, region: &str, arn: &str) -> Result<Observed, ProviderError> {
        self.observe(region, &[arn.to_string()]).await?.pop().flatten().ok_or_else(|| vanished("listener rule", arn))
    }

    /// Brings every in-place property the stack sets to its value; calls
    /// nothing when they already have them.
    async fn converge(
        &self,
        region: &str,
        live: &Observed,
        desired: &Props,
        tags: &BTreeMap<String, String>,
        stack: &str,
    ) -> Result<(), ProviderError> {
        let client = self.client(region);
        let arn = &live.id;
        let have = &live.properties;
        let differs = |k: &str| desired.get(k).is_some_and(|w| !covers(have.get(k), w));
        if differs("priority") {
            let want = priority(desired)?;
            let pair = RulePriorityPair::builder().rule_arn(arn).priority(want).build();
            match client.set_rule_priorities().rule_priorities(pair).send().await {
                Ok(_) => {}
                Err(e) if is(&e, &["PriorityInUse"]) => {
                    return Err(self.make_way(region, Some(arn), desired, want, stack).await);
                }
                Err(e) => return Err(provider("SetRulePriorities", e)),
            }
        }
        // Conditions are compared whole: one AWS left out would still match.
        let conditions = desired.get("conditions").is_some_and(|w| have.get("conditions") != Some(w));
        if conditions || differs("actions") {
            let mut call = client.modify_rule().rule_arn(arn);
            if conditions {
                call = call.set_conditions(Some(conditions_to_sdk(desired.get("conditions"))?));
            }
            if differs("actions") {
                call = call.set_actions(Some(actions_to_sdk(desired.get("actions"))?));
            }
            call.send().await.map_err(|e| provider("ModifyRule", e))?;
        }
        sync_tags(&client, arn, &live.tags, tags).await
    }
}

#[async_trait]
impl Reconciler for ListenerRule {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::elbv2::LISTENER_RULE
    }

    /// The rule owns its conditions and actions whole: conditions left out
    /// are written as empty, redirects with AWS's defaults, so that one
    /// added or changed outside stackr is drift.
    fn normalize_desired(&self, props: &mut Props) {
        if let Some(c) = props.get_mut("conditions").filter(|c| !c.contains_unknown()) {
            with_every_condition(c);
        }
        if let Some(Value::List(actions)) = props.get_mut("actions") {
            actions.iter_mut().for_each(super::common::redirect_defaults);
        }
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let parents: BTreeSet<String> = ids.iter().filter_map(|id| rule_listener(id)).collect();
        let mut found: HashMap<String, Observed> = HashMap::new();
        for listener in &parents {
            let rules: Vec<Rule> = self
                .of(region, listener)
                .await?
                .into_iter()
                .filter(|r| r.rule_arn().is_some_and(|a| wanted.contains(a)))
                .collect();
            found.extend(self.complete(region, listener, rules).await?.into_iter().map(|o| (o.id.clone(), o)));
        }
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(listener) = props::string(&req.properties, "listener_arn") else { return Ok(None) };
        let Ok(prio) = priority(&req.properties) else { return Ok(None) };
        let region = &req.target.region;
        let rules: Vec<Rule> = self
            .of(region, &listener)
            .await?
            .into_iter()
            .filter(|r| r.priority() == Some(prio.to_string().as_str()))
            .collect();
        Ok(self
            .complete(region, &listener, rules)
            .await?
            .into_iter()
            .find(|o| crate::kit::is_ours(&o.tags, &req.target) && !req.known_ids.contains(&o.id)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let listener = props::require(p, "listener_arn")?;
        let prio = priority(p)?;
        let there: Vec<Rule> = self
            .of(region, &listener)
            .await?
            .into_iter()
            .filter(|r| r.priority() == Some(prio.to_string().as_str()))
            .collect();
        let arn = match self.complete(region, &listener, there).await?.into_iter().next() {
            Some(o) if crate::tags::same_owner(&o.tags, &req.tags) => o.id,
            // Another rule of this stack, which may move in this run.
            Some(o) if crate::tags::of_stack(&o.tags, &req.target.stack) => {
                return Err(ProviderError::not_yet(
                    format!(
                        "listener {listener} has rule {} of this stack at priority {prio}; waiting for it to move",
                        o.id
                    ),
                    Some(SWAP_WINDOW),
                ));
            }
            Some(o) => {
                return Err(invalid(format!(
                    "listener {listener} already has a rule of priority {prio} ({}), not made by this stack for {}",
                    o.id, req.target.address
                )));
            }
            None => {
                let out = fields::create(FIELDS, self.client(region).create_rule(), p)?
                    .set_tags(Some(sdk_tags(&req.tags)))
                    .send()
                    .await;
                let out = match out {
                    Ok(o) => o,
                    // Held by another rule: one of this stack moving in this
                    // run is waited for; anyone else's is a conflict.
                    Err(e) if is(&e, &["PriorityInUse"]) => {
                        return Err(self.make_way(region, None, p, prio, &req.target.stack).await);
                    }
                    Err(e) => return Err(provider("CreateRule", e)),
                };
                out.rules
                    .unwrap_or_default()
                    .into_iter()
                    .find_map(|r| r.rule_arn)
                    .ok_or_else(|| vanished("listener rule", &format!("of priority {prio} in {listener}")))?
            }
        };
        let live = self.must_observe(region, &arn).await?;
        self.converge(region, &live, p, &req.tags, &req.target.stack).await?;
        self.must_observe(region, &arn).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        if let Some(field) = req.changed.iter().find(|f| f.as_str() == "listener_arn") {
            return Err(not_in_place("a listener rule", field));
        }
        self.converge(&req.target.region, &req.observed, &req.desired, &req.tags, &req.target.stack).await?;
        self.must_observe(&req.target.region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.client(&req.target.region).delete_rule().rule_arn(&req.id).send().await;
        tolerate("DeleteRule", r, NOT_FOUND)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::elbv2::LISTENER_RULE, &[]);
    }
}
