//! What the end-to-end tests share: the built binary run against a local
//! AWS endpoint (dummy credentials, no profile, never the simulated cloud),
//! its output, and working folders holding copies of example stacks.

#![allow(dead_code)]

pub mod wordpress;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `stackr ARGS` in `dir` against the local AWS at `endpoint`.
pub fn stackr(dir: &Path, endpoint: &str, args: &[&str]) -> Output {
    stackr_with(dir, endpoint, args, &[])
}

/// [`stackr`] with more environment variables.
pub fn stackr_with(dir: &Path, endpoint: &str, args: &[&str], env: &[(String, String)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackr"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("STACKR_FAKE_CLOUD")
        .output()
        .expect("runs stackr")
}

/// Both output streams, labelled, for assertion messages.
pub fn text(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Runs stackr and insists on the exit code; returns [`text`].
pub fn run(dir: &Path, endpoint: &str, args: &[&str], code: i32) -> String {
    run_with(dir, endpoint, args, &[], code)
}

/// [`run`] with more environment variables.
pub fn run_with(dir: &Path, endpoint: &str, args: &[&str], env: &[(String, String)], code: i32) -> String {
    let o = stackr_with(dir, endpoint, args, env);
    assert_eq!(o.status.code(), Some(code), "stackr {}: {}", args.join(" "), text(&o));
    text(&o)
}

/// A fresh working folder `stackr-NAME-PID` holding copies of `examples`
/// (file names under the repository's examples/).
pub fn workdir(name: &str, examples: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stackr-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("examples")).unwrap();
    for f in examples {
        if let Some(parent) = dir.join("examples").join(f).parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(f), dir.join("examples").join(f))
            .unwrap();
    }
    dir
}

/// Creates an S3 bucket in `region` on the local AWS (a state bucket, as
/// an account would already have).
pub async fn create_bucket(s3: &aws_sdk_s3::Client, bucket: &str, region: &str) {
    s3.create_bucket()
        .bucket(bucket)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("create bucket {bucket}: {e}"));
}

/// The entry of `address` in a plan printed by diff or apply: its header
/// line (`~ address  type  id`) and the lines of its field changes, or
/// `None` when the plan does not list it.
pub fn plan_entry(plan: &str, address: &str) -> Option<String> {
    // Headers are indented 2 to 4 spaces (`  -/+ a`, `    ~ a`), fields 6.
    let mut lines = plan.lines().skip_while(|l| {
        l.starts_with("      ") || !l.starts_with("  ") || l.split_whitespace().nth(1) != Some(address)
    });
    let header = lines.next()?;
    let fields = lines.take_while(|l| l.starts_with("      "));
    Some(std::iter::once(header).chain(fields).collect::<Vec<_>>().join("\n"))
}
