//! The fault-injecting proxy: AWS as it misbehaves, between the SDK and moto.
//!
//! moto never throttles, never fails and never drops a connection. To show
//! that stackr never loses track of a resource nor makes one twice whatever
//! AWS does mid-run, tests point their SDK clients at a [`FaultProxy`]
//! instead of moto: it forwards every call to moto byte for byte and
//! answers a chosen share with a fault, in the real wire shape of the
//! service's protocol, so the SDK classifies it as it would AWS's own:
//!
//! - [`FaultKind::Throttle`]: EC2 `RequestLimitExceeded` (503), awsQuery
//!   `Throttling` (400), awsJson `ThrottlingException` (400), restJson1
//!   `ThrottlingException` (429), Route 53 / CloudFront `Throttling` (400),
//!   S3 `SlowDown` (503). Not forwarded.
//! - [`FaultKind::ServerError`]: 500 / 503 in turn, same shapes. Not forwarded.
//! - [`FaultKind::Reset`]: the connection is reset (TCP RST) before any
//!   response. Not forwarded.
//! - [`FaultKind::Lost`]: forwarded, moto executes it, and the connection is
//!   reset instead of returning the response: the classic duplicate maker.
//!
//! The proxy is `testbed/stackr_faults` (Python standard library only; its
//! package docstring gives the exact shapes). [`FaultProxy::start`] runs it
//! with the test kit's Python ([`crate::python`]) on a free port of
//! 127.0.0.1, waits for its `stackr-faults listening on URL` line, and
//! kills it when dropped; it also exits by itself when the test process
//! dies (it watches its stdin pipe, as moto does). [`FaultProxy::stats`],
//! [`FaultProxy::configure`] and [`FaultProxy::reset_stats`] use its control
//! endpoint (`/__stackr_faults__/`, never forwarded nor faulted), so a test
//! can fault one phase only and count every attempt the SDK made.
//!
//! ```ignore
//! let env = stackr_testkit::TestEnv::new("us-east-1");
//! let options = FaultOptions { fault_rate: 0.2, seed: Some(7), ..FaultOptions::default() };
//! let proxy = FaultProxy::start(env.moto().url(), &options)?;
//! let conf = aws_sdk_ec2::config::Builder::from(env.config())
//!     .endpoint_url(proxy.endpoint())
//!     .interceptor(env.account())
//!     .build();
//! ```
//!
//! # From a shell script
//!
//! Benchmark scripts start the same proxy with `python -m stackr_faults`,
//! `testbed/` on `PYTHONPATH`, and read the URL from its single line of
//! output; with `--watch-stdin` in a coprocess it ends with the script:
//!
//! ```sh
//! coproc FAULTS { PYTHONPATH=testbed exec python3 -m stackr_faults \
//!     --upstream "http://127.0.0.1:$MOTO_PORT" --fault-rate 0.1 --seed 42 \
//!     --latency-ms 30 --jitter-ms 10 --log faults.jsonl --watch-stdin; }
//! read -r _ _ _ FAULTS_URL <&"${FAULTS[0]}"   # stackr-faults listening on URL
//! export AWS_ENDPOINT_URL="$FAULTS_URL"
//! curl -s -X POST "$FAULTS_URL/__stackr_faults__/config" -d '{"fault_rate": 0}'
//! curl -s "$FAULTS_URL/__stackr_faults__/stats"
//! ```

use crate::{python, testbed_dir};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How long [`FaultProxy::start`] waits for the proxy's first line.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// The path prefix of the proxy's control endpoint.
const CONTROL: &str = "/__stackr_faults__";
/// The line the proxy prints once it accepts connections, before its URL.
const LISTENING: &str = "stackr-faults listening on ";

/// One kind of fault the proxy injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The service's throttling error; the call is not forwarded.
    Throttle,
    /// HTTP 500 / 503 in turn; the call is not forwarded.
    ServerError,
    /// The connection is reset before any response; not forwarded.
    Reset,
    /// Forwarded and executed, then the connection is reset.
    Lost,
}

impl FaultKind {
    /// Every kind, in the proxy's order.
    pub const ALL: [FaultKind; 4] = [FaultKind::Throttle, FaultKind::ServerError, FaultKind::Reset, FaultKind::Lost];

    /// The proxy's name of the kind (`throttle`, `5xx`, `reset`, `lost`).
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Throttle => "throttle",
            FaultKind::ServerError => "5xx",
            FaultKind::Reset => "reset",
            FaultKind::Lost => "lost",
        }
    }
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the proxy misbehaves. The default adds no latency and no fault.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultOptions {
    /// Delay of every proxied call, before it is forwarded or faulted.
    pub latency_ms: u64,
    /// Uniform ± jitter of that delay (never below 0).
    pub jitter_ms: u64,
    /// Probability (0..=1) that a call gets a fault.
    pub fault_rate: f64,
    /// The kinds mixed, with equal weight (at least one).
    pub kinds: Vec<FaultKind>,
    /// Seed of the fault decisions: the same seed and the same sequence of
    /// calls give the same faults. `None`: random at start; left as it is
    /// by [`FaultProxy::configure`].
    pub seed: Option<u64>,
    /// A file receiving one JSON line per injected fault (start only).
    pub log: Option<PathBuf>,
    /// Also log one line per call (start only).
    pub log_all: bool,
}

