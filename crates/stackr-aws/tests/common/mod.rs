//! The conformance suite every reconciler passes, on the local AWS (moto).
//!
//! For a stack whose resource under test is named `subject`:
//! 1. create, then create again with the same token: one resource (or,
//!    per [`Twice`], the subject's create retried: the subject);
//! 2. observe right after create: up to date (an empty plan), and an apply
//!    of the unchanged stack makes no write call (counted per operation);
//! 3. every resource carries the stack's tags plus `stackr:stack` and
//!    `stackr:resource`;
//! 4. each mutable property changed out of band (with the SDK, as a person
//!    in the console would) is reported as drift by the plan and repaired by
//!    apply;
//! 5. a property that forces replacement: replaced, dependants updated;
//! 6. destroy: gone; delete of a missing resource: ok.

#![allow(dead_code)]

use stackr_core::model::Stack;
use stackr_core::{VarInputs, load_text};
use stackr_engine::apply::Options;
use stackr_engine::events::NoEvents;
use stackr_engine::plan::{Action, Cause, Plan};
use stackr_engine::reconciler::{
    CreateRequest, DeleteRequest, ErrorKind, Lookups, ProviderError, Providers, Readiness, Reconciler, Target,
};
use stackr_engine::session::{Applied, Session};
use stackr_state::local::LocalStore;
use stackr_testkit::TestEnv;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A client of `$krate` for the test's moto account in `$region`.
macro_rules! sdk_client {
    ($h:expr, $krate:ident, $region:expr) => {
        $krate::Client::from_conf(
            $krate::config::Builder::from($h.env.config())
                .region($krate::config::Region::new($region.to_string()))
                .interceptor($h.env.account())
                .build(),
        )
    };
}

pub const REGION: &str = "ap-northeast-1";

pub struct Harness {
    pub env: TestEnv,
    pub session: Session,
    pub providers: Providers,
    pub lookups: Lookups,
    /// Every AWS call the reconcilers made, by service and operation.
    pub calls: Arc<stackr_aws::stats::CallStats>,
    dir: std::path::PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn harness(name: &str) -> Harness {
    harness_with(name, Vec::new())
}

/// A harness whose reconcilers' clients also carry `extra` interceptors
/// (fault injection for what moto does not do).
pub fn harness_with(
    name: &str,
    extra: Vec<aws_smithy_runtime_api::client::interceptors::SharedInterceptor>,
) -> Harness {
    let env = TestEnv::new(REGION);
    let mut interceptors = vec![aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(env.account())];
    interceptors.extend(extra);
    let calls = stackr_aws::stats::CallStats::new();
    interceptors.push(calls.interceptor());
    let (providers, lookups) = stackr_aws::providers(env.config(), interceptors);
    let dir = std::env::temp_dir().join(format!("stackr-aws-{name}-{}-{}", std::process::id(), env.account().id()));
    let _ = std::fs::remove_dir_all(&dir);
    let session = Session {
        store: Arc::new(LocalStore::new(dir.join("state.json"))),
        providers: providers.clone(),
        lookups: lookups.clone(),
        events: Arc::new(NoEvents),
        version: "test".into(),
        write_interval: Duration::from_millis(20),
    };
    Harness { env, session, providers, lookups, calls, dir }
}

pub fn stack(text: &str, vars: &[(&str, &str)]) -> Stack {
    let inputs =
        VarInputs { cli: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Default::default() };
    match load_text(Path::new("conformance.yaml"), text, &inputs, &stackr_schema::Types) {
        Ok(s) => s,
        Err(e) => panic!("{}", e.render(false)),
    }
}

pub fn options() -> Options {
    let mut o = Options::new(8);
    o.poll_initial = Duration::from_millis(50);
    o.poll_max = Duration::from_millis(500);
    o.retry_for = Duration::from_secs(20);
    o
}

impl Harness {
    pub async fn plan(&self, s: &Stack) -> Plan {
        self.session.prepare(s).await.unwrap_or_else(|e| panic!("plan: {e}")).plan
    }

