//! apply / diff / destroy / output / state / import / unlock through the
//! binary, against the simulated cloud (`STACKR_FAKE_CLOUD`) and local state.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const STACK: &str = r#"
stack: cli-e2e
region: ap-northeast-1
vars:
  retention: { type: number, default: 7 }
  azs: { type: list, default: [a, c] }
resources:
  vpc:
    type: aws.ec2.vpc
    lifecycle: { protect: true }
    properties: { cidr_block: 10.0.0.0/16 }
  subnet:
    type: aws.ec2.subnet
    for_each: ${var.azs}
    properties:
      vpc_id: ${vpc.id}
      availability_zone: ap-northeast-1${each.key}
      cidr_block: ${cidrsubnet(vpc.cidr_block, 8, each.index)}
  logs:
    type: aws.logs.log_group
    properties: { name: /cli, retention_in_days: "${var.retention}" }
  secret:
    type: aws.ssm.parameter
    properties: { name: /cli/secret, type: SecureString, value: "hunter2-${var.retention}" }
outputs:
  vpc_id: ${vpc.id}
  subnet_ids: ${subnet[*].id}
"#;

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn setup(name: &str) -> Dir {
    let dir = std::env::temp_dir().join(format!("stackr-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("stacks")).unwrap();
    std::fs::write(dir.join("stacks/e2e.yaml"), STACK).unwrap();
    Dir(dir)
}

fn run(dir: &Path, args: &[&str], fake: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stackr"));
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("NO_COLOR");
    if fake {
        cmd.env("STACKR_FAKE_CLOUD", dir.join("cloud.json"));
    } else {
        cmd.env_remove("STACKR_FAKE_CLOUD");
    }
    cmd.output().expect("runs stackr")
}

fn out(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn apply_diff_change_destroy() {
    let d = setup("flow");
    let dir = &d.0;
    let f = "stacks/e2e.yaml";

    // Without a terminal, apply needs --yes.
    let o = run(dir, &["apply", f], true);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("pass --yes"), "{}", out(&o));

    let o = run(dir, &["apply", f, "--yes"], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("Plan: 5 to create"), "{text}");
    assert!(text.contains("value: (sensitive)"), "{text}");
    assert!(text.contains("vpc_id = \"vpc-"), "{text}");
    assert!(!text.contains("hunter2"), "secret printed: {text}");
    let state = std::fs::read_to_string(dir.join("state/cli-e2e.json")).unwrap();
    assert!(!state.contains("hunter2"), "secret in state");

    // In sync: exit 0. The secret does not cause a perpetual diff.
    let o = run(dir, &["diff", f], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));

    // A changed variable: exit 2, naming the field; the JSON is versioned.
    let o = run(dir, &["diff", f, "--var", "retention=30"], true);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("retention_in_days: 7 -> 30"), "{}", out(&o));
    assert!(out(&o).contains("value: (sensitive) -> (sensitive)"), "a changed secret is noticed: {}", out(&o));
    let o = run(dir, &["diff", f, "--var", "retention=30", "--json", "--out", "plan.json"], true);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["in_sync"], false);

    // The saved plan applies exactly, without its (non-secret) variables
    // given again; applying it again is refused as stale.
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("plan.json")).unwrap()).unwrap();
    assert_eq!(saved["vars"]["retention"], 30);
    let o = run(dir, &["apply", f, "--plan", "plan.json"], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = run(dir, &["apply", f, "--var", "retention=30", "--plan", "plan.json"], true);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("make a new plan"), "{}", out(&o));

    let o = run(dir, &["output", f, "vpc_id"], true);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("vpc-"), "{}", out(&o));
    let o = run(dir, &["state", "list", f], true);
    assert!(out(&o).contains("subnet[a]") && out(&o).contains("protected"), "{}", out(&o));
    let o = run(dir, &["state", "show", f, "logs"], true);
    assert!(out(&o).contains("\"retention_in_days\": 30"), "{}", out(&o));

    // The protected VPC stops destroy until allowed.
    let o = run(dir, &["destroy", f, "--yes"], true);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("replaces protected resources: vpc"), "{}", out(&o));
    let o = run(dir, &["destroy", f, "--yes", "--allow-protected", "vpc"], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let cloud = std::fs::read_to_string(dir.join("cloud.json")).unwrap();
    let cloud: serde_json::Value = serde_json::from_str(&cloud).unwrap();
    assert_eq!(cloud["resources"].as_array().unwrap().len(), 0, "nothing left");
}