impl Default for FaultOptions {
    fn default() -> Self {
        FaultOptions {
            latency_ms: 0,
            jitter_ms: 0,
            fault_rate: 0.0,
            kinds: FaultKind::ALL.to_vec(),
            seed: None,
            log: None,
            log_all: false,
        }
    }
}

impl FaultOptions {
    fn check(&self) -> Result<(), ProxyError> {
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err(ProxyError::Options(format!("fault_rate is between 0 and 1, not {}", self.fault_rate)));
        }
        if self.kinds.is_empty() {
            return Err(ProxyError::Options("kinds must name at least one fault kind".to_string()));
        }
        Ok(())
    }

    fn kinds_arg(&self) -> String {
        self.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",")
    }
}

/// Why the proxy could not be started or asked.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The upstream is not `http://127.0.0.1:PORT`: traffic never leaves loopback.
    #[error("the fault proxy's upstream must be http://127.0.0.1:PORT, not {0:?}")]
    Upstream(String),
    /// Options the proxy would refuse.
    #[error("invalid fault options: {0}")]
    Options(String),
    /// The Python interpreter could not be run.
    #[error("cannot run {python} for the fault proxy: {source}")]
    Spawn {
        python: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// It ran but did not say it was listening.
    #[error("the fault proxy did not start: {0}")]
    Start(String),
    /// The control endpoint could not be reached.
    #[error("the fault proxy's control endpoint {path} failed: {source}")]
    Control {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The control endpoint refused the request.
    #[error("the fault proxy answered HTTP {status} to {path}: {body}")]
    Refused { path: String, status: u16, body: String },
    /// The control endpoint's answer is not what was expected.
    #[error("the fault proxy's answer to {path} is not understood: {source}")]
    Answer {
        path: String,
        #[source]
        source: serde_json::Error,
    },
}

/// The proxy's counters (`GET /__stackr_faults__/stats`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FaultStats {
    /// Proxied calls (every attempt of the SDK), faulted or not.
    pub requests: u64,
    /// Injected faults per kind.
    pub faults: FaultCounts,
    /// Per `service:Operation` (e.g. `ec2:CreateVpc`; REST calls are
    /// `s3:PUT /{Bucket}` and the like).
    pub by_operation: BTreeMap<String, OperationStats>,
}

/// Injected faults per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct FaultCounts {
    pub throttle: u64,
    #[serde(rename = "5xx")]
    pub server_error: u64,
    pub reset: u64,
    pub lost: u64,
}

impl FaultCounts {
    /// Faults of every kind.
    pub fn total(&self) -> u64 {
        self.throttle + self.server_error + self.reset + self.lost
    }

    /// Faults of one kind.
    pub fn of(&self, kind: FaultKind) -> u64 {
        match kind {
            FaultKind::Throttle => self.throttle,
            FaultKind::ServerError => self.server_error,
            FaultKind::Reset => self.reset,
            FaultKind::Lost => self.lost,
        }
    }
}

/// Calls and faults of one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct OperationStats {
    pub requests: u64,
    pub faults: u64,
}

/// A running `stackr_faults` proxy on 127.0.0.1, killed when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    child: Child,
    port: u16,
    endpoint: String,
    stderr: PathBuf,
}

