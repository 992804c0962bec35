//! The components example through the binary, against the local AWS: a
//! network stack, and an application stack that reads the network's
//! outputs (`stackr.stack_outputs`) and runs two services made from one
//! component. Applied network first, diffed clean, destroyed application
//! first; an application applied before its network is refused with a
//! clear message, reading the network's outputs never locks it, and the
//! same outputs are read from a state kept in S3.

mod common;
use common::*;

const FILES: &[&str] = &["components/network.yaml", "components/app.yaml", "components/components/service.yaml"];

#[tokio::test(flavor = "multi_thread")]
async fn network_then_application_then_destroy_in_reverse() {
    let moto = stackr_testkit::Moto::start().expect("moto");
    let dir = workdir("components-cli", FILES);
    let url = moto.url().to_string();
    let (net, app) = ("examples/components/network.yaml", "examples/components/app.yaml");

    // The application needs the network's outputs: refused, naming why.
    let out = run(&dir, &url, &["apply", app, "--yes"], 1);
    assert!(out.contains("components-network") && out.contains("has not been applied"), "{out}");

    let out = run(&dir, &url, &["apply", net, "--yes"], 0);
    // One subnet per zone of the first two the look-up returns.
    assert!(out.matches("private[").count() >= 2, "{out}");

    let out = run(&dir, &url, &["apply", app, "--yes"], 0);
    for address in ["api.logs", "api.task", "api.service", "worker.logs", "worker.task", "worker.service"] {
        assert!(out.contains(&format!("{address}: created")), "{address}: {out}");
    }
    assert!(!dir.join("examples/components/state/components-network.json.lock").exists());
    run(&dir, &url, &["diff", app], 0);
    // STACKR_LOG=debug: one line per AWS call, with what AWS support asks for.
    let logged = run_with(&dir, &url, &["diff", net], &[("STACKR_LOG".into(), "debug".into())], 0);
    let call = logged.lines().find(|l| l.contains("operation=\"DescribeVpcs\"")).unwrap_or_else(|| panic!("{logged}"));
    for field in
        ["service=\"EC2\"", "region=\"ap-northeast-1\"", "attempt=1", "status=200", "duration_ms=", "request_id="]
    {
        assert!(call.contains(field), "{field} in {call}");
    }

    // The services run in the network's subnets, as its outputs say.
    let config = stackr_testkit::sdk_config(&moto, "ap-northeast-1");
    let ecs = aws_sdk_ecs::Client::new(&config);
    let state = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join(format!("examples/components/state/{name}.json"))).unwrap())
            .unwrap()
    };
    let net_state = state("components-network");
    let subnets = net_state["outputs"]["subnet_ids"]["value"].clone();
    let services =
        ecs.describe_services().cluster("components").services("api").services("worker").send().await.unwrap();
    assert_eq!(services.services().len(), 2);
    for s in services.services() {
        let vpc = s.network_configuration().and_then(|n| n.awsvpc_configuration()).expect("awsvpc");
        let got: Vec<&str> = vpc.subnets().iter().map(String::as_str).collect();
        let want: Vec<&str> = subnets.as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
        assert_eq!(got, want, "{:?}", s.service_name());
    }
    assert_eq!(state("components-app")["outputs"]["services"]["value"], serde_json::json!(["api", "worker"]));

    // The same outputs read from a state kept in S3.
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    create_bucket(&s3, "components-state", "ap-northeast-1").await;
    let body = std::fs::read(dir.join("examples/components/state/components-network.json")).unwrap();
    s3.put_object().bucket("components-state").key("network.json").body(body.into()).send().await.unwrap();
    std::fs::write(
        dir.join("examples/components/reader.yaml"),
        "stack: components-reader\nregion: ap-northeast-1\ndata:\n  net: { type: stackr.stack_outputs, bucket: components-state, key: network.json }\nresources:\n  vpc_param: { type: aws.ssm.parameter, properties: { name: /components/vpc, type: String, value: \"${data.net.outputs.vpc_id}\" } }\noutputs:\n  vpc: ${data.net.outputs.vpc_id}\n",
    )
    .unwrap();
    let out = run(&dir, &url, &["apply", "examples/components/reader.yaml", "--yes"], 0);
    let vpc = net_state["outputs"]["vpc_id"]["value"].as_str().unwrap();
    assert!(out.contains(&format!("vpc = \"{vpc}\"")), "{out}");
    run(&dir, &url, &["destroy", "examples/components/reader.yaml", "--yes"], 0);

    run(&dir, &url, &["destroy", app, "--yes"], 0);
    run(&dir, &url, &["destroy", net, "--yes"], 0);
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let vpcs = ec2
        .describe_vpcs()
        .filters(aws_sdk_ec2::types::Filter::builder().name("tag:stackr:stack").values("components-network").build())
        .send()
        .await
        .unwrap();
    assert!(vpcs.vpcs().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
