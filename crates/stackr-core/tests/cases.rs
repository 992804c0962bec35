//! The data-driven language suite: every `tests/cases/*.yaml` is loaded
//! with the real type catalog, and its outcome — the resolved graph, or
//! the exact errors with their locations — is compared with the snapshot
//! in `tests/snapshots/`. Files under `cases/lib/` are only extended.
//!
//! A new case: add the file, run `INSTA_UPDATE=always cargo test -p
//! stackr-core --test cases`, read the new snapshot, commit both.

use stackr_core::{VarInputs, load};
use std::fmt::Write as _;

fn outcome(path: &std::path::Path) -> String {
    // Paths in messages relative to the crate, so snapshots are stable.
    let rel = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(path);
    let inputs =
        VarInputs { cli: vec![], env: vec![("region_from_env".into(), "eu-west-3".into())], ..Default::default() };
    // cargo runs integration tests from the crate's folder.
    let result = load(rel, &inputs, &stackr_schema::Types);
    match result {
        Err(e) => format!("errors:\n{}", e.diagnostics.render_short(&e.sources)),
        Ok(stack) => {
            let mut out = format!("valid: stack {} in {}\ninstances:\n", stack.name, stack.region);
            for inst in &stack.instances {
                let res = stack.resource_of(inst);
                let _ = writeln!(out, "  {} ({}) in {}", inst.address, res.schema.kind, inst.region);
            }
            if !stack.for_each_lookups.is_empty() {
                let names: Vec<&str> = stack.for_each_lookups.iter().map(String::as_str).collect();
                let _ = writeln!(out, "for_each waits for look-ups: {}", names.join(", "));
            }
            for m in &stack.moved {
                let _ = writeln!(out, "moved: {} -> {}", m.from, m.to);
            }
            out.push_str("dependencies:\n");
            let order = stack.graph.topo_order().expect("acyclic");
            for n in order {
                let mut deps: Vec<String> = stack.graph.dependencies(n).map(|d| stack.node_name(d)).collect();
                if deps.is_empty() {
                    continue;
                }
                deps.sort();
                let _ = writeln!(out, "  {} <- {}", stack.node_name(n), deps.join(", "));
            }
            out
        }
    }
}

#[test]
fn language_cases() {
    insta::glob!("cases/*.yaml", |path| {
        insta::assert_snapshot!(outcome(path));
    });
}
