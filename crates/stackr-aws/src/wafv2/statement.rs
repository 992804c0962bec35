//! WAF rule statements in AWS's JSON shape (`{"IPSetReferenceStatement":
//! {"ARN": ...}}`), for a web ACL rule's `statement` property, to and from
//! the SDK's types.
//!
//! The kinds an edge or application stack uses are supported:
//! IPSetReferenceStatement, GeoMatchStatement, ManagedRuleGroupStatement
//! (vendor, name, version, excluded rules), RateBasedStatement (limit,
//! aggregate key, window, scope-down statement) and And/Or/NotStatement
//! over those. Another kind is refused with an error naming it; one found
//! live is reported as `{"<Kind>": "unsupported"}` (never equal to a
//! stack's value, so it shows as drift instead of passing silently).
//! AWS's default evaluation window (300 s) is left out when reading.

use aws_sdk_wafv2::types::{
    AndStatement, CountryCode, ExcludedRule, GeoMatchStatement, IpSetReferenceStatement, ManagedRuleGroupStatement,
    NotStatement, OrStatement, RateBasedStatement, RateBasedStatementAggregateKeyType, Statement,
};
use serde_json::{Map, Value as Json, json};
use stackr_engine::reconciler::{ErrorKind, ProviderError};

fn bad(msg: impl Into<String>) -> ProviderError {
    ProviderError::new(ErrorKind::Invalid, msg.into())
}

fn field<'a>(m: &'a Map<String, Json>, kind: &str, k: &str) -> Result<&'a Json, ProviderError> {
    m.get(k).ok_or_else(|| bad(format!("{kind} needs `{k}`")))
}

fn text(m: &Map<String, Json>, kind: &str, k: &str) -> Result<String, ProviderError> {
    field(m, kind, k)?.as_str().map(str::to_string).ok_or_else(|| bad(format!("{kind}.{k} must be a string")))
}

fn build_err(kind: &str) -> impl Fn(aws_smithy_types::error::operation::BuildError) -> ProviderError + '_ {
    move |e| bad(format!("{kind}: {e}"))
}

