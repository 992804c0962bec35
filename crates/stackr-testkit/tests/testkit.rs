//! The test bed itself: a server starts, answers, dies with its owner, and
//! accounts keep tests apart.

use aws_sdk_s3::Client;
use stackr_testkit::{Moto, MotoAccount, MotoError, TestEnv, sdk_config, unique_name};
use std::time::{Duration, Instant};

fn s3(config: &aws_config::SdkConfig, account: Option<MotoAccount>) -> Client {
    let mut b = aws_sdk_s3::config::Builder::from(config).force_path_style(true);
    if let Some(a) = account {
        b = b.interceptor(a);
    }
    Client::from_conf(b.build())
}

fn answers(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

#[tokio::test]
async fn an_owned_server_serves_s3_and_dies_when_dropped() {
    let started = Instant::now();
    let moto = Moto::start().expect("moto starts");
    eprintln!("moto {} ready in {:?}", moto.url(), started.elapsed());
    let port = moto.port();
    assert!(moto.url().starts_with("http://127.0.0.1:"));

    let client = s3(&sdk_config(&moto, "us-east-1"), None);
    client.create_bucket().bucket("owned").send().await.expect("create bucket");
    let names: Vec<String> = client
        .list_buckets()
        .send()
        .await
        .expect("list buckets")
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_string))
        .collect();
    assert_eq!(names, ["owned"]);

    moto.reset().expect("reset");
    assert!(client.list_buckets().send().await.unwrap().buckets().is_empty());

    let log = moto.log_path().to_path_buf();
    drop(moto);
    assert!(!answers(port), "the server still answers after drop");
    assert!(!log.exists(), "the log is removed with the server");
}

#[tokio::test]
async fn accounts_keep_tests_apart_on_the_shared_server() {
    let a = TestEnv::new("us-east-1");
    let b = TestEnv::new("us-east-1");
    assert!(std::ptr::eq(a.moto(), b.moto()), "one server per test binary");
    assert_ne!(a.account().id(), b.account().id());
    assert_eq!(a.account().id().len(), 12);

    let sa = s3(a.config(), Some(a.account()));
    let sb = s3(b.config(), Some(b.account()));
    let bucket = unique_name("testkit-acct");
    sa.create_bucket().bucket(&bucket).send().await.expect("create bucket");

    let in_a = sa.list_buckets().send().await.unwrap();
    let in_b = sb.list_buckets().send().await.unwrap();
    assert_eq!(in_a.buckets().len(), 1);
    assert!(in_b.buckets().is_empty(), "account b sees a's bucket: {:?}", in_b.buckets());
}

#[test]
fn a_missing_python_says_how_to_install_moto() {
    let err = Moto::start_with(std::path::Path::new("/nonexistent/stackr-venv/bin/python")).unwrap_err();
    assert!(matches!(err, MotoError::NotInstalled { .. }), "{err:?}");
    assert!(err.to_string().starts_with("moto is not installed: run scripts/setup.sh"), "{err}");
}

#[test]
fn unique_names_are_unique_and_lower_case() {
    let a = unique_name("State");
    let b = unique_name("State");
    assert_ne!(a, b);
    assert!(a.starts_with("state-"));
}