#[test]
fn a_failed_apply_names_the_cause_and_releases_the_lock() {
    // Every declared type has a reconciler (crates/stackr-aws/tests/coverage.rs);
    // an apply that fails at AWS (here: none to reach) names why and
    // releases its lock on the error path.
    let d = setup("failed");
    let stack = "stack: failed\nregion: ap-northeast-1\nresources:\n  bucket:\n    type: aws.s3.bucket\n    properties: { name: failed-apply-bucket }\n";
    std::fs::write(d.0.join("stacks/failed.yaml"), stack).unwrap();
    let o = run(&d.0, &["apply", "stacks/failed.yaml", "--yes"], false);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("bucket: create failed") && out(&o).contains("cannot reach AWS"), "{}", out(&o));
    // The lock was released on the error path: a second run gets as far.
    let o = run(&d.0, &["apply", "stacks/failed.yaml", "--yes"], false);
    assert!(out(&o).contains("cannot reach AWS") && !out(&o).contains("locked"), "{}", out(&o));
}

#[test]
fn one_state_file_however_the_stack_path_is_spelled() {
    let d = setup("spelling");
    let o = run(&d.0, &["apply", "stacks/e2e.yaml", "--yes"], true);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    // From inside stacks/, and by absolute path from elsewhere: the state
    // made from the project folder, not a second one.
    let absolute = d.0.join("stacks/e2e.yaml");
    for (cwd, file) in
        [(d.0.join("stacks"), "e2e.yaml".to_string()), (std::env::temp_dir(), absolute.display().to_string())]
    {
        let o = run(&cwd, &["state", "list", &file], false);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("subnet[a]"),
            "{file}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    assert!(!d.0.join("stacks/state").exists(), "no second state file beside the stack");
}

#[test]
fn state_rm_forgets_and_state_mv_renames_keeping_the_resources() {
    let d = setup("state-verbs");
    let ok = |args: &[&str]| {
        let o = run(&d.0, args, true);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    ok(&["apply", "stacks/e2e.yaml", "--yes"]);
    let state = || -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.0.join("state/cli-e2e.json")).unwrap()).unwrap()
    };
    let logs_id = state()["resources"]["logs"]["id"].as_str().unwrap().to_string();

    // Renamed in the stack, moved in state: nothing is remade.
    let renamed = STACK.replace("  logs:\n", "  app_logs:\n");
    std::fs::write(d.0.join("stacks/e2e.yaml"), &renamed).unwrap();
    let err = ok(&["state", "mv", "stacks/e2e.yaml", "logs", "app_logs"]);
    assert!(err.contains("logs: moved to app_logs"), "{err}");
    assert_eq!(state()["resources"]["app_logs"]["id"], serde_json::json!(logs_id));
    let o = run(&d.0, &["diff", "stacks/e2e.yaml"], true);
    assert_eq!(o.status.code(), Some(2), "only stackr's address tag follows");
    ok(&["apply", "stacks/e2e.yaml", "--yes"]);
    let o = run(&d.0, &["diff", "stacks/e2e.yaml"], true);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));

    // Forgotten: out of state (both spellings of a key), still in the cloud.
    let subnet_id = state()["resources"]["subnet[a]"]["id"].as_str().unwrap().to_string();
    let err = ok(&["state", "rm", "stacks/e2e.yaml", "subnet[\"a\"]", "app_logs"]);
    assert!(err.contains("subnet[a]: forgotten") && err.contains("stays in AWS"), "{err}");
    assert!(err.contains("the stack still defines"), "{err}");
    let s = state();
    assert!(s["resources"].get("app_logs").is_none() && s["resources"].get("subnet[a]").is_none());
    let cloud = std::fs::read_to_string(d.0.join("cloud.json")).unwrap();
    assert!(cloud.contains(&logs_id), "the log group is still in the cloud");
    // Unknown addresses are refused with a suggestion.
    let o = run(&d.0, &["state", "rm", "stacks/e2e.yaml", "subnt[c]"], true);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean"), "{}", String::from_utf8_lossy(&o.stderr));

    // Another stack cannot import what this one made (both would manage
    // it); this one can take its own back.
    let other = "stack: other\nregion: ap-northeast-1\nresources:\n  lg: { type: aws.logs.log_group, properties: { name: /cli } }\n";
    std::fs::write(d.0.join("stacks/other.yaml"), other).unwrap();
    let o = run(&d.0, &["import", "stacks/other.yaml", "lg", &logs_id], true);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("belongs to stack `cli-e2e`") && err.contains("state rm"), "{err}");
    assert!(
        !d.0.join("state/other.json").exists()
            || !std::fs::read_to_string(d.0.join("state/other.json")).unwrap().contains(&logs_id)
    );
    ok(&["import", "stacks/e2e.yaml", "app_logs", &logs_id]);
    assert_eq!(state()["resources"]["app_logs"]["id"], serde_json::json!(logs_id));
    // Imported under the stack's spelling of the address, whatever was
    // typed: apply finds it there and does not remake it.
    let err = ok(&["import", "stacks/e2e.yaml", "subnet[\"a\"]", &subnet_id]);
    assert!(err.contains("as `subnet[a]`"), "{err}");
    assert_eq!(state()["resources"]["subnet[a]"]["id"], serde_json::json!(subnet_id));
    assert!(state()["resources"].get("subnet[\"a\"]").is_none());
}