impl FaultProxy {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`, e.g.
    /// [`crate::Moto::url`]) on a free port and waits until it listens.
    pub fn start(upstream: &str, options: &FaultOptions) -> Result<FaultProxy, ProxyError> {
        check_upstream(upstream)?;
        options.check()?;
        let python = python();
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let stderr = std::env::temp_dir().join(format!(
            "stackr-faults-{}-{}.log",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let stderr_file = std::fs::File::create(&stderr)
            .map_err(|e| ProxyError::Start(format!("cannot create {}: {e}", stderr.display())))?;
        let mut command = Command::new(&python);
        command
            .args(["-m", "stackr_faults", "--upstream", upstream, "--port", "0", "--watch-stdin"])
            .args(["--latency-ms", &options.latency_ms.to_string()])
            .args(["--jitter-ms", &options.jitter_ms.to_string()])
            .args(["--fault-rate", &options.fault_rate.to_string()])
            .args(["--kinds", &options.kinds_arg()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr_file)
            .env("PYTHONPATH", testbed_dir())
            .env("PYTHONUNBUFFERED", "1");
        if let Some(seed) = options.seed {
            command.args(["--seed", &seed.to_string()]);
        }
        if let Some(log) = &options.log {
            command.arg("--log").arg(log);
        }
        if options.log_all {
            command.arg("--log-all");
        }
        let mut child = command.spawn().map_err(|source| {
            let _ = std::fs::remove_file(&stderr);
            ProxyError::Spawn { python: python.clone(), source }
        })?;
        let port = match child.stdout.take().map(wait_for_listening) {
            Some(Ok(port)) => port,
            failure => {
                let _ = child.kill();
                let _ = child.wait();
                let detail = match failure {
                    Some(Err(detail)) => detail,
                    _ => "no standard output".to_string(),
                };
                let tail = std::fs::read_to_string(&stderr).unwrap_or_default();
                let _ = std::fs::remove_file(&stderr);
                return Err(ProxyError::Start(format!("{detail}; its errors: {}", tail.trim())));
            }
        };
        Ok(FaultProxy { child, port, endpoint: format!("http://127.0.0.1:{port}"), stderr })
    }

    /// `http://127.0.0.1:PORT`: the endpoint URL to give SDK clients.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The counters since start or the last [`FaultProxy::reset_stats`].
    pub fn stats(&self) -> Result<FaultStats, ProxyError> {
        let path = format!("{CONTROL}/stats");
        let body = self.control("GET", &path, "")?;
        serde_json::from_str(&body).map_err(|source| ProxyError::Answer { path, source })
    }

    /// Changes latency, jitter, fault rate and kinds at run time, and the
    /// seed when one is given (which restarts the seeded decisions). The
    /// log settings are fixed at start.
    pub fn configure(&self, options: &FaultOptions) -> Result<(), ProxyError> {
        options.check()?;
        let mut config = serde_json::json!({
            "latency_ms": options.latency_ms,
            "jitter_ms": options.jitter_ms,
            "fault_rate": options.fault_rate,
            "kinds": options.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        });
        if let Some(seed) = options.seed {
            config["seed"] = seed.into();
        }
        self.control("POST", &format!("{CONTROL}/config"), &config.to_string()).map(drop)
    }

    /// What the proxy wrote to its standard error so far (upstream
    /// failures), for diagnosing a test.
    pub fn errors(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Zeroes the counters.
    pub fn reset_stats(&self) -> Result<(), ProxyError> {
        self.control("POST", &format!("{CONTROL}/reset-stats"), "").map(drop)
    }

    /// One request to the control endpoint; the body of a 200 answer.
    fn control(&self, method: &str, path: &str, body: &str) -> Result<String, ProxyError> {
        let io = |source| ProxyError::Control { path: path.to_string(), source };
        let (status, answer) = http(self.port, method, path, body).map_err(io)?;
        if status != 200 {
            return Err(ProxyError::Refused { path: path.to_string(), status, body: answer.trim().to_string() });
        }
        Ok(answer)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.stderr);
    }
}

/// Accepts `http://127.0.0.1:PORT` (an optional trailing `/`) only.
fn check_upstream(upstream: &str) -> Result<(), ProxyError> {
    let port = upstream.strip_prefix("http://127.0.0.1:").map(|rest| rest.strip_suffix('/').unwrap_or(rest));
    match port.map(str::parse::<u16>) {
        Some(Ok(port)) if port != 0 => Ok(()),
        _ => Err(ProxyError::Upstream(upstream.to_string())),
    }
}

/// Reads the proxy's first line on a thread (so a silent proxy cannot
/// block the test) and returns the port it names; the thread then drains
/// the pipe until the proxy ends.
fn wait_for_listening(stdout: std::process::ChildStdout) -> Result<u16, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let first = reader.read_line(&mut line).map(|_| line.trim().to_string());
        let _ = tx.send(first);
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    match rx.recv_timeout(START_TIMEOUT) {
        Ok(Ok(line)) => line
            .strip_prefix(LISTENING)
            .and_then(|url| url.strip_prefix("http://127.0.0.1:"))
            .and_then(|port| port.parse().ok())
            .ok_or_else(|| {
                if line.is_empty() { "it exited without a word".to_string() } else { format!("it said {line:?}") }
            }),
        Ok(Err(e)) => Err(format!("cannot read its output: {e}")),
        Err(_) => Err(format!("no listening line within {START_TIMEOUT:?}")),
    }
}

/// One HTTP/1.1 request to 127.0.0.1:port with `Connection: close`: the
/// status and the body of the answer.
fn http(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8(answer).map_err(|e| invalid(format!("not UTF-8: {e}")))?;
    let (head, body) = answer.split_once("\r\n\r\n").ok_or_else(|| invalid(format!("not HTTP: {answer:?}")))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid(format!("no status in {head:?}")))?;
    Ok((status, body.to_string()))
}
