//! SDK clients, one per service and region, built from one shared
//! configuration and cached. Interceptors given here are added to every
//! client (tests use one to select a moto account; call counting uses one).
//!
//! `Clients` is also the engine's [`RefreshHook`]: while a refresh is under
//! way its [`ReadCache`] (`reads`) shares identical reads among the types.
//! The caller's identity (GetCallerIdentity) is read once per region for
//! the life of the clients: it cannot change under the same credentials.

use crate::readcache::ReadCache;
use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use stackr_engine::reconciler::{ProviderError, RefreshHook};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Who the credentials are (GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    /// `arn:aws:iam::123456789012:user/ci`
    pub arn: Option<String>,
    pub user_id: Option<String>,
}

impl CallerIdentity {
    /// The partition of the caller's ARN (`aws`, `aws-cn`...), `aws` if unknown.
    pub fn partition(&self) -> &str {
        self.arn.as_deref().and_then(|a| a.split(':').nth(1)).filter(|p| !p.is_empty()).unwrap_or("aws")
    }
}

pub struct Clients {
    base: SdkConfig,
    interceptors: Vec<SharedInterceptor>,
    ec2: Mutex<HashMap<String, aws_sdk_ec2::Client>>,
    iam: Mutex<Option<aws_sdk_iam::Client>>,
    logs: Mutex<HashMap<String, aws_sdk_cloudwatchlogs::Client>>,
    ssm: Mutex<HashMap<String, aws_sdk_ssm::Client>>,
    secrets: Mutex<HashMap<String, aws_sdk_secretsmanager::Client>>,
    sts: Mutex<HashMap<String, aws_sdk_sts::Client>>,
    route53: Mutex<Option<aws_sdk_route53::Client>>,
    rds: Mutex<HashMap<String, aws_sdk_rds::Client>>,
    efs: Mutex<HashMap<String, aws_sdk_efs::Client>>,
    elasticache: Mutex<HashMap<String, aws_sdk_elasticache::Client>>,
    ecs: Mutex<HashMap<String, aws_sdk_ecs::Client>>,
    elbv2: Mutex<HashMap<String, aws_sdk_elasticloadbalancingv2::Client>>,
    acm: Mutex<HashMap<String, aws_sdk_acm::Client>>,
    wafv2: Mutex<HashMap<String, aws_sdk_wafv2::Client>>,
    autoscaling: Mutex<HashMap<String, aws_sdk_applicationautoscaling::Client>>,
    cloudwatch: Mutex<HashMap<String, aws_sdk_cloudwatch::Client>>,
    cloudfront: Mutex<Option<aws_sdk_cloudfront::Client>>,
    tagging: Mutex<HashMap<String, aws_sdk_resourcegroupstagging::Client>>,
    s3: Mutex<HashMap<String, aws_sdk_s3::Client>>,
    sqs: Mutex<HashMap<String, aws_sdk_sqs::Client>>,
    sns: Mutex<HashMap<String, aws_sdk_sns::Client>>,
    kms: Mutex<HashMap<String, aws_sdk_kms::Client>>,
    ecr: Mutex<HashMap<String, aws_sdk_ecr::Client>>,
    lambda: Mutex<HashMap<String, aws_sdk_lambda::Client>>,
    dynamodb: Mutex<HashMap<String, aws_sdk_dynamodb::Client>>,
    /// Reads shared during a refresh.
    pub reads: ReadCache,
    identity: Mutex<HashMap<String, Arc<OnceCell<CallerIdentity>>>>,
}

macro_rules! regional {
    ($name:ident, $field:ident, $krate:ident) => {
        pub fn $name(&self, region: &str) -> $krate::Client {
            let mut cache = self.$field.lock().unwrap_or_else(|p| p.into_inner());
            cache
                .entry(region.to_string())
                .or_insert_with(|| {
                    let mut b = $krate::config::Builder::from(&self.base)
                        .region($krate::config::Region::new(region.to_string()));
                    for i in &self.interceptors {
                        b.push_interceptor(i.clone());
                    }
                    $krate::Client::from_conf(b.build())
                })
                .clone()
        }
    };
}

macro_rules! global {
    ($name:ident, $field:ident, $krate:ident, $region:expr) => {
        pub fn $name(&self) -> $krate::Client {
            let mut cache = self.$field.lock().unwrap_or_else(|p| p.into_inner());
            cache
                .get_or_insert_with(|| {
                    let mut b = $krate::config::Builder::from(&self.base).region($krate::config::Region::new($region));
                    for i in &self.interceptors {
                        b.push_interceptor(i.clone());
                    }
                    $krate::Client::from_conf(b.build())
                })
                .clone()
        }
    };
}

