//! What the ELBv2 reconcilers share: batched DescribeTags and tag
//! synchronisation (AddTags / RemoveTags), attribute maps, ARN arithmetic
//! (a listener's load balancer, a rule's listener, metric dimensions), and
//! actions in both directions (the schema's `ACTION` ⇄ the SDK's `Action`).
//!
//! Actions are observed with every field AWS reports (a forward to one
//! target group carries both `target_group_arn` and `forward`; a redirect
//! all its `#{...}` defaults); the diff compares only the fields a stack
//! sets inside an object, so either way of writing a forward matches.

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::invalid;
use crate::props;
use crate::readcache::ReadKey;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, ForwardActionConfig, RedirectActionConfig,
    RedirectActionStatusCodeEnum, Tag, TargetGroupStickinessConfig, TargetGroupTuple,
};
use stackr_core::value::Value;
use stackr_engine::reconciler::{Props, ProviderError};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// How many ARNs one Describe* or DescribeTags call takes.
pub const BATCH: usize = 20;

/// "Not found" codes of every ELBv2 resource kind.
pub const NOT_FOUND: &[&str] = &["LoadBalancerNotFound", "TargetGroupNotFound", "ListenerNotFound", "RuleNotFound"];

pub fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// Reads `arns` [`BATCH`] at a time with `read`, which answers `None` when
/// AWS refused the call because one of them is gone: that batch is then
/// read one ARN at a time and the missing ones left out.
pub async fn in_batches<T, F, Fut>(arns: &[String], read: F) -> Result<Vec<T>, ProviderError>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Option<Vec<T>>, ProviderError>>,
{
    let mut out = Vec::new();
    for chunk in arns.chunks(BATCH) {
        match read(chunk.to_vec()).await? {
            Some(found) => out.extend(found),
            None => {
                for arn in chunk {
                    out.extend(read(vec![arn.clone()]).await?.unwrap_or_default());
                }
            }
        }
    }
    Ok(out)
}

/// The tags of each ARN (one DescribeTags per 20 ARNs; see [`in_batches`]);
/// during a refresh those the bulk read lists come from it
/// ([`crate::bulktags`]), and the others of the stack from one read for
/// every ELBv2 type ([`stack_tags`]); only the rest are described.
pub async fn tags_of(
    clients: &Clients,
    region: &str,
    arns: &[String],
) -> Result<HashMap<String, BTreeMap<String, String>>, ProviderError> {
    let mut out = HashMap::new();
    let mut rest = Vec::new();
    let stack = stack_tags(clients, region).await?;
    for arn in arns {
        if let Some(tags) = crate::bulktags::refreshed(clients, region, arn).await {
            out.insert(arn.clone(), tags);
        } else if let Some(tags) = stack.as_ref().and_then(|s| s.get(arn)) {
            out.insert(arn.clone(), tags.clone());
        } else {
            rest.push(arn.clone());
        }
    }
    out.extend(describe_tags(clients, region, &rest).await?);
    Ok(out)
}

/// The ELBv2 types, whose ids are ARNs one DescribeTags accepts together.
const KINDS: [&str; 4] =
    ["aws.elbv2.load_balancer", "aws.elbv2.target_group", "aws.elbv2.listener", "aws.elbv2.listener_rule"];

/// During a refresh, the tags of every ELBv2 resource the state records in
/// `region` that the bulk read did not list, read once for all four types:
/// DescribeTags takes up to 20 ARNs of load balancers, target groups,
/// listeners and rules alike
/// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTags.html),
/// so listeners and rules cost one call, not one per type. Worked out once
/// per refresh and region, shared by the four types; `None` outside a
/// refresh.
async fn stack_tags(clients: &Clients, region: &str) -> Result<Option<Arc<TagsByArn>>, ProviderError> {
    let Some(recorded) = clients.reads.recorded() else { return Ok(None) };
    let key = ReadKey::new("Elastic Load Balancing v2", "DescribeTags", region, "the stack's");
    let read = clients.reads.read(key, || async {
        let mut arns = Vec::new();
        for arn in KINDS.iter().flat_map(|kind| recorded.ids(kind, region)) {
            if arn.starts_with("arn:") && crate::bulktags::refreshed(clients, region, &arn).await.is_none() {
                arns.push(arn);
            }
        }
        describe_tags(clients, region, &arns).await.map(Arc::new)
    });
    Ok(Some(read.await?))
}

