//! Conformance: Lambda functions and permissions, and the refusals AWS
//! gives that moto does not: ResourceConflictException while a function's
//! last update is InProgress, and a role not yet assumable by Lambda right
//! after IAM made it (both retried; injected at the SDK level: the call is
//! turned into its harmless read before it leaves, and answered with the
//! error in Lambda's restJson shape).

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

/// An empty zip archive (its end-of-central-directory record alone).
const EMPTY_ZIP: &[u8] = &[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// A bucket with the deployment package, in the test's account.
async fn package(h: &Harness) -> String {
    let bucket = format!("conf-lambda-code-{}", h.env.account().id());
    let s3 = h.s3();
    let conf = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(REGION))
        .build();
    s3.create_bucket().bucket(&bucket).create_bucket_configuration(conf).send().await.expect("bucket");
    for key in ["code.zip", "code-v2.zip"] {
        let body = aws_sdk_s3::primitives::ByteStream::from_static(EMPTY_ZIP);
        s3.put_object().bucket(&bucket).key(key).body(body).send().await.expect("package");
    }
    bucket
}

fn functions(bucket: &str, stack_name: &str) -> String {
    format!(
        r#"
stack: {stack_name}
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  suffix: {{ type: string, default: one }}
  memory: {{ type: number, default: 256 }}
resources:
  role:
    type: aws.iam.role
    properties:
      name: "{stack_name}-fn"
      assume_role_policy:
        Version: "2012-10-17"
        Statement:
          - {{ Effect: Allow, Principal: {{ Service: lambda.amazonaws.com }}, Action: "sts:AssumeRole" }}
  subject:
    type: aws.lambda.function
    properties:
      function_name: "{stack_name}-${{var.suffix}}"
      role: "${{role.arn}}"
      s3_bucket: {bucket}
      s3_key: code.zip
      runtime: python3.12
      handler: app.handler
      memory_size: ${{var.memory}}
      timeout: 10
      description: conformance function
      environment: {{ STAGE: test }}
      # Out of any VPC, said so: put in one by hand is drift.
      vpc_config: {{ subnet_ids: [], security_group_ids: [] }}
  perm:
    type: aws.lambda.permission
    properties:
      function_name: "${{subject.function_name}}"
      statement_id: allow-events
      action: "lambda:InvokeFunction"
      principal: events.amazonaws.com
"#
    )
}

