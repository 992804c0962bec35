//! `STACKR_LOG=debug`: one `tracing` event per AWS call attempt, with the
//! service, operation, region, attempt, HTTP status, duration and AWS's
//! request id (what AWS support asks for). Target `stackr::aws`; the CLI
//! installs the subscriber.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::time::Instant;

/// The interceptor that logs calls (add it only when logging is on).
pub fn interceptor() -> SharedInterceptor {
    SharedInterceptor::new(CallLog)
}

#[derive(Debug)]
struct CallLog;

/// When the current attempt was sent, and its number.
#[derive(Debug, Clone)]
struct Attempt {
    sent: Instant,
    number: u32,
}

impl Storable for Attempt {
    type Storer = StoreReplace<Self>;
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "stackr-call-log"
    }

    fn read_before_transmit(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let number = cfg.load::<Attempt>().map_or(1, |a| a.number + 1);
        cfg.interceptor_state().store_put(Attempt { sent: Instant::now(), number });
        Ok(())
    }

    fn read_after_attempt(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
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
