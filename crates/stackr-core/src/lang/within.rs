//! Values bound by the resource a property names (its parent), told
//! before any call, at the value, when the values are known and the parent
//! is a resource of the stack:
//! - blocks carved out of the parent's ([`crate::schema::PropSchema::within`]):
//!   a subnet's IPv4 block lies inside its VPC's and apart from the VPC's
//!   other subnets. AWS refuses the create otherwise, with
//!   `InvalidSubnet.Range` and `InvalidSubnet.Conflict`
//!   (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html>,
//!   <https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html>);
//! - values allowed once under one parent
//!   ([`crate::schema::PropSchema::unique_in`]): a listener rule's
//!   priority in its listener (`PriorityInUse`,
//!   <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html>).

use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::tree::Tree;
use crate::model::{NodeRef, Stack};
use crate::value::Value;
use std::collections::{BTreeMap, HashMap};

/// An IPv4 block: network address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Block {
    net: u32,
    len: u8,
}

impl Block {
    /// A well-formed block without host bits (anything else is reported
    /// by the property's own limit).
    fn parse(v: &Value) -> Option<Block> {
        let Value::String(t) = v else { return None };
        let (addr, len) = t.split_once('/')?;
        let (addr, len) = (addr.parse::<std::net::Ipv4Addr>().ok()?, len.parse::<u8>().ok()?);
        let block = Block { net: u32::from(addr), len: (len <= 32).then_some(len)? };
        (block.net & !block.mask() == 0).then_some(block)
    }

    fn mask(self) -> u32 {
        if self.len == 0 { 0 } else { u32::MAX << (32 - self.len) }
    }

    /// The last address.
    fn end(self) -> u32 {
        self.net | !self.mask()
    }

    fn contains(self, inner: Block) -> bool {
        inner.len >= self.len && inner.net & self.mask() == self.net
    }
}

/// One carved block of the stack, for the report.
struct Carved<'a> {
    instance: usize,
    block: Block,
    text: &'a str,
}

/// The instances whose planned values the checks read (by index): those
/// with a `within` or `unique_in` property, and the parents they carve
/// blocks out of. Only theirs are kept while values are checked.
pub fn needed(stack: &Stack) -> Vec<bool> {
    let mut out = vec![false; stack.instances.len()];
    for (i, inst) in stack.instances.iter().enumerate() {
        for p in stack.resource_of(inst).schema.properties {
            if p.unique_in.is_some() {
                out[i] = true;
            }
            if let Some(via) = p.within {
                out[i] = true;
                if let Some(parent) = parent(stack, i, via) {
                    out[parent] = true;
                }
            }
        }
    }
    out
}