#[test]
fn replace_on_request_and_protection_lifted_only_on_purpose() {
    let d = setup("replace");
    let dir = &d.0;
    let f = "stacks/e2e.yaml";
    let ok = |args: &[&str]| {
        let o = run(dir, args, true);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", out(&o));
        out(&o)
    };
    let id = |address: &str| -> String {
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("state/cli-e2e.json")).unwrap()).unwrap();
        s["resources"][address]["id"].as_str().unwrap_or_default().to_string()
    };
    ok(&["apply", f, "--yes"]);

    // Replaced on request: a new log group, named in the plan with the old id.
    let (logs, vpc) = (id("logs"), id("vpc"));
    let text = ok(&["apply", f, "--yes", "--replace", "logs"]);
    assert!(text.contains("replacement asked for with --replace") && text.contains(&logs), "{text}");
    assert_ne!(id("logs"), logs);
    let o = run(dir, &["apply", f, "--yes", "--replace", "lgs"], true);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("did you mean `logs`?"), "{}", out(&o));

    // A protected resource: refused, then allowed; its dependants follow.
    let o = run(dir, &["apply", f, "--yes", "--replace", "vpc"], true);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("protected resources: vpc") && out(&o).contains("--allow-protected"), "{}", out(&o));
    assert_eq!(id("vpc"), vpc, "nothing was changed");
    ok(&["apply", f, "--yes", "--replace", "vpc", "--allow-protected", "vpc"]);
    let new_vpc = id("vpc");
    assert_ne!(new_vpc, vpc);
    let s: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("state/cli-e2e.json")).unwrap()).unwrap();
    assert_eq!(s["resources"]["subnet[a]"]["properties"]["vpc_id"], serde_json::json!(new_vpc));
    assert!(ok(&["diff", f]).contains("No changes"));

    // The stack stops protecting it: still protected until lifted on purpose.
    std::fs::write(dir.join(f), STACK.replace("    lifecycle: { protect: true }\n", "")).unwrap();
    let o = run(dir, &["destroy", f, "--yes"], true);
    assert_eq!(o.status.code(), Some(1), "recorded protection holds: {}", out(&o));
    assert!(ok(&["apply", f, "--yes", "--allow-protected", "vpc"]).contains("vpc: protection lifted"));
    ok(&["destroy", f, "--yes"]);
}

