//! Secret properties (an SSM SecureString's value, a password): never in
//! state, plans or logs. AWS often will not show them back either, so
//! whether one changed is decided by a digest: SHA-256 over the state's
//! lineage and the value, recorded at apply. A digest is not reversible
//! and, salted by the lineage, not comparable across stacks.

use crate::reconciler::Props;
use sha2::{Digest, Sha256};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use std::collections::BTreeMap;

pub fn digest(lineage: &str, v: &Value) -> String {
    let mut h = Sha256::new();
    h.update(lineage.as_bytes());
    h.update([0u8]);
    h.update(v.to_json().to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Digests of the secret properties among `props`.
pub fn digests(schema: &TypeSchema, props: &Props, lineage: &str) -> BTreeMap<String, String> {
    props
        .iter()
        .filter(|(k, v)| !matches!(v, Value::Null) && schema.property(k).is_some_and(|p| p.secret))
        .map(|(k, v)| (k.clone(), digest(lineage, v)))
        .collect()
}

/// What stands, on the live side, for a secret AWS holds with another
/// value than the stack's (never shown: secrets are masked).
const CHANGED_OUTSIDE: &str = "(changed outside stackr)";
/// ... and for a secret AWS holds as last applied, which the stack changes.
const AS_APPLIED: &str = "(the value last applied)";

/// The live side of the secrets: where AWS showed a digest of what it
/// holds (`aws`), the wanted value when it matches and a stand-in when it
/// does not (a value changed outside stackr is a change); elsewhere, the
/// wanted value when it is the one last applied ([`fill_unchanged`]).
pub fn fill_live(
    schema: &TypeSchema,
    desired: &Props,
    live: &mut Props,
    aws: Option<&BTreeMap<String, String>>,
    recorded: &BTreeMap<String, String>,
    lineage: &str,
) {
    for (k, want) in unshown(schema, desired, live) {
        if let Some(held) = aws.and_then(|a| a.get(k)) {
            let v = if *held == digest(lineage, want) {
                want.clone()
            } else if recorded.get(k) == Some(held) {
                Value::String(AS_APPLIED.into())
            } else {
                Value::String(CHANGED_OUTSIDE.into())
            };
            live.insert(k.clone(), v);
        }
    }
    fill_unchanged(schema, desired, live, recorded, lineage);
}

/// The secrets the stack wants (known now) that the live side lacks.
fn unshown<'a>(schema: &TypeSchema, desired: &'a Props, live: &Props) -> Vec<(&'a String, &'a Value)> {
    desired
        .iter()
        .filter(|(k, want)| {
            schema.property(k).is_some_and(|p| p.secret) && !live.contains_key(*k) && !want.contains_unknown()
        })
        .collect()
}

/// A secret's change is the stack's when its value is not the one last
/// applied, and drift when AWS holds another than the one last applied.
pub fn classify(
    changes: &mut [crate::diff::FieldChange],
    aws: Option<&BTreeMap<String, String>>,
    recorded: &BTreeMap<String, String>,
    lineage: &str,
) {
    for c in changes.iter_mut().filter(|c| c.secret) {
        let Some(last) = recorded.get(&c.name) else { continue };
        if !c.desired.contains_unknown() {
            c.config = *last != digest(lineage, &c.desired);
        }
        if let Some(held) = aws.and_then(|a| a.get(&c.name)) {
            c.drift = held != last;
        }
    }
}

/// Where AWS does not show a secret back, treats it as unchanged when the
/// wanted value has the digest recorded at the last apply (by filling the
/// live side with the wanted value before diffing).
pub fn fill_unchanged(
    schema: &TypeSchema,
    desired: &Props,
    live: &mut Props,
    recorded: &BTreeMap<String, String>,
    lineage: &str,
) {
    for (k, want) in unshown(schema, desired, live) {
        if recorded.get(k).is_some_and(|d| *d == digest(lineage, want)) {
            live.insert(k.clone(), want.clone());
        }
    }
}
