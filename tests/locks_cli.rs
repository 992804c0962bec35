//! Lock races through the binary, on S3 state in a local AWS of its own
//! (the figures and a third case, a foreign host's lock, are in
//! bench/lock-races.sh):
//! - 8 `stackr apply --yes` at once: exactly one proceeds; seven are
//!   refused within 2 s, each naming the holder's pid and how to unlock;
//!   then `diff` exits 0 (no state write was lost);
//! - an apply SIGKILLed mid-run leaves its lock; the next apply says it took
//!   it over (same host, process gone), converges, and `diff` exits 0;
//! - a state object of another stack at the stack's key is refused naming
//!   both stacks, and left as it was.
//!
//! The parts run one after another in one test: the latency check must not
//! compete with the other parts for the CPU.

mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const REGION: &str = "ap-northeast-1";
const BUCKET: &str = "stackr-locks-cli";

/// A tiny stack with its state in S3 at `races/NAME.json`: a VPC, and with
/// `more`, subnets in three zones and a security group.
fn write_stack(dir: &Path, name: &str, octet: u8, more: bool) {
    let text = format!(
        "stack: {name}
region: {REGION}
state: {{ backend: s3, bucket: {BUCKET}, key: races/{name}.json }}
vars:
  zones: {{ type: list, default: [ap-northeast-1a, ap-northeast-1c, ap-northeast-1d] }}
resources:
  vpc:
    type: aws.ec2.vpc
    properties: {{ cidr_block: 10.{octet}.0.0/16 }}
"
    );
    let more_text = format!(
        "  subnet:
    type: aws.ec2.subnet
    for_each: ${{var.zones}}
    properties:
      vpc_id: ${{vpc.id}}
      availability_zone: ${{each.value}}
      cidr_block: ${{cidrsubnet(vpc.cidr_block, 8, each.index)}}
  web:
    type: aws.ec2.security_group
    properties:
      name: {name}-web
      description: HTTPS in
      vpc_id: ${{vpc.id}}
      ingress:
        - {{ protocol: tcp, from_port: 443, to_port: 443, cidr_ipv4: 0.0.0.0/0 }}
"
    );
    let text = if more { text + &more_text } else { text };
    std::fs::write(dir.join(format!("{name}.yaml")), text).expect("write the stack");
}

/// `stackr ARGS` as [`common::stackr`] runs it, to be spawned.
fn command(dir: &Path, endpoint: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stackr"));
    c.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("STACKR_FAKE_CLOUD");
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_applies_a_killed_apply_and_a_foreign_state() {
    let moto = stackr_testkit::Moto::start().expect("moto");
    let url = moto.url().to_string();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&stackr_testkit::sdk_config(&moto, REGION)).force_path_style(true).build(),
    );
    create_bucket(&s3, BUCKET, REGION).await;
    let dir = workdir("locks-cli", &[]);
    // The racers' stack is one VPC: the local AWS is one process, and the
    // winner's calls would otherwise queue the refusals behind them there.
    write_stack(&dir, "races", 41, false);
    write_stack(&dir, "killed", 42, true);
    write_stack(&dir, "intruded", 43, false);

    // (a) Eight applies at once.
    const N: usize = 8;
    let barrier = Arc::new(Barrier::new(N));
    let runs: Vec<_> = (0..N)
        .map(|_| {
            let (barrier, dir, url) = (barrier.clone(), dir.clone(), url.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let started = Instant::now();
                let child = command(&dir, &url, &["apply", "races.yaml", "--yes"]).spawn().expect("spawn stackr");
                let pid = child.id();
                let out = child.wait_with_output().expect("wait for stackr");
                (pid, out, started.elapsed())
            })
        })
        .collect();
    let results: Vec<_> = runs.into_iter().map(|t| t.join().expect("thread")).collect();
    let winners: Vec<_> = results.iter().filter(|(_, o, _)| o.status.success()).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one apply proceeds: {:?}",
        results.iter().map(|(_, o, _)| text(o)).collect::<Vec<_>>()
    );
    let winner_pid = winners[0].0;
    for (pid, out, took) in results.iter().filter(|(p, _, _)| *p != winner_pid) {
        let t = text(out);
        assert_eq!(out.status.code(), Some(1), "{t}");
        assert!(t.contains("is locked: held by") && t.contains(&format!("(pid {winner_pid}, `stackr apply")), "{t}");
        assert!(t.contains("stackr unlock races.yaml "), "says how to unlock: {t}");
        // The target is 2 s (bench/lock-races.sh reports it); the guard here
        // leaves room for a loaded CI machine starting eight debug binaries.
        assert!(*took < Duration::from_secs(4), "pid {pid} refused after {took:?}");
    }
    let slowest = results.iter().filter(|(p, _, _)| *p != winner_pid).map(|r| r.2).max().unwrap_or_default();
    eprintln!("(a) 1 proceeded, {} refused; slowest refusal {slowest:?}", N - 1);
    run(&dir, &url, &["diff", "races.yaml"], 0);

    // (b) An apply killed once it has journaled its creates.
    let mut child = command(&dir, &url, &["apply", "killed.yaml", "--yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn stackr");
    let started = Instant::now();
    loop {
        let journaled = s3.head_object().bucket(BUCKET).key("races/killed.json").send().await.is_ok();
        if journaled || started.elapsed() > Duration::from_secs(20) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(child.try_wait().expect("poll the child").is_none(), "the apply ended before it could be killed");
    let killed_pid = child.id();
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    assert!(
        s3.head_object().bucket(BUCKET).key("races/killed.json.lock").send().await.is_ok(),
        "the killed run left its lock"
    );
    let t = run(&dir, &url, &["apply", "killed.yaml", "--yes"], 0);
    assert!(t.contains("took over the lock of "), "{t}");
    assert!(t.contains(&format!("(pid {killed_pid}, `stackr apply killed.yaml --yes`")), "{t}");
    assert!(t.contains("its process is no longer running on this host"), "{t}");
    run(&dir, &url, &["diff", "killed.yaml"], 0);

    // (c) A state of another stack at this stack's key.
    let foreign = stackr_state::render_state(&stackr_state::State::new("someone-else", "0.1.0"));
    s3.put_object().bucket(BUCKET).key("races/intruded.json").body(foreign.clone().into()).send().await.expect("put");
    let t = run(&dir, &url, &["apply", "intruded.yaml", "--yes"], 1);
    assert!(t.contains("belongs to stack `someone-else`, not `intruded`"), "{t}");
    let kept = s3.get_object().bucket(BUCKET).key("races/intruded.json").send().await.expect("get");
    assert_eq!(kept.body.collect().await.expect("body").into_bytes().to_vec(), foreign, "left as it was");
    assert!(
        s3.head_object().bucket(BUCKET).key("races/intruded.json.lock").send().await.is_err(),
        "the refused run released its lock"
    );
}
