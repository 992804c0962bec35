//! The fault-injecting proxy between the SDK and moto: calls pass through
//! unchanged (and later by the latency asked), each protocol's throttling
//! comes back as the SDK's own error codes, a lost response leaves the
//! resource made, seeded faults repeat, and every fault is logged.

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use stackr_testkit::{FaultKind, FaultOptions, FaultProxy, TestEnv, unique_name};
use std::time::{Duration, Instant};

/// Retries quick enough for a test: `attempts` in all, 10 ms first backoff.
fn retries(attempts: u32) -> RetryConfig {
    if attempts <= 1 {
        return RetryConfig::disabled();
    }
    RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(50))
}

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder().operation_timeout(Duration::from_secs(20)).build()
}

/// The clients of one test, through `endpoint` (the proxy, or moto itself).
struct Clients {
    ec2: aws_sdk_ec2::Client,
    s3: aws_sdk_s3::Client,
    ssm: aws_sdk_ssm::Client,
    sts: aws_sdk_sts::Client,
}

impl Clients {
    fn new(env: &TestEnv, endpoint: &str, attempts: u32) -> Clients {
        let config: &SdkConfig = env.config();
        let ec2 = aws_sdk_ec2::config::Builder::from(config)
            .endpoint_url(endpoint)
            .retry_config(retries(attempts))
            .timeout_config(timeouts())
            .interceptor(env.account())
            .build();
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .endpoint_url(endpoint)
            .force_path_style(true)
            .retry_config(retries(attempts))
            .timeout_config(timeouts())
            .interceptor(env.account())
            .build();
        let ssm = aws_sdk_ssm::config::Builder::from(config)
            .endpoint_url(endpoint)
            .retry_config(retries(attempts))
            .timeout_config(timeouts())
            .interceptor(env.account())
            .build();
        let sts = aws_sdk_sts::config::Builder::from(config)
            .endpoint_url(endpoint)
            .retry_config(retries(attempts))
            .timeout_config(timeouts())
            .interceptor(env.account())
            .build();
        Clients {
            ec2: aws_sdk_ec2::Client::from_conf(ec2),
            s3: aws_sdk_s3::Client::from_conf(s3),
            ssm: aws_sdk_ssm::Client::from_conf(ssm),
            sts: aws_sdk_sts::Client::from_conf(sts),
        }
    }
}

fn start(env: &TestEnv, options: &FaultOptions) -> FaultProxy {
    FaultProxy::start(env.moto().url(), options).expect("the fault proxy starts")
}

/// The VPCs tagged `Name=name` in the test's account, asked of moto directly.
async fn vpcs_named(env: &TestEnv, name: &str) -> usize {
    let direct = Clients::new(env, env.moto().url(), 1);
    let filter = Filter::builder().name("tag:Name").values(name).build();
    let vpcs = direct.ec2.describe_vpcs().filters(filter).send().await.expect("describe vpcs on moto");
    vpcs.vpcs().len()
}

fn create_vpc(clients: &Clients, name: &str) -> aws_sdk_ec2::operation::create_vpc::builders::CreateVpcFluentBuilder {
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::Vpc)
        .tags(Tag::builder().key("Name").value(name).build())
        .build();
    clients.ec2.create_vpc().cidr_block("10.42.0.0/16").tag_specifications(tags)
}

