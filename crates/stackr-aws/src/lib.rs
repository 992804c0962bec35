//! stackr-aws: the reconcilers that make AWS match a stack.
//!
//! One module per service, one file per resource type, at the same paths as
//! the type's declaration in `stackr-schema` (`aws.ec2.vpc` is declared in
//! `stackr-schema/src/ec2/vpc.rs` and reconciled in `src/ec2/vpc.rs` here).
//! Each implements the engine's [`Reconciler`](stackr_engine::reconciler::Reconciler)
//! contract for real AWS: reads batched per type, idempotent creates (client
//! tokens where the API has them, and a look-up by the `stackr:stack` /
//! `stackr:resource` tags before every create), deletes that succeed when
//! the resource is already gone.
//!
//! [`providers`] builds the set for a shared SDK configuration.

pub mod acm;
pub mod applicationautoscaling;
pub mod bulktags;
pub mod calls;
pub mod clients;
pub mod cloudfront;
pub mod cloudwatch;
pub mod data;
pub mod dynamodb;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod efs;
pub mod elasticache;
pub mod elbv2;
pub mod error;
pub mod iam;
pub mod kit;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod props;
pub mod rds;
pub mod readcache;
pub mod retry;
pub mod route53;
pub mod s3;
pub mod secretsmanager;
pub mod sns;
pub mod sqs;
pub mod ssm;
pub mod stats;
pub mod tags;
pub mod transient;
pub mod wafv2;

use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use clients::Clients;
use stackr_engine::reconciler::{Lookups, Providers};
use std::sync::Arc;

/// Every reconciler and look-up of this build, over one set of clients.
pub fn providers(config: &SdkConfig, interceptors: Vec<SharedInterceptor>) -> (Providers, Lookups) {
    let clients = Arc::new(Clients::new(config.clone(), interceptors));
    let mut p = Providers::new();
    p.set_refresh_hook(clients.clone());
    p.register(Arc::new(logs::LogGroup::new(clients.clone())));
    ec2::register(&clients, &mut p);
    iam::register(&clients, &mut p);
    ssm::register(&clients, &mut p);
    secretsmanager::register(&clients, &mut p);
    rds::register(&clients, &mut p);
    efs::register(&clients, &mut p);
    elasticache::register(&clients, &mut p);
    ecs::register(&clients, &mut p);
    applicationautoscaling::register(&clients, &mut p);
    cloudwatch::register(&clients, &mut p);
    wafv2::register(&clients, &mut p);
    cloudfront::register(&clients, &mut p);
    elbv2::register(&clients, &mut p);
    acm::register(&clients, &mut p);
    route53::register(&clients, &mut p);
    kms::register(&clients, &mut p);
    ecr::register(&clients, &mut p);
    s3::register(&clients, &mut p);
    sqs::register(&clients, &mut p);
    sns::register(&clients, &mut p);
    lambda::register(&clients, &mut p);
    dynamodb::register(&clients, &mut p);
    let mut l = Lookups::default();
    data::register(&clients, &mut l);
    (p, l)
}
