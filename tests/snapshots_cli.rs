//! What people and programs read, pinned: the plan as printed, the JSON
//! plan of `diff --json`, the NDJSON event stream of `apply --json`, and
//! the JSON Schema. Against the simulated cloud; AWS ids and timings are
//! masked, as they differ from run to run. A change here is a change of
//! the CLI contract: review the new snapshot (`INSTA_UPDATE=always`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const STACK: &str = r#"
stack: snap
region: ap-northeast-1
vars:
  retention: { type: number, default: 7 }
  actions: { type: list, default: ["s3:GetObject"] }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.0.0.0/16, tags: { Name: snap } }
  logs:
    type: aws.logs.log_group
    properties: { name: /snap, retention_in_days: "${var.retention}" }
  role:
    type: aws.iam.role
    properties:
      name: snap
      assume_role_policy:
        Version: "2012-10-17"
        Statement: [{ Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: sts:AssumeRole }]
      inline_policies:
        read:
          Version: "2012-10-17"
          Statement: [{ Effect: Allow, Action: "${var.actions}", Resource: "${logs.arn}" }]
  secret:
    type: aws.ssm.parameter
    properties: { name: /snap/secret, type: SecureString, value: "hunter2-${var.retention}" }
outputs:
  vpc_id: ${vpc.id}
"#;

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_stackr"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("STACKR_FAKE_CLOUD", dir.join("cloud.json"))
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("NO_COLOR", "1")
        .output()
        .expect("runs stackr");
    (o.status.code().unwrap_or(-1), mask(&String::from_utf8_lossy(&o.stdout)))
}

/// Masks what differs between runs: fake ids (`vpc-000003`), durations,
/// the state's lineage.
fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // `-` and six digits: a simulated AWS id's counter.
        if chars[i] == '-' && i + 6 < chars.len() + 1 && chars[i + 1..].iter().take(6).all(char::is_ascii_digit) {
            out.push_str("-NNNNNN");
            i += 7;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    // `"elapsed_ms":123` and `(0.1s)`.
    let mut masked = String::new();
    for line in out.lines() {
        let mut l = line.to_string();
        for field in ["\"elapsed_ms\":", "\"time\":"] {
            if let Some(p) = l.find(field) {
                let n = p + field.len();
                let rest: String = l[n..].chars().skip_while(char::is_ascii_digit).collect();
                l = format!("{}{field}0{rest}", &l[..p]);
            }
        }
        if let (Some(a), true) = (l.rfind(" ("), l.ends_with("s)")) {
            l = format!("{} (Ns)", &l[..a]);
        }
        // A state's lineage is drawn at its birth (also in stackr's tag).
        for key in ["\"lineage\": \"", "\"lineage\":\"", "\"stackr:lineage\": \"", "\"stackr:lineage\":\""] {
            let mut from = 0;
            while let Some(p) = l[from..].find(key).map(|p| p + from) {
                let start = p + key.len();
                let end = l[start..].find('"').map_or(l.len(), |e| start + e);
                l = format!("{}LINEAGE{}", &l[..start], &l[end..]);
                from = start + "LINEAGE".len();
            }
        }
        if let (Some(a), true) = (l.rfind(" in "), l.starts_with("Done: ")) {
            l = format!("{} in Ns.", &l[..a]);
        }
        masked.push_str(&l);
        masked.push('\n');
    }
    masked
}

/// Operations that do not depend on each other finish in either order:
/// progress lines sorted by address, each address's lines in their order.
fn by_address(text: &str) -> String {
    let key = |l: &str| -> String {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(l) {
            return v["address"].as_str().unwrap_or_default().to_string();
        }
        l.strip_prefix("✓ ").and_then(|r| r.split(':').next()).unwrap_or_default().to_string()
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // A resource's progress: a line, or an event naming an address.
        let progress = |l: &str| l.starts_with("✓ ") || (l.starts_with('{') && l.contains("\"address\""));
        if !progress(lines[i]) {
            out.push(lines[i].to_string());
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && progress(lines[i]) {
            i += 1;
        }
        let mut block: Vec<&str> = lines[start..i].to_vec();
        block.sort_by_key(|l| key(l));
        out.extend(block.into_iter().map(String::from));
    }
    out.join("\n") + "\n"
}

fn setup(name: &str) -> Dir {
    let dir = std::env::temp_dir().join(format!("stackr-snap-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("stacks")).unwrap();
    std::fs::write(dir.join("stacks/snap.yaml"), STACK).unwrap();
    Dir(dir)
}

#[test]
fn the_plan_as_printed_and_as_json() {
    let d = setup("plan");
    let f = "stacks/snap.yaml";
    let (code, created) = run(&d.0, &["apply", f, "--yes", "--parallelism", "1"]);
    assert_eq!(code, 0, "{created}");
    insta::assert_snapshot!("apply_create", by_address(&created));
    // A changed number, one more action in a policy, a changed secret.
    let changed = ["--var", "retention=30", "--var", "actions=[s3:GetObject, s3:PutObject]"];
    let mut args = vec!["diff", f];
    args.extend(changed);
    let (code, plan) = run(&d.0, &args);
    assert_eq!(code, 2, "{plan}");
    insta::assert_snapshot!("diff_changes", plan);
    args.push("--json");
    let (_, json) = run(&d.0, &args);
    insta::assert_snapshot!("diff_json", json);
}

#[test]
fn the_event_stream_of_apply() {
    let d = setup("events");
    let (code, events) = run(&d.0, &["apply", "stacks/snap.yaml", "--yes", "--json", "--parallelism", "1"]);
    assert_eq!(code, 0, "{events}");
    for line in events.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    }
    insta::assert_snapshot!("apply_events", by_address(&events));
}

#[test]
fn the_json_schema() {
    let d = setup("schema");
    let (code, schema) = run(&d.0, &["schema"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("json_schema", schema);
}
