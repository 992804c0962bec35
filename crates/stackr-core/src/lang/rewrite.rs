//! Rewrites expressions as a component's contents join the stack: its
//! resource and look-up names gain the use's prefix (`task` becomes
//! `api.task`), its `var.*` become the expressions the use gives, and a
//! use's outputs (`${api.url}`) become the expressions behind them.
//!
//! Expressions keep their spans, so an error still points where the text
//! is written: in the component file, or at the use that gave a value.

use super::tree::Tree;
use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::expr::ast::ForExpr;
use crate::expr::{Expr, ExprKind, Part, Template};
use crate::source::Span;
use crate::value::Value;
use std::collections::{BTreeMap, HashSet};

/// The outputs of one component use: one set, or one per `for_each` key.
#[derive(Debug, Clone)]
pub enum Outputs {
    One(BTreeMap<String, Expr>),
    Many(BTreeMap<String, BTreeMap<String, Expr>>),
    /// Its file could not be read (an error says so): whatever is read
    /// of it is unknown, without a second error.
    Unread,
}

/// What names mean where an expression is written.
#[derive(Debug, Default)]
pub struct Names {
    /// Added to the file's resource and look-up names (`api.`; empty for
    /// the stack itself).
    pub prefix: String,
    /// The file's own resources and look-ups (unprefixed).
    pub resources: HashSet<String>,
    pub data: HashSet<String>,
    /// The component's variables as expressions; `None` in the stack,
    /// whose `var.*` stay as written.
    pub vars: Option<BTreeMap<String, Expr>>,
    /// Component uses of the file, by name.
    pub uses: BTreeMap<String, Outputs>,
    /// The resources those uses made, by their stack-wide names
    /// (`api.task`): what `depends_on: [api]` waits for.
    pub members: Vec<String>,
}

impl Names {
    fn in_component(&self) -> bool {
        self.vars.is_some()
    }

    pub fn tree(&self, t: &Tree, diags: &mut Diagnostics) -> Tree {
        match t {
            Tree::Scalar(..) => t.clone(),
            Tree::Str(tpl) => Tree::Str(self.template(tpl, diags)),
            Tree::List(items, s) => Tree::List(items.iter().map(|i| self.tree(i, diags)).collect(), *s),
            Tree::Map(entries, s) => {
                Tree::Map(entries.iter().map(|(k, v)| (k.clone(), self.tree(v, diags))).collect(), *s)
            }
        }
    }

