//! Counting AWS API calls, per service and operation.
//!
//! [`CallStats`] is shared by every client of a run through an interceptor
//! ([`CallStats::interceptor`], passed to [`crate::providers`]). It counts
//! each operation once when it starts (its [`Metadata`] is in the config
//! bag from serialization on) and each attempt the SDK makes at sending it,
//! so retries show as `attempts > calls`. Operations are *writes* unless
//! their name says they read: `Describe*`, `List*`, `Get*`, `Head*`,
//! `Lookup*` (AWS's naming convention, which every service of stackr
//! follows). `stackr apply --stats` prints the table; the conformance suite
//! asserts that an unchanged stack's second apply makes no write.
//!
//! The same interceptor logs each attempt as a `tracing` event (target
//! `stackr::aws`; `STACKR_LOG=debug` shows them): service, operation,
//! region, attempt, HTTP status, duration and AWS's request id (what AWS
//! support asks for).

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Calls and attempts of one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub calls: u64,
    /// Sends, retries included.
    pub attempts: u64,
}

/// One row of the table: a service's operation and its count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub service: String,
    pub operation: String,
    pub count: Count,
}

impl Row {
    /// Whether the operation changes anything (see the module doc).
    pub fn is_write(&self) -> bool {
        is_write(&self.operation)
    }
}

/// Whether an operation name is a write by AWS's naming convention.
pub fn is_write(operation: &str) -> bool {
    const READS: &[&str] = &["Describe", "List", "Get", "Head", "Lookup"];
    !READS.iter().any(|p| operation.starts_with(p))
}

/// Counts of every operation called through the clients it intercepts.
#[derive(Debug, Default)]
pub struct CallStats {
    counts: Mutex<BTreeMap<(String, String), Count>>,
}

impl CallStats {
    pub fn new() -> Arc<CallStats> {
        Arc::new(CallStats::default())
    }

    /// The interceptor to add to every client.
    pub fn interceptor(self: &Arc<Self>) -> SharedInterceptor {
        SharedInterceptor::new(Counter(self.clone()))
    }

    fn bump(&self, cfg: &ConfigBag, f: impl FnOnce(&mut Count)) {
        let Some(md) = cfg.load::<Metadata>() else { return };
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        f(counts.entry((md.service().to_string(), md.name().to_string())).or_default());
    }

    /// Every operation called so far, by service then operation.
    pub fn rows(&self) -> Vec<Row> {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts
            .iter()
            .map(|((service, operation), count)| Row {
                service: service.clone(),
                operation: operation.clone(),
                count: *count,
            })
            .collect()
    }

    /// Total calls (not attempts).
    pub fn calls(&self) -> u64 {
        self.rows().iter().map(|r| r.count.calls).sum()
    }

    /// The write operations called so far.
    pub fn writes(&self) -> Vec<Row> {
        self.rows().into_iter().filter(Row::is_write).collect()
    }

    /// Forgets every count (between the phases of a measurement).
    pub fn reset(&self) {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[derive(Debug)]
struct Counter(Arc<CallStats>);

/// When the current attempt was sent, and its number (for the log).
#[derive(Debug, Clone)]
struct Attempt {
    sent: std::time::Instant,
    number: u32,
}

impl Storable for Attempt {
    type Storer = StoreReplace<Self>;
}

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "stackr-call-stats"
    }

    fn read_before_serialization(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.bump(cfg, |c| c.calls += 1);
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.bump(cfg, |c| c.attempts += 1);
        let number = cfg.load::<Attempt>().map_or(1, |a| a.number + 1);
        cfg.interceptor_state().store_put(Attempt { sent: std::time::Instant::now(), number });
        Ok(())
    }

    fn read_after_attempt(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !tracing::enabled!(target: "stackr::aws", tracing::Level::DEBUG) {
            return Ok(());
        }
        let (service, operation) =
            cfg.load::<Metadata>().map(|m| (m.service().to_string(), m.name().to_string())).unwrap_or_default();
        let region = cfg.load::<aws_types::region::Region>().map(|r| r.to_string()).unwrap_or_default();
        let (attempt, ms) = cfg.load::<Attempt>().map_or((0, 0), |a| (a.number, a.sent.elapsed().as_millis() as u64));
        let response = ctx.response();
        let status = response.map_or(0, |r| r.status().as_u16());
        let request_id = response
            .and_then(|r| r.headers().get("x-amzn-requestid").or_else(|| r.headers().get("x-amz-request-id")))
            .unwrap_or("-")
            .to_string();
        tracing::debug!(
            target: "stackr::aws",
            service,
            operation,
            region,
            attempt,
            status,
            duration_ms = ms,
            request_id,
            "aws call"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_by_name() {
        for read in ["DescribeVpcs", "ListTagsForResource", "GetDistributionConfig", "HeadObject", "LookupEvents"] {
            assert!(!is_write(read), "{read}");
        }
        for write in ["CreateVpc", "ModifyDBCluster", "PutRetentionPolicy", "TagResource", "ChangeResourceRecordSets"] {
            assert!(is_write(write), "{write}");
        }
    }

    #[test]
    fn counts_by_service_and_operation() {
        let stats = CallStats::new();
        let mut cfg = ConfigBag::base();
        let mut layer = aws_smithy_types::config_bag::Layer::new("op");
        layer.store_put(Metadata::new("CreateVpc", "ec2"));
        cfg.push_layer(layer);
        stats.bump(&cfg, |c| c.calls += 1);
        stats.bump(&cfg, |c| c.attempts += 1);
        stats.bump(&cfg, |c| c.attempts += 1);
        assert_eq!(
            stats.rows(),
            vec![Row { service: "ec2".into(), operation: "CreateVpc".into(), count: Count { calls: 1, attempts: 2 } }]
        );
        assert_eq!(stats.writes().len(), 1);
        stats.reset();
        assert_eq!(stats.calls(), 0);
    }
}
