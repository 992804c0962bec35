//! What moto does not do, made to happen at the SDK level: an interceptor
//! on the reconcilers' clients turns chosen calls into AWS errors, in the
//! shape AWS sends them, without letting the call take effect.
//!
//! - DependencyViolation on DeleteSecurityGroup (AWS answers it while the
//!   group's network interfaces are still being released; moto deletes at
//!   once): destroy waits it out and succeeds.
//! - Throttling (RequestLimitExceeded, HTTP 503) on DescribeVpcs: the SDK's
//!   retry policy absorbs it; nothing above it notices.
//! - "Not yet" refusals of other services, in their protocols' shapes
//!   (awsJson for ECS, awsQuery for RDS): ECS's "Unable to assume the
//!   service linked role" on CreateCluster and RDS's
//!   InvalidDBSubnetGroupStateFault on DeleteDBSubnetGroup are retried and
//!   the run converges; the same ECS code meaning a real mistake is not
//!   retried (one attempt, the run fails).

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

/// The wire protocol of the service whose call is faulted: how the call is
/// turned into a harmless read, and how the error is shaped.
#[derive(Debug, Clone, Copy)]
enum Protocol {
    /// EC2's query protocol.
    Ec2,
    /// awsQuery (RDS, ElastiCache, IAM, ELBv2): the read's Action and Version.
    Query { read: &'static str, version: &'static str },
    /// awsJson (ECS, ACM, WAFv2, ...): the read's X-Amz-Target.
    Json { read: &'static str },
}

/// Fails the first `times` calls of `operation` with an AWS error.
#[derive(Debug)]
struct Inject {
    operation: &'static str,
    code: &'static str,
    message: &'static str,
    status: u16,
    protocol: Protocol,
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
        Inject::shaped(Protocol::Ec2, operation, code, "injected by the test", status, times)
    }

    fn shaped(
        protocol: Protocol,
        operation: &'static str,
        code: &'static str,
        message: &'static str,
        status: u16,
        times: u32,
    ) -> Arc<Inject> {
        Arc::new(Inject {
            operation,
            code,
            message,
            status,
            protocol,
            times: AtomicU32::new(times),
            injected: AtomicU32::new(0),
        })
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
            let req = ctx.request_mut();
            let body = match self.0.protocol {
                Protocol::Ec2 => "Action=DescribeAccountAttributes&Version=2016-11-15".to_string(),
                Protocol::Query { read, version } => format!("Action={read}&Version={version}"),
                Protocol::Json { read } => {
                    req.headers_mut().insert("x-amz-target", read);
                    "{}".to_string()
                }
            };
            req.headers_mut().insert("content-length", body.len().to_string());
            *req.body_mut() = SdkBody::from(body);
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
        let (code, message) = (self.0.code, self.0.message);
        let (body, content_type) = match self.0.protocol {
            Protocol::Ec2 => (
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>\
                     <Message>{message}</Message></Error></Errors><RequestID>stackr-test</RequestID></Response>"
                ),
                "text/xml",
            ),
            Protocol::Query { .. } => (
                format!(
                    "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>\
                     </Error><RequestId>stackr-test</RequestId></ErrorResponse>"
                ),
                "text/xml",
            ),
            Protocol::Json { .. } => {
                (format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"), "application/x-amz-json-1.1")
            }
        };
        let mut response = HttpResponse::new(self.0.status.try_into()?, SdkBody::from(body));
        response.headers_mut().insert("content-type", content_type);
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

const ECS: Protocol = Protocol::Json { read: "AmazonEC2ContainerServiceV20141113.ListClusters" };
const LINKED_ROLE: &str =
    "Unable to assume the service linked role. Please verify that the ECS service linked role exists.";

const CLUSTER: &str = r#"
stack: faults-ecs
region: ap-northeast-1
resources:
  cluster:
    type: aws.ecs.cluster
    properties: { name: faults-cluster }
"#;

#[tokio::test]
async fn an_ecs_role_not_yet_assumable_is_waited_out() {
    let fault = Inject::shaped(ECS, "CreateCluster", "InvalidParameterException", LINKED_ROLE, 400, 2);
    let h = harness_with("faults-ecs", vec![SharedInterceptor::new(Shared(fault.clone()))]);
    let s = stack(CLUSTER, &[]);
    h.apply(&s).await;
    assert_eq!(fault.injected.load(Ordering::SeqCst), 2, "refused twice, then made");
    assert!(h.plan(&s).await.is_empty(), "in sync after the retries");
    h.destroy("faults-ecs").await;
}

#[tokio::test]
async fn the_same_code_meaning_a_mistake_is_not_retried() {
    let fault = Inject::shaped(
        ECS,
        "CreateCluster",
        "InvalidParameterException",
        "Cluster names can have up to 255 characters.",
        400,
        5,
    );
    let h = harness_with("faults-ecs-bad", vec![SharedInterceptor::new(Shared(fault.clone()))]);
    let s = stack(CLUSTER, &[]);
    let lock = h.session.lock("test").await.expect("lock");
    let prepared = h.session.prepare(&s).await.expect("prepare");
    let applied = h.session.apply(Some(&s), prepared, options()).await.expect("apply runs");
    h.session.unlock(&lock).await.expect("unlock");
    assert_eq!(fault.injected.load(Ordering::SeqCst), 1, "one attempt: bad input is not retried");
    let failed = &applied.report.failed;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].2.to_string().contains("InvalidParameterException"), "{failed:?}");
}

const SUBNET_GROUP: &str = r#"
stack: faults-rds
region: ap-northeast-1
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.8.0.0/16 }
  subnet:
    type: aws.ec2.subnet
    for_each: [a, c]
    properties:
      vpc_id: ${vpc.id}
      availability_zone: ap-northeast-1${each.value}
      cidr_block: ${cidrsubnet(vpc.cidr_block, 8, each.index)}
  subnets:
    type: aws.rds.db_subnet_group
    properties: { name: faults-subnets, description: faults, subnet_ids: "${subnet[*].id}" }
"#;

#[tokio::test]
async fn a_subnet_group_still_in_use_is_deleted_once_released() {
    let fault = Inject::shaped(
        Protocol::Query { read: "DescribeDBSubnetGroups", version: "2014-10-31" },
        "DeleteDBSubnetGroup",
        "InvalidDBSubnetGroupStateFault",
        "Cannot delete the subnet group because at least one database cluster is still using it.",
        400,
        2,
    );
    let h = harness_with("faults-rds", vec![SharedInterceptor::new(Shared(fault.clone()))]);
    let s = stack(SUBNET_GROUP, &[]);
    h.apply(&s).await;
    h.destroy("faults-rds").await;
    assert_eq!(fault.injected.load(Ordering::SeqCst), 2, "refused twice, then deleted");
    let left = h.rds().describe_db_subnet_groups().send().await.expect("describe");
    assert!(left.db_subnet_groups().iter().all(|g| g.db_subnet_group_name() != Some("faults-subnets")));
}