    pub async fn apply(&self, s: &Stack) -> Applied {
        let lock = self.session.lock("conformance").await.expect("lock");
        let prepared = self.session.prepare(s).await.unwrap_or_else(|e| panic!("prepare: {e}"));
        let applied = self.session.apply(Some(s), prepared, options()).await.expect("apply");
        self.session.unlock(&lock).await.expect("unlock");
        assert!(applied.report.ok(), "apply failed: {:?}", applied.report);
        applied
    }

    pub async fn destroy(&self, name: &str) -> Applied {
        let prepared = self.session.prepare_destroy(name).await.expect("prepare destroy");
        let mut o = options();
        o.allow_protected = vec!["subject".into()];
        let applied = self.session.apply(None, prepared, o).await.expect("destroy");
        assert!(applied.report.ok(), "destroy failed: {:?}", applied.report);
        applied
    }

    pub fn id_of(&self, applied: &Applied, address: &str) -> String {
        applied.state.resources.get(address).unwrap_or_else(|| panic!("{address} not in state")).id.clone()
    }

    /// The state file of the harness's local store.
    pub fn state_file(&self) -> std::path::PathBuf {
        self.dir.join("state.json")
    }

    // SDK clients on the local AWS, as this harness's account: for
    // out-of-band changes made as a person in the console would.

    /// A client of the test's account in `region` (the stack's own is [`REGION`]).
    pub fn rds(&self) -> aws_sdk_rds::Client {
        sdk_client!(self, aws_sdk_rds, REGION)
    }

    pub fn efs(&self) -> aws_sdk_efs::Client {
        sdk_client!(self, aws_sdk_efs, REGION)
    }

    pub fn elasticache(&self) -> aws_sdk_elasticache::Client {
        sdk_client!(self, aws_sdk_elasticache, REGION)
    }

    pub fn ecs(&self) -> aws_sdk_ecs::Client {
        sdk_client!(self, aws_sdk_ecs, REGION)
    }

    pub fn elbv2(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        sdk_client!(self, aws_sdk_elasticloadbalancingv2, REGION)
    }

    pub fn autoscaling(&self) -> aws_sdk_applicationautoscaling::Client {
        sdk_client!(self, aws_sdk_applicationautoscaling, REGION)
    }

    pub fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        sdk_client!(self, aws_sdk_cloudwatch, REGION)
    }

    /// ACM in a region of choice (CloudFront's certificates are in us-east-1).
    pub fn acm(&self, region: &str) -> aws_sdk_acm::Client {
        sdk_client!(self, aws_sdk_acm, region)
    }

    /// WAFv2 in a region of choice (CLOUDFRONT scope lives in us-east-1).
    pub fn wafv2(&self, region: &str) -> aws_sdk_wafv2::Client {
        sdk_client!(self, aws_sdk_wafv2, region)
    }

    /// CloudFront is global: its endpoint is in us-east-1.
    pub fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        sdk_client!(self, aws_sdk_cloudfront, "us-east-1")
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::from_conf(
            aws_sdk_ec2::config::Builder::from(self.env.config()).interceptor(self.env.account()).build(),
        )
    }

    /// IAM is global: its endpoint is in us-east-1.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(self.env.config())
                .region(aws_sdk_iam::config::Region::new("us-east-1"))
                .interceptor(self.env.account())
                .build(),
        )
    }

    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::from_conf(
            aws_sdk_cloudwatchlogs::config::Builder::from(self.env.config()).interceptor(self.env.account()).build(),
        )
    }

    /// Route 53 is global: its endpoint is in us-east-1.
    pub fn route53(&self) -> aws_sdk_route53::Client {
        aws_sdk_route53::Client::from_conf(
            aws_sdk_route53::config::Builder::from(self.env.config())
                .region(aws_sdk_route53::config::Region::new("us-east-1"))
                .interceptor(self.env.account())
                .build(),
        )
    }

    pub fn secrets(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::from_conf(
            aws_sdk_secretsmanager::config::Builder::from(self.env.config()).interceptor(self.env.account()).build(),
        )
    }

    pub fn ssm(&self) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::config::Builder::from(self.env.config()).interceptor(self.env.account()).build(),
        )
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        sdk_client!(self, aws_sdk_sqs, REGION)
    }

    pub fn sns(&self) -> aws_sdk_sns::Client {
        sdk_client!(self, aws_sdk_sns, REGION)
    }

    pub fn kms(&self) -> aws_sdk_kms::Client {
        sdk_client!(self, aws_sdk_kms, REGION)
    }

    pub fn ecr(&self) -> aws_sdk_ecr::Client {
        sdk_client!(self, aws_sdk_ecr, REGION)
    }

    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        sdk_client!(self, aws_sdk_lambda, REGION)
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        sdk_client!(self, aws_sdk_dynamodb, REGION)
    }

    /// S3 with path-style addressing (the local AWS has no bucket host names).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(self.env.config())
                .region(aws_sdk_s3::config::Region::new(REGION))
                .force_path_style(true)
                .interceptor(self.env.account())
                .build(),
        )
    }
}

