//! The generic, pure diff: desired properties against live ones, field by
//! field, telling configuration changes from drift.
//!
//! Only properties the stack sets are compared; what it leaves out is left
//! to AWS's defaults and never shows as a change (a property it set when
//! last applied and no longer writes is put back to AWS's default where
//! the type can: [`removed`]) (but a property whose
//! schema has a `default` is wanted at it when left out: the stack's
//! evaluation fills it in, and it is compared like any other). The same holds inside
//! structures (`PropType::Object`, also as list elements): a field the stack
//! does not set is not compared, so AWS filling in defaults (CloudFront's
//! cache behaviours, ECS container definitions) is not a change. `ignore_changes` fields
//! are never compared. A field whose schema says AWS cannot change it
//! forces replacement.

use crate::reconciler::Props;
use stackr_core::schema::{PropSchema, PropType, TypeSchema, Update};
use stackr_core::value::Value;

/// One field that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub name: String,
    /// The live value (`None`: AWS reports nothing for it).
    pub live: Option<Value>,
    /// The value the stack wants; may be unknown until apply.
    pub desired: Value,
    /// AWS cannot change it in place.
    pub forces_replacement: bool,
    /// The stack's value differs from what was last applied.
    pub config: bool,
    /// The live value differs from what was last applied (changed outside stackr).
    pub drift: bool,
    /// Masked in every output.
    pub secret: bool,
}

/// What the diff concludes.
#[derive(Debug, Clone, PartialEq)]
pub enum Diff {
    UpToDate,
    Update(Vec<FieldChange>),
    Replace(Vec<FieldChange>),
}

/// Numbers and booleans written where the schema wants a string (`port:
/// 443`, an attribute `"120"` written `120`) become their text, as AWS
/// reports them, at any depth.
fn texts(ty: &PropType, v: &mut Value) {
    match (ty, v) {
        (PropType::String, v @ (Value::Number(_) | Value::Bool(_))) => {
            if let Some(t) = v.to_interpolated() {
                *v = Value::String(t);
            }
        }
        (PropType::List(t), Value::List(l)) => l.iter_mut().for_each(|x| texts(t, x)),
        (PropType::Map(t), Value::Map(m)) => m.values_mut().for_each(|x| texts(t, x)),
        (PropType::Object(fields), Value::Map(m)) => {
            for (k, x) in m.iter_mut() {
                if let Some(f) = fields.iter().find(|f| f.name == k) {
                    texts(&f.ty, x);
                }
            }
        }
        _ => {}
    }
}

/// Turns JSON-document properties written as strings into values (also
/// inside a map of documents, like a role's inline policies), so a policy
/// written as a YAML map and one written as a JSON string compare equal.
pub fn normalize(schema: &TypeSchema, props: &mut Props) {
    fn parse(v: &mut Value) {
        if let Value::String(s) = v
            && let Ok(j) = serde_json::from_str::<serde_json::Value>(s)
        {
            *v = Value::from_json(&j);
        }
    }
    for (k, v) in props.iter_mut() {
        if let Some(p) = schema.property(k) {
            texts(&p.ty, v);
        }
        match schema.property(k).map(|p| p.ty) {
            Some(PropType::Json) => parse(v),
            Some(PropType::Map(PropType::Json)) => {
                if let Value::Map(m) = v {
                    m.values_mut().for_each(parse);
                }
            }
            _ => {}
        }
    }
}

/// Two lists with the same elements, in any order.
fn same_set(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) if x.len() == y.len() => {
            let key = |v: &Value| v.to_json().to_string();
            let mut xs: Vec<String> = x.iter().map(key).collect();
            let mut ys: Vec<String> = y.iter().map(key).collect();
            xs.sort();
            ys.sort();
            xs == ys
        }
        _ => false,
    }
}

/// Whether the live value `have` matches the wanted `want` of type `ty`:
/// equal, except that an object's fields `want` leaves out (or sets to
/// null) are not compared, recursively, and lists marked unordered compare
/// as sets.
fn covers(ty: &PropType, unordered: bool, have: &Value, want: &Value) -> bool {
    match (ty, have, want) {
        (PropType::Object(fields), Value::Map(h), Value::Map(w)) => w.iter().all(|(k, wv)| {
            if matches!(wv, Value::Null) {
                return true;
            }
            match (fields.iter().find(|f| f.name == k), h.get(k)) {
                (Some(f), Some(hv)) => covers(&f.ty, f.unordered, hv, wv),
                (None, Some(hv)) => hv == wv,
                (_, None) => false,
            }
        }),
        (PropType::List(inner @ PropType::Object(_)), Value::List(h), Value::List(w)) => {
            h.len() == w.len()
                && if unordered {
                    matched(inner, h, w)
                } else {
                    h.iter().zip(w).all(|(hv, wv)| covers(inner, false, hv, wv))
                }
        }
        _ => have == want || (unordered && same_set(have, want)),
    }
}