#[test]
fn lock_timeout_waits_for_the_other_run_instead_of_refusing() {
    use stackr_state::StateStore;
    let d = setup("lock-timeout");
    let f = "stacks/e2e.yaml";
    let o = run(&d.0, &["apply", f, "--yes"], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let store = std::sync::Arc::new(stackr_state::local::LocalStore::new(d.0.join("state/cli-e2e.json")));
    let held = stackr_state::LockInfo::for_this_process("stackr apply (another run)");
    rt.block_on(store.lock(&held)).expect("the other run's lock");

    let o = run(&d.0, &["diff", f], true);
    assert_eq!(o.status.code(), Some(1), "refused at once without --lock-timeout: {}", out(&o));
    assert!(out(&o).contains("is locked"), "{}", out(&o));
    // A local lock goes with its process: no `unlock` advice, which could
    // not remove it.
    assert!(out(&o).contains("goes when it exits") && !out(&o).contains("stackr unlock"), "{}", out(&o));

    // The other run ends 1.5 s later: a run told to wait gets the lock.
    let releaser = {
        let (store, id) = (store.clone(), held.id.clone());
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(store.unlock(&id)).expect("released");
        })
    };
    let o = run(&d.0, &["diff", f, "--lock-timeout", "30s"], true);
    releaser.join().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        out(&o).contains("waiting up to 30s for the lock, held by") && !out(&o).contains("held by held by"),
        "{}",
        out(&o)
    );
    let o = run(&d.0, &["diff", f, "--lock-timeout", "soon"], true);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("not a duration"), "{}", out(&o));
    // A wait too long for the clock is refused, not a crash.
    let o = run(&d.0, &["diff", f, "--lock-timeout", "2562047788015216h"], true);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("longer than the longest wait, 24h"), "{}", out(&o));
}

#[test]
fn target_applies_only_the_named_resource_and_what_it_needs() {
    let d = setup("target");
    let f = "stacks/e2e.yaml";
    let ok = |args: &[&str]| {
        let o = run(&d.0, args, true);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", out(&o));
        out(&o)
    };
    ok(&["apply", f, "--yes"]);
    let changed = ["--var", "retention=30", "--var", "azs=[a]"];
    let mut args = vec!["apply", f, "--yes", "--target", "logs"];
    args.extend(changed);
    let text = ok(&args);
    assert!(text.contains("--target applies part of the stack"), "{text}");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.0.join("state/cli-e2e.json")).unwrap()).unwrap();
    assert_eq!(state["resources"]["logs"]["properties"]["retention_in_days"], serde_json::json!(30));
    assert!(state["resources"].get("subnet[c]").is_some(), "not targeted: left alone");
    let mut args = vec!["diff", f];
    args.extend(changed);
    let o = run(&d.0, &args, true);
    assert_eq!(o.status.code(), Some(2), "the rest still to do: {}", out(&o));
    assert!(out(&o).contains("subnet[c]") && !out(&o).contains("logs "), "{}", out(&o));
    let o = run(&d.0, &["apply", f, "--yes", "--target", "lgs"], true);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("did you mean `logs`?"), "{}", out(&o));
    // An instance the stack does not make would apply nothing: refused too.
    let o = run(&d.0, &["apply", f, "--yes", "--target", "subnet[z]"], true);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("--target subnet[z]: not a resource"), "{}", out(&o));
    // A replacement outside what --target applies is refused, not ignored.
    let o = run(&d.0, &["apply", f, "--yes", "--target", "logs", "--replace", "subnet[c]"], true);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("--replace subnet[c]: not among what --target applies"), "{}", out(&o));
    // Nor may --target leave out what must follow a replacement it keeps:
    // the old VPC could not be deleted while its subnets use it.
    let args = ["apply", f, "--yes", "--target", "vpc", "--replace", "vpc", "--allow-protected", "vpc"];
    let o = run(&d.0, &args, true);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("`vpc` is replaced, and `subnet[a]` uses it")
            && out(&o).contains("add --target subnet[a] --target subnet[c]"),
        "{}",
        out(&o)
    );
    // So is a protected resource named wrong: it would allow nothing.
    let o = run(&d.0, &["destroy", f, "--yes", "--allow-protected", "vcp"], true);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("--allow-protected vcp: not a resource in the stack's state") && out(&o).contains("vpc"),
        "{}",
        out(&o)
    );
}

