//! `stackr validate FILE`

use super::{Failure, load_stack};
use crate::cli::{ColorChoice, StackArgs};
use crate::color::{paint, stderr, stdout};
use stackr_core::Stack;
use stackr_core::diag::Diagnostics;
use stackr_engine::error::EngineError;
use std::collections::BTreeSet;

pub fn run(a: &StackArgs, color: ColorChoice) -> Result<u8, Failure> {
    let stack = load_stack(a, color)?;
    let refused = type_checks(&stack);
    if !refused.is_empty() {
        return Err(Failure::Engine(EngineError::Plan(refused), Some(stack.sources.clone()), stderr(color)));
    }
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

/// What each type's reconciler refuses in the properties known before
/// apply (a FIFO queue's name without `.fifo`, a table key that is not an
/// attribute), as `apply` would when planning; no AWS call is made (the
/// reconcilers get a configuration with neither credentials nor endpoint).
fn type_checks(stack: &Stack) -> Diagnostics {
    let sdk = aws_config::SdkConfig::builder()
        .region(aws_config::Region::new(stack.region.clone()))
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    let (providers, _) = stackr_aws::providers(&sdk, Vec::new());
    let mut diags = Diagnostics::default();
    for (i, mut props) in stackr_core::lang::check::planned_properties(stack) {
        let inst = &stack.instances[i];
        let res = stack.resource_of(inst);
        stackr_engine::diff::normalize(res.schema, &mut props);
        if let Some(rec) = providers.get(res.schema.kind) {
            rec.normalize_desired(&mut props);
        }
        if let Some(d) =
            stackr_engine::plan::type_check(&providers, res, &inst.address.to_string(), &inst.region, &props)
        {
            diags.push(d);
        }
    }
    diags
}
