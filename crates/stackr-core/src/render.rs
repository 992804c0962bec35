//! Renders the dependency graph as Graphviz dot, Mermaid or JSON.
//!
//! Edges point from a dependency to its dependant: the order in which
//! apply builds. Mermaid output groups nodes by AWS service so the diagram
//! reads as an architecture drawing.

use crate::model::{Address, NodeRef, Stack};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The JSON format version of `stackr graph --format json`.
pub const GRAPH_JSON_VERSION: u32 = 1;

fn node_id(n: NodeRef) -> String {
    match n {
        NodeRef::Instance(i) => format!("r{i}"),
        NodeRef::Data(i) => format!("d{i}"),
    }
}

fn kind_of(stack: &Stack, n: NodeRef) -> &'static str {
    match n {
        NodeRef::Instance(i) => stack.resources[stack.instances[i].resource].schema.kind,
        NodeRef::Data(i) => stack.data[i].schema.kind,
    }
}

/// `aws.ec2.vpc` → `ec2`.
fn service(kind: &str) -> &str {
    kind.split('.').nth(1).unwrap_or(kind)
}

/// `aws.ec2.vpc` → `vpc`.
fn short_kind(kind: &str) -> &str {
    kind.rsplit('.').next().unwrap_or(kind)
}

fn nodes_in_order(stack: &Stack) -> Vec<NodeRef> {
    let mut v: Vec<NodeRef> = (0..stack.data.len()).map(NodeRef::Data).collect();
    v.extend((0..stack.instances.len()).map(NodeRef::Instance));
    v
}

fn edges(stack: &Stack) -> Vec<(NodeRef, NodeRef)> {
    let mut e: Vec<(NodeRef, NodeRef)> = stack
        .graph
        .graph
        .edge_indices()
        .filter_map(|ix| stack.graph.graph.edge_endpoints(ix))
        .map(|(a, b)| (stack.graph.graph[a], stack.graph.graph[b]))
        .collect();
    e.sort();
    e.dedup();
    e
}

fn region_note(stack: &Stack, n: NodeRef) -> Option<&str> {
    let r = match n {
        NodeRef::Instance(i) => &stack.instances[i].region,
        NodeRef::Data(i) => &stack.data[i].region,
    };
    (r != &stack.region).then_some(r.as_str())
}

/// The component uses a node is inside, outermost first (`["svc[api]"]`,
/// or `["app", "app.db"]` when nested).
fn components_of(stack: &Stack, n: NodeRef) -> Vec<String> {
    let name = match n {
        NodeRef::Instance(i) => &stack.instances[i].address.name,
        NodeRef::Data(i) => &stack.data[i].name,
    };
    Address::parse(name).map(|a| a.components().into_iter().map(str::to_string).collect()).unwrap_or_default()
}

/// Nodes grouped by the component use they are directly in, with the
/// uses nested in each: a box per use in the drawing.
#[derive(Default)]
struct Boxes {
    nodes: Vec<NodeRef>,
    inner: BTreeMap<String, Boxes>,
}

impl Boxes {
    fn of(stack: &Stack) -> Boxes {
        let mut root = Boxes::default();
        for n in nodes_in_order(stack) {
            let mut b = &mut root;
            for c in components_of(stack, n) {
                b = b.inner.entry(c).or_default();
            }
            b.nodes.push(n);
        }
        root
    }
}

/// The label of a use's box: its own part of the path (`svc[api]`).
fn box_label(path: &str) -> &str {
    let inner = Address::parse(path).map(|a| a.components().len()).unwrap_or(0);
    if inner == 0 {
        return path;
    }
    let parent_len = Address::parse(path).and_then(|a| a.components().last().map(|p| p.len())).unwrap_or(0);
    &path[parent_len + 1..]
}

pub fn dot(stack: &Stack) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape_dot(&stack.name));
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(out, "  node [shape=box, fontname=\"Helvetica\"];");
    let mut counter = 0;
    dot_box(stack, &Boxes::of(stack), &mut out, 1, &mut counter);
    for (a, b) in edges(stack) {
        let _ = writeln!(out, "  {} -> {};", node_id(a), node_id(b));
    }
    out.push_str("}\n");
    out
}

