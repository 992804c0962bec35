//! `stackr diff FILE`: refresh, print what apply would do. Exit 0 in sync,
//! 2 changes or drift, 1 error. `--json` prints a versioned document.

use super::Failure;
use super::run::{Opened, command_line, open, runtime};
use crate::cli::{ColorChoice, DiffArgs};

/// Version of the `diff --json` document.
const DIFF_JSON_VERSION: u32 = 1;

pub fn run(a: &DiffArgs, color: ColorChoice) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let mut opened = open(&a.stack, color, None).await?;
        opened.show_stats = a.stats;
        opened.locked(&command_line(), async |o: &Opened| diff(o, a).await).await
    })
}

async fn diff(o: &Opened, a: &DiffArgs) -> Result<u8, Failure> {
    // Read-only: state is never written by a drift check.
    let prepared = o.session.prepare_read_only(&o.stack).await.map_err(|e| o.fail(e))?;
    super::apply::report_resolutions(&prepared.resolutions, false);
    let plan = &prepared.plan;
    if let Some(path) = &a.out {
        let text = serde_json::to_vec_pretty(plan).unwrap_or_default();
        std::fs::write(path, text).map_err(|e| Failure::Message(format!("cannot write {}: {e}", path.display())))?;
    }
    if a.json {
        let doc = serde_json::json!({
            "format_version": DIFF_JSON_VERSION,
            "stack": o.stack.name,
            "in_sync": plan.is_empty(),
            "drift": plan.has_drift(),
            "plan": plan,
        });
        outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        out!("{}", crate::plan_view::render(plan, &o.session.store.location(), o.color_out));
    }
    Ok(if plan.is_empty() { 0 } else { 2 })
}
