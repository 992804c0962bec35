//! The stack language: decoding, `extends`, variables, resolution and
//! checking.
//!
//! [`load`] runs the whole pipeline: read the file chain, merge, resolve
//! variables, expand `for_each`, check types and references, build the
//! graph, reject cycles, and evaluate what is known before apply. Every
//! phase collects all the errors it can before the next one starts.

pub mod ast;
pub mod check;
pub mod components;
pub mod decode;
pub mod load;
pub mod moved;
pub mod resolve;
pub mod rewrite;
pub mod sensitive;
pub mod tree;
pub mod types;
pub mod vars;
pub mod within;

use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::StackGraph;
use crate::model::Stack;
use crate::schema::Catalog;
use crate::source::SourceMap;
use crate::value::Value;
use std::collections::HashSet;
use std::path::Path;
pub use vars::VarInputs;

/// Loading failed: the errors, and the sources needed to render them.
#[derive(Debug, thiserror::Error)]
#[error("{diagnostics}")]
pub struct LoadError {
    pub diagnostics: Diagnostics,
    pub sources: SourceMap,
}

impl LoadError {
    pub fn render(&self, color: bool) -> String {
        self.diagnostics.render(&self.sources, color)
    }
}

/// Loads, resolves and checks a stack.
pub fn load(path: &Path, inputs: &VarInputs, catalog: &dyn Catalog) -> Result<Stack, LoadError> {
    load_from(path, None, inputs, catalog)
}

/// Loads a stack whose file text is given (named `path` in messages).
pub fn load_text(path: &Path, text: &str, inputs: &VarInputs, catalog: &dyn Catalog) -> Result<Stack, LoadError> {
    load_from(path, Some(text.to_string()), inputs, catalog)
}

fn load_from(path: &Path, text: Option<String>, inputs: &VarInputs, catalog: &dyn Catalog) -> Result<Stack, LoadError> {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let fail = |mut diagnostics: Diagnostics, sources: SourceMap| {
        diagnostics.sort();
        Err(LoadError { diagnostics, sources })
    };

    let chain = load::load_chain_from(path, text, &mut sources, &mut diags);
    if chain.is_empty() {
        return fail(diags, sources);
    }
    let chain_len = chain.len();
    let mut merged = load::merge(chain, &mut diags);
    // A variable left unset resolves to "unknown" beside its error, so the
    // later phases still run and report their own mistakes.
    let vars = vars::resolve_vars(&merged, inputs, chain_len, &mut sources, &mut diags);
    let var_scope = crate::model::StackScope {
        vars: Value::Map(vars.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect()),
        dirs: crate::model::source_dirs(&sources),
        ..Default::default()
    };
    let sensitive: std::collections::BTreeSet<String> =
        vars.iter().filter(|(_, v)| v.sensitive).map(|(k, _)| k.clone()).collect();
    let expanded = components::expand(&mut merged, &var_scope, &sensitive, &mut sources, &mut diags);
    let fail = |mut diagnostics: Diagnostics, sources: SourceMap| {
        components::note_chains(&mut diagnostics, &expanded.chains);
        fail(diagnostics, sources)
    };
    let moves = std::mem::take(&mut merged.moved);
    let resolved = resolve::resolve(merged, &vars, &inputs.data, catalog, path, &sources, &mut diags);
    let graph = StackGraph::build(&resolved.instances, &resolved.data);
    let moved = moved::check(&moves, &resolved.by_name, &resolved.instances, &expanded.unread, &mut diags);
    let mut stack = Stack {
        name: resolved.name,
        region: resolved.region,
        state: resolved.state,
        tags: resolved.tags,
        vars,
        data: resolved.data,
        resources: resolved.resources,
        instances: resolved.instances,
        outputs: resolved.outputs,
        graph,
        // Now, not at the end: checking values reads files beside them.
        sources,
        path: path.to_path_buf(),
        by_name: resolved.by_name,
        for_each_lookups: resolved.for_each_lookups,
        moved,
    };
    let cycles = stack.graph.cycles();
    for cycle in &cycles {
        let mut names: Vec<String> = cycle.iter().map(|h| stack.node_name(h.from)).collect();
        names.push(stack.node_name(cycle[0].from));
        let mut d = Diagnostic::new(cycle[0].span, format!("dependency cycle: {}", names.join(" -> "))).with_help(
            "a resource cannot depend on itself, directly or through others; remove one of these references",
        );
        for h in cycle {
            d = d.with_note(h.span, format!("{} refers to {} here", stack.node_name(h.from), stack.node_name(h.to)));
        }
        diags.push(d);
    }
    // Before the values: a resource or output that would show a sensitive
    // variable is then left out of the value checks, whose messages would
    // quote it.
    sensitive::check(&stack, &mut diags);
    if cycles.is_empty() {
        let tainted: HashSet<usize> = resources_with_errors(&stack, &diags);
        let tainted_outputs: HashSet<String> = stack
            .outputs
            .iter()
            .filter(|o| has_error_within(&diags, o.span, o.value.span()))
            .map(|o| o.name.clone())
            .collect();
        check::check_values(&stack, &tainted, &tainted_outputs, &mut diags);
    }
    if !diags.is_empty() {
        return fail(diags, std::mem::take(&mut stack.sources));
    }
    Ok(stack)
}

/// Resources whose definition already has an error: their values are not
/// evaluated, so one mistake is not reported again as a consequence.
fn resources_with_errors(stack: &Stack, diags: &Diagnostics) -> HashSet<usize> {
    let mut out = HashSet::new();
    for (i, r) in stack.resources.iter().enumerate() {
        let (start, end) = span_range(r);
        if has_error_between(diags, start, end) {
            out.insert(i);
        }
    }
    out
}

fn has_error_within(diags: &Diagnostics, from: crate::source::Span, value: crate::source::Span) -> bool {
    has_error_between(diags, from, value.end.max(value.start))
}

fn has_error_between(diags: &Diagnostics, start: crate::source::Span, end: crate::source::Pos) -> bool {
    // To the end of `end`'s line: a scalar's span records only its start.
    diags
        .iter()
        .any(|d| d.span.is_some_and(|s| s.file == start.file && s.start >= start.start && s.start.line <= end.line))
}

/// From a resource's name to the last position of its properties.
fn span_range(r: &crate::model::Resource) -> (crate::source::Span, crate::source::Pos) {
    let mut end = r.span.start;
    for (k, t) in &r.properties {
        end = end.max(k.span.start).max(t.span().end).max(t.span().start);
    }
    (r.span, end)
}