#[test]
fn sigterm_stops_like_ctrl_c_and_loses_nothing() {
    let d = setup("sigterm");
    let many: String = (0..8)
        .map(|i| format!("  g{i}:\n    type: aws.logs.log_group\n    properties: {{ name: /term/{i} }}\n"))
        .collect();
    std::fs::write(d.0.join("stacks/term.yaml"), format!("stack: term\nregion: ap-northeast-1\nresources:\n{many}"))
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_stackr"))
        .args(["apply", "stacks/term.yaml", "--yes", "--parallelism", "1"])
        .current_dir(&d.0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("STACKR_FAKE_CLOUD", d.0.join("cloud.json"))
        .env("STACKR_FAKE_LATENCY_MS", "250")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .spawn()
        .expect("runs stackr");
    // Some creates are done, the rest not started yet.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let o = child.wait_with_output().expect("ends");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("interrupted"), "{}", out(&o));
    // What was made is in state; the next apply makes the rest, once each.
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.0.join("state/term.json")).unwrap()).unwrap();
    let recorded = state["resources"].as_object().map_or(0, |m| m.len());
    assert!((1..8).contains(&recorded), "part done before the interrupt: {recorded}");
    let o = run(&d.0, &["apply", "stacks/term.yaml", "--yes"], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let cloud: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.0.join("cloud.json")).unwrap()).unwrap();
    assert_eq!(cloud["resources"].as_array().map(Vec::len), Some(8), "no duplicate, none lost");
}

/// The first apply of a new environment can be a reviewed plan: the plan
/// carries the lineage its creates are tagged with, and the new state
/// takes it.
#[test]
fn a_saved_plan_applies_to_a_stack_with_no_state_yet() {
    let d = setup("saved-fresh");
    let dir = &d.0;
    let f = "stacks/e2e.yaml";
    let o = run(dir, &["diff", f, "--out", "plan.json"], true);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("plan.json")).unwrap()).unwrap();
    let lineage = saved["lineage"].as_str().expect("a plan of a new stack names its lineage").to_string();
    let o = run(dir, &["apply", f, "--plan", "plan.json"], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("state/cli-e2e.json")).unwrap()).unwrap();
    assert_eq!(state["lineage"], serde_json::json!(lineage));
    let o = run(dir, &["apply", f, "--plan", "plan.json"], true);
    assert_eq!(o.status.code(), Some(1), "applied once only: {}", out(&o));
    assert!(out(&o).contains("make a new plan"), "{}", out(&o));
    let o = run(dir, &["diff", f], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

/// `state mv` takes a resource into one instance of a `for_each` added to
/// it, and keeps its AWS resource.
#[test]
fn state_mv_takes_a_resource_into_an_instance() {
    let d = setup("mv-instance");
    let dir = &d.0;
    let o = run(dir, &["apply", "stacks/e2e.yaml", "--yes"], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let state = || -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join("state/cli-e2e.json")).unwrap()).unwrap()
    };
    let id = state()["resources"]["logs"]["id"].as_str().unwrap().to_string();
    let each = STACK.replace(
        "    type: aws.logs.log_group\n    properties: { name: /cli,",
        "    type: aws.logs.log_group\n    for_each: [cli]\n    properties: { name: \"/${each.key}\",",
    );
    assert_ne!(each, STACK);
    std::fs::write(dir.join("stacks/e2e.yaml"), &each).unwrap();
    let o = run(dir, &["state", "mv", "stacks/e2e.yaml", "logs", "logs[cli]"], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("logs: moved to logs[cli]"), "{}", out(&o));
    assert_eq!(state()["resources"]["logs[cli]"]["id"], serde_json::json!(id));
    let o = run(dir, &["diff", "stacks/e2e.yaml"], true);
    assert!(!out(&o).contains("+ logs") && !out(&o).contains("- logs"), "kept, not remade: {}", out(&o));
}