pub type Mutation = Box<dyn Fn(Arc<Harness>, String) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// One reconciler's conformance case.
pub struct Case {
    pub kind: &'static str,
    /// A stack whose resource under test is named `subject`, using the
    /// variable `replace_var` in a property that forces replacement.
    pub stack: String,
    /// (the property it changes, the out-of-band change given the subject's id)
    pub mutations: Vec<(&'static str, Mutation)>,
    /// A variable value that forces replacement, and a dependant (address)
    /// that must follow the new resource.
    pub replace: Option<(&'static str, &'static str, Option<&'static str>)>,
    /// How "create twice with the same request: one resource" is checked.
    pub twice: Twice,
}

/// The "create twice" step of [`conformance`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Twice {
    /// A second resource (address `twice`, name suffixed `-twice` for types
    /// named by a `name`) is created twice with one token: one resource,
    /// deleted again.
    #[default]
    Another,
    /// For types that cannot exist twice with the same properties (a
    /// subnet's CIDR in its VPC, a NAT gateway's Elastic IP, a subnet's one
    /// route table association): the subject's own create is retried and
    /// must return the subject.
    Retry,
}

pub async fn conformance(name: &str, case: Case) {
    conformance_in(Arc::new(harness(name)), case).await
}

/// [`conformance`] on a harness the test has prepared (a hosted zone made in
/// its account first, whose id the stack names).
pub async fn conformance_in(h: Arc<Harness>, case: Case) {
    let s = stack(&case.stack, &[]);
    let stack_name = s.name.clone();
    let rec = h.providers.get(case.kind).unwrap_or_else(|| panic!("no reconciler for {}", case.kind)).clone();

    // 1. create, then up to date.
    let applied = h.apply(&s).await;
    let id = h.id_of(&applied, "subject");
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "{}: not up to date right after create: {:#?}", case.kind, plan.steps);
    // An unchanged stack's apply reads, and writes nothing.
    h.calls.reset();
    h.apply(&s).await;
    assert!(h.calls.calls() > 0, "{}: the call counter saw no call: it would miss writes too", case.kind);
    let writes = h.calls.writes();
    assert!(writes.is_empty(), "{}: an apply of the unchanged stack wrote: {writes:?}", case.kind);

