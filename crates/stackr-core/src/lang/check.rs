//! Evaluates every value that can be known before apply, in dependency
//! order, and checks it against the type schemas: a wrong type, a bad
//! enum value or a failing function (`cidrsubnet` out of range) is found
//! by `validate`, not halfway through an apply.

use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::tree::Tree;
use crate::model::{NodeRef, Stack, StackScope};
use crate::schema::{TypeSchema, check_prop};
use crate::value::Value;
use crate::yaml::Key;
use std::collections::{BTreeMap, HashSet};

/// The value a resource instance shows to references before apply: its
/// evaluated properties, and every attribute not set by a property unknown.
pub fn planned_object(schema: &TypeSchema, props: &BTreeMap<String, Value>) -> Value {
    let mut m: BTreeMap<String, Value> =
        schema.attributes.iter().map(|a| (a.name.to_string(), Value::Unknown)).collect();
    for p in schema.properties {
        m.entry(p.name.to_string()).or_insert(Value::Null);
    }
    for (k, v) in props {
        m.insert(k.clone(), v.clone());
    }
    Value::Map(m)
}

/// Evaluates and type-checks properties; `skip` and `skip_outputs` hold
/// resources and outputs whose references were already reported broken.
pub fn check_values(stack: &Stack, skip: &HashSet<usize>, skip_outputs: &HashSet<String>, diags: &mut Diagnostics) {
    let mut names = Names::default();
    let needed = super::within::needed(stack);
    let mut planned = vec![None; stack.instances.len()];
    walk(stack, skip, skip_outputs, diags, &mut |i, props| {
        names.see(stack, i, props);
        if needed[i] {
            planned[i] = Some(props.clone());
        }
    });
    for d in names.clashes {
        diags.push(d);
    }
    super::within::check(stack, &planned, diags);
}

/// Names AWS allows once in a scope ([`crate::schema::Unique`]), by type,
/// scope and name: the first instance giving each, and every second one
/// as an error (AWS would keep one, and the apply stop halfway).
#[derive(Default)]
struct Names {
    first: std::collections::HashMap<(&'static str, String, String), usize>,
    clashes: Vec<Diagnostic>,
}

impl Names {
    fn see(&mut self, stack: &Stack, i: usize, props: &BTreeMap<String, Value>) {
        let inst = &stack.instances[i];
        let res = stack.resource_of(inst);
        for p in res.schema.properties.iter().filter(|p| p.unique.is_some()) {
            let (Some(scope), Some(Value::String(name))) = (p.unique, props.get(p.name)) else { continue };
            let place = match scope {
                crate::schema::Unique::Region => inst.region.clone(),
                _ => String::new(),
            };
            let span = |r: &crate::model::Resource| r.property_span(p.name);
            match self.first.entry((res.schema.kind, place, name.clone())) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(i);
                }
                std::collections::hash_map::Entry::Occupied(o) => {
                    // Told at the one written later, whatever the order of evaluation.
                    let (first, later) = if *o.get() < i { (*o.get(), i) } else { (i, *o.get()) };
                    let (inst, other) = (&stack.instances[later], &stack.instances[first]);
                    let res = stack.resource_of(inst);
                    let other_res = stack.resource_of(other);
                    self.clashes.push(
                        Diagnostic::new(
                            span(res),
                            format!(
                                "`{}` and `{}` both name {} `{name}`; its `{}` is {}, so AWS would make one",
                                inst.address,
                                other.address,
                                res.schema.kind,
                                p.name,
                                scope.describe()
                            ),
                        )
                        .with_note(span(other_res), format!("`{}` names it here", other.address))
                        .with_help("give each its own name (`${each.key}` tells the instances of one resource apart)"),
                    );
                }
            }
        }
    }
}

/// Each instance (by index) with its properties as known before apply
/// (what only AWS can tell is `Value::Unknown`), in dependency order: for
/// checks beyond the types, made without any call.
pub fn planned_properties(stack: &Stack) -> Vec<(usize, BTreeMap<String, Value>)> {
    let mut out = Vec::new();
    // The stack loaded: its diagnostics were reported then.
    let mut ignored = Diagnostics::default();
    walk(stack, &HashSet::new(), &HashSet::new(), &mut ignored, &mut |i, props| out.push((i, props.clone())));
    out
}

