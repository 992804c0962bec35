//! Where a sensitive variable may go. Its value is masked in plans and
//! never stored only in a secret property (the engine keeps a digest of
//! those) or a sensitive output; anywhere else it would be printed in the
//! plan, kept in state and, for a property, shown back by AWS (a name, an
//! ARN). So using one elsewhere is an error, found before any call.

use crate::diag::{Diagnostic, Diagnostics};
use crate::expr::{Part, Reference, Template};
use crate::lang::tree::Tree;
use crate::model::Stack;
use crate::schema::{PropSchema, TypeSchema};
use std::collections::BTreeSet;

pub fn check(stack: &Stack, diags: &mut Diagnostics) {
    let sensitive: BTreeSet<&str> = stack.vars.values().filter(|v| v.sensitive).map(|v| v.name.as_str()).collect();
    if sensitive.is_empty() {
        return;
    }
    for r in &stack.resources {
        // Instance keys are part of addresses: printed, stored, tagged.
        if let Some(tree) = &r.for_each_source {
            visit(tree, "for_each", &mut |_, t| {
                for (name, span) in sensitive_refs(t, &sensitive) {
                    diags.push(
                        Diagnostic::new(
                            span,
                            format!(
                                "the sensitive variable `{name}` would name instances of `{}`: `for_each` keys are \
                                 part of each instance's address, shown in plans and kept in state",
                                r.name
                            ),
                        )
                        .with_help(
                            "iterate over something that is not secret (names, zones), and use the sensitive value \
                             in a secret property",
                        ),
                    );
                }
            });
        }
        for (k, tree) in &r.properties {
            // `tags` and the like are not secret either; a secret shown in
            // plans while another property has some value (an SSM
            // parameter's `value` while `type` is String) is masked only
            // when that property is written with another value.
            let prop = r.schema.property(&k.name);
            let shown = prop.and_then(|p| p.shown_when).is_some_and(|(key, values)| {
                let written = r.properties.iter().find(|(k, _)| k.name == key).map(|(_, t)| t);
                match written {
                    Some(Tree::Str(t)) => t.literal().is_none_or(|text| values.contains(&text.as_str())),
                    // Not written (the default).
                    _ => true,
                }
            });
            visit(tree, &k.name, &mut |path, t| {
                if !shown && prop.is_some_and(|p| holds_secret(p, path)) {
                    return;
                }
                for (name, span) in sensitive_refs(t, &sensitive) {
                    let d = match prop.and_then(|p| p.shown_when).filter(|_| shown) {
                        Some((key, values)) => Diagnostic::new(
                            span,
                            format!(
                                "the sensitive variable `{name}` would be shown in plans here: `{path}` of {} is \
                                 shown while `{key}` is {}",
                                r.schema.kind,
                                values.join(" or ")
                            ),
                        )
                        .with_help(format!(
                            "write `{key}` with a value that keeps it masked (an SSM parameter's `type: SecureString`)"
                        )),
                        None => Diagnostic::new(
                            span,
                            format!(
                                "the sensitive variable `{name}` would be shown in plans and kept in state here: \
                                 `{path}` of {} is not a secret property",
                                r.schema.kind
                            ),
                        )
                        .with_help(secret_help(r.schema)),
                    };
                    diags.push(d);
                }
            });
        }
    }
    // A look-up's arguments are printed in its errors ("no SSM parameter
    // named ...") and its results are kept in state.
    for d in &stack.data {
        for (k, tree) in &d.args {
            visit(tree, &k.name, &mut |path, t| {
                for (name, span) in sensitive_refs(t, &sensitive) {
                    diags.push(
                        Diagnostic::new(
                            span,
                            format!(
                                "the sensitive variable `{name}` would be shown in errors and plans here: `{path}` \
                                 of the look-up `{}` is not secret",
                                d.name
                            ),
                        )
                        .with_help("look things up by names that are not secret"),
                    );
                }
            });
        }
    }
    for o in &stack.outputs {
        if o.sensitive {
            continue;
        }
        visit(&o.value, &o.name, &mut |_, t| {
            for (name, span) in sensitive_refs(t, &sensitive) {
                diags.push(
                    Diagnostic::new(span, format!("output `{}` would show the sensitive variable `{name}`", o.name))
                        .with_help(
                            "mark the output `sensitive: true` (its value is then masked and never stored), \
                             or leave the variable out of it",
                        ),
                );
            }
        });
    }
}

/// Calls `f` with each string of `tree` and its path (`a.b[0].c`).
fn visit<'a>(tree: &'a Tree, path: &str, f: &mut impl FnMut(&str, &'a Template)) {
    match tree {
        Tree::Scalar(..) => {}
        Tree::Str(t) => f(path, t),
        Tree::List(items, _) => {
            for (i, item) in items.iter().enumerate() {
                visit(item, &format!("{path}[{i}]"), f);
            }
        }
        Tree::Map(entries, _) => {
            for (k, v) in entries {
                visit(v, &format!("{path}.{}", k.name), f);
            }
        }
    }
}

/// Whether the property at `path` (starting with the property's name) is
/// secret, or lies inside one.
fn holds_secret(prop: &PropSchema, path: &str) -> bool {
    if prop.secret {
        return true;
    }
    let rest = path.strip_prefix(prop.name).unwrap_or(path);
    let mut here = String::new();
    for part in rest.split('.').filter(|p| !p.is_empty()) {
        if !here.is_empty() {
            here.push('.');
        }
        here.push_str(part);
        if prop.field_at(&here).is_some_and(|f| f.secret) {
            return true;
        }
    }
    false
}

/// The sensitive variables a template names, with where.
fn sensitive_refs(t: &Template, sensitive: &BTreeSet<&str>) -> Vec<(String, crate::source::Span)> {
    let mut out = Vec::new();
    for p in &t.parts {
        if let Part::Expr(e) = p {
            for r in e.references() {
                if let Some(name) = var_name(&r).filter(|n| sensitive.contains(n)) {
                    out.push((name.to_string(), r.span));
                }
            }
        }
    }
    out
}

fn var_name<'a>(r: &Reference<'a>) -> Option<&'a str> {
    if r.root != "var" {
        return None;
    }
    match r.steps.first()? {
        crate::expr::Step::Attr(name) => Some(name),
        _ => None,
    }
}

fn secret_help(schema: &TypeSchema) -> String {
    let secrets: Vec<String> = schema.properties.iter().filter(|p| p.secret).map(|p| format!("`{}`", p.name)).collect();
    let where_ = if secrets.is_empty() {
        format!("{} has no secret property", schema.kind)
    } else {
        format!("the secret properties of {} are {}", schema.kind, secrets.join(", "))
    };
    format!(
        "a sensitive value is kept out of plans and state only in a secret property or a sensitive output; \
         {where_}. Use the variable there, or declare it without `sensitive: true`"
    )
}
