//! Benchmark: apply of synthetic 500 to 4,000-resource stacks on the in-memory
//! cloud with 50 ms per call, state kept by the local backend.
//!
//!     cargo bench -p stackr-engine --bench apply
//!
//! Prints wall time against the bound no scheduler can beat — the longer of
//! the critical path (the longest dependency chain of calls) and the total
//! work divided by the parallelism — the share of the run spent writing
//! state, and peak memory. Targets: wall ≤ 1.2 × bound, state writes < 5 %.

use stackr_core::schema::Catalog;
use stackr_core::{VarInputs, load_text};
use stackr_engine::apply::Options;
use stackr_engine::events::NoEvents;
use stackr_engine::fake::FakeCloud;
use stackr_engine::session::Session;
use stackr_state::local::LocalStore;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const LATENCY: Duration = Duration::from_millis(50);
const PARALLELISM: usize = 16;

/// The same shape as bench/gen_stack.py: groups of VPC, subnet, security
/// group, role and log group, with references inside each group.
fn stack_text(n: usize) -> String {
    let mut out = String::from("stack: scale-bench\nregion: ap-northeast-1\nvars:\n  stage: bench\nresources:\n");
    let mut i = 0;
    let mut g = 0;
    while i < n {
        let block = [
            format!("  vpc{g}:\n    type: aws.ec2.vpc\n    properties: {{ cidr_block: 10.{}.0.0/16 }}\n", g % 250),
            format!(
                "  subnet{g}:\n    type: aws.ec2.subnet\n    properties:\n      vpc_id: ${{vpc{g}.id}}\n      availability_zone: ap-northeast-1a\n      cidr_block: ${{cidrsubnet(vpc{g}.cidr_block, 8, 1)}}\n"
            ),
            format!(
                "  sg{g}:\n    type: aws.ec2.security_group\n    properties: {{ name: sg{g}, description: bench, vpc_id: \"${{vpc{g}.id}}\" }}\n"
            ),
            format!(
                "  role{g}:\n    type: aws.iam.role\n    properties: {{ name: role{g}, assume_role_policy: {{ Version: '2012-10-17', Statement: [] }} }}\n"
            ),
            format!(
                "  logs{g}:\n    type: aws.logs.log_group\n    properties: {{ name: \"/bench/${{role{g}.name}}\" }}\n"
            ),
        ];
        for b in block {
            if i >= n {
                break;
            }
            out.push_str(&b);
            i += 1;
        }
        g += 1;
    }
    out
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

async fn run(n: usize) -> (Duration, Duration, Duration, u64, usize) {
    let text = stack_text(n);
    let stack = load_text(Path::new("bench.yaml"), &text, &VarInputs::default(), &stackr_schema::Types).expect("valid");
    let dir = std::env::temp_dir().join(format!("stackr-bench-apply-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cloud = FakeCloud::new();
    cloud.set_latency(LATENCY);
    let types = stackr_schema::Types.all();
    let session = Session {
        store: Arc::new(LocalStore::new(dir.join("state.json"))),
        providers: cloud.providers(&types),
        lookups: cloud.lookups(&types),
        events: Arc::new(NoEvents),
        version: "bench".into(),
        write_interval: Duration::from_millis(200),
    };
    let lock = session.lock("bench").await.expect("lock");
    let prepared = session.prepare(&stack).await.expect("plan");
    let ops = prepared.plan.steps.len();
    // The longest chain of calls: depth of the graph (every op is one call).
    let depth = {
        let order = stack.graph.topo_order().expect("acyclic");
        let mut d = std::collections::HashMap::new();
        let mut best = 0;
        for node in order {
            let here = 1 + stack.graph.dependencies(node).map(|p| d.get(&p).copied().unwrap_or(0)).max().unwrap_or(0);
            d.insert(node, here);
            best = best.max(here);
        }
        best
    };
    let critical = LATENCY * depth as u32;
    let capacity = LATENCY * (ops as u32).div_ceil(PARALLELISM as u32);
    let bound = critical.max(capacity);
    let t = Instant::now();
    let applied = session.apply(Some(&stack), prepared, Options::new(PARALLELISM)).await.expect("apply");
    let wall = t.elapsed();
    assert!(applied.report.ok(), "{:?}", applied.report.failed);
    session.unlock(&lock).await.expect("unlock");
    let _ = std::fs::remove_dir_all(&dir);
    (wall, bound, applied.writes.time, applied.writes.writes, ops)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    println!("apply on the in-memory cloud: {} ms per call, parallelism {PARALLELISM}", LATENCY.as_millis());
    println!(
        "{:>9} | {:>8} | {:>8} | {:>6} | {:>12} | {:>7}",
        "resources", "wall s", "bound s", "ratio", "state writes", "share"
    );
    println!("{}", "-".repeat(66));
    for n in [500, 1000, 2000, 4000] {
        let (wall, bound, wtime, writes, ops) = rt.block_on(run(n));
        println!(
            "{:>9} | {:>8.2} | {:>8.2} | {:>6.2} | {:>5} ({:>4.2}s) | {:>6.1}%",
            ops,
            wall.as_secs_f64(),
            bound.as_secs_f64(),
            wall.as_secs_f64() / bound.as_secs_f64(),
            writes,
            wtime.as_secs_f64(),
            100.0 * wtime.as_secs_f64() / wall.as_secs_f64()
        );
    }
    println!("peak memory: {:.1} MB", peak_rss_mb());
}
