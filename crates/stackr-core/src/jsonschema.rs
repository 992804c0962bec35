//! The JSON Schema of stack files (`stackr schema`), derived from the same
//! declarations the validator uses: the language's key tables and the
//! resource type schemas. Editors using yaml-language-server complete and
//! check stack files with it.
//!
//! Any property may also be written as a `${...}` expression, so typed
//! fields accept such a string as well.

use crate::lang::ast::{
    COMPONENT_KEYS, DATA_KEYS, LIFECYCLE_KEYS, MOVED_KEYS, OUTPUT_KEYS, RESOURCE_KEYS, STATE_KEYS, TIMEOUT_KEYS,
    TOP_KEYS, VAR_KEYS, VAR_TYPES,
};
use crate::schema::{Catalog, PropSchema, PropType, Role, TypeSchema};
use serde_json::{Map, Value as J, json};

const EXPR: &str = "^.*\\$\\{.*\\}.*$";

fn described(table: &[(&str, &str)], name: &str) -> String {
    table.iter().find(|(n, _)| *n == name).map(|(_, d)| d.to_string()).unwrap_or_default()
}

fn expr_string() -> J {
    json!({ "type": "string", "pattern": EXPR, "description": "a ${...} expression" })
}

/// A value of type `ty`, or an expression producing one.
fn prop_type(ty: &PropType) -> J {
    let base = match ty {
        PropType::String => return json!({ "type": ["string", "number", "boolean"] }),
        PropType::Int => json!({ "type": "integer" }),
        PropType::Number => json!({ "type": "number" }),
        PropType::Bool => json!({ "type": "boolean" }),
        PropType::Enum(values) => json!({ "enum": values }),
        PropType::List(inner) => json!({ "type": "array", "items": prop_type(inner) }),
        PropType::Map(inner) => {
            json!({ "type": "object", "additionalProperties": prop_type(inner) })
        }
        PropType::Object(fields) => object(fields),
        PropType::Json => json!({ "type": ["object", "array", "string"] }),
        PropType::Any => return json!({}),
    };
    json!({ "anyOf": [base, expr_string()] })
}

fn object(fields: &[PropSchema]) -> J {
    let mut props = Map::new();
    for f in fields {
        let mut s = prop_type(&f.ty);
        // A range bounds the number written (an expression is checked once known).
        if let (Some(crate::schema::Limit::Range(lo, hi)), Some(J::Array(any))) = (f.limit, s.get_mut("anyOf"))
            && let Some(J::Object(base)) = any.first_mut()
        {
            let n = |x: f64| if x.fract() == 0.0 { json!(x as i64) } else { json!(x) };
            base.insert("minimum".into(), n(lo));
            if hi.is_finite() {
                base.insert("maximum".into(), n(hi));
            }
        }
        if !f.doc.is_empty()
            && let Some(o) = s.as_object_mut()
        {
            o.insert("description".into(), J::String(f.doc.to_string()));
        }
        if let (Some(d), Some(o)) = (f.default, s.as_object_mut()) {
            o.insert("default".into(), d.value(&f.ty).to_json());
        }
        props.insert(f.name.to_string(), s);
    }
    let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    json!({ "type": "object", "properties": props, "required": required, "additionalProperties": false })
}

fn type_properties(t: &TypeSchema) -> J {
    let mut fields: Vec<PropSchema> = t.properties.to_vec();
    if t.taggable {
        fields.push(crate::schema::TAGS_PROP);
    }
    object(&fields)
}

fn keyed(table: &[(&str, &str)], name: &str, schema: J) -> (String, J) {
    let mut s = schema;
    if let Some(o) = s.as_object_mut() {
        o.insert("description".into(), J::String(described(table, name)));
    }
    (name.to_string(), s)
}

