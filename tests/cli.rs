//! The `stackr` binary as users run it: exit codes, messages, outputs.

use std::process::{Command, Output};

/// Runs stackr with AWS pointed at a closed local port: no test ever
/// reaches anything off this machine.
pub fn offline(cmd: &mut Command) -> &mut Command {
    cmd.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("NO_COLOR")
        .env_remove("STACKR_FAKE_CLOUD")
}

fn stackr(args: &[&str]) -> Output {
    offline(Command::new(env!("CARGO_BIN_EXE_stackr")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("runs stackr")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn validate_accepts_the_language_tour() {
    let out = stackr(&["validate", "examples/language-tour.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("stack tour-dev"), "{stdout}");
    assert!(stdout.contains("regions ap-northeast-1, us-east-1"), "{stdout}");
}

#[test]
fn validate_reports_every_error_located_and_exits_1() {
    let out = stackr(&["validate", "examples/broken.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    for expected in [
        "--> examples/broken.yaml:10:7",
        "did you mean `cidr_block`?",
        "--> examples/broken.yaml:16:17",
        "did you mean `aws.elasticache.cache_cluster`?",
        "`subnet.id` is ambiguous",
        "5 errors",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    // Not a terminal: no colour codes.
    assert!(!err.contains('\x1b'), "{err}");
    let colored = stackr(&["--color", "always", "validate", "examples/broken.yaml"]);
    assert!(text(&colored.stderr).contains('\x1b'));
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = stackr(&["validate", "stacks/no-such.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read stacks/no-such.yaml: no such file"), "{}", text(&out.stderr));
}

#[test]
fn graph_renders_mermaid_dot_and_json() {
    let m = stackr(&["graph", "examples/language-tour.yaml", "--format", "mermaid"]);
    assert_eq!(m.status.code(), Some(0));
    let m = text(&m.stdout);
    assert!(m.starts_with("flowchart LR\n"));
    assert!(m.contains("subgraph wafv2"));
    assert!(m.contains("allow[office-v6]"));
    let d = text(&stackr(&["graph", "examples/language-tour.yaml", "--format", "dot"]).stdout);
    assert!(d.starts_with("digraph \"tour-dev\" {"));
    // Each use of a component is a box: a Mermaid subgraph, a dot cluster.
    assert!(m.contains("subgraph component_1[\"app_logs[web]\"]"), "{m}");
    assert!(d.contains("subgraph cluster_1 {") && d.contains("label=\"app_logs[web]\";"), "{d}");
    let j: serde_json::Value =
        serde_json::from_slice(&stackr(&["graph", "examples/language-tour.yaml", "--format", "json"]).stdout).unwrap();
    assert_eq!(j["version"], 1);
    assert_eq!(j["nodes"].as_array().unwrap().len(), 21);
    let vpc = j["nodes"].as_array().unwrap().iter().find(|n| n["address"] == "vpc").unwrap().clone();
    let subnets = j["edges"].as_array().unwrap().iter().filter(|e| e["from"] == vpc["id"]).count();
    assert_eq!(subnets, 7, "vpc feeds 6 subnets and the security group");
}

#[test]
fn schema_is_json_schema_covering_every_type() {
    let out = stackr(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["$schema"], "http://json-schema.org/draft-07/schema#");
    let kinds = s["definitions"]["resource"]["properties"]["type"]["enum"].as_array().unwrap();
    assert!(kinds.iter().any(|k| k == "aws.cloudfront.distribution"));
    let doc = text(&stackr(&["schema", "aws.ec2.subnet"]).stdout);
    assert!(doc.contains("availability_zone") && doc.contains("forces replacement"), "{doc}");
    // Nested fields, with the path a stack writes.
    let doc = text(&stackr(&["schema", "aws.ecs.service"]).stdout);
    assert!(doc.contains("network_configuration.subnets") && doc.contains("load_balancers[].container_port"), "{doc}");
    let bad = stackr(&["schema", "aws.ec2.subnt"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("did you mean `aws.ec2.subnet`?"));
    let functions = text(&stackr(&["schema", "--functions"]).stdout);
    for usage in ["cidrsubnet(prefix, newbits, netnum)", "try(expressions...)", "zipmap(keys, values)"] {
        assert!(functions.contains(usage), "{usage} missing from:\n{functions}");
    }
}

#[test]
fn engine_commands_have_documented_flags() {
    let help = text(&stackr(&["apply", "--help"]).stdout);
    assert!(help.contains("--parallelism") && help.contains("--yes") && help.contains("--plan"));
    let help = text(&stackr(&["destroy", "--help"]).stdout);
    assert!(help.contains("--allow-protected"));
    let help = text(&stackr(&["diff", "--help"]).stdout);
    assert!(help.contains("--out") && help.contains("--json"));
}

#[test]
fn vars_from_the_command_line_are_checked() {
    let out = stackr(&["validate", "examples/language-tour.yaml", "--var", "stage"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("expected NAME=VALUE"));
    let out = stackr(&["validate", "examples/language-tour.yaml", "--var", "app_port=eighty"]);
    assert!(text(&out.stderr).contains("expected a number"), "{}", text(&out.stderr));
}

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    // 2 means "changes" (diff); a mistake on the command line is an error.
    let out = stackr(&["apply", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--no-such-flag"));
    let out = stackr(&["diff"]);
    assert_eq!(out.status.code(), Some(1), "a missing FILE: {}", text(&out.stderr));
    let out = stackr(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(1));
    let out = stackr(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    // `plan` is diff under the name Terraform users type.
    let out = stackr(&["plan", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--out"), "{}", text(&out.stdout));
}

#[test]
fn a_closed_standard_output_is_not_a_crash() {
    use std::process::Stdio;
    // `stackr schema | head -1`: the reader goes away before stackr writes.
    let mut child = offline(Command::new(env!("CARGO_BIN_EXE_stackr")).arg("schema"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs stackr");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("ends");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
}

#[test]
fn a_reference_of_the_wrong_type_is_refused_by_validate() {
    let dir = std::env::temp_dir().join(format!("stackr-cli-types-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("typed.yaml");
    std::fs::write(
        &file,
        "stack: typed\nregion: ap-northeast-1\nresources:\n  sg:\n    type: aws.ec2.security_group\n    properties: { name: a, description: b }\n  alb:\n    type: aws.elbv2.load_balancer\n    properties:\n      name: alb\n      subnets: [subnet-1, subnet-2]\n      security_groups: ${sg.id}\n",
    )
    .unwrap();
    let out = stackr(&["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("typed.yaml:12:") && err.contains("expected a list of strings, but `sg.id` is a string"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn json_runs_report_errors_as_an_event_with_located_diagnostics() {
    let out = stackr(&["apply", "examples/broken.yaml", "--json", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let last = text(&out.stdout).lines().last().unwrap_or_default().to_string();
    let e: serde_json::Value = serde_json::from_str(&last).unwrap_or_else(|err| panic!("{err}: {last}"));
    assert_eq!((e["event"].as_str(), e["version"].as_u64()), (Some("error"), Some(1)), "{e}");
    let first = &e["diagnostics"][0];
    assert!(first["location"].as_str().is_some_and(|l| l.starts_with("examples/broken.yaml:")), "{e}");
    assert!(first["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
    // People still read the error on standard error.
    assert!(text(&out.stderr).contains("error:"));
}

/// Contradictions between fields that AWS would refuse, each told by its
/// type (no AWS call): by `validate`, and by `apply` before its first call
/// (AWS is a closed port here; the refusal comes from the plan).
#[test]
fn what_aws_would_refuse_in_a_resource_is_told_before_any_call() {
    let dir = std::env::temp_dir().join(format!("stackr-cli-checks-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("mistakes.yaml"),
        "stack: mistakes\nregion: ap-northeast-1\nresources:\n  jobs:\n    type: aws.sqs.queue\n    properties: { name: jobs, fifo_queue: true }\n  orders:\n    type: aws.dynamodb.table\n    properties:\n      name: orders\n      billing_mode: PAY_PER_REQUEST\n      hash_key: order_id\n      attributes: [{ name: id, type: S }]\n  lb:\n    type: aws.elbv2.load_balancer\n    properties: { name: lone, subnets: [subnet-1] }\n  web:\n    type: aws.ec2.security_group\n    properties: { name: web, description: web, ingress: [{ protocol: tcp, from_port: 80, to_port: 80, cidr_ipv4: 0.0.0.0/0 }, { protocol: tpc, from_port: 80, to_port: 80, cidr_ipv4: 0.0.0.0/0 }] }\n  net:\n    type: aws.ec2.subnet\n    properties: { vpc_id: vpc-1, cidr_block: 10.0.1.0/24, availability_zone: us-east-1a }\n  www:\n    type: aws.route53.record\n    properties: { zone_id: Z1, name: www.example.com, type: A, ttl: 60, alias: { name: d.cloudfront.net, zone_id: Z2FDTNDATAQYW2 } }\n  ip:\n    type: aws.route53.record\n    properties: { zone_id: Z1, name: ip.example.com, type: A, ttl: 60, records: [not-an-ip] }\n  routes:\n    type: aws.ec2.route_table\n    properties: { vpc_id: vpc-1, routes: [{ destination_cidr_block: 0.0.0.0/0, gateway_id: igw-1 }, { destination_cidr_block: 0.0.0.0/0, nat_gateway_id: nat-1 }] }\n  edge_ips:\n    type: aws.wafv2.ip_set\n    properties: { name: edge, scope: CLOUDFRONT, ip_address_version: IPV4, addresses: [192.0.2.0/24] }\n  cdn:\n    type: aws.cloudfront.distribution\n    properties: { enabled: true, origins: [{ id: site, domain_name: example.com, custom_origin_config: { origin_protocol_policy: https-only } }], default_cache_behavior: { target_origin_id: web, viewer_protocol_policy: redirect-to-https } }\n  task:\n    type: aws.ecs.task_definition\n    properties: { family: t, cpu: \"256\", memory: \"4096\", network_mode: awsvpc, requires_compatibilities: [FARGATE], container_definitions: [{ name: a, image: nginx }] }\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        offline(Command::new(env!("CARGO_BIN_EXE_stackr")).args(args).current_dir(&dir)).output().expect("runs")
    };
    for args in [&["validate", "mistakes.yaml"][..], &["apply", "mistakes.yaml", "--yes"]] {
        let out = run(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("aws.sqs.queue jobs: a FIFO queue's name must end in `.fifo`: jobs"), "{err}");
        assert!(err.contains("--> mistakes.yaml:6:5"), "{err}");
        assert!(err.contains("`hash_key` names order_id, which is not in `attributes`"), "{err}");
        assert!(err.contains("needs subnets in at least two Availability Zones"), "{err}");
        // The rule at fault, not the first of the list.
        assert!(err.contains("`ingress[1]`: `tpc` is not a protocol: tcp, udp"), "{err}");
        assert!(err.contains("--> mistakes.yaml:19:127"), "{err}");
        assert!(err.contains("`availability_zone`: us-east-1a is not a zone of ap-northeast-1"), "{err}");
        assert!(err.contains("`ttl`: an alias record has no ttl of its own"), "{err}");
        assert!(err.contains("`records[0]`: `not-an-ip` is not an IPv4 address"), "{err}");
        assert!(err.contains("`routes`: two routes to 0.0.0.0/0"), "{err}");
        assert!(err.contains("`scope`: CLOUDFRONT is served only from us-east-1, not ap-northeast-1"), "{err}");
        assert!(err.contains("`memory`: 4096 is not offered with 256 CPU units on Fargate"), "{err}");
        assert!(err.contains("`default_cache_behavior.target_origin_id`: no origin has the id web"), "{err}");
        assert!(!err.contains("127.0.0.1:9"), "no call was tried: {err}");
    }
    assert!(!dir.join("state/mistakes.json.lock").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sensitive variable's value given in a `--var-file` with the wrong
/// type is not quoted back (the file's line is not shown), and it counts
/// as given: no "required but not set" beside it.
#[test]
fn a_sensitive_value_from_a_var_file_is_never_quoted() {
    let dir = std::env::temp_dir().join(format!("stackr-cli-varfile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("s.yaml"),
        "\u{feff}stack: s\nregion: ap-northeast-1\nvars:\n  pin: { type: number, sensitive: true }\nresources: {}\n",
    )
    .unwrap();
    // validate with vars.yaml holding `body`: what it says (it refuses).
    let validate = |body: &str| {
        std::fs::write(dir.join("vars.yaml"), body).unwrap();
        let out =
            offline(Command::new(env!("CARGO_BIN_EXE_stackr")).args(["validate", "s.yaml", "--var-file", "vars.yaml"]))
                .current_dir(&dir)
                .output()
                .expect("runs");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        err
    };
    let err = validate("pin: hunter4\n");
    assert!(!err.contains("hunter4"), "{err}");
    assert!(err.contains("vars.yaml:1:1: variable `pin` is a number") && err.contains("not shown"), "{err}");
    assert!(!err.contains("required but not set"), "{err}");
    // The byte order mark some editors write is not part of the first key.
    assert!(!err.contains("unknown key"), "{err}");
    // Nor is a line of the file quoted when it does not parse: an unclosed
    // quote, a key given twice.
    for (body, secret) in [("pin: \"hunter5\n", "hunter5"), ("pin: 1234\npin: 5678\n", "5678")] {
        let err = validate(body);
        assert!(!err.contains(secret), "{err}");
        assert!(err.contains("vars.yaml:") && err.contains("lines not shown"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