    let live = rec.observe(REGION, std::slice::from_ref(&id)).await.expect("observe")[0]
        .clone()
        .expect("observed after create");
    let broken = contract_breaches(rec.schema(), &live);
    assert!(broken.is_empty(), "{}: observed values break the schema: {broken:#?}", case.kind);
    let mut desired = h.session.prepare(&s).await.expect("prepare").desired.props["subject"].clone();
    match case.twice {
        // Create twice with the same request: one resource. It is another
        // resource than the subject (its own address, and its own name for
        // types named by a `name`), so deleting it leaves the subject alone.
        Twice::Another => {
            if let Some(stackr_core::value::Value::String(n)) = desired.get("name").cloned() {
                desired.insert("name".into(), stackr_core::value::Value::String(format!("{n}-twice")));
            }
            let mut tags = live.tags.clone();
            tags.insert("stackr:resource".into(), "twice".into());
            let req = CreateRequest {
                target: Target { stack: stack_name.clone(), address: "twice".into(), region: REGION.into() },
                properties: desired.clone(),
                tags,
                token: format!("conformance-{}", h.env.account().id()),
                known_ids: Vec::new(),
            };
            let first = rec.create(&req).await.expect("first create");
            let second = rec.create(&req).await.expect("second create with the same token");
            assert_eq!(first.id, second.id, "{}: creating twice made two resources", case.kind);
            delete_until_gone(
                rec.as_ref(),
                &DeleteRequest { target: req.target.clone(), id: first.id.clone(), properties: desired },
            )
            .await
            .expect("delete the extra");
        }
        // The subject's own create retried (same target, tags and
        // properties), as after a crash between create and state write:
        // it returns the subject itself.
        Twice::Retry => {
            let mut tags = live.tags.clone();
            if !rec.schema().taggable {
                tags.clear();
            }
            let req = CreateRequest {
                target: Target { stack: stack_name.clone(), address: "subject".into(), region: REGION.into() },
                properties: desired,
                tags,
                token: format!("conformance-retry-{}", h.env.account().id()),
                known_ids: Vec::new(),
            };
            let again = rec.create(&req).await.expect("retried create");
            assert_eq!(again.id, id, "{}: a retried create made another resource", case.kind);
            assert!(h.plan(&s).await.is_empty(), "{}: not up to date after the retried create", case.kind);
        }
    }

    // 3. tags (every type the suite runs today is taggable).
    if rec.schema().taggable {
        assert_eq!(live.tags.get("stackr:stack"), Some(&stack_name), "{}: stackr:stack tag", case.kind);
        assert_eq!(
            live.tags.get("stackr:resource").map(String::as_str),
            Some("subject"),
            "{}: stackr:resource tag",
            case.kind
        );
        assert_eq!(live.tags.get("suite").map(String::as_str), Some("conformance"), "{}: stack tags", case.kind);
    }

    // 4. drift, detected and repaired, one property at a time.
    for (field, mutate) in &case.mutations {
        mutate(h.clone(), id.clone()).await;
        let plan = h.plan(&s).await;
        let step = plan
            .steps
            .iter()
            .find(|st| st.address == "subject")
            .unwrap_or_else(|| panic!("{}: out-of-band change of `{field}` not detected", case.kind));
        assert!(
            matches!(step.cause, Cause::Drift | Cause::ConfigAndDrift | Cause::Deleted),
            "{}: `{field}` should be drift: {step:?}",
            case.kind
        );
        assert!(step.changes.iter().any(|c| c.field == *field), "{}: `{field}` not named: {step:?}", case.kind);
        h.apply(&s).await;
        let plan = h.plan(&s).await;
        assert!(plan.is_empty(), "{}: `{field}` not repaired: {:#?}", case.kind, plan.steps);
    }

    // 5. replacement.
    if let Some((var, value, dependant)) = case.replace {
        let changed = stack(&case.stack, &[(var, value)]);
        let plan = h.plan(&changed).await;
        let step = plan.steps.iter().find(|st| st.address == "subject").expect("a step for the subject");
        assert_eq!(step.action, Action::Replace, "{}: expected replacement: {step:?}", case.kind);
        let applied = h.apply(&changed).await;
        let new_id = h.id_of(&applied, "subject");
        assert_ne!(new_id, id, "{}: not replaced", case.kind);
        if let Some(d) = dependant {
            let deps = &applied.state.resources[d];
            assert!(
                deps.properties.values().any(|v| v.to_string().contains(&new_id)),
                "{}: dependant {d} does not use the new resource",
                case.kind
            );
        }
        assert!(h.plan(&changed).await.is_empty(), "{}: not up to date after replacement", case.kind);
        let gone = rec.observe(REGION, std::slice::from_ref(&id)).await.expect("observe old");
        assert!(gone[0].is_none(), "{}: the old resource is still there", case.kind);
    }