#[tokio::test]
async fn calls_pass_through_unchanged_and_later_by_the_latency() {
    let env = TestEnv::new("us-east-1");
    let proxy = start(&env, &FaultOptions { latency_ms: 50, ..FaultOptions::default() });
    let clients = Clients::new(&env, proxy.endpoint(), 1);

    let bucket = unique_name("faults-pass");
    let started = Instant::now();
    clients.s3.create_bucket().bucket(&bucket).send().await.expect("create bucket through the proxy");
    assert!(started.elapsed() >= Duration::from_millis(50), "{:?}", started.elapsed());
    let key_body = vec![7u8; 100_000];
    clients
        .s3
        .put_object()
        .bucket(&bucket)
        .key("a/b.bin")
        .body(key_body.clone().into())
        .send()
        .await
        .expect("put object through the proxy");
    let object = clients.s3.get_object().bucket(&bucket).key("a/b.bin").send().await.expect("get object");
    let read = object.body.collect().await.expect("object body").into_bytes();
    assert_eq!(read.as_ref(), key_body.as_slice(), "the body comes back byte for byte");

    let started = Instant::now();
    let vpc = create_vpc(&clients, &unique_name("pass")).send().await.expect("create vpc through the proxy");
    assert!(started.elapsed() >= Duration::from_millis(50), "{:?}", started.elapsed());
    let id = vpc.vpc().and_then(|v| v.vpc_id()).expect("a vpc id");
    let described = clients.ec2.describe_vpcs().vpc_ids(id).send().await.expect("describe vpcs");
    assert_eq!(described.vpcs().len(), 1);

    // Sixteen calls at once take about one latency, not sixteen (4 s).
    proxy.configure(&FaultOptions { latency_ms: 250, ..FaultOptions::default() }).expect("configure");
    let started = Instant::now();
    let calls = (0..16).map(|_| clients.sts.get_caller_identity().send());
    for result in futures_join_all(calls).await {
        result.expect("get caller identity through the proxy");
    }
    let elapsed = started.elapsed();
    eprintln!("16 concurrent calls with 250 ms latency: {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(250) && elapsed < Duration::from_millis(2000), "{elapsed:?}");

    let stats = proxy.stats().expect("stats");
    assert_eq!(stats.requests, 5 + 16, "{stats:?}");
    assert_eq!(stats.faults.total(), 0, "{stats:?}");
    assert_eq!(stats.by_operation["ec2:CreateVpc"].requests, 1, "{stats:?}");
    assert_eq!(stats.by_operation["sts:GetCallerIdentity"].requests, 16, "{stats:?}");
    assert_eq!(stats.by_operation["s3:PUT /{Bucket}/{Key+}"].requests, 1, "{stats:?}");
}

/// Runs futures concurrently on the test's runtime and waits for them all.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.expect("a call task"));
    }
    out
}

#[tokio::test]
async fn throttling_has_each_protocols_code_and_every_attempt_is_counted_and_logged() {
    let env = TestEnv::new("us-east-1");
    let log = std::env::temp_dir().join(format!("{}.jsonl", unique_name("stackr-faults-log")));
    let options = FaultOptions {
        fault_rate: 1.0,
        kinds: vec![FaultKind::Throttle],
        log: Some(log.clone()),
        ..FaultOptions::default()
    };
    let proxy = start(&env, &options);
    let clients = Clients::new(&env, proxy.endpoint(), 2);

    let ec2 = clients.ec2.describe_vpcs().send().await.expect_err("ec2 is throttled");
    assert_eq!(ec2.code(), Some("RequestLimitExceeded"), "{ec2:?}");
    let s3 = clients.s3.list_buckets().send().await.expect_err("s3 is throttled");
    assert_eq!(s3.code(), Some("SlowDown"), "{s3:?}");
    let ssm = clients.ssm.describe_parameters().send().await.expect_err("ssm is throttled");
    assert_eq!(ssm.code(), Some("ThrottlingException"), "{ssm:?}");
    let sts = clients.sts.get_caller_identity().send().await.expect_err("sts is throttled");
    assert_eq!(sts.code(), Some("Throttling"), "{sts:?}");

    // Two attempts each: the SDK took every one for throttling and retried.
    let stats = proxy.stats().expect("stats");
    assert_eq!(stats.requests, 8, "{stats:?}");
    assert_eq!(stats.faults.throttle, 8, "{stats:?}");
    assert_eq!(stats.faults.total(), 8, "{stats:?}");
    for operation in ["ec2:DescribeVpcs", "s3:GET /", "ssm:DescribeParameters", "sts:GetCallerIdentity"] {
        let counted = stats.by_operation.get(operation).copied().unwrap_or_default();
        assert_eq!((counted.requests, counted.faults), (2, 2), "{operation}: {stats:?}");
    }

    let text = std::fs::read_to_string(&log).expect("the fault log");
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 8, "{text}");
    for line in &lines {
        assert_eq!(line["event"], "fault", "{line}");
        assert_eq!(line["kind"], "throttle", "{line}");
        assert!(line["time"].is_string() && line["method"].is_string() && line["path"].is_string(), "{line}");
    }
    let statuses: Vec<(String, u64)> = lines
        .iter()
        .map(|l| (l["service"].as_str().unwrap_or_default().to_string(), l["status"].as_u64().unwrap_or_default()))
        .collect();
    for expected in [("ec2", 503), ("s3", 503), ("ssm", 400), ("sts", 400)] {
        let n = statuses.iter().filter(|(s, c)| (s.as_str(), *c) == expected).count();
        assert_eq!(n, 2, "{expected:?} in {statuses:?}");
    }

    // Server errors: 500 then 503, retried as transient.
    proxy.reset_stats().expect("reset stats");
    proxy
        .configure(&FaultOptions { fault_rate: 1.0, kinds: vec![FaultKind::ServerError], ..FaultOptions::default() })
        .expect("configure");
    let ec2 = clients.ec2.describe_vpcs().send().await.expect_err("ec2 fails");
    assert_eq!(ec2.code(), Some("ServiceUnavailable"), "{ec2:?}");
    assert_eq!(ec2.raw_response().map(|r| r.status().as_u16()), Some(503));
    let ssm = clients.ssm.describe_parameters().send().await.expect_err("ssm fails");
    assert_eq!(ssm.raw_response().map(|r| r.status().as_u16()), Some(503), "{ssm:?}");
    let stats = proxy.stats().expect("stats");
    assert_eq!((stats.requests, stats.faults.server_error), (4, 4), "{stats:?}");
    let _ = std::fs::remove_file(&log);
}