type TagsByArn = HashMap<String, BTreeMap<String, String>>;

/// DescribeTags of `arns`, 20 at a time; ARNs gone are left out.
async fn describe_tags(clients: &Clients, region: &str, arns: &[String]) -> Result<TagsByArn, ProviderError> {
    let mut out = HashMap::new();
    let client = &clients.elbv2(region);
    let outputs = in_batches(arns, |chunk| async move {
        match client.describe_tags().set_resource_arns(Some(chunk)).send().await {
            Ok(r) => Ok(Some(vec![r])),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeTags", e)),
        }
    })
    .await?;
    for r in outputs {
        collect_tags(&mut out, r);
    }
    Ok(out)
}

fn collect_tags(
    out: &mut HashMap<String, BTreeMap<String, String>>,
    r: aws_sdk_elasticloadbalancingv2::operation::describe_tags::DescribeTagsOutput,
) {
    for d in r.tag_descriptions.unwrap_or_default() {
        if let Some(arn) = d.resource_arn {
            let tags =
                d.tags.unwrap_or_default().into_iter().filter_map(|t| Some((t.key?, t.value.unwrap_or_default())));
            out.insert(arn, props::tag_map(tags));
        }
    }
}

/// The service's tagging calls, for [`crate::kit::sync_tags`].
#[async_trait::async_trait]
impl crate::kit::TagApi for aws_sdk_elasticloadbalancingv2::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        self.add_tags()
            .resource_arns(arn)
            .set_tags(Some(sdk_tags(&tags)))
            .send()
            .await
            .map_err(|e| provider("AddTags", e))?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        self.remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(|e| provider("RemoveTags", e))?;
        Ok(())
    }
}

pub use crate::kit::sync_tags;

/// Key/value attributes as the `attributes` property.
pub fn attribute_map(pairs: impl IntoIterator<Item = (Option<String>, Option<String>)>) -> Value {
    Value::Map(pairs.into_iter().filter_map(|(k, v)| Some((k?, Value::String(v.unwrap_or_default())))).collect())
}

/// The attributes `want` sets that `have` does not have with that value:
/// what a Modify*Attributes call must send (nothing else is touched).
pub fn changed_attributes(have: Option<&Value>, want: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Map(want)) = want else { return Vec::new() };
    let have = match have {
        Some(Value::Map(m)) => m.clone(),
        _ => BTreeMap::new(),
    };
    want.iter()
        .filter_map(|(k, v)| Some((k.clone(), v.to_interpolated()?)))
        .filter(|(k, v)| have.get(k).and_then(Value::to_interpolated).as_deref() != Some(v.as_str()))
        .collect()
}

/// `arn:...:loadbalancer/app/name/id` → `app/name/id` (and the same for
/// `targetgroup/name/id`): the CloudWatch dimension.
pub fn arn_suffix(arn: &str, kind: &str) -> Option<String> {
    let marker = format!(":{kind}/");
    arn.find(&marker).map(|i| arn[i + 1 + if kind == "loadbalancer" { kind.len() + 1 } else { 0 }..].to_string())
}

/// The load balancer of a listener ARN
/// (`...:listener/app/n/lb/l` → `...:loadbalancer/app/n/lb`).
pub fn listener_load_balancer(arn: &str) -> Option<String> {
    let (head, tail) = arn.split_once(":listener/")?;
    let parts: Vec<&str> = tail.split('/').collect();
    (parts.len() == 4).then(|| format!("{head}:loadbalancer/{}/{}/{}", parts[0], parts[1], parts[2]))
}

/// The listener of a rule ARN
/// (`...:listener-rule/app/n/lb/l/r` → `...:listener/app/n/lb/l`).
pub fn rule_listener(arn: &str) -> Option<String> {
    let (head, tail) = arn.split_once(":listener-rule/")?;
    let parts: Vec<&str> = tail.split('/').collect();
    (parts.len() == 5).then(|| format!("{head}:listener/{}/{}/{}/{}", parts[0], parts[1], parts[2], parts[3]))
}