/// A statement from its JSON shape.
pub fn from_json(j: &Json) -> Result<Statement, ProviderError> {
    let Some(obj) = j.as_object().filter(|o| o.len() == 1) else {
        return Err(bad("a WAF statement is a map with exactly one key, its kind (e.g. IPSetReferenceStatement)"));
    };
    let Some((kind, body)) = obj.iter().next() else { return Err(bad("empty WAF statement")) };
    let m = body.as_object().ok_or_else(|| bad(format!("{kind} must be a map")))?;
    let list = |k: &str| -> Result<Vec<Statement>, ProviderError> {
        field(m, kind, k)?
            .as_array()
            .ok_or_else(|| bad(format!("{kind}.{k} must be a list")))?
            .iter()
            .map(from_json)
            .collect()
    };
    let b = Statement::builder();
    Ok(match kind.as_str() {
        "IPSetReferenceStatement" => b
            .ip_set_reference_statement(
                IpSetReferenceStatement::builder().arn(text(m, kind, "ARN")?).build().map_err(build_err(kind))?,
            )
            .build(),
        "GeoMatchStatement" => {
            let codes = field(m, kind, "CountryCodes")?
                .as_array()
                .ok_or_else(|| bad("GeoMatchStatement.CountryCodes must be a list"))?
                .iter()
                .filter_map(|c| c.as_str().map(CountryCode::from))
                .collect();
            b.geo_match_statement(GeoMatchStatement::builder().set_country_codes(Some(codes)).build()).build()
        }
        "ManagedRuleGroupStatement" => {
            let excluded = match m.get("ExcludedRules").and_then(Json::as_array) {
                Some(rules) => Some(
                    rules
                        .iter()
                        .filter_map(|r| r.get("Name").and_then(Json::as_str))
                        .map(|n| ExcludedRule::builder().name(n).build().map_err(build_err(kind)))
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                None => None,
            };
            let s = ManagedRuleGroupStatement::builder()
                .vendor_name(text(m, kind, "VendorName")?)
                .name(text(m, kind, "Name")?)
                .set_version(m.get("Version").and_then(Json::as_str).map(str::to_string))
                .set_excluded_rules(excluded)
                .build()
                .map_err(build_err(kind))?;
            b.managed_rule_group_statement(s).build()
        }
        "RateBasedStatement" => {
            let limit =
                field(m, kind, "Limit")?.as_i64().ok_or_else(|| bad("RateBasedStatement.Limit must be a number"))?;
            let key = m.get("AggregateKeyType").and_then(Json::as_str).unwrap_or("IP");
            let scope_down = match m.get("ScopeDownStatement") {
                Some(s) => Some(Box::new(from_json(s)?)),
                None => None,
            };
            let s = RateBasedStatement::builder()
                .limit(limit)
                .aggregate_key_type(RateBasedStatementAggregateKeyType::from(key))
                .set_evaluation_window_sec(m.get("EvaluationWindowSec").and_then(Json::as_i64))
                .set_scope_down_statement(scope_down)
                .build()
                .map_err(build_err(kind))?;
            b.rate_based_statement(s).build()
        }
        "AndStatement" => b
            .and_statement(
                AndStatement::builder().set_statements(Some(list("Statements")?)).build().map_err(build_err(kind))?,
            )
            .build(),
        "OrStatement" => b
            .or_statement(
                OrStatement::builder().set_statements(Some(list("Statements")?)).build().map_err(build_err(kind))?,
            )
            .build(),
        "NotStatement" => {
            let inner = from_json(field(m, kind, "Statement")?)?;
            b.not_statement(NotStatement::builder().statement(inner).build()).build()
        }
        other => return Err(bad(format!("WAF statement kind {other} is not supported by stackr yet"))),
    })
}

/// A statement in its JSON shape.
pub fn to_json(s: &Statement) -> Json {
    if let Some(r) = &s.ip_set_reference_statement {
        return json!({ "IPSetReferenceStatement": { "ARN": r.arn } });
    }
    if let Some(g) = &s.geo_match_statement {
        let codes: Vec<&str> = g.country_codes().iter().map(|c| c.as_str()).collect();
        return json!({ "GeoMatchStatement": { "CountryCodes": codes } });
    }
    if let Some(g) = &s.managed_rule_group_statement {
        let mut m = Map::new();
        m.insert("VendorName".into(), json!(g.vendor_name));
        m.insert("Name".into(), json!(g.name));
        if let Some(v) = &g.version {
            m.insert("Version".into(), json!(v));
        }
        if let Some(ex) = g.excluded_rules.as_ref().filter(|e| !e.is_empty()) {
            let ex: Vec<Json> = ex.iter().map(|r| json!({ "Name": r.name })).collect();
            m.insert("ExcludedRules".into(), Json::Array(ex));
        }
        return json!({ "ManagedRuleGroupStatement": m });
    }
    if let Some(r) = &s.rate_based_statement {
        let mut m = Map::new();
        m.insert("Limit".into(), json!(r.limit));
        m.insert("AggregateKeyType".into(), json!(r.aggregate_key_type.as_str()));
        if r.evaluation_window_sec != 0 && r.evaluation_window_sec != 300 {
            m.insert("EvaluationWindowSec".into(), json!(r.evaluation_window_sec));
        }
        if let Some(sd) = &r.scope_down_statement {
            m.insert("ScopeDownStatement".into(), to_json(sd));
        }
        return json!({ "RateBasedStatement": m });
    }
    if let Some(a) = &s.and_statement {
        return json!({ "AndStatement": { "Statements": a.statements.iter().map(to_json).collect::<Vec<_>>() } });
    }
    if let Some(o) = &s.or_statement {
        return json!({ "OrStatement": { "Statements": o.statements.iter().map(to_json).collect::<Vec<_>>() } });
    }
    if let Some(n) = &s.not_statement {
        return json!({ "NotStatement": { "Statement": n.statement.as_deref().map(to_json) } });
    }
    json!({ unsupported_kind(s): "unsupported" })
}

/// The name of a statement kind stackr does not map.
fn unsupported_kind(s: &Statement) -> &'static str {
    if s.byte_match_statement.is_some() {
        "ByteMatchStatement"
    } else if s.sqli_match_statement.is_some() {
        "SqliMatchStatement"
    } else if s.xss_match_statement.is_some() {
        "XssMatchStatement"
    } else if s.size_constraint_statement.is_some() {
        "SizeConstraintStatement"
    } else if s.rule_group_reference_statement.is_some() {
        "RuleGroupReferenceStatement"
    } else if s.regex_pattern_set_reference_statement.is_some() {
        "RegexPatternSetReferenceStatement"
    } else if s.label_match_statement.is_some() {
        "LabelMatchStatement"
    } else if s.regex_match_statement.is_some() {
        "RegexMatchStatement"
    } else {
        "Statement"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for j in [
            json!({ "IPSetReferenceStatement": { "ARN": "arn:aws:wafv2:us-east-1:1:global/ipset/a/b" } }),
            json!({ "NotStatement": { "Statement": { "GeoMatchStatement": { "CountryCodes": ["JP", "US"] } } } }),
            json!({ "OrStatement": { "Statements": [
                { "IPSetReferenceStatement": { "ARN": "x" } },
                { "ManagedRuleGroupStatement": { "VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet" } }
            ] } }),
            json!({ "RateBasedStatement": { "Limit": 1000, "AggregateKeyType": "IP" } }),
        ] {
            assert_eq!(to_json(&from_json(&j).unwrap()), j);
        }
    }

    #[test]
    fn refuses_what_it_cannot_map() {
        let e = from_json(&json!({ "XssMatchStatement": {} })).unwrap_err();
        assert!(e.message.contains("XssMatchStatement"), "{}", e.message);
        assert!(from_json(&json!({ "A": {}, "B": {} })).is_err());
        assert!(from_json(&json!({ "IPSetReferenceStatement": {} })).is_err());
    }
}
