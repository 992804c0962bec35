//! `moved:`: addresses that changed (a resource renamed, or moved into or
//! out of a component; one instance moved, also between a resource and an
//! instance of one with `for_each`). The engine renames the state entry before it
//! plans, so the resource is kept rather than deleted and made again.

use super::ast::MovedDecl;
use crate::diag::{Diagnostic, Diagnostics, suggest};
use crate::model::{Address, Instance, Move};
use std::collections::{HashMap, HashSet};

pub fn check(
    decls: &[MovedDecl],
    by_name: &HashMap<String, usize>,
    instances: &[Instance],
    unread: &[String],
    diags: &mut Diagnostics,
) -> Vec<Move> {
    let live: HashSet<&Address> = instances.iter().map(|i| &i.address).collect();
    let mut names: Vec<&str> = by_name.keys().map(String::as_str).collect();
    names.sort_unstable();
    let mut seen: HashMap<String, crate::source::Span> = HashMap::new();
    let mut targets: HashMap<String, crate::source::Span> = HashMap::new();
    let mut out = Vec::new();
    for m in decls {
        let parse = |s: &crate::lang::ast::Spanned<String>, diags: &mut Diagnostics| {
            let a = Address::parse(&s.value);
            if a.is_none() {
                diags.push(
                    Diagnostic::new(s.span, format!("`{}` is not a resource address", s.value))
                        .with_help("addresses look like `site_a`, `subnet[a]` or `site_dns.a`"),
                );
            }
            a
        };
        let (Some(from), Some(to)) = (parse(&m.from, diags), parse(&m.to, diags)) else { continue };
        if unread.iter().any(|p| to.name.starts_with(p.as_str())) {
            continue; // inside a component whose file could not be read: said
        }
        if !by_name.contains_key(&to.name) {
            diags.push(
                Diagnostic::new(m.to.span, format!("`{}` is not a resource of this stack", to.name))
                    .with_help(suggest(&to.name, &names, "resources")),
            );
            continue;
        }
        // An instance target must be one the stack makes (a resource whose
        // `for_each` is read from AWS has none yet and is not checked).
        let idx = by_name[&to.name];
        let of_to: Vec<&Address> = instances.iter().filter(|i| i.resource == idx).map(|i| &i.address).collect();
        // (Without a key, `to` may take a whole resource's instances: the
        // engine checks that against state.)
        if to.key.is_some() && !of_to.is_empty() && !of_to.contains(&&to) {
            let listed: Vec<String> = of_to.iter().take(4).map(|a| format!("`{a}`")).collect();
            let help = format!(
                "`{}` makes the instances {}{}; a move's target is one of them, or another resource",
                to.name,
                listed.join(", "),
                if of_to.len() > listed.len() { ", ..." } else { "" }
            );
            diags.push(Diagnostic::new(m.to.span, format!("`{to}` is not an instance of this stack")).with_help(help));
            continue;
        }
        // A resource renamed (neither has a key): its name is gone. One
        // instance moved (either has a key: `a` into `b[x]` as a `for_each`
        // is added, `a[x]` out to `b`): that instance is gone.
        let still_here = match (&from.key, &to.key) {
            (None, None) => by_name.contains_key(&from.name),
            _ => live.contains(&from),
        };
        if still_here {
            diags.push(Diagnostic::new(m.from.span, format!("`{}` is still in the stack", m.from.value)).with_help(
                "a move's `from` is the old address, no longer defined; remove the move or the old definition",
            ));
            continue;
        }
        if let Some(first) = seen.insert(from.to_string(), m.from.span) {
            diags.push(
                Diagnostic::new(m.from.span, format!("`{from}` is moved twice")).with_note(first, "first moved here"),
            );
            continue;
        }
        if let Some(first) = targets.insert(to.to_string(), m.to.span) {
            diags.push(
                Diagnostic::new(m.to.span, format!("two moves lead to `{to}`"))
                    .with_note(first, "the other move")
                    .with_help("one resource can take an address; keep one move and remove the other resource"),
            );
            continue;
        }
        out.push(Move { from, to, span: m.span });
    }
    out
}