    // 6. destroy; a second delete of the same resource is fine.
    let state = h.session.load(&stack_name).await.expect("load").0;
    let last_id = state.resources["subject"].id.clone();
    h.destroy(&stack_name).await;
    let gone = rec.observe(REGION, std::slice::from_ref(&last_id)).await.expect("observe after destroy");
    assert!(gone[0].is_none(), "{}: still there after destroy", case.kind);
    rec.delete(&DeleteRequest {
        target: Target { stack: stack_name, address: "subject".into(), region: REGION.into() },
        id: last_id,
        properties: Default::default(),
    })
    .await
    .expect("delete of a missing resource is ok");
}

/// Where an observed resource breaks the reconciler contract: a property
/// or attribute the schema does not declare, a value not of its declared
/// type, a secret returned, an empty id.
pub fn contract_breaches(
    schema: &stackr_core::schema::TypeSchema,
    live: &stackr_engine::reconciler::Observed,
) -> Vec<String> {
    use stackr_core::schema::check_value;
    use stackr_core::value::Value;
    let mut out = Vec::new();
    let check = |out: &mut Vec<String>, what: &str, name: &str, ty: &stackr_core::schema::PropType, v: &Value| {
        if matches!(v, Value::Null) {
            return;
        }
        let mut found = Vec::new();
        check_value(ty, v, name, &mut found);
        out.extend(found.into_iter().map(|m| format!("{what} {}: {}", m.path, m.message)));
    };
    for (k, v) in &live.properties {
        match schema.property(k) {
            Some(p) if p.secret => out.push(format!("secret property `{k}` is returned")),
            Some(p) => check(&mut out, "property", k, &p.ty, v),
            None => out.push(format!("property `{k}` is not declared")),
        }
    }
    for (k, v) in &live.attributes {
        // A property's live value may also be given as an attribute of
        // the same name (what a reference to it reads after apply).
        match (schema.attribute(k), schema.property(k)) {
            (Some(a), _) => check(&mut out, "attribute", k, &a.ty, v),
            (None, Some(p)) if !p.secret => check(&mut out, "attribute", k, &p.ty, v),
            _ => out.push(format!("attribute `{k}` is declared neither as an attribute nor as a property")),
        }
    }
    if live.id.is_empty() {
        out.push("the id is empty".into());
    }
    out
}

/// Deletes as the engine does: "not yet" answers (a distribution still
/// being disabled) are asked again, then it waits until the resource is
/// gone (`Reconciler::deleted`).
pub async fn delete_until_gone(rec: &dyn Reconciler, req: &DeleteRequest) -> Result<(), ProviderError> {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        match rec.delete(req).await {
            Ok(()) => break,
            Err(e) if e.kind == ErrorKind::Retryable && std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => return Err(e),
        }
    }
    loop {
        match rec.deleted(&req.target.region, &req.id).await? {
            Readiness::Ready => return Ok(()),
            _ if std::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            other => return Err(ProviderError::new(ErrorKind::Other, format!("{} is not gone: {other:?}", req.id))),
        }
    }
}

/// A [`Mutation`] from an async closure (the `mutation!` macro does not
/// coerce its future to the boxed trait object).
pub fn m<F, Fut>(f: F) -> Mutation
where
    F: Fn(Arc<Harness>, String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Box::new(move |h, id| -> Pin<Box<dyn Future<Output = ()> + Send>> { Box::pin(f(h, id)) })
}

/// Boxes an async block as a [`Mutation`].
#[macro_export]
macro_rules! mutation {
    (|$h:ident, $id:ident| $body:expr) => {
        Box::new(move |$h: std::sync::Arc<$crate::common::Harness>, $id: String| {
            Box::pin(async move { $body }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        }) as $crate::common::Mutation
    };
}