#[tokio::test]
async fn a_lost_response_leaves_the_vpc_made_and_a_reset_leaves_nothing() {
    let env = TestEnv::new("us-east-1");
    let proxy = start(&env, &FaultOptions { fault_rate: 1.0, kinds: vec![FaultKind::Lost], ..FaultOptions::default() });
    let clients = Clients::new(&env, proxy.endpoint(), 1);

    let lost = unique_name("lost");
    let err = create_vpc(&clients, &lost).send().await.expect_err("the response is lost");
    assert!(err.raw_response().is_none(), "no response reached the client: {err:?}");
    assert_eq!(vpcs_named(&env, &lost).await, 1, "moto made the VPC all the same");

    proxy
        .configure(&FaultOptions { fault_rate: 1.0, kinds: vec![FaultKind::Reset], ..FaultOptions::default() })
        .expect("configure");
    let reset = unique_name("reset");
    let err = create_vpc(&clients, &reset).send().await.expect_err("the connection is reset");
    assert!(err.raw_response().is_none(), "no response reached the client: {err:?}");
    assert_eq!(vpcs_named(&env, &reset).await, 0, "a reset call never reaches moto");

    let stats = proxy.stats().expect("stats");
    assert_eq!((stats.faults.lost, stats.faults.reset, stats.requests), (1, 1, 2), "{stats:?}");
    assert_eq!(stats.by_operation["ec2:CreateVpc"].faults, 2, "{stats:?}");
}

/// A fixed sequence of reads, each retried until it succeeds.
async fn reads(clients: &Clients) {
    for i in 0..12 {
        match i % 3 {
            0 => drop(clients.ec2.describe_vpcs().send().await.expect("describe vpcs, retried")),
            1 => drop(clients.s3.list_buckets().send().await.expect("list buckets, retried")),
            _ => drop(clients.sts.get_caller_identity().send().await.expect("get caller identity, retried")),
        }
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults_and_retries_get_through() {
    let env = TestEnv::new("us-east-1");
    let options = FaultOptions { fault_rate: 0.3, seed: Some(17), ..FaultOptions::default() };
    let proxy = start(&env, &options);
    let clients = Clients::new(&env, proxy.endpoint(), 10);

    reads(&clients).await;
    let first = proxy.stats().expect("stats");

    proxy.configure(&options).expect("the same seed again");
    proxy.reset_stats().expect("reset stats");
    reads(&clients).await;
    let second = proxy.stats().expect("stats");

    eprintln!("seeded run: {} calls, faults {:?}", first.requests, first.faults);
    // Seed 17 gives every kind on this sequence, so retries got through each.
    for kind in FaultKind::ALL {
        assert!(first.faults.of(kind) > 0, "no {kind} fault with seed 17: {first:?}");
    }
    assert_eq!(first.requests, 12 + first.faults.total(), "each fault costs one retry: {first:?}");
    assert_eq!(first, second, "the same seed and calls give the same faults");
}

#[test]
fn the_upstream_must_be_on_loopback() {
    for upstream in ["http://10.0.0.1:4566", "http://localhost:4566", "https://127.0.0.1:4566", "127.0.0.1:4566"] {
        let err = FaultProxy::start(upstream, &FaultOptions::default()).expect_err(upstream);
        assert!(matches!(err, stackr_testkit::ProxyError::Upstream(_)), "{upstream}: {err}");
    }
    let err = FaultProxy::start("http://127.0.0.1:4566", &FaultOptions { fault_rate: 1.5, ..FaultOptions::default() })
        .expect_err("a rate above 1");
    assert!(matches!(err, stackr_testkit::ProxyError::Options(_)), "{err}");
}