impl Clients {
    /// Clients from `base`, with stackr's retry and timeout policy
    /// ([`crate::retry`]) in place of the SDK's defaults.
    pub fn new(base: SdkConfig, interceptors: Vec<SharedInterceptor>) -> Clients {
        let base =
            base.into_builder().retry_config(crate::retry::config()).timeout_config(crate::retry::timeouts()).build();
        Clients {
            base,
            interceptors,
            ec2: Default::default(),
            iam: Default::default(),
            logs: Default::default(),
            ssm: Default::default(),
            secrets: Default::default(),
            sts: Default::default(),
            route53: Default::default(),
            rds: Default::default(),
            efs: Default::default(),
            elasticache: Default::default(),
            ecs: Default::default(),
            elbv2: Default::default(),
            acm: Default::default(),
            wafv2: Default::default(),
            autoscaling: Default::default(),
            cloudwatch: Default::default(),
            cloudfront: Default::default(),
            tagging: Default::default(),
            s3: Default::default(),
            sqs: Default::default(),
            sns: Default::default(),
            kms: Default::default(),
            ecr: Default::default(),
            lambda: Default::default(),
            dynamodb: Default::default(),
            reads: ReadCache::new(),
            identity: Default::default(),
        }
    }

    /// The caller's identity as STS in `region` reports it; read once.
    pub async fn caller_identity(&self, region: &str) -> Result<CallerIdentity, ProviderError> {
        let cell =
            self.identity.lock().unwrap_or_else(|p| p.into_inner()).entry(region.to_string()).or_default().clone();
        cell.get_or_try_init(|| async {
            let out = self
                .sts(region)
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| crate::error::provider("GetCallerIdentity", e))?;
            let account = out.account.filter(|a| !a.is_empty()).ok_or_else(|| {
                ProviderError::new(
                    stackr_engine::reconciler::ErrorKind::Other,
                    "GetCallerIdentity: no account in the answer",
                )
            })?;
            Ok(CallerIdentity { account, arn: out.arn, user_id: out.user_id })
        })
        .await
        .cloned()
    }

    regional!(ec2, ec2, aws_sdk_ec2);
    regional!(logs, logs, aws_sdk_cloudwatchlogs);
    regional!(ssm, ssm, aws_sdk_ssm);
    regional!(secrets, secrets, aws_sdk_secretsmanager);
    regional!(sts, sts, aws_sdk_sts);
    regional!(rds, rds, aws_sdk_rds);
    regional!(efs, efs, aws_sdk_efs);
    regional!(elasticache, elasticache, aws_sdk_elasticache);
    regional!(ecs, ecs, aws_sdk_ecs);
    regional!(elbv2, elbv2, aws_sdk_elasticloadbalancingv2);
    regional!(acm, acm, aws_sdk_acm);
    regional!(wafv2, wafv2, aws_sdk_wafv2);
    regional!(autoscaling, autoscaling, aws_sdk_applicationautoscaling);
    regional!(cloudwatch, cloudwatch, aws_sdk_cloudwatch);
    // The Resource Groups Tagging API: tags of many services at once (crate::bulktags).
    regional!(tagging, tagging, aws_sdk_resourcegroupstagging);
    regional!(sqs, sqs, aws_sdk_sqs);
    regional!(sns, sns, aws_sdk_sns);
    regional!(kms, kms, aws_sdk_kms);
    regional!(ecr, ecr, aws_sdk_ecr);
    regional!(lambda, lambda, aws_sdk_lambda);
    regional!(dynamodb, dynamodb, aws_sdk_dynamodb);

    /// S3 in `region`. Path-style addressing when an endpoint URL is set
    /// (a local or private endpoint has no `bucket.host` DNS names).
    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let mut cache = self.s3.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(region.to_string())
            .or_insert_with(|| {
                let custom = self.base.endpoint_url().is_some()
                    || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some_and(|v| !v.is_empty());
                let mut b = aws_sdk_s3::config::Builder::from(&self.base)
                    .region(aws_sdk_s3::config::Region::new(region.to_string()))
                    .force_path_style(custom);
                for i in &self.interceptors {
                    b.push_interceptor(i.clone());
                }
                aws_sdk_s3::Client::from_conf(b.build())
            })
            .clone()
    }
    // IAM and Route 53 are global services, signed for us-east-1.
    global!(iam, iam, aws_sdk_iam, "us-east-1");
    global!(route53, route53, aws_sdk_route53, "us-east-1");
    // CloudFront is global too; its certificates and web ACLs live in us-east-1.
    global!(cloudfront, cloudfront, aws_sdk_cloudfront, "us-east-1");
}

impl RefreshHook for Clients {
    fn refresh_begins(&self, stack: &str, recorded: Arc<stackr_engine::recorded::Recorded>) {
        self.reads.begin(stack, recorded);
    }

    fn refresh_ends(&self) {
        self.reads.end();
    }
}
