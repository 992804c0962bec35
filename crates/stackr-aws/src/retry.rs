//! How stackr's AWS calls are retried.
//!
//! # The SDK retries transport faults and throttling
//!
//! Every client uses the SDK's own retry strategy ([`config`]): adaptive
//! mode, so each service (the SDK's retry partition) has a client-side rate
//! limiter that slows down when AWS throttles and speeds up again as calls
//! succeed, instead of failing a run with `Throttling`. [`MAX_ATTEMPTS`]
//! attempts per call with jittered exponential backoff; a stuck attempt is
//! cut off after [`ATTEMPT_TIMEOUT`]. `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS`
//! still override mode and attempts, as in every AWS tool.
//!
//! # ...except where a retry could make a second resource
//!
//! A call whose response was lost (connection reset, timeout) or that failed
//! with a 5xx may have taken effect. Retrying is harmless for reads,
//! updates, deletes and creates that carry a client token or a unique name
//! (AWS answers the retry with the same resource, or "already exists").
//! It is the classic duplicate maker for the few creates that have neither
//! (`CreateVpc`, `CreateSubnet`, `CreateInternetGateway`, `CreateRouteTable`,
//! `AllocateAddress`, `RegisterTaskDefinition`, ...). Those calls add
//! [`NotWhenUnsure`] to their own configuration ([`once`]): throttling is
//! still retried (AWS did nothing), anything that leaves the outcome unknown
//! is returned to the engine as [`ErrorKind::Unsure`](stackr_engine::reconciler::ErrorKind::Unsure).
//! The engine then asks the reconciler's `find` (by the `stackr:*` tags the
//! create carried) whether the resource exists before trying again, exactly
//! as it does for a create interrupted by a crash.

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason,
};
use aws_smithy_types::retry::{ErrorKind, RetryConfig};
use aws_smithy_types::timeout::TimeoutConfig;
use std::time::Duration;

/// Attempts per call (the first one included).
pub const MAX_ATTEMPTS: u32 = 8;
/// The first retry waits up to this long (jittered), doubling each time.
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(250);
/// No retry waits longer than this.
pub const MAX_BACKOFF: Duration = Duration::from_secs(20);
/// One attempt that takes longer is abandoned (and retried when safe).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// The retry configuration of every client: adaptive mode unless
/// `AWS_RETRY_MODE` says otherwise, [`MAX_ATTEMPTS`] unless
/// `AWS_MAX_ATTEMPTS` says otherwise.
pub fn config() -> RetryConfig {
    config_with(std::env::var("AWS_RETRY_MODE").ok().as_deref(), std::env::var("AWS_MAX_ATTEMPTS").ok().as_deref())
}

fn config_with(mode: Option<&str>, attempts: Option<&str>) -> RetryConfig {
    let base = match mode.map(str::trim) {
        Some(m) if m.eq_ignore_ascii_case("standard") || m.eq_ignore_ascii_case("legacy") => RetryConfig::standard(),
        _ => RetryConfig::adaptive(),
    };
    let attempts = attempts.and_then(|a| a.trim().parse::<u32>().ok()).filter(|a| *a >= 1).unwrap_or(MAX_ATTEMPTS);
    base.with_max_attempts(attempts).with_initial_backoff(INITIAL_BACKOFF).with_max_backoff(MAX_BACKOFF)
}

/// Timeouts of every client: a per-attempt limit, so that a connection that
/// hangs becomes a retry (or an `Unsure` error) rather than a stuck run.
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder().connect_timeout(Duration::from_secs(10)).operation_attempt_timeout(ATTEMPT_TIMEOUT).build()
}

/// A retry classifier that forbids retrying a call whose outcome is
/// unknown (transport failure, timeout, 5xx) while leaving throttling
/// retries alone. Runs after the SDK's classifiers and only narrows their
/// verdict.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotWhenUnsure;

impl ClassifyRetry for NotWhenUnsure {
    fn classify_retry(&self, _ctx: &InterceptorContext) -> RetryAction {
        RetryAction::NoActionIndicated
    }

    fn classify_retry_v2(&self, _ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        narrow(previous)
    }

    fn name(&self) -> &'static str {
        "stackr: no retry of a non-idempotent create whose outcome is unknown"
    }

    fn priority(&self) -> RetryClassifierPriority {
        // After every classifier the SDK ships (the transient-error one runs last).
        RetryClassifierPriority::run_after(RetryClassifierPriority::run_after(
            RetryClassifierPriority::transient_error_classifier(),
        ))
    }
}

fn narrow(previous: &RetryAction) -> RetryAction {
    match previous {
        RetryAction::RetryIndicated(RetryReason::RetryableError {
            kind: ErrorKind::TransientError | ErrorKind::ServerError,
            ..
        }) => RetryAction::RetryForbidden,
        _ => RetryAction::NoActionIndicated,
    }
}

/// Sends a fluent builder with [`NotWhenUnsure`] added to its operation's
/// retry classifiers, e.g.
/// `retry::once!(aws_sdk_ec2::config::Builder, client.create_vpc()...)`.
#[macro_export]
macro_rules! once {
    ($config:ty, $builder:expr) => {
        $builder.customize().config_override(<$config>::default().retry_classifier($crate::retry::NotWhenUnsure)).send()
    };
}
pub use once;

#[cfg(test)]
mod tests {
    use super::*;

    fn retry(kind: ErrorKind) -> RetryAction {
        RetryAction::RetryIndicated(RetryReason::RetryableError { kind, retry_after: None })
    }

    #[test]
    fn throttling_is_still_retried_but_unknown_outcomes_are_not() {
        assert_eq!(narrow(&retry(ErrorKind::ThrottlingError)), RetryAction::NoActionIndicated);
        assert_eq!(narrow(&retry(ErrorKind::TransientError)), RetryAction::RetryForbidden);
        assert_eq!(narrow(&retry(ErrorKind::ServerError)), RetryAction::RetryForbidden);
        assert_eq!(narrow(&RetryAction::NoActionIndicated), RetryAction::NoActionIndicated);
    }

    #[test]
    fn adaptive_by_default_and_the_environment_overrides() {
        let c = config_with(None, None);
        assert_eq!(c.mode(), aws_smithy_types::retry::RetryMode::Adaptive);
        assert_eq!(c.max_attempts(), MAX_ATTEMPTS);
        let c = config_with(Some("standard"), Some("3"));
        assert_eq!(c.mode(), aws_smithy_types::retry::RetryMode::Standard);
        assert_eq!(c.max_attempts(), 3);
        assert_eq!(config_with(None, Some("zero")).max_attempts(), MAX_ATTEMPTS);
    }
}
