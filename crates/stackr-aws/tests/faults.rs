//! What moto does not do, made to happen at the SDK level: an interceptor
//! on the reconcilers' clients turns chosen calls into AWS errors, in the
//! shape AWS sends them, without letting the call take effect.
//!
//! - DependencyViolation on DeleteSecurityGroup (AWS answers it while the
//!   group's network interfaces are still being released; moto deletes at
//!   once): destroy waits it out and succeeds.
//! - Throttling (RequestLimitExceeded, HTTP 503) on DescribeVpcs: the SDK's
//!   retry policy absorbs it; nothing above it notices.

mod common;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Fails the first `times` calls of `operation` with an EC2 error.
#[derive(Debug)]
struct Inject {
    operation: &'static str,
    code: &'static str,
    status: u16,
    times: AtomicU32,
    injected: AtomicU32,
}

#[derive(Debug, Clone)]
struct Injecting;

impl aws_smithy_types::config_bag::Storable for Injecting {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl Inject {
    fn new(operation: &'static str, code: &'static str, status: u16, times: u32) -> Arc<Inject> {
        Arc::new(Inject { operation, code, status, times: AtomicU32::new(times), injected: AtomicU32::new(0) })
    }

    fn matches(&self, cfg: &ConfigBag) -> bool {
        cfg.load::<Metadata>().is_some_and(|m| m.name() == self.operation)
    }
}

#[derive(Debug)]
struct Shared(Arc<Inject>);

impl Intercept for Shared {
    fn name(&self) -> &'static str {
        "stackr-test-fault-injection"
    }

    /// Chosen calls are turned into a harmless read before they leave, so
    /// the fault has no effect, as with the real error.
    fn modify_before_transmit(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !self.0.matches(cfg) {
            return Ok(());
        }
        let taken = self.0.times.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        if taken {
            let body = "Action=DescribeAccountAttributes&Version=2016-11-15";
            let req = ctx.request_mut();
            *req.body_mut() = SdkBody::from(body);
            req.headers_mut().insert("content-length", body.len().to_string());
            cfg.interceptor_state().store_put(Injecting);
        }
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        ctx: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<Injecting>().is_none() {
            return Ok(());
        }
        cfg.interceptor_state().unset::<Injecting>();
        self.0.injected.fetch_add(1, Ordering::SeqCst);
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>injected by the \
             test</Message></Error></Errors><RequestID>stackr-test</RequestID></Response>",
            self.0.code
        );
        let mut response = HttpResponse::new(self.0.status.try_into()?, SdkBody::from(body));
        response.headers_mut().insert("content-type", "text/xml");
        *ctx.response_mut() = response;
        Ok(())
    }
}

const STACK: &str = r#"
stack: faults
region: ap-northeast-1
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.7.0.0/16 }
  sg:
    type: aws.ec2.security_group
    properties: { name: app, description: app tier, vpc_id: "${vpc.id}" }
"#;

#[tokio::test]
async fn destroy_waits_out_dependency_violation() {
    let fault = Inject::new("DeleteSecurityGroup", "DependencyViolation", 400, 3);
    let h = harness_with("faults-dv", vec![SharedInterceptor::new(Shared(fault.clone()))]);
    let s = stack(STACK, &[]);
    let applied = h.apply(&s).await;
    let sg = h.id_of(&applied, "sg");
    h.destroy("faults").await;
    assert_eq!(fault.injected.load(Ordering::SeqCst), 3, "the group was refused three times, then deleted");
    let left = h
        .ec2()
        .describe_security_groups()
        .filters(aws_sdk_ec2::types::Filter::builder().name("group-id").values(&sg).build())
        .send()
        .await
        .expect("describe");
    assert!(left.security_groups().is_empty(), "the group is gone");
}

#[tokio::test]
async fn throttling_is_absorbed_by_the_sdk_retries() {
    let fault = Inject::new("DescribeVpcs", "RequestLimitExceeded", 503, 2);
    let h = harness_with("faults-throttle", vec![SharedInterceptor::new(Shared(fault.clone()))]);
    let s = stack(STACK, &[]);
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());
    assert_eq!(fault.injected.load(Ordering::SeqCst), 2, "both throttles were seen and retried");
    h.destroy("faults").await;
}