/// Whether each wanted element of an unordered list of objects is covered
/// by a live element of its own (a perfect matching, so fields a wanted
/// element leaves out are not compared there either, whatever the order).
fn matched(inner: &PropType, have: &[Value], want: &[Value]) -> bool {
    let fits: Vec<Vec<usize>> =
        want.iter().map(|w| (0..have.len()).filter(|&j| covers(inner, false, &have[j], w)).collect()).collect();
    // Kuhn's augmenting paths: `owner[j]` is the wanted element live
    // element j covers so far.
    fn assign(i: usize, fits: &[Vec<usize>], owner: &mut [Option<usize>], seen: &mut [bool]) -> bool {
        for &j in &fits[i] {
            if std::mem::replace(&mut seen[j], true) {
                continue;
            }
            if owner[j].is_none_or(|k| assign(k, fits, owner, seen)) {
                owner[j] = Some(i);
                return true;
            }
        }
        false
    }
    let mut owner = vec![None; have.len()];
    (0..want.len()).all(|i| assign(i, &fits, &mut owner, &mut vec![false; have.len()]))
}

/// [`covers`] for a whole property; a map marked `partial` compares only
/// the keys `want` sets.
fn prop_covers(prop: &PropSchema, have: &Value, want: &Value) -> bool {
    match (prop.partial, have, want) {
        (true, Value::Map(h), Value::Map(w)) => {
            w.iter().all(|(k, wv)| matches!(wv, Value::Null) || h.get(k) == Some(wv))
        }
        _ => covers(&prop.ty, prop.unordered, have, want),
    }
}

/// Compares desired against live. `recorded` is what state says was last
/// applied (to tell drift from configuration change).
pub fn diff(
    schema: &TypeSchema,
    desired: &Props,
    live: &Props,
    recorded: Option<&Props>,
    ignore_changes: &[String],
) -> Diff {
    let mut changes = Vec::new();
    for (name, want) in desired {
        if matches!(want, Value::Null) || ignored(name, ignore_changes) {
            continue;
        }
        let have = live.get(name);
        let Some(prop) = schema.property(name) else { continue };
        if prop.local {
            continue;
        }
        if have.is_some_and(|h| prop_covers(prop, h, want)) || (have.is_none() && is_empty_text(want)) {
            continue;
        }
        let last = recorded.and_then(|r| r.get(name));
        let unknown = want.contains_unknown();
        changes.push(FieldChange {
            name: name.clone(),
            live: have.cloned(),
            desired: want.clone(),
            forces_replacement: prop.update == Update::Replace,
            config: unknown || last != Some(want),
            drift: last.is_some_and(|l| !have.is_some_and(|h| prop_covers(prop, h, l))),
            secret: prop.secret,
        });
    }
    if changes.is_empty() {
        Diff::UpToDate
    } else if changes.iter().any(|c| c.forces_replacement) {
        Diff::Replace(changes)
    } else {
        Diff::Update(changes)
    }
}

/// The properties the stack set when last applied (`recorded`) and no
/// longer writes, where AWS still has a value and the type puts AWS's
/// default back (`resets`, which the caller makes false for a property
/// the stack writes as `null`: that stops managing it): each a change to
/// nothing.
pub fn removed(
    schema: &TypeSchema,
    desired: &Props,
    live: &Props,
    recorded: &Props,
    ignore_changes: &[String],
    resets: impl Fn(&str) -> bool,
) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for (name, last) in recorded {
        if desired.contains_key(name) || matches!(last, Value::Null) || ignored(name, ignore_changes) {
            continue;
        }
        let Some(prop) = schema.properties.iter().find(|p| p.name == name) else { continue };
        let Some(have) = live.get(name) else { continue };
        if prop.local || is_empty_text(have) || !resets(name) {
            continue;
        }
        out.push(FieldChange {
            name: name.clone(),
            live: Some(have.clone()),
            desired: Value::Null,
            forces_replacement: prop.update == Update::Replace,
            config: true,
            drift: false,
            secret: prop.secret,
        });
    }
    out
}

/// [`diff`], and with a record of the last apply, [`removed`]'s changes
/// too: what plan and apply both compare.
pub fn diff_resetting(
    schema: &TypeSchema,
    desired: &Props,
    live: &Props,
    recorded: Option<&Props>,
    ignore_changes: &[String],
    resets: impl Fn(&str) -> bool,
) -> Diff {
    let d = diff(schema, desired, live, recorded, ignore_changes);
    match recorded {
        Some(r) => with_removed(d, removed(schema, desired, live, r, ignore_changes, resets)),
        None => d,
    }
}