    fn template(&self, t: &Template, diags: &mut Diagnostics) -> Template {
        let mut bound = Vec::new();
        Template {
            parts: t
                .parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => Part::Lit(s.clone()),
                    Part::Expr(e) => Part::Expr(self.expr(e, &mut bound, diags)),
                })
                .collect(),
            span: t.span,
        }
    }

    /// Rewrites one expression; `bound` holds the names `for` binds here.
    pub fn expr(&self, e: &Expr, bound: &mut Vec<String>, diags: &mut Diagnostics) -> Expr {
        let span = e.span;
        let kind = match &e.kind {
            ExprKind::Name(n) => return self.name(n, span, bound, diags),
            ExprKind::Attr(base, attr) => {
                if let Some(out) = self.attr_of_name(base, attr, span, bound, diags) {
                    return out;
                }
                ExprKind::Attr(Box::new(self.expr(base, bound, diags)), attr.clone())
            }
            ExprKind::Literal(v) => ExprKind::Literal(v.clone()),
            ExprKind::Index(b, i) => {
                ExprKind::Index(Box::new(self.expr(b, bound, diags)), Box::new(self.expr(i, bound, diags)))
            }
            ExprKind::Splat(b) => ExprKind::Splat(Box::new(self.expr(b, bound, diags))),
            ExprKind::Call(f, args) => {
                ExprKind::Call(f.clone(), args.iter().map(|a| self.expr(a, bound, diags)).collect())
            }
            ExprKind::List(items) => ExprKind::List(items.iter().map(|a| self.expr(a, bound, diags)).collect()),
            ExprKind::Template(t) => {
                let parts = t
                    .parts
                    .iter()
                    .map(|p| match p {
                        Part::Lit(s) => Part::Lit(s.clone()),
                        Part::Expr(e) => Part::Expr(self.expr(e, bound, diags)),
                    })
                    .collect();
                ExprKind::Template(Box::new(Template { parts, span: t.span }))
            }
            ExprKind::Map(entries) => ExprKind::Map(
                entries.iter().map(|(k, v)| (self.expr(k, bound, diags), self.expr(v, bound, diags))).collect(),
            ),
            ExprKind::For(f) => {
                let collection = self.expr(&f.collection, bound, diags);
                let depth = bound.len();
                bound.extend(f.key_var.iter().cloned());
                bound.push(f.value_var.clone());
                let out = ForExpr {
                    key_var: f.key_var.clone(),
                    value_var: f.value_var.clone(),
                    collection,
                    key: f.key.as_ref().map(|k| self.expr(k, bound, diags)),
                    value: self.expr(&f.value, bound, diags),
                    cond: f.cond.as_ref().map(|c| self.expr(c, bound, diags)),
                };
                bound.truncate(depth);
                ExprKind::For(Box::new(out))
            }
            ExprKind::Unary(op, a) => ExprKind::Unary(*op, Box::new(self.expr(a, bound, diags))),
            ExprKind::Binary(op, a, b) => {
                ExprKind::Binary(*op, Box::new(self.expr(a, bound, diags)), Box::new(self.expr(b, bound, diags)))
            }
            ExprKind::Cond(c, a, b) => ExprKind::Cond(
                Box::new(self.expr(c, bound, diags)),
                Box::new(self.expr(a, bound, diags)),
                Box::new(self.expr(b, bound, diags)),
            ),
        };
        Expr { kind, span }
    }

    /// `var.x`, `data.x`, `use.output` and `use["key"].output`: the forms
    /// replaced whole. `None` when `base.attr` is none of them.
    fn attr_of_name(
        &self,
        base: &Expr,
        attr: &str,
        span: Span,
        bound: &[String],
        diags: &mut Diagnostics,
    ) -> Option<Expr> {
        let free = |n: &str| !bound.iter().any(|b| b == n);
        match &base.kind {
            ExprKind::Name(n) if n == "var" && free(n) => {
                let vars = self.vars.as_ref()?;
                Some(match vars.get(attr) {
                    Some(e) => e.clone(),
                    None => {
                        let names: Vec<&str> = vars.keys().map(String::as_str).collect();
                        diags.push(unknown(
                            span,
                            &format!("this component has no variable `{attr}`"),
                            attr,
                            &names,
                            "declare it under the component's `vars:`",
                        ));
                        unknown_expr(span)
                    }
                })
            }
            ExprKind::Name(n) if n == "data" && free(n) => {
                if self.data.contains(attr) {
                    let data = Expr { kind: ExprKind::Name("data".into()), span: base.span };
                    return Some(Expr { kind: ExprKind::Attr(Box::new(data), format!("{}{attr}", self.prefix)), span });
                }
                if self.in_component() {
                    let names: Vec<&str> = self.data.iter().map(String::as_str).collect();
                    diags.push(unknown(
                        span,
                        &format!("this component has no data look-up `{attr}`"),
                        attr,
                        &names,
                        "a component sees only its own look-ups; pass other values in through `vars`",
                    ));
                    return Some(unknown_expr(span));
                }
                None
            }
            ExprKind::Name(n) if free(n) => match self.uses.get(n)? {
                Outputs::One(outs) => Some(output(outs, n, attr, span, diags)),
                Outputs::Unread => Some(unknown_expr(span)),
                Outputs::Many(_) => None,
            },
            ExprKind::Index(b, key) => {
                let ExprKind::Name(n) = &b.kind else { return None };
                let Some(Outputs::Many(by_key)) = self.uses.get(n).filter(|_| free(n)) else { return None };
                let k = match &key.kind {
                    ExprKind::Literal(Value::String(k)) => k.clone(),
                    ExprKind::Literal(Value::Number(x)) => crate::value::format_number(*x),
                    _ => return None,
                };
                Some(match by_key.get(&k) {
                    Some(outs) => output(outs, &format!("{n}[{k:?}]"), attr, span, diags),
                    None => {
                        let keys: Vec<&str> = by_key.keys().map(String::as_str).collect();
                        diags.push(unknown(
                            key.span,
                            &format!("component `{n}` has no instance `{k}`"),
                            &k,
                            &keys,
                            "its keys come from its `for_each`",
                        ));
                        unknown_expr(span)
                    }
                })
            }
            _ => None,
        }
    }

    fn name(&self, n: &str, span: Span, bound: &[String], diags: &mut Diagnostics) -> Expr {
        let same = Expr { kind: ExprKind::Name(n.to_string()), span };
        if bound.iter().any(|b| b == n) || n == "each" || n == "data" {
            return same;
        }
        if n == "var" {
            return match &self.vars {
                None => same,
                Some(vars) => map_expr(vars.iter().map(|(k, v)| (k.clone(), v.clone())), span),
            };
        }
        if self.resources.contains(n) {
            return Expr { kind: ExprKind::Name(format!("{}{n}", self.prefix)), span };
        }
        if let Some(outs) = self.uses.get(n) {
            // The use as a whole: a map of its outputs (by key for a
            // for_each use), for `${api}` or `${svc[each.key].url}`.
            let one = |o: &BTreeMap<String, Expr>| map_expr(o.iter().map(|(k, v)| (k.clone(), v.clone())), span);
            return match outs {
                Outputs::One(o) => one(o),
                Outputs::Many(m) => map_expr(m.iter().map(|(k, o)| (k.clone(), one(o))), span),
                Outputs::Unread => unknown_expr(span),
            };
        }
        if self.in_component() {
            let mut names: Vec<&str> = self.resources.iter().map(String::as_str).collect();
            names.extend(self.uses.keys().map(String::as_str));
            diags.push(unknown(
                span,
                &format!("`{n}` is not defined in this component"),
                n,
                &names,
                "a component sees its own resources, look-ups, uses and `var.*`; pass anything else in through `vars`",
            ));
            return unknown_expr(span);
        }
        same
    }
}