/// Whether `have` has every field `want` sets, with that value (objects at
/// any depth, lists element by element): the engine's comparison of
/// objects, used to send only what differs.
pub fn covers(have: Option<&Value>, want: &Value) -> bool {
    match (have, want) {
        (_, Value::Null) => true,
        (Some(Value::Map(h)), Value::Map(w)) => w.iter().all(|(k, v)| covers(h.get(k), v)),
        (Some(Value::List(h)), Value::List(w)) => {
            h.len() == w.len() && h.iter().zip(w).all(|(a, b)| covers(Some(a), b))
        }
        (Some(h), w) => h == w,
        (None, _) => false,
    }
}

fn map(v: &Value) -> Option<&Props> {
    match v {
        Value::Map(m) => Some(m),
        _ => None,
    }
}

fn int(p: &Props, k: &str) -> Result<Option<i32>, ProviderError> {
    props::int(p, k).map(|n| i32::try_from(n).map_err(|_| invalid(format!("`{k}` is out of range: {n}")))).transpose()
}

/// A redirect's fields the stack leaves out, with the values AWS gives
/// them (the request's own protocol, port, host, path and query)
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RedirectActionConfig.html>:
/// written out, and so sent and compared, a host or path changed outside
/// stackr is drift.
pub fn redirect_defaults(action: &mut Value) {
    let Value::Map(a) = action else { return };
    let Some(Value::Map(r)) = a.get_mut("redirect") else { return };
    for (k, default) in [
        ("protocol", "#{protocol}"),
        ("port", "#{port}"),
        ("host", "#{host}"),
        ("path", "/#{path}"),
        ("query", "#{query}"),
    ] {
        r.entry(k.to_string()).or_insert_with(|| Value::String(default.to_string()));
    }
}

/// One action of the stack as AWS takes it.
pub fn action_to_sdk(v: &Value) -> Result<Action, ProviderError> {
    let a = map(v).ok_or_else(|| invalid("an action must be a map"))?;
    let kind = props::require(a, "type")?;
    let mut b = Action::builder().r#type(ActionTypeEnum::from(kind.as_str())).set_order(int(a, "order")?);
    match kind.as_str() {
        "forward" => {
            b = b.set_target_group_arn(props::string(a, "target_group_arn"));
            if let Some(f) = a.get("forward").and_then(map) {
                let groups = match f.get("target_groups") {
                    Some(Value::List(l)) => l
                        .iter()
                        .filter_map(map)
                        .map(|g| {
                            Ok(TargetGroupTuple::builder()
                                .set_target_group_arn(props::string(g, "arn"))
                                .set_weight(int(g, "weight")?)
                                .build())
                        })
                        .collect::<Result<Vec<_>, ProviderError>>()?,
                    _ => Vec::new(),
                };
                let stickiness = match f.get("stickiness").and_then(map) {
                    Some(s) => Some(
                        TargetGroupStickinessConfig::builder()
                            .set_enabled(props::boolean(s, "enabled"))
                            .set_duration_seconds(int(s, "duration_seconds")?)
                            .build(),
                    ),
                    None => None,
                };
                b = b.forward_config(
                    ForwardActionConfig::builder()
                        .set_target_groups(Some(groups))
                        .set_target_group_stickiness_config(stickiness)
                        .build(),
                );
            } else if props::string(a, "target_group_arn").is_none() {
                return Err(invalid("a forward action needs `target_group_arn` or `forward`"));
            }
        }
        "redirect" => {
            let r = a.get("redirect").and_then(map).ok_or_else(|| invalid("a redirect action needs `redirect`"))?;
            b = b.redirect_config(
                RedirectActionConfig::builder()
                    .status_code(RedirectActionStatusCodeEnum::from(props::require(r, "status_code")?.as_str()))
                    .set_protocol(props::string(r, "protocol"))
                    .set_port(props::string(r, "port"))
                    .set_host(props::string(r, "host"))
                    .set_path(props::string(r, "path"))
                    .set_query(props::string(r, "query"))
                    .build(),
            );
        }
        "fixed-response" => {
            let r = a
                .get("fixed_response")
                .and_then(map)
                .ok_or_else(|| invalid("a fixed-response action needs `fixed_response`"))?;
            b = b.fixed_response_config(
                FixedResponseActionConfig::builder()
                    .status_code(props::require(r, "status_code")?)
                    .set_content_type(props::string(r, "content_type"))
                    .set_message_body(props::string(r, "message_body"))
                    .build(),
            );
        }
        other => return Err(invalid(format!("action type `{other}` is not supported by stackr yet"))),
    }
    Ok(b.build())
}

