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
    for (k, want) in desired {
        let secret = schema.property(k).is_some_and(|p| p.secret);
        if !secret || live.contains_key(k) || want.contains_unknown() {
            continue;
        }
        if recorded.get(k).is_some_and(|d| *d == digest(lineage, want)) {
            live.insert(k.clone(), want.clone());
        }
    }
}