/// [`diff`] with [`removed`]'s changes added.
fn with_removed(d: Diff, gone: Vec<FieldChange>) -> Diff {
    if gone.is_empty() {
        return d;
    }
    let mut all = match d {
        Diff::UpToDate => Vec::new(),
        Diff::Update(ch) | Diff::Replace(ch) => ch,
    };
    all.extend(gone);
    if all.iter().any(|c| c.forces_replacement) { Diff::Replace(all) } else { Diff::Update(all) }
}

/// `""`: AWS answers an empty text field (a description, a display name,
/// a comment) by leaving it out, so an empty wanted value matches none.
fn is_empty_text(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.is_empty())
}

/// Whether `name` is an `ignore_changes` entry (whole properties only:
/// the stack language rejects paths).
pub fn ignored(name: &str, ignore_changes: &[String]) -> bool {
    ignore_changes.iter().any(|i| i == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackr_core::schema::{Role, prop};

    const INNER: PropType = PropType::Object(&[
        prop("ttl", PropType::Int),
        prop("methods", PropType::List(&PropType::String)).unordered(),
        prop("mode", PropType::String),
    ]);
    const SCHEMA: TypeSchema = TypeSchema {
        kind: "test.nested",
        role: Role::Resource,
        doc: "",
        properties: &[prop("one", INNER), prop("many", PropType::List(&INNER))],
        attributes: &[],
        taggable: false,
        has_readiness: false,
    };

    fn v(j: serde_json::Value) -> Value {
        Value::from_json(&j)
    }

    fn props(j: serde_json::Value) -> Props {
        match v(j) {
            Value::Map(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_property_left_out_since_the_last_apply_is_reset_where_the_type_can() {
        const S: TypeSchema = TypeSchema {
            kind: "test.removed",
            role: Role::Resource,
            doc: "",
            properties: &[
                prop("retention", PropType::Int),
                prop("kept", PropType::String),
                prop("zone", PropType::String).replaces(),
            ],
            attributes: &[],
            taggable: false,
            has_readiness: false,
        };
        let recorded = props(serde_json::json!({ "retention": 7, "kept": "k", "zone": "a" }));
        let live = props(serde_json::json!({ "retention": 7, "kept": "k", "zone": "a" }));
        let all = |f: &str| f != "kept";
        let gone = removed(&S, &Props::new(), &live, &recorded, &[], all);
        let names: Vec<&str> = gone.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["retention", "zone"], "`kept` is not reset by the type");
        assert!(gone.iter().all(|c| c.desired == Value::Null && c.config && !c.drift));
        assert!(matches!(with_removed(Diff::UpToDate, gone), Diff::Replace(_)), "a replacing field replaces");
        // Written as null: not managed, kept; ignored: kept; gone from AWS
        // already: nothing to do.
        let null = props(serde_json::json!({ "retention": null, "zone": "a" }));
        assert!(removed(&S, &null, &live, &recorded, &[], all).is_empty());
        let want = props(serde_json::json!({ "zone": "a" }));
        assert!(removed(&S, &want, &live, &recorded, &["retention".to_string()], all).is_empty());
        assert!(removed(&S, &want, &props(serde_json::json!({ "zone": "a" })), &recorded, &[], all).is_empty());
        assert_eq!(with_removed(Diff::UpToDate, Vec::new()), Diff::UpToDate);
    }

    #[test]
    fn empty_text_matches_a_field_aws_leaves_out() {
        const S: TypeSchema = TypeSchema {
            kind: "test.text",
            role: Role::Resource,
            doc: "",
            properties: &[prop("description", PropType::String)],
            attributes: &[],
            taggable: false,
            has_readiness: false,
        };
        let want = props(serde_json::json!({ "description": "" }));
        assert_eq!(diff(&S, &want, &Props::new(), Some(&Props::new()), &[]), Diff::UpToDate);
        let live = props(serde_json::json!({ "description": "old" }));
        assert!(matches!(diff(&S, &want, &live, None, &[]), Diff::Update(_)), "a real value still differs");
    }

    #[test]
    fn fields_left_out_of_an_object_are_not_compared() {
        let live = props(serde_json::json!({
            "one": { "ttl": 0, "methods": ["HEAD", "GET"], "mode": "x" },
            "many": [{ "ttl": 5, "methods": ["GET"], "mode": "y" }],
        }));
        let want = props(serde_json::json!({
            "one": { "ttl": 0, "methods": ["GET", "HEAD"] },
            "many": [{ "ttl": 5 }],
        }));
        assert_eq!(diff(&SCHEMA, &want, &live, Some(&live), &[]), Diff::UpToDate);
        let changed = props(serde_json::json!({ "one": { "ttl": 1 }, "many": [{ "ttl": 5 }, { "ttl": 6 }] }));
        let Diff::Update(changes) = diff(&SCHEMA, &changed, &live, Some(&live), &[]) else { panic!("a change") };
        let names: Vec<&str> = changes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["many", "one"]);
        assert!(changes.iter().all(|c| c.config && !c.drift));
    }

    #[test]
    fn an_unordered_list_of_objects_compares_as_a_set_of_covered_elements() {
        const SET: TypeSchema = TypeSchema {
            kind: "test.set",
            role: Role::Resource,
            doc: "",
            properties: &[prop("many", PropType::List(&INNER)).unordered()],
            attributes: &[],
            taggable: false,
            has_readiness: false,
        };
        // AWS fills in `mode`; the stack names the elements in another order.
        let live = props(serde_json::json!({ "many": [{ "ttl": 1, "mode": "a" }, { "ttl": 2, "mode": "b" }] }));
        let want = props(serde_json::json!({ "many": [{ "ttl": 2 }, { "ttl": 1 }] }));
        assert_eq!(diff(&SET, &want, &live, Some(&want), &[]), Diff::UpToDate);
        // Each wanted element needs a live one of its own: the first fits
        // both, the second only the first, which a greedy match would take.
        let want = props(serde_json::json!({ "many": [{ "mode": "a" }, { "ttl": 1, "mode": "a" }] }));
        let live = props(serde_json::json!({ "many": [{ "ttl": 1, "mode": "a" }, { "ttl": 3, "mode": "a" }] }));
        assert_eq!(diff(&SET, &want, &live, Some(&want), &[]), Diff::UpToDate);
        let want = props(serde_json::json!({ "many": [{ "ttl": 1 }, { "ttl": 1 }] }));
        assert!(matches!(diff(&SET, &want, &live, Some(&want), &[]), Diff::Update(c) if c[0].drift));
        let want = props(serde_json::json!({ "many": [{ "ttl": 1 }] }));
        assert!(matches!(diff(&SET, &want, &live, Some(&want), &[]), Diff::Update(_)));
    }

    #[test]
    fn a_field_the_stack_sets_is_compared() {
        let live = props(serde_json::json!({ "one": { "ttl": 0, "mode": "x" } }));
        let want = props(serde_json::json!({ "one": { "ttl": 0, "mode": "z" } }));
        assert!(matches!(diff(&SCHEMA, &want, &live, Some(&want), &[]), Diff::Update(c) if c[0].drift));
    }

    #[test]
    fn a_partial_map_compares_only_the_keys_set() {
        const MAPS: TypeSchema = TypeSchema {
            kind: "test.maps",
            role: Role::Resource,
            doc: "",
            properties: &[
                prop("attributes", PropType::Map(&PropType::String)).partial(),
                prop("exact", PropType::Map(&PropType::String)),
            ],
            attributes: &[],
            taggable: false,
            has_readiness: false,
        };
        let live = props(serde_json::json!({ "attributes": { "a": "1", "b": "2" }, "exact": { "a": "1", "b": "2" } }));
        let same = props(serde_json::json!({ "attributes": { "a": "1" } }));
        assert_eq!(diff(&MAPS, &same, &live, Some(&same), &[]), Diff::UpToDate);
        let changed = props(serde_json::json!({ "attributes": { "a": "9" } }));
        assert!(
            matches!(diff(&MAPS, &changed, &live, Some(&same), &[]), Diff::Update(c) if c[0].config && !c[0].drift)
        );
        let missing = props(serde_json::json!({ "attributes": { "c": "3" } }));
        assert!(matches!(diff(&MAPS, &missing, &live, None, &[]), Diff::Update(_)));
        let exact = props(serde_json::json!({ "exact": { "a": "1" } }));
        assert!(matches!(diff(&MAPS, &exact, &live, None, &[]), Diff::Update(_)));
    }

    #[test]
    fn numbers_written_for_strings_become_text() {
        const S: TypeSchema = TypeSchema {
            kind: "test.texts",
            role: Role::Resource,
            doc: "",
            properties: &[
                prop("attributes", PropType::Map(&PropType::String)),
                prop("one", INNER),
                prop("port", PropType::Int),
            ],
            attributes: &[],
            taggable: false,
            has_readiness: false,
        };
        let mut p =
            props(serde_json::json!({ "attributes": { "a": 120, "b": true }, "one": { "mode": 5 }, "port": 80 }));
        normalize(&S, &mut p);
        assert_eq!(
            p,
            props(serde_json::json!({ "attributes": { "a": "120", "b": "true" }, "one": { "mode": "5" }, "port": 80 }))
        );
    }
}