/// One action as the schema's `ACTION` (every field AWS reports).
pub fn action_from_sdk(a: &Action) -> Value {
    let s = |v: Option<&str>| v.map(props::s);
    let forward = a.forward_config().map(|f| {
        let groups = f
            .target_groups()
            .iter()
            .map(|g| {
                Value::Map(props::build([
                    ("arn", s(g.target_group_arn())),
                    ("weight", g.weight().map(|w| Value::Number(f64::from(w)))),
                ]))
            })
            .collect();
        let stickiness = f.target_group_stickiness_config().map(|c| {
            Value::Map(props::build([
                ("enabled", c.enabled().map(Value::Bool)),
                ("duration_seconds", c.duration_seconds().map(|d| Value::Number(f64::from(d)))),
            ]))
        });
        Value::Map(props::build([("target_groups", Some(Value::List(groups))), ("stickiness", stickiness)]))
    });
    let redirect = a.redirect_config().map(|r| {
        Value::Map(props::build([
            ("status_code", r.status_code().map(|c| props::s(c.as_str()))),
            ("protocol", s(r.protocol())),
            ("port", s(r.port())),
            ("host", s(r.host())),
            ("path", s(r.path())),
            ("query", s(r.query())),
        ]))
    });
    let fixed = a.fixed_response_config().map(|r| {
        Value::Map(props::build([
            ("status_code", s(r.status_code())),
            ("content_type", s(r.content_type())),
            ("message_body", s(r.message_body())),
        ]))
    });
    Value::Map(props::build([
        ("type", a.r#type().map(|t| props::s(t.as_str()))),
        ("target_group_arn", s(a.target_group_arn())),
        ("forward", forward),
        ("redirect", redirect),
        ("fixed_response", fixed),
        ("order", a.order().map(|o| Value::Number(f64::from(o)))),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        let lb = "arn:aws:elasticloadbalancing:ap-northeast-1:1:loadbalancer/app/web/abc";
        assert_eq!(arn_suffix(lb, "loadbalancer").as_deref(), Some("app/web/abc"));
        let tg = "arn:aws:elasticloadbalancing:ap-northeast-1:1:targetgroup/web/def";
        assert_eq!(arn_suffix(tg, "targetgroup").as_deref(), Some("targetgroup/web/def"));
        let l = "arn:aws:elasticloadbalancing:ap-northeast-1:1:listener/app/web/abc/l1";
        assert_eq!(listener_load_balancer(l).as_deref(), Some(lb));
        let r = "arn:aws:elasticloadbalancing:ap-northeast-1:1:listener-rule/app/web/abc/l1/r1";
        assert_eq!(rule_listener(r).as_deref(), Some(l));
        assert_eq!(rule_listener(l), None);
    }

    #[test]
    fn actions_round_trip() {
        let want = Value::Map(props::build([
            ("type", Some(props::s("redirect"))),
            (
                "redirect",
                Some(Value::Map(props::build([
                    ("status_code", Some(props::s("HTTP_301"))),
                    ("protocol", Some(props::s("HTTPS"))),
                ]))),
            ),
        ]));
        let back = action_from_sdk(&action_to_sdk(&want).expect("valid"));
        assert_eq!(back, want);
        let bad = Value::Map(props::build([("type", Some(props::s("forward")))]));
        assert!(action_to_sdk(&bad).is_err());
    }
}
