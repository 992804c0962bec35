//! stackr-testkit: the local-AWS test bed every stackr test uses.
//!
//! There is no AWS account here: tests talk to [moto]'s server, a Python
//! emulator of the AWS APIs, started by this crate on `127.0.0.1` only.
//!
//! - [`Moto`]: one moto server on a free loopback port. [`Moto::start`]
//!   waits until it answers (`GET /moto-api/`) and fails with a clear error
//!   when moto is missing ("moto is not installed: run scripts/setup.sh").
//!   Dropping it kills the server. The server also exits on its own when the
//!   test process dies (it watches its stdin pipe), so a panicking or killed
//!   test never leaves a moto behind. Its request log goes to a temporary
//!   file ([`Moto::log_path`]), removed when the server ends normally.
//! - [`shared`]: one server per test binary (a `OnceLock`), started on first
//!   use. Use it with [`TestEnv`] unless a test needs a server to itself
//!   (e.g. to [`Moto::reset`] it).
//! - [`sdk_config`]: an [`SdkConfig`] whose endpoint is the moto server,
//!   with static dummy credentials and a region. Every client built from it
//!   (`aws_sdk_xxx::Client::new(&config)`) reaches moto, never AWS.
//!
//! # How tests are isolated on a shared server
//!
//! Each [`TestEnv`] gets its own **moto account** (a fresh 12-digit id). moto
//! selects the account from the `x-moto-account-id` request header, which
//! [`MotoAccount`] (an SDK interceptor) adds to every request of the clients
//! it is added to. Interceptors are per client (the shared [`SdkConfig`] has
//! no slot for them), so build clients with it, e.g.
//!
//! ```ignore
//! let env = stackr_testkit::TestEnv::new("ap-northeast-1");
//! let conf = aws_sdk_ec2::config::Builder::from(env.config()).interceptor(env.account()).build();
//! let ec2 = aws_sdk_ec2::Client::from_conf(conf);
//! ```
//!
//! Accounts separate everything that moto keeps per account (VPCs, roles,
//! "list all" results, ...). S3 bucket names are global in moto as in AWS,
//! so tests also name buckets with [`unique_name`].
//!
//! # Finding moto
//!
//! `scripts/setup.sh` installs the pinned moto ([`MOTO_VERSION`]) into a
//! Python venv at `${STACKR_VENV:-$HOME/.cache/stackr/venv}`. The launcher
//! uses `$STACKR_VENV/bin/python` (same default), then falls back to
//! `python3` from `PATH`. A different moto version only warns.
//!
//! [moto]: https://github.com/getmoto/moto

pub mod proxy;
pub use proxy::{FaultKind, FaultOptions, FaultProxy, FaultStats, ProxyError};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The moto version `scripts/setup.sh` installs.
pub const MOTO_VERSION: &str = "5.2.5";

/// The dummy access key id every [`sdk_config`] carries.
pub const ACCESS_KEY_ID: &str = "AKIDSTACKRTESTKIT000";
/// The dummy secret key every [`sdk_config`] carries (tests check that error
/// messages never show it).
pub const SECRET_ACCESS_KEY: &str = "stackr-testkit-dummy-secret-key";

/// How many times faster than AWS the realistic local AWS of the tests
/// runs ([`Moto::start_realistic`]): a 10-minute Aurora create takes 10 s.
pub const REALISTIC_SCALE: f64 = 60.0;

/// How long [`Moto::start`] waits for the server to answer
/// (`STACKR_MOTO_START_TIMEOUT`, seconds, overrides it).
pub const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a moto server could not be had.
#[derive(Debug)]
pub enum MotoError {
    /// No Python with moto: run `scripts/setup.sh`.
    NotInstalled { python: PathBuf, detail: String },
    /// It started but did not answer in time, or exited.
    Failed { message: String, log: PathBuf },
}

impl std::fmt::Display for MotoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MotoError::NotInstalled { python, detail } => write!(
                f,
                "moto is not installed: run scripts/setup.sh (tried {}: {detail}; set STACKR_VENV to the venv holding moto[server]=={MOTO_VERSION})",
                python.display()
            ),
            MotoError::Failed { message, log } => write!(f, "{message} (moto's log: {})", log.display()),
        }
    }
}

impl std::error::Error for MotoError {}

/// The folder holding `stackr_moto`, the Python package that runs moto's
/// server with the behaviour moto lacks filled in (`testbed/` at the root
/// of the repository).
pub fn testbed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testbed")
}

