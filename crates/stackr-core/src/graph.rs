//! The dependency graph: resource instances and data look-ups as nodes,
//! an edge from each dependency to its dependant (build order).

use crate::model::{DataSource, Instance, NodeRef};
use crate::source::Span;
use petgraph::Direction;
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{HashMap, HashSet, VecDeque};

/// What an edge records: where the reference (or `depends_on`) is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdgeInfo {
    pub span: Span,
    pub explicit: bool,
}

#[derive(Debug, Clone, Default)]
pub struct StackGraph {
    pub graph: DiGraph<NodeRef, EdgeInfo>,
    pub index: HashMap<NodeRef, NodeIndex>,
}

/// One hop of a cycle: `from` refers to `to` at `span`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    pub from: NodeRef,
    pub to: NodeRef,
    pub span: Span,
}

impl StackGraph {
    pub fn build(instances: &[Instance], data: &[DataSource]) -> Self {
        let mut g = StackGraph::default();
        for i in 0..data.len() {
            g.add(NodeRef::Data(i));
        }
        for i in 0..instances.len() {
            g.add(NodeRef::Instance(i));
        }
        let edges = data
            .iter()
            .enumerate()
            .map(|(i, d)| (NodeRef::Data(i), &d.deps))
            .chain(instances.iter().enumerate().map(|(i, inst)| (NodeRef::Instance(i), &inst.deps)));
        for (node, deps) in edges {
            let to = g.index[&node];
            for d in deps {
                let from = g.index[&d.target];
                g.graph.add_edge(from, to, EdgeInfo { span: d.span, explicit: d.explicit });
            }
        }
        g
    }

    fn add(&mut self, n: NodeRef) {
        let ix = self.graph.add_node(n);
        self.index.insert(n, ix);
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Nodes in an order where every dependency comes before its
    /// dependants, or `None` if there is a cycle.
    pub fn topo_order(&self) -> Option<Vec<NodeRef>> {
        toposort(&self.graph, None).ok().map(|v| v.into_iter().map(|ix| self.graph[ix]).collect())
    }

    /// What `n` depends on.
    pub fn dependencies(&self, n: NodeRef) -> impl Iterator<Item = NodeRef> + '_ {
        self.graph.neighbors_directed(self.index[&n], Direction::Incoming).map(|ix| self.graph[ix])
    }

    /// What depends on `n`.
    pub fn dependants(&self, n: NodeRef) -> impl Iterator<Item = NodeRef> + '_ {
        self.graph.neighbors_directed(self.index[&n], Direction::Outgoing).map(|ix| self.graph[ix])
    }

    /// Every cycle, each as the hops `a -> b -> ... -> a` where each node
    /// refers to the next. One cycle is reported per strongly connected
    /// component (the shortest through its first node).
    pub fn cycles(&self) -> Vec<Vec<Hop>> {
        let mut out = Vec::new();
        for scc in tarjan_scc(&self.graph) {
            let self_loop = scc.len() == 1 && self.graph.find_edge(scc[0], scc[0]).is_some();
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let members: HashSet<NodeIndex> = scc.iter().copied().collect();
            let start = *scc.iter().min_by_key(|ix| self.graph[**ix]).unwrap_or(&scc[0]);
            if let Some(path) = self.shortest_cycle(start, &members) {
                out.push(path);
            }
        }
        out.sort_by(|a, b| a[0].from.cmp(&b[0].from));
        out
    }

    /// Breadth-first search from `start` along "refers to" (incoming edges)
    /// within one component, back to `start`.
    fn shortest_cycle(&self, start: NodeIndex, members: &HashSet<NodeIndex>) -> Option<Vec<Hop>> {
        let mut prev: HashMap<NodeIndex, (NodeIndex, Span)> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(cur) = queue.pop_front() {
            let mut refs: Vec<_> = self.graph.edges_directed(cur, Direction::Incoming).collect();
            refs.sort_by_key(|e| self.graph[petgraph::visit::EdgeRef::source(e)]);
            for e in refs {
                let target = petgraph::visit::EdgeRef::source(&e);
                if !members.contains(&target) {
                    continue;
                }
                let span = e.weight().span;
                if target == start {
                    let mut hops = vec![Hop { from: self.graph[cur], to: self.graph[start], span }];
                    let mut node = cur;
                    while node != start {
                        let (p, s) = prev[&node];
                        hops.push(Hop { from: self.graph[p], to: self.graph[node], span: s });
                        node = p;
                    }
                    hops.reverse();
                    return Some(hops);
                }
                if let std::collections::hash_map::Entry::Vacant(v) = prev.entry(target) {
                    v.insert((cur, span));
                    queue.push_back(target);
                }
            }
        }
        None
    }
}