/// The JSON Schema (draft-07) of a stack file.
pub fn stack_schema(catalog: &dyn Catalog) -> J {
    let types = catalog.all();
    let resource_kinds: Vec<&str> = types.iter().filter(|t| t.role == Role::Resource).map(|t| t.kind).collect();
    let data_kinds: Vec<&str> = types.iter().filter(|t| t.role == Role::Data).map(|t| t.kind).collect();

    let mut defs = Map::new();
    // Resources by kind; look-ups as `<kind>.data` (a kind may be both).
    for t in types.iter().filter(|t| t.role == Role::Resource) {
        defs.insert(t.kind.to_string(), type_properties(t));
    }
    let by_type = |role: Role, wrap: &dyn Fn(&str) -> J| -> Vec<J> {
        types
            .iter()
            .filter(|t| t.role == role)
            .map(|t| {
                json!({
                    "if": { "properties": { "type": { "const": t.kind } }, "required": ["type"] },
                    "then": wrap(t.kind),
                })
            })
            .collect()
    };
    let resource_rules = by_type(
        Role::Resource,
        &|k| json!({ "properties": { "properties": { "$ref": format!("#/definitions/{k}") } } }),
    );
    let data_rules = by_type(Role::Data, &|k| json!({ "$ref": format!("#/definitions/{k}.data") }));
    for t in types.iter().filter(|t| t.role == Role::Data) {
        let mut o = type_properties(t);
        if let Some(props) = o.get_mut("properties").and_then(J::as_object_mut) {
            props.insert("type".into(), json!({ "const": t.kind }));
            props.insert("region".into(), json!({ "type": "string" }));
        }
        defs.insert(format!("{}.data", t.kind), o);
    }

    let lifecycle = J::Object(
        [
            // true/false, or an expression over variables (`${var.protect_data}`).
            keyed(LIFECYCLE_KEYS, "protect", json!({ "anyOf": [{ "type": "boolean" }, { "type": "string", "pattern": "^\\$\\{" }] })),
            keyed(LIFECYCLE_KEYS, "ignore_changes", json!({ "type": "array", "items": { "type": "string" } })),
            keyed(LIFECYCLE_KEYS, "create_before_destroy", json!({ "type": "boolean" })),
            keyed(LIFECYCLE_KEYS, "retain", json!({ "type": "boolean" })),
            keyed(
                LIFECYCLE_KEYS,
                "timeouts",
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "properties": J::Object(
                        TIMEOUT_KEYS
                            .iter()
                            .map(|(k, _)| keyed(TIMEOUT_KEYS, k, json!({ "type": "string", "pattern": "^([0-9]+[smh])+$" })))
                            .collect()
                    ),
                }),
            ),
        ]
        .into_iter()
        .collect(),
    );
    let resource = json!({
        "type": "object",
        "required": ["type"],
        "additionalProperties": false,
        "properties": J::Object([
            keyed(RESOURCE_KEYS, "type", json!({ "enum": resource_kinds })),
            keyed(RESOURCE_KEYS, "properties", json!({ "type": "object" })),
            keyed(RESOURCE_KEYS, "depends_on", json!({ "type": "array", "items": { "type": "string" } })),
            keyed(RESOURCE_KEYS, "for_each", json!({ "type": ["array", "object", "string"] })),
            keyed(RESOURCE_KEYS, "region", json!({ "type": "string" })),
            keyed(RESOURCE_KEYS, "lifecycle", json!({ "type": "object", "additionalProperties": false, "properties": lifecycle })),
            keyed(RESOURCE_KEYS, "description", json!({ "type": "string" })),
        ].into_iter().collect()),
        "allOf": resource_rules,
    });
    let data = json!({
        "type": "object",
        "required": ["type"],
        "properties": { "type": { "enum": data_kinds, "description": described(DATA_KEYS, "type") } },
        "allOf": data_rules,
    });
    let var_decl = json!({
        "type": "object",
        "required": ["type"],
        "additionalProperties": false,
        "properties": J::Object([
            keyed(VAR_KEYS, "type", json!({ "enum": VAR_TYPES })),
            keyed(VAR_KEYS, "default", json!({})),
            keyed(VAR_KEYS, "description", json!({ "type": "string" })),
            keyed(VAR_KEYS, "sensitive", json!({ "type": "boolean" })),
        ].into_iter().collect()),
    });
    let output = json!({
        "anyOf": [
            {
                "type": "object",
                "required": ["value"],
                "additionalProperties": false,
                "properties": J::Object([
                    keyed(OUTPUT_KEYS, "value", json!({})),
                    keyed(OUTPUT_KEYS, "description", json!({ "type": "string" })),
                    keyed(OUTPUT_KEYS, "sensitive", json!({ "type": "boolean" })),
                ].into_iter().collect()),
            },
            { "type": ["string", "number", "boolean", "array"] },
            // A map written directly (without `value:`) is the value itself.
            { "type": "object", "not": { "required": ["value"] } }
        ]
    });
    let state = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": J::Object(STATE_KEYS.iter().map(|(n, d)| {
            let s = if *n == "backend" { json!({ "enum": ["local", "s3"], "description": d }) } else { json!({ "type": "string", "description": d }) };
            (n.to_string(), s)
        }).collect()),
    });
    let component = json!({
        "type": "object",
        "required": ["use"],
        "additionalProperties": false,
        "properties": J::Object([
            keyed(COMPONENT_KEYS, "use", json!({ "type": "string" })),
            keyed(COMPONENT_KEYS, "vars", json!({ "type": "object" })),
            keyed(COMPONENT_KEYS, "for_each", json!({ "type": ["array", "object", "string"] })),
            keyed(COMPONENT_KEYS, "depends_on", json!({ "type": "array", "items": { "type": "string" } })),
            keyed(COMPONENT_KEYS, "description", json!({ "type": "string" })),
        ].into_iter().collect()),
    });
    defs.insert("component".into(), component);
    defs.insert("resource".into(), resource);
    defs.insert("data".into(), data);
    defs.insert("var".into(), var_decl);
    defs.insert("output".into(), output);

    let top = J::Object(
        [
            keyed(TOP_KEYS, "stack", json!({ "type": "string", "pattern": "^[a-z][a-z0-9-]*$" })),
            keyed(TOP_KEYS, "extends", json!({ "type": "string" })),
            keyed(TOP_KEYS, "region", json!({ "type": "string" })),
            keyed(TOP_KEYS, "state", state),
            keyed(
                TOP_KEYS,
                "vars",
                json!({ "type": "object", "additionalProperties": { "anyOf": [{ "$ref": "#/definitions/var" }, {}] } }),
            ),
            keyed(
                TOP_KEYS,
                "tags",
                json!({ "type": "object", "additionalProperties": { "type": ["string", "number", "boolean"] } }),
            ),
            keyed(
                TOP_KEYS,
                "data",
                json!({ "type": "object", "additionalProperties": { "$ref": "#/definitions/data" } }),
            ),
            keyed(
                TOP_KEYS,
                "resources",
                json!({ "type": "object", "additionalProperties": { "$ref": "#/definitions/resource" } }),
            ),
            keyed(
                TOP_KEYS,
                "outputs",
                json!({ "type": "object", "additionalProperties": { "$ref": "#/definitions/output" } }),
            ),
            keyed(
                TOP_KEYS,
                "moved",
                json!({ "type": "array", "items": {
                    "type": "object",
                    "required": ["from", "to"],
                    "additionalProperties": false,
                    "properties": {
                        "from": { "type": "string", "description": described(MOVED_KEYS, "from") },
                        "to": { "type": "string", "description": described(MOVED_KEYS, "to") },
                    },
                } }),
            ),
            keyed(
                TOP_KEYS,
                "components",
                json!({ "type": "object", "additionalProperties": { "$ref": "#/definitions/component" } }),
            ),
        ]
        .into_iter()
        .collect(),
    );
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://stackr.dev/schema/stack.json",
        "title": "stackr stack file",
        "type": "object",
        "additionalProperties": false,
        "properties": top,
        "definitions": defs,
    })
}