/// A stack whose `for_each` iterates another stack's outputs: destroying
/// the other first clears its outputs (a consumer must not keep reading
/// them), and this one can still be listed and destroyed from its state.
#[test]
fn a_for_each_over_outputs_that_are_gone_still_destroys_from_state() {
    let d = setup("for-each-gone");
    let dir = &d.0;
    let producer = "stack: producer\nregion: ap-northeast-1\noutputs:\n  names: [a, b]\n";
    let consumer = "stack: consumer\nregion: ap-northeast-1\ndata:\n  prod: { type: stackr.stack_outputs, stack_file: ./producer.yaml }\nresources:\n  g:\n    type: aws.logs.log_group\n    for_each: ${data.prod.outputs.names}\n    properties: { name: \"/cons/${each.value}\" }\n";
    std::fs::write(dir.join("stacks/producer.yaml"), producer).unwrap();
    std::fs::write(dir.join("stacks/consumer.yaml"), consumer).unwrap();
    for args in [["apply", "stacks/producer.yaml", "--yes"], ["apply", "stacks/consumer.yaml", "--yes"]] {
        let o = run(dir, &args, true);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", out(&o));
    }
    let o = run(dir, &["destroy", "stacks/producer.yaml", "--yes"], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("state/producer.json")).unwrap()).unwrap();
    assert!(state["outputs"].as_object().is_none_or(|o| o.is_empty()), "outputs cleared: {state}");

    let o = run(dir, &["state", "list", "stacks/consumer.yaml"], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("g[a]") && out(&o).contains("warning"), "{}", out(&o));
    let o = run(dir, &["destroy", "stacks/consumer.yaml", "--yes"], true);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let cloud = std::fs::read_to_string(dir.join("cloud.json")).unwrap_or_default();
    assert!(!cloud.contains("/cons/a") && !cloud.contains("/cons/b"), "destroyed: {cloud}");
}

/// A component names another stack's file relative to itself, as `use:`
/// and `file()` are.
#[test]
fn a_component_reads_another_stack_relative_to_its_own_file() {
    let d = setup("component-outputs");
    let dir = &d.0;
    std::fs::create_dir_all(dir.join("stacks/lib")).unwrap();
    let producer =
        |name: &str, value: &str| format!("stack: {name}\nregion: ap-northeast-1\noutputs:\n  where: {value}\n");
    std::fs::write(dir.join("stacks/producer.yaml"), producer("root-producer", "from-root")).unwrap();
    std::fs::write(dir.join("stacks/lib/producer.yaml"), producer("lib-producer", "from-lib")).unwrap();
    let comp = "data:\n  prod: { type: stackr.stack_outputs, stack_file: ./producer.yaml }\noutputs:\n  where: ${data.prod.outputs.where}\n";
    std::fs::write(dir.join("stacks/lib/reader.yaml"), comp).unwrap();
    let root = "stack: reader\nregion: ap-northeast-1\ncomponents:\n  r: { use: ./lib/reader.yaml }\noutputs:\n  where: ${r.where}\n";
    std::fs::write(dir.join("stacks/reader.yaml"), root).unwrap();
    for f in ["stacks/producer.yaml", "stacks/lib/producer.yaml", "stacks/reader.yaml"] {
        let o = run(dir, &["apply", f, "--yes"], true);
        assert_eq!(o.status.code(), Some(0), "{f}: {}", out(&o));
    }
    let o = run(dir, &["output", "stacks/reader.yaml", "where"], true);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "from-lib", "{}", out(&o));
}