fn dot_box(stack: &Stack, b: &Boxes, out: &mut String, depth: usize, counter: &mut usize) {
    let pad = "  ".repeat(depth);
    for &n in &b.nodes {
        let kind = kind_of(stack, n);
        let mut label = format!("{}\\n{}", escape_dot(&stack.node_name(n)), kind);
        if let Some(r) = region_note(stack, n) {
            let _ = write!(label, "\\n({r})");
        }
        let style = if matches!(n, NodeRef::Data(_)) { ", style=dashed" } else { "" };
        let _ = writeln!(out, "{pad}{} [label=\"{label}\"{style}];", node_id(n));
    }
    for (path, inner) in &b.inner {
        *counter += 1;
        let _ = writeln!(out, "{pad}subgraph cluster_{counter} {{");
        let _ = writeln!(out, "{pad}  label=\"{}\";", escape_dot(box_label(path)));
        let _ = writeln!(out, "{pad}  style=rounded;");
        dot_box(stack, inner, out, depth + 1, counter);
        let _ = writeln!(out, "{pad}}}");
    }
}

fn escape_dot(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Mermaid: the stack's own nodes grouped by AWS service; each component
/// use a box of its own (nested as the uses nest).
pub fn mermaid(stack: &Stack) -> String {
    let mut out = String::from("flowchart LR\n");
    let boxes = Boxes::of(stack);
    let mut by_service: BTreeMap<&str, Vec<NodeRef>> = BTreeMap::new();
    for &n in &boxes.nodes {
        by_service.entry(service(kind_of(stack, n))).or_default().push(n);
    }
    for (svc, nodes) in &by_service {
        let _ = writeln!(out, "  subgraph {svc}[\"{}\"]", escape_mermaid(&svc.to_uppercase()));
        for n in nodes {
            mermaid_node(stack, *n, &mut out, "    ");
        }
        out.push_str("  end\n");
    }
    let mut counter = 0;
    for (path, inner) in &boxes.inner {
        mermaid_box(stack, path, inner, &mut out, 1, &mut counter);
    }
    for (a, b) in edges(stack) {
        let _ = writeln!(out, "  {} --> {}", node_id(a), node_id(b));
    }
    out
}

fn mermaid_node(stack: &Stack, n: NodeRef, out: &mut String, pad: &str) {
    let kind = short_kind(kind_of(stack, n));
    let mut label = format!("{}<br/><small>{kind}</small>", escape_mermaid(&stack.node_name(n)));
    if let Some(r) = region_note(stack, n) {
        let _ = write!(label, "<br/><small>{r}</small>");
    }
    let (open, close) = if matches!(n, NodeRef::Data(_)) { ("[/", "/]") } else { ("[", "]") };
    let _ = writeln!(out, "{pad}{}{open}\"{label}\"{close}", node_id(n));
}

fn mermaid_box(stack: &Stack, path: &str, b: &Boxes, out: &mut String, depth: usize, counter: &mut usize) {
    let pad = "  ".repeat(depth);
    *counter += 1;
    let _ = writeln!(out, "{pad}subgraph component_{counter}[\"{}\"]", escape_mermaid(box_label(path)));
    for &n in &b.nodes {
        mermaid_node(stack, n, out, &format!("{pad}  "));
    }
    for (inner_path, inner) in &b.inner {
        mermaid_box(stack, inner_path, inner, out, depth + 1, counter);
    }
    let _ = writeln!(out, "{pad}end");
}

fn escape_mermaid(s: &str) -> String {
    s.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;")
}

pub fn json(stack: &Stack) -> serde_json::Value {
    let nodes: Vec<serde_json::Value> = nodes_in_order(stack)
        .into_iter()
        .map(|n| {
            let (kind, region, protect) = match n {
                NodeRef::Instance(i) => {
                    let inst = &stack.instances[i];
                    let res = &stack.resources[inst.resource];
                    ("resource", inst.region.as_str(), res.lifecycle.protect)
                }
                NodeRef::Data(i) => ("data", stack.data[i].region.as_str(), false),
            };
            serde_json::json!({
                "id": node_id(n),
                "address": stack.node_name(n),
                "type": kind_of(stack, n),
                "kind": kind,
                "region": region,
                "protect": protect,
            })
        })
        .collect();
    let edges: Vec<serde_json::Value> =
        edges(stack).into_iter().map(|(a, b)| serde_json::json!({ "from": node_id(a), "to": node_id(b) })).collect();
    serde_json::json!({
        "version": GRAPH_JSON_VERSION,
        "stack": stack.name,
        "region": stack.region,
        "nodes": nodes,
        "edges": edges,
    })
}
