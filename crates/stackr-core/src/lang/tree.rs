//! Property values as written: YAML structure whose strings may hold
//! `${...}` templates. Evaluated against a scope into a [`Value`].

use crate::diag::{Diagnostic, Diagnostics};
use crate::expr::{self, Reference, Scope, Template};
use crate::source::{SourceMap, Span};
use crate::value::Value;
use crate::yaml::{Key, Node, NodeKind};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Tree {
    /// null, bool or number as written.
    Scalar(Value, Span),
    /// A string; literal or with `${...}` parts.
    Str(Template),
    List(Vec<Tree>, Span),
    Map(Vec<(Key, Tree)>, Span),
}

impl Tree {
    pub fn span(&self) -> Span {
        match self {
            Tree::Scalar(_, s) | Tree::List(_, s) | Tree::Map(_, s) => *s,
            Tree::Str(t) => t.span,
        }
    }

    /// Converts a YAML node, parsing every string as a template. Parse
    /// errors are collected; the failing string is kept as a literal.
    pub fn from_node(node: &Node, sources: &SourceMap, diags: &mut Diagnostics) -> Tree {
        match &node.kind {
            NodeKind::Null => Tree::Scalar(Value::Null, node.span),
            NodeKind::Bool(b) => Tree::Scalar(Value::Bool(*b), node.span),
            NodeKind::Number(n) => Tree::Scalar(Value::Number(*n), node.span),
            NodeKind::String(s) => Tree::Str(string_template(s, node.span, sources, diags)),
            NodeKind::Seq(items) => {
                Tree::List(items.iter().map(|i| Tree::from_node(i, sources, diags)).collect(), node.span)
            }
            NodeKind::Map(entries) => Tree::Map(
                entries.iter().map(|(k, v)| (k.clone(), Tree::from_node(v, sources, diags))).collect(),
                node.span,
            ),
        }
    }

    /// Every reference in the tree.
    pub fn references(&self) -> Vec<Reference<'_>> {
        let mut out = Vec::new();
        self.visit_templates(&mut |t| {
            for p in &t.parts {
                if let expr::Part::Expr(e) = p {
                    out.extend(e.references());
                }
            }
        });
        out
    }

    fn visit_templates<'a>(&'a self, f: &mut impl FnMut(&'a Template)) {
        match self {
            Tree::Scalar(..) => {}
            Tree::Str(t) => f(t),
            Tree::List(items, _) => items.iter().for_each(|i| i.visit_templates(f)),
            Tree::Map(entries, _) => entries.iter().for_each(|(_, v)| v.visit_templates(f)),
        }
    }

    /// Evaluates the tree. Every error is collected (not just the first).
    pub fn eval(&self, scope: &dyn Scope, diags: &mut Diagnostics) -> Value {
        match self {
            Tree::Scalar(v, _) => v.clone(),
            Tree::Str(t) => match expr::eval_template(t, scope) {
                Ok(v) => v,
                Err(e) => {
                    let mut d = Diagnostic::new(e.span, e.message);
                    d.help = e.help;
                    diags.push(d);
                    Value::Unknown
                }
            },
            Tree::List(items, _) => Value::List(items.iter().map(|i| i.eval(scope, diags)).collect()),
            Tree::Map(entries, _) => {
                let mut m = BTreeMap::new();
                for (k, v) in entries {
                    m.insert(k.name.clone(), v.eval(scope, diags));
                }
                Value::Map(m)
            }
        }
    }

    /// Finds the span of the value at `path` (`a.b[2].c`) for messages,
    /// falling back to the nearest enclosing value.
    pub fn span_of(&self, path: &str) -> Span {
        let mut cur = self;
        for seg in path_segments(path) {
            let next = match (cur, seg) {
                (Tree::Map(entries, _), Seg::Key(k)) => entries.iter().find(|(kk, _)| kk.name == k).map(|(_, v)| v),
                (Tree::List(items, _), Seg::Index(i)) => items.get(i),
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => break,
            }
        }
        cur.span()
    }
}

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn path_segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            out.push(Seg::Key(name));
        }
        for ix in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = ix.trim_end_matches(']').parse() {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

/// Parses a string scalar as a template. The span is moved past an opening
/// quote so positions inside the string are exact.
pub fn string_template(s: &str, span: Span, sources: &SourceMap, diags: &mut Diagnostics) -> Template {
    let base = inner_start(span, sources);
    match expr::parse_template(s, base) {
        Ok(t) => t,
        Err(e) => {
            let mut d = Diagnostic::new(e.span, e.message);
            d.help = e.help;
            diags.push(d);
            Template { parts: vec![expr::Part::Lit(s.to_string())], span }
        }
    }
}

fn inner_start(span: Span, sources: &SourceMap) -> Span {
    let quoted = sources
        .line(span.file, span.start.line)
        .and_then(|l| l.chars().nth(span.start.col.saturating_sub(1) as usize))
        .is_some_and(|c| c == '"' || c == '\'');
    if quoted { span.shifted(1) } else { span }
}

/// Converts a YAML node to a value, without templates (variable values).
pub fn node_value(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Number(n) => Value::Number(*n),
        NodeKind::String(s) => Value::String(s.clone()),
        NodeKind::Seq(items) => Value::List(items.iter().map(node_value).collect()),
        NodeKind::Map(entries) => Value::Map(entries.iter().map(|(k, v)| (k.name.clone(), node_value(v))).collect()),
    }
}