/// Checks every `within` property of the instances planned (by index;
/// `None` for an instance not evaluated, or not [`needed`]).
pub fn check(stack: &Stack, planned: &[Option<BTreeMap<String, Value>>], diags: &mut Diagnostics) {
    let mut groups: HashMap<(usize, &'static str), Vec<Carved>> = HashMap::new();
    for (i, props) in planned.iter().enumerate() {
        let Some(props) = props else { continue };
        let inst = &stack.instances[i];
        let res = stack.resource_of(inst);
        for p in res.schema.properties {
            let Some(via) = p.within else { continue };
            let (Some(v @ Value::String(text)), Some(parent)) = (props.get(p.name), parent(stack, i, via)) else {
                continue;
            };
            let Some(block) = Block::parse(v) else { continue };
            let outer = planned.get(parent).and_then(Option::as_ref).and_then(|pp| pp.get(p.name));
            let Some((outer_text, outer)) = outer.and_then(|o| Some((o.to_interpolated()?, Block::parse(o)?))) else {
                continue;
            };
            let parent_inst = &stack.instances[parent];
            if !outer.contains(block) {
                let parent_res = stack.resource_of(parent_inst);
                diags.push(
                    Diagnostic::new(
                        res.property_span(p.name),
                        format!(
                            "{} {}: `{}` {text} is not inside {outer_text}, the block of `{}`; AWS would refuse it",
                            res.schema.kind, inst.address, p.name, parent_inst.address
                        ),
                    )
                    .with_note(parent_res.property_span(p.name), format!("`{}`'s block", parent_inst.address))
                    .with_help({
                        let bits = block.len.saturating_sub(outer.len).max(1).min(32 - outer.len);
                        format!(
                            "pick a block inside {outer_text}: `cidrsubnet(\"{outer_text}\", {bits}, n)` is its n-th /{}",
                            outer.len + bits
                        )
                    }),
                );
                continue;
            }
            groups.entry((parent, p.name)).or_default().push(Carved { instance: i, block, text });
        }
    }
    let mut keys: Vec<_> = groups.keys().copied().collect();
    keys.sort();
    for key in keys {
        overlaps(stack, key, groups.remove(&key).unwrap_or_default(), diags);
    }
    repeats(stack, planned, diags);
}

/// Values given twice under one parent ([`crate::schema::PropSchema::unique_in`]):
/// told at the later instance (by address), with the first as a note.
fn repeats(stack: &Stack, planned: &[Option<BTreeMap<String, Value>>], diags: &mut Diagnostics) {
    let mut first: HashMap<(usize, &'static str, &'static str, String), usize> = HashMap::new();
    let mut order: Vec<usize> = (0..planned.len())
        .filter(|&i| stack.resource_of(&stack.instances[i]).schema.properties.iter().any(|p| p.unique_in.is_some()))
        .collect();
    order.sort_by_cached_key(|&i| stack.instances[i].address.to_string());
    for i in order {
        let Some(props) = &planned[i] else { continue };
        let inst = &stack.instances[i];
        let res = stack.resource_of(inst);
        for p in res.schema.properties {
            let Some(via) = p.unique_in else { continue };
            let Some(v) = props.get(p.name).filter(|v| !v.contains_unknown()).and_then(Value::to_interpolated) else {
                continue;
            };
            let Some(parent) = parent(stack, i, via) else { continue };
            match first.entry((parent, res.schema.kind, p.name, v.clone())) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                }
                std::collections::hash_map::Entry::Occupied(e) => {
                    let other = &stack.instances[*e.get()];
                    diags.push(
                        Diagnostic::new(
                            res.property_span(p.name),
                            format!(
                                "{} {}: `{}` {v} is also `{}`'s, both in `{}`; AWS allows it once there",
                                res.schema.kind, inst.address, p.name, other.address, stack.instances[parent].address
                            ),
                        )
                        .with_note(stack.resource_of(other).property_span(p.name), format!("`{}`'s", other.address))
                        .with_help(format!("give each its own `{}`", p.name)),
                    );
                }
            }
        }
    }
}

/// Reports each block that overlaps an earlier one (by address) of the
/// same parent: sorted, a block overlaps some earlier one exactly when it
/// starts before the furthest end seen so far.
fn overlaps(stack: &Stack, (parent, name): (usize, &str), mut carved: Vec<Carved>, diags: &mut Diagnostics) {
    carved.sort_by_key(|c| (c.block, c.instance));
    let mut furthest: Option<&Carved> = None;
    for c in &carved {
        match furthest {
            Some(f) if c.block.net <= f.block.end() => {
                let (inst, other) = (&stack.instances[c.instance], &stack.instances[f.instance]);
                let (res, other_res) = (stack.resource_of(inst), stack.resource_of(other));
                diags.push(
                    Diagnostic::new(
                        res.property_span(name),
                        format!(
                            "{} {}: `{name}` {} overlaps {}, the block of `{}`, both in `{}`; AWS would refuse it",
                            res.schema.kind,
                            inst.address,
                            c.text,
                            f.text,
                            other.address,
                            stack.instances[parent].address
                        ),
                    )
                    .with_note(other_res.property_span(name), format!("`{}`'s block", other.address))
                    .with_help("give each its own block (`cidrsubnet(vpc_block, newbits, n)` with a distinct n)"),
                );
                if c.block.end() > f.block.end() {
                    furthest = Some(c);
                }
            }
            _ => furthest = Some(c),
        }
    }
}

/// The instance that property `via` of instance `i` names: its value is
/// one reference, to a resource of which `i` depends on one instance.
fn parent(stack: &Stack, i: usize, via: &str) -> Option<usize> {
    let inst = &stack.instances[i];
    let (_, Tree::Str(t)) = stack.resource_of(inst).properties.iter().find(|(k, _)| k.name == via)? else {
        return None;
    };
    let refs = t.sole_expr()?.references();
    let [r] = refs.as_slice() else { return None };
    let mut targets: Vec<usize> = inst
        .deps
        .iter()
        .filter_map(|d| match d.target {
            NodeRef::Instance(j) if stack.resource_of(&stack.instances[j]).name == r.root => Some(j),
            _ => None,
        })
        .collect();
    targets.sort_unstable();
    targets.dedup();
    match targets.as_slice() {
        [j] => Some(*j),
        _ => None,
    }
}
