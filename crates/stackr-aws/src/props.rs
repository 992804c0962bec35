//! Reading desired properties (`Props`) and building observed ones.

use stackr_core::value::Value;
use stackr_engine::reconciler::Props;
use std::collections::BTreeMap;

/// A string property, or `None` when unset or null.
pub fn string(p: &Props, k: &str) -> Option<String> {
    match p.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(stackr_core::value::format_number(*n)),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

pub fn boolean(p: &Props, k: &str) -> Option<bool> {
    match p.get(k) {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    }
}

pub fn int(p: &Props, k: &str) -> Option<i64> {
    match p.get(k) {
        Some(Value::Number(n)) if n.fract() == 0.0 => Some(*n as i64),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
}

pub fn strings(p: &Props, k: &str) -> Vec<String> {
    match p.get(k) {
        Some(Value::List(l)) => l.iter().filter_map(|v| v.to_interpolated()).collect(),
        _ => Vec::new(),
    }
}

/// A JSON-document property as compact JSON text.
pub fn json_text(p: &Props, k: &str) -> Option<String> {
    match p.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(v @ (Value::Map(_) | Value::List(_))) => Some(v.to_json().to_string()),
        _ => None,
    }
}

/// A required string, or an `Invalid` error naming it.
pub fn require(p: &Props, k: &str) -> Result<String, stackr_engine::reconciler::ProviderError> {
    string(p, k).ok_or_else(|| {
        stackr_engine::reconciler::ProviderError::new(
            stackr_engine::reconciler::ErrorKind::Invalid,
            format!("property `{k}` is required"),
        )
    })
}

/// Builds a `Props` from pairs, dropping `None`s.
pub fn build(pairs: impl IntoIterator<Item = (&'static str, Option<Value>)>) -> Props {
    pairs.into_iter().filter_map(|(k, v)| v.map(|v| (k.to_string(), v))).collect()
}

pub fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

pub fn list(v: impl IntoIterator<Item = String>) -> Value {
    Value::List(v.into_iter().map(Value::String).collect())
}

/// Tags as a map, without AWS's own (`aws:*`).
pub fn tag_map(pairs: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, String> {
    pairs.into_iter().filter(|(k, _)| !k.starts_with("aws:")).collect()
}