/// A moto server on `127.0.0.1`, killed when dropped.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    port: u16,
    url: String,
    log: PathBuf,
    keep_log: bool,
}

impl Moto {
    /// Starts a server on a free port and waits until it answers.
    pub fn start() -> Result<Moto, MotoError> {
        Moto::start_with(&python())
    }

    /// Starts a server in realistic mode (`stackr_moto --realistic`): each
    /// resource goes through AWS's states for AWS's usual durations divided
    /// by `scale`, and is refused what AWS refuses meanwhile. Tell stackr
    /// the same scale (`STACKR_TIME_SCALE`) so its waits keep AWS's time.
    pub fn start_realistic(scale: f64, seed: &str) -> Result<Moto, MotoError> {
        let args = vec!["--realistic".into(), "--time-scale".into(), scale.to_string(), "--seed".into(), seed.into()];
        Moto::start_args(&python(), &args)
    }

    /// Same, with a given Python interpreter.
    pub fn start_with(python: &Path) -> Result<Moto, MotoError> {
        Moto::start_args(python, &[])
    }

    fn start_args(python: &Path, mode: &[String]) -> Result<Moto, MotoError> {
        let timeout = std::env::var("STACKR_MOTO_START_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_START_TIMEOUT);
        // The free port is found by binding port 0 and letting go of it:
        // another process can take it in between, so try a few ports.
        let mut last = None;
        for _ in 0..3 {
            match Moto::start_on(python, mode, free_port()?, timeout) {
                Ok(moto) => return Ok(moto),
                Err(e @ MotoError::NotInstalled { .. }) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("at least one attempt"))
    }

    fn start_on(python: &Path, mode: &[String], port: u16, timeout: Duration) -> Result<Moto, MotoError> {
        let log = std::env::temp_dir().join(format!("stackr-moto-{}-{port}.log", std::process::id()));
        let log_file = std::fs::File::create(&log).map_err(|e| MotoError::Failed {
            message: format!("cannot create {}: {e}", log.display()),
            log: log.clone(),
        })?;
        let log_err =
            log_file.try_clone().map_err(|e| MotoError::Failed { message: e.to_string(), log: log.clone() })?;
        let child = Command::new(python)
            .args(["-m", "stackr_moto"])
            .args(mode)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(log_file)
            .stderr(log_err)
            // moto must not pick up a real AWS setup or a proxy.
            .env_remove("AWS_PROFILE")
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("http_proxy")
            .env_remove("https_proxy")
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONPATH", testbed_dir())
            .env("STACKR_MOTO_WATCH_STDIN", "1")
            // The launcher deletes its log when it ends normally.
            .env("STACKR_MOTO_LOG", &log)
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_file(&log);
                return Err(MotoError::NotInstalled { python: python.to_path_buf(), detail: e.to_string() });
            }
        };
        // On failure the log is kept (the error names it); the server is killed.
        let mut moto = Moto { child, port, url: format!("http://127.0.0.1:{port}"), log, keep_log: true };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                let tail = log_tail(&moto.log);
                if tail.contains("No module named") {
                    moto.keep_log = false;
                    return Err(MotoError::NotInstalled { python: python.to_path_buf(), detail: tail });
                }
                return Err(MotoError::Failed {
                    message: format!("moto exited ({status}) before answering on port {port}: {tail}"),
                    log: moto.log.clone(),
                });
            }
            if probe(port) {
                warn_on_version(&moto.log);
                moto.keep_log = false;
                return Ok(moto);
            }
            if started.elapsed() > timeout {
                return Err(MotoError::Failed {
                    message: format!("moto did not answer on {} within {timeout:?}: {}", moto.url, log_tail(&moto.log)),
                    log: moto.log.clone(),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The file that receives moto's output (one line per request).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Forgets everything in every account (`POST /moto-api/reset`). Only for
    /// a server of one's own: on [`shared`] it would wipe the other tests.
    pub fn reset(&self) -> Result<(), MotoError> {
        match http(self.port, "POST", "/moto-api/reset") {
            Ok(200) => Ok(()),
            Ok(status) => {
                Err(MotoError::Failed { message: format!("moto reset answered HTTP {status}"), log: self.log.clone() })
            }
            Err(e) => Err(MotoError::Failed { message: format!("moto reset failed: {e}"), log: self.log.clone() }),
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep_log {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// The moto server shared by the tests of this binary, started on first
/// use. Panics (failing the test) with [`MotoError`]'s message when moto
/// cannot be started. The server ends with the test process.
pub fn shared() -> &'static Moto {
    static SHARED: OnceLock<Result<Moto, String>> = OnceLock::new();
    match SHARED.get_or_init(|| Moto::start().map_err(|e| e.to_string())) {
        Ok(moto) => moto,
        Err(e) => panic!("{e}"),
    }
}

/// An [`SdkConfig`] that reaches `moto`: its URL as the endpoint of every
/// service, static dummy credentials, and `region`.
///
/// S3 clients also need `force_path_style(true)` on their own config builder
/// (the SDK would otherwise address `bucket.127.0.0.1`).
pub fn sdk_config(moto: &Moto, region: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(moto.url())
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "stackr-testkit",
        )))
        .build()
}

/// An SDK interceptor that puts every request into one moto account (the
/// `x-moto-account-id` header). Add it to each client:
/// `aws_sdk_xxx::config::Builder::from(&config).interceptor(account)`.
#[derive(Debug, Clone)]
pub struct MotoAccount {
    id: String,
}

impl MotoAccount {
    /// A fresh account, distinct from every other one this process made and
    /// from moto's default account (123456789012).
    pub fn fresh() -> MotoAccount {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        MotoAccount { id: format!("9{:05}{:06}", std::process::id() % 100_000, n % 1_000_000) }
    }

    /// A given account id (12 digits).
    pub fn with_id(id: &str) -> MotoAccount {
        assert!(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()), "a moto account id is 12 digits: {id:?}");
        MotoAccount { id: id.to_string() }
    }

    /// The 12-digit account id (what ARNs made in it carry).
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Intercept for MotoAccount {
    fn name(&self) -> &'static str {
        "stackr-testkit MotoAccount"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        context.request_mut().headers_mut().insert("x-moto-account-id", self.id.clone());
        Ok(())
    }
}

/// What one test needs: the shared server, an account of its own and a
/// config that reaches it.
#[derive(Debug, Clone)]
pub struct TestEnv {
    moto: &'static Moto,
    account: MotoAccount,
    config: SdkConfig,
}

impl TestEnv {
    /// The [`shared`] server, a [`MotoAccount::fresh`] account and an
    /// [`sdk_config`] for `region`.
    pub fn new(region: &str) -> TestEnv {
        let moto = shared();
        TestEnv { moto, account: MotoAccount::fresh(), config: sdk_config(moto, region) }
    }

    pub fn moto(&self) -> &'static Moto {
        self.moto
    }

    /// The interceptor to add to every client of this test.
    pub fn account(&self) -> MotoAccount {
        self.account.clone()
    }

    pub fn config(&self) -> &SdkConfig {
        &self.config
    }
}

/// `prefix-<pid>-<n>`, lower case: a bucket or resource name no other test
/// of this process (or a concurrent test process) uses.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{}-{}-{}", prefix.to_ascii_lowercase(), std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// `$STACKR_VENV/bin/python` (default venv `$HOME/.cache/stackr/venv`) when
/// it exists, else `python3`.
pub fn python() -> PathBuf {
    let venv = std::env::var_os("STACKR_VENV")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/stackr/venv")));
    if let Some(venv) = venv {
        let p = venv.join("bin").join("python");
        if p.exists() {
            return p;
        }
    }
    PathBuf::from("python3")
}

fn free_port() -> Result<u16, MotoError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| MotoError::Failed { message: format!("no free port on 127.0.0.1: {e}"), log: PathBuf::new() })
}

/// True when moto answers `GET /moto-api/` with 200.
fn probe(port: u16) -> bool {
    matches!(http(port, "GET", "/moto-api/"), Ok(200))
}

/// A minimal HTTP/1.0 request to 127.0.0.1:port; returns the status code.
fn http(port: u16, method: &str, path: &str) -> std::io::Result<u16> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.set_write_timeout(Some(Duration::from_secs(5)))?;
    write!(s, "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n")?;
    let mut head = [0u8; 32];
    let mut n = 0;
    while n < 12 {
        let r = s.read(&mut head[n..])?;
        if r == 0 {
            break;
        }
        n += r;
    }
    // "HTTP/1.1 200 OK"
    let line = String::from_utf8_lossy(&head[..n]);
    line.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not HTTP: {line:?}")))
}

fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}

fn warn_on_version(log: &Path) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    if let Some(v) = text.lines().find_map(|l| l.strip_prefix("stackr-testkit: moto ")?.split_whitespace().next())
        && v.trim() != MOTO_VERSION
    {
        eprintln!(
            "stackr-testkit: warning: moto {} found, the tests are written for {MOTO_VERSION} (run scripts/setup.sh)",
            v.trim()
        );
    }
}
