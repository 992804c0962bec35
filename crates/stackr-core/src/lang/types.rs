//! Types of references before apply. A reference to another resource's
//! attribute is unknown until that resource exists, but its type is
//! declared: `security_groups: ${alb_sg.id}` puts a string where a list
//! is wanted, and `desired_count: ${cluster.arn}` a string where a number
//! is. Both are found by `validate`, at the reference, rather than by AWS
//! (or never) during apply.

use crate::diag::{Diagnostic, Diagnostics};
use crate::expr::{Expr, ExprKind, Scope};
use crate::lang::tree::Tree;
use crate::model::Stack;
use crate::schema::{PropType, TypeSchema};

/// What a reference leads to, as far as declarations tell.
enum Known {
    /// One resource or look-up: its attributes and properties.
    Object(&'static TypeSchema),
    /// A `for_each` resource: instances by key.
    Instances(&'static TypeSchema),
    /// `resource[*]`: every instance.
    Splat(&'static TypeSchema),
    /// `data`: look-ups by name.
    Data,
    Value(PropType),
}

/// The declared type of a value, when the expression is a reference path
/// (`alb_sg.id`, `subnet[*].id`, `data.zone.name_servers[0]`) or a call
/// whose result type is fixed; `None` when it cannot be told.
pub fn infer(e: &Expr, stack: &Stack) -> Option<PropType> {
    match &e.kind {
        ExprKind::Call(f, _) => match f.as_str() {
            "join" | "format" | "lower" | "upper" | "replace" | "trimspace" | "jsonencode" | "cidrsubnet"
            | "cidrhost" | "sha256" | "base64encode" | "base64decode" | "substr" | "title" => Some(PropType::String),
            "length" => Some(PropType::Int),
            _ => None,
        },
        ExprKind::Template(_) => Some(PropType::String),
        _ => match walk(e, stack)? {
            Known::Value(t) => Some(t),
            _ => None,
        },
    }
}

fn walk(e: &Expr, stack: &Stack) -> Option<Known> {
    match &e.kind {
        ExprKind::Name(n) if n == "data" => Some(Known::Data),
        ExprKind::Name(n) => {
            let r = &stack.resources[*stack.by_name.get(n)?];
            Some(if r.for_each { Known::Instances(r.schema) } else { Known::Object(r.schema) })
        }
        ExprKind::Attr(base, name) => match walk(base, stack)? {
            Known::Data => stack.data.iter().find(|d| d.name == *name).map(|d| Known::Object(d.schema)),
            Known::Object(s) => field(s, name).map(|t| Known::Value(*t)),
            Known::Splat(s) => field(s, name).map(|t| Known::Value(PropType::List(t))),
            Known::Value(PropType::Object(fields)) => {
                fields.iter().find(|f| f.name == name).map(|f| Known::Value(f.ty))
            }
            Known::Value(PropType::Map(inner)) => Some(Known::Value(*inner)),
            _ => None,
        },
        ExprKind::Index(base, _) => match walk(base, stack)? {
            Known::Instances(s) => Some(Known::Object(s)),
            Known::Value(PropType::List(inner) | PropType::Map(inner)) => Some(Known::Value(*inner)),
            _ => None,
        },
        ExprKind::Splat(base) => match walk(base, stack)? {
            Known::Instances(s) => Some(Known::Splat(s)),
            _ => None,
        },
        _ => None,
    }
}

fn field(s: &'static TypeSchema, name: &str) -> Option<&'static PropType> {
    s.attribute(name).map(|a| &a.ty).or_else(|| s.property(name).map(|p| &p.ty))
}

/// Whether a value of type `got` may be written where `want` is declared.
/// Numbers and booleans become text where a string is wanted, as literals do.
fn fits(want: &PropType, got: &PropType) -> bool {
    use PropType::*;
    match (want, got) {
        (Any | Json, _) | (_, Any | Json) => true,
        (String, String | Int | Number | Bool | Enum(_)) => true,
        (Int, Int) | (Number, Int | Number) | (Bool, Bool) => true,
        (Enum(_), String | Enum(_)) => true,
        (List(w), List(g)) => fits(w, g),
        (Map(_) | Object(_), Map(_) | Object(_)) => true,
        _ => false,
    }
}

/// Checks the references in a property's value against its declared
/// type, leaf by leaf; values already known are left to the value check.
pub fn check_tree(
    t: &Tree,
    want: &PropType,
    field_path: &str,
    kind: &str,
    stack: &Stack,
    scope: &dyn Scope,
    diags: &mut Diagnostics,
) {
    match (t, want) {
        (Tree::Str(tpl), _) => {
            let (expr, got) = match tpl.sole_expr() {
                Some(e) => (Some(e), infer(e, stack)),
                None if tpl.is_literal() => return,
                None => (None, Some(PropType::String)),
            };
            let Some(got) = got else { return };
            if fits(want, &got) {
                return;
            }
            // A value whose shape is known now (a list, even of unknowns)
            // is checked as a value.
            if let Some(e) = expr
                && crate::expr::eval(e, scope).is_ok_and(|v| !matches!(v, crate::value::Value::Unknown))
            {
                return;
            }
            let what = expr.and_then(path_text).map(|p| format!("`{p}`")).unwrap_or_else(|| "this text".into());
            let mut d = Diagnostic::new(
                expr.map_or(tpl.span, |e| e.span),
                format!("{kind} `{field_path}`: expected {}, but {what} is {}", want.describe(), got.describe()),
            );
            if let (PropType::List(inner), Some(p)) = (want, expr.and_then(path_text))
                && fits(inner, &got)
            {
                d = d.with_help(format!("a list of one: `[\"${{{p}}}\"]`"));
            }
            diags.push(d);
        }
        (Tree::List(items, _), PropType::List(inner)) => {
            for (i, item) in items.iter().enumerate() {
                check_tree(item, inner, &format!("{field_path}[{i}]"), kind, stack, scope, diags);
            }
        }
        (Tree::Map(entries, _), PropType::Object(fields)) => {
            for (k, v) in entries {
                if let Some(f) = fields.iter().find(|f| f.name == k.name) {
                    check_tree(v, &f.ty, &format!("{field_path}.{}", k.name), kind, stack, scope, diags);
                }
            }
        }
        (Tree::Map(entries, _), PropType::Map(inner)) => {
            for (k, v) in entries {
                check_tree(v, inner, &format!("{field_path}.{}", k.name), kind, stack, scope, diags);
            }
        }
        _ => {}
    }
}

/// `alb_sg.id`, `subnet[*].id`, `data.zone.id`: a reference path as text.
fn path_text(e: &Expr) -> Option<String> {
    Some(match &e.kind {
        ExprKind::Name(n) => n.clone(),
        ExprKind::Attr(b, a) => format!("{}.{a}", path_text(b)?),
        ExprKind::Splat(b) => format!("{}[*]", path_text(b)?),
        ExprKind::Index(b, i) => match &i.kind {
            ExprKind::Literal(crate::value::Value::String(s)) => format!("{}[{s:?}]", path_text(b)?),
            ExprKind::Literal(crate::value::Value::Number(n)) => format!("{}[{n}]", path_text(b)?),
            _ => format!("{}[...]", path_text(b)?),
        },
        _ => return None,
    })
}