fn output(outs: &BTreeMap<String, Expr>, use_name: &str, attr: &str, span: Span, diags: &mut Diagnostics) -> Expr {
    match outs.get(attr) {
        Some(e) => e.clone(),
        None => {
            let names: Vec<&str> = outs.keys().map(String::as_str).collect();
            diags.push(unknown(
                span,
                &format!("component `{use_name}` has no output `{attr}`"),
                attr,
                &names,
                "only a component's outputs are visible outside it; add one under its `outputs:`",
            ));
            unknown_expr(span)
        }
    }
}

fn unknown(span: Span, message: &str, word: &str, names: &[&str], otherwise: &str) -> Diagnostic {
    let mut sorted = names.to_vec();
    sorted.sort_unstable();
    let help = match did_you_mean(word, sorted.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None if sorted.is_empty() => otherwise.to_string(),
        None => format!("{otherwise} (defined: {})", sorted.join(", ")),
    };
    Diagnostic::new(span, message).with_help(help)
}

fn unknown_expr(span: Span) -> Expr {
    Expr { kind: ExprKind::Literal(Value::Unknown), span }
}

fn map_expr(entries: impl Iterator<Item = (String, Expr)>, span: Span) -> Expr {
    let entries = entries.map(|(k, v)| (Expr { kind: ExprKind::Literal(Value::String(k)), span }, v)).collect();
    Expr { kind: ExprKind::Map(entries), span }
}

/// A value as written in YAML (maps, lists, strings with `${...}`) as one
/// expression with the same value.
pub fn tree_to_expr(t: &Tree) -> Expr {
    match t {
        Tree::Scalar(v, span) => Expr { kind: ExprKind::Literal(v.clone()), span: *span },
        Tree::Str(tpl) => match (tpl.sole_expr(), tpl.parts.as_slice()) {
            (Some(e), _) => e.clone(),
            (None, []) => Expr { kind: ExprKind::Literal(Value::String(String::new())), span: tpl.span },
            (None, [Part::Lit(s)]) => Expr { kind: ExprKind::Literal(Value::String(s.clone())), span: tpl.span },
            _ => Expr { kind: ExprKind::Template(Box::new(tpl.clone())), span: tpl.span },
        },
        Tree::List(items, span) => Expr { kind: ExprKind::List(items.iter().map(tree_to_expr).collect()), span: *span },
        Tree::Map(entries, span) => map_expr(entries.iter().map(|(k, v)| (k.name.clone(), tree_to_expr(v))), *span),
    }
}

/// Replaces `each` (of a `for_each` use) by its value for one instance.
pub fn with_each(e: &Expr, each: &Value) -> Expr {
    let kind = match &e.kind {
        ExprKind::Name(n) if n == "each" => ExprKind::Literal(each.clone()),
        ExprKind::Name(_) | ExprKind::Literal(_) => e.kind.clone(),
        ExprKind::Attr(b, a) => ExprKind::Attr(Box::new(with_each(b, each)), a.clone()),
        ExprKind::Index(b, i) => ExprKind::Index(Box::new(with_each(b, each)), Box::new(with_each(i, each))),
        ExprKind::Splat(b) => ExprKind::Splat(Box::new(with_each(b, each))),
        ExprKind::Call(f, args) => ExprKind::Call(f.clone(), args.iter().map(|a| with_each(a, each)).collect()),
        ExprKind::List(items) => ExprKind::List(items.iter().map(|a| with_each(a, each)).collect()),
        ExprKind::Template(t) => ExprKind::Template(Box::new(Template {
            parts: t
                .parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => Part::Lit(s.clone()),
                    Part::Expr(x) => Part::Expr(with_each(x, each)),
                })
                .collect(),
            span: t.span,
        })),
        ExprKind::Map(entries) => {
            ExprKind::Map(entries.iter().map(|(k, v)| (with_each(k, each), with_each(v, each))).collect())
        }
        ExprKind::For(f) if f.value_var == "each" || f.key_var.as_deref() == Some("each") => {
            let mut out = (**f).clone();
            out.collection = with_each(&f.collection, each);
            ExprKind::For(Box::new(out))
        }
        ExprKind::For(f) => ExprKind::For(Box::new(ForExpr {
            key_var: f.key_var.clone(),
            value_var: f.value_var.clone(),
            collection: with_each(&f.collection, each),
            key: f.key.as_ref().map(|k| with_each(k, each)),
            value: with_each(&f.value, each),
            cond: f.cond.as_ref().map(|c| with_each(c, each)),
        })),
        ExprKind::Unary(op, a) => ExprKind::Unary(*op, Box::new(with_each(a, each))),
        ExprKind::Binary(op, a, b) => ExprKind::Binary(*op, Box::new(with_each(a, each)), Box::new(with_each(b, each))),
        ExprKind::Cond(c, a, b) => {
            ExprKind::Cond(Box::new(with_each(c, each)), Box::new(with_each(a, each)), Box::new(with_each(b, each)))
        }
    };
    Expr { kind, span: e.span }
}