fn walk(
    stack: &Stack,
    skip: &HashSet<usize>,
    skip_outputs: &HashSet<String>,
    diags: &mut Diagnostics,
    visit: &mut dyn FnMut(usize, &BTreeMap<String, Value>),
) {
    let Some(order) = stack.graph.topo_order() else {
        return;
    };
    let mut scope = stack.scope();
    for (i, d) in stack.data.iter().enumerate() {
        let _ = i;
        scope.set_data(&d.name, planned_object(d.schema, &BTreeMap::new()));
    }
    for r in &stack.resources {
        if r.for_each {
            scope.resources.insert(r.name.clone(), Value::Map(BTreeMap::new()));
        }
    }
    // References are checked against declared types once per resource.
    let mut typed: HashSet<usize> = HashSet::new();
    for node in order {
        match node {
            NodeRef::Data(di) => {
                let d = &stack.data[di];
                scope.each = None;
                let props = eval_props(&d.args, d.schema, &scope, diags);
                scope.set_data(&d.name, planned_object(d.schema, &props));
            }
            NodeRef::Instance(ii) => {
                let inst = &stack.instances[ii];
                let res = &stack.resources[inst.resource];
                let props = if skip.contains(&inst.resource) {
                    BTreeMap::new()
                } else {
                    scope.each = inst.each.as_ref().map(|e| e.to_value());
                    let props = eval_props(&res.properties, res.schema, &scope, diags);
                    if typed.insert(inst.resource) {
                        for (k, t) in &res.properties {
                            if let Some(p) = res.schema.property(&k.name) {
                                super::types::check_tree(t, &p.ty, &k.name, res.schema.kind, stack, &scope, diags);
                            }
                        }
                    }
                    visit(ii, &props);
                    props
                };
                let obj =
                    if skip.contains(&inst.resource) { Value::Unknown } else { planned_object(res.schema, &props) };
                scope.set_instance(&inst.address, obj);
            }
        }
    }
    scope.each = None;
    for o in &stack.outputs {
        if !skip_outputs.contains(&o.name) {
            o.value.eval(&scope, diags);
        }
    }
}

/// Evaluates properties and checks each against its declared type.
pub fn eval_props(
    props: &[(Key, Tree)],
    schema: &TypeSchema,
    scope: &StackScope,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (k, t) in props {
        let v = t.eval(scope, diags);
        // Null leaves the property out, as if not written.
        if v == Value::Null {
            if let Some(p) = schema.property(&k.name).filter(|p| p.required) {
                diags.push(
                    Diagnostic::new(
                        t.span(),
                        format!("{} `{}` is required, but its value is null", schema.kind, k.name),
                    )
                    .with_help(p.doc.to_string()),
                );
            }
            continue;
        }
        value_type_errors(schema, k, t, &v, diags);
        out.insert(k.name.clone(), v);
    }
    out
}

/// Checks the known parts of one property's value against its declared
/// type, located where the value is written. Used before apply and again
/// once values become known (the engine refuses an ill-typed value before
/// any call).
pub fn value_type_errors(schema: &TypeSchema, k: &Key, t: &Tree, v: &Value, diags: &mut Diagnostics) {
    let Some(p) = schema.property(&k.name) else { return };
    let mut problems = Vec::new();
    check_prop(p, v, "", &mut problems);
    for pr in problems {
        let path = pr.path.trim_start_matches('.');
        let span = if path.is_empty() { t.span() } else { t.span_of(path) };
        let field = match path.chars().next() {
            None => k.name.clone(),
            Some('[') => format!("{}{path}", k.name),
            Some(_) => format!("{}.{path}", k.name),
        };
        let mut d = Diagnostic::new(span, format!("{} `{field}`: {}", schema.kind, pr.message));
        let doc = p.field_at(path).map_or(p.doc, |f| f.doc);
        d.help = pr.help.or_else(|| (!doc.is_empty()).then(|| doc.to_string()));
        diags.push(d);
    }
}
