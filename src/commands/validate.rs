//! `stackr validate FILE`

use super::{Failure, load_stack};
use crate::cli::{ColorChoice, StackArgs};
use crate::color::{paint, stdout};
use std::collections::BTreeSet;

pub fn run(a: &StackArgs, color: ColorChoice) -> Result<u8, Failure> {
    let stack = load_stack(a, color)?;
    let regions: BTreeSet<&str> =
        stack.instances.iter().map(|i| i.region.as_str()).chain(std::iter::once(stack.region.as_str())).collect();
    let on = stdout(color);
    outln!(
        "{} {}: stack {}, {} resources ({} instances), {} data look-ups, {} dependencies, {} outputs; regions {}",
        paint(on, "32", "valid"),
        a.file.display(),
        stack.name,
        stack.resources.len(),
        stack.instances.len(),
        stack.data.len(),
        stack.graph.edge_count(),
        stack.outputs.len(),
        regions.into_iter().collect::<Vec<_>>().join(", "),
    );
    if !stack.for_each_lookups.is_empty() {
        let names: Vec<String> = stack.for_each_lookups.iter().map(|n| format!("data.{n}")).collect();
        outln!("  instances iterating {} are counted when planning, once the look-up is read", names.join(", "));
    }
    Ok(0)
}