#[tokio::test]
async fn function() {
    let h = Arc::new(harness("lambda-fn"));
    let bucket = package(&h).await;
    let stack = functions(&bucket, "conf-lambda");
    conformance_in(
        h,
        Case {
            kind: "aws.lambda.function",
            stack,
            mutations: vec![
                (
                    "memory_size",
                    mutation!(|h, id| {
                        let call = h.lambda().update_function_configuration().function_name(&id).memory_size(1024);
                        call.send().await.unwrap();
                    }),
                ),
                (
                    "environment",
                    mutation!(|h, id| {
                        let env = aws_sdk_lambda::types::Environment::builder().variables("STAGE", "prod").build();
                        let call = h.lambda().update_function_configuration().function_name(&id).environment(env);
                        call.send().await.unwrap();
                    }),
                ),
                (
                    "vpc_config",
                    mutation!(|h, id| {
                        let ec2 = h.ec2();
                        let vpc = ec2.create_vpc().cidr_block("10.77.0.0/16").send().await.unwrap();
                        let vpc = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
                        let subnet = ec2.create_subnet().vpc_id(&vpc).cidr_block("10.77.1.0/24").send().await.unwrap();
                        let subnet = subnet.subnet().and_then(|s| s.subnet_id()).unwrap().to_string();
                        let sg = ec2.create_security_group().vpc_id(&vpc).group_name("fn").description("fn");
                        let sg = sg.send().await.unwrap().group_id().unwrap().to_string();
                        let placed =
                            aws_sdk_lambda::types::VpcConfig::builder().subnet_ids(subnet).security_group_ids(sg);
                        let call = h.lambda().update_function_configuration().function_name(&id);
                        call.vpc_config(placed.build()).send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        let lambda = h.lambda();
                        let f = lambda.get_function().function_name(&id).send().await.unwrap();
                        let arn = f.configuration().and_then(|c| c.function_arn()).unwrap().to_string();
                        lambda.untag_resource().resource(arn).tag_keys("suite").send().await.unwrap();
                    }),
                ),
                (
                    "s3_key",
                    mutation!(|h, id| {
                        // New code deployed by hand: the recorded location no longer holds.
                        let bucket = format!("conf-lambda-code-{}", h.env.account().id());
                        let zip = [EMPTY_ZIP, b"changed"].concat();
                        let body = aws_sdk_s3::primitives::ByteStream::from(zip.clone());
                        h.s3().put_object().bucket(&bucket).key("by-hand.zip").body(body).send().await.unwrap();
                        let call = h.lambda().update_function_code().function_name(&id).s3_bucket(&bucket);
                        call.s3_key("by-hand.zip").send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("suffix", "two", Some("perm"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

#[tokio::test]
async fn permission() {
    let h = Arc::new(harness("lambda-perm"));
    let bucket = package(&h).await;
    let stack = functions(&bucket, "conf-perm")
        .replace("  perm:\n", "  subject:\n")
        .replacen("  subject:\n    type: aws.lambda.function", "  fn:\n    type: aws.lambda.function", 1)
        .replace("${subject.function_name}", "${fn.function_name}")
        .replace("statement_id: allow-events", "statement_id: \"allow-${var.suffix}\"")
        .replace("\"conf-perm-${var.suffix}\"", "conf-perm-fn");
    conformance_in(
        h,
        Case {
            kind: "aws.lambda.permission",
            stack,
            mutations: vec![],
            replace: Some(("suffix", "two", None)),
            twice: Twice::Retry,
        },
    )
    .await;
}

/// Fails the first `times` calls of `operation` with a Lambda error.
#[derive(Debug)]
struct Inject {
    operation: &'static str,
    code: &'static str,
    message: &'static str,
    status: u16,
    /// The harmless read the call becomes: method and path.
    read: (&'static str, &'static str),
    times: AtomicU32,
    injected: AtomicU32,
}

#[derive(Debug, Clone)]
struct Injecting;

impl aws_smithy_types::config_bag::Storable for Injecting {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

#[derive(Debug)]
struct Shared(Arc<Inject>);

impl Intercept for Shared {
    fn name(&self) -> &'static str {
        "stackr-test-lambda-faults"
    }

    fn modify_before_transmit(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<Metadata>().is_none_or(|m| m.name() != self.0.operation) {
            return Ok(());
        }
        if self.0.times.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_err() {
            return Ok(());
        }
        let req = ctx.request_mut();
        let (method, path) = self.0.read;
        let uri = req.uri().to_string();
        let base = uri.split("/2015-03-31/").next().unwrap_or(&uri).to_string();
        let path = if path.is_empty() {
            uri.strip_prefix(&base).unwrap_or("").split('?').next().unwrap_or("").to_string()
        } else {
            path.to_string()
        };
        req.set_uri(format!("{base}{path}"))?;
        req.set_method(method)?;
        req.headers_mut().insert("content-length", "0");
        *req.body_mut() = SdkBody::empty();
        cfg.interceptor_state().store_put(Injecting);
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
        let body = format!("{{\"Type\":\"User\",\"message\":\"{}\"}}", self.0.message);
        let mut response = HttpResponse::new(self.0.status.try_into()?, SdkBody::from(body));
        response.headers_mut().insert("content-type", "application/json");
        response.headers_mut().insert("x-amzn-errortype", self.0.code);
        *ctx.response_mut() = response;
        Ok(())
    }
}

fn inject(
    operation: &'static str,
    code: &'static str,
    message: &'static str,
    status: u16,
    read: (&'static str, &'static str),
    times: u32,
) -> Arc<Inject> {
    Arc::new(Inject {
        operation,
        code,
        message,
        status,
        read,
        times: AtomicU32::new(times),
        injected: AtomicU32::new(0),
    })
}

/// https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html:
/// ResourceConflictException (409) while an update is in progress: retried.
#[tokio::test]
async fn an_update_in_progress_is_waited_out() {
    // PUT .../configuration becomes GET .../configuration (GetFunctionConfiguration).
    let fault = inject(
        "UpdateFunctionConfiguration",
        "ResourceConflictException",
        "The operation cannot be performed at this time. An update is in progress for resource: conf-busy-one",
        409,
        ("GET", ""),
        2,
    );
    let h = harness_with("lambda-busy", vec![SharedInterceptor::new(Shared(fault.clone()))]);
    let bucket = package(&h).await;
    let text = functions(&bucket, "conf-busy");
    h.apply(&stack(&text, &[])).await;
    let bigger = stack(&text, &[("memory", "512")]);
    h.apply(&bigger).await;
    assert_eq!(fault.injected.load(Ordering::SeqCst), 2, "refused twice, then changed");
    let live = h.lambda().get_function_configuration().function_name("conf-busy-one").send().await.unwrap();
    assert_eq!(live.memory_size(), Some(512));
    assert!(h.plan(&bigger).await.is_empty(), "in sync after the retries");
    h.destroy("conf-busy").await;
}

/// A role IAM made seconds ago is not yet assumable: CreateFunction is
/// retried (for a bounded window), and the function is made once it is.
#[tokio::test]
async fn a_role_not_yet_assumable_is_waited_out() {
    // POST /2015-03-31/functions becomes GET /2015-03-31/functions (ListFunctions).
    let fault = inject(
        "CreateFunction",
        "InvalidParameterValueException",
        "The role defined for the function cannot be assumed by Lambda.",
        400,
        ("GET", "/2015-03-31/functions/"),
        2,
    );
    let h = harness_with("lambda-role", vec![SharedInterceptor::new(Shared(fault.clone()))]);
    let bucket = package(&h).await;
    let s = stack(&functions(&bucket, "conf-role"), &[]);
    h.apply(&s).await;
    assert_eq!(fault.injected.load(Ordering::SeqCst), 2, "refused twice, then made");
    assert!(h.plan(&s).await.is_empty());
    h.destroy("conf-role").await;
}
