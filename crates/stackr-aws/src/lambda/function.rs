//! `aws.lambda.function`: a function from a zip in S3 or an ECR image.
//!
//! The id is the function's name (unique per account and region: a
//! create's "already exists" with our tags is adopted). Reads: one
//! GetFunction per function (configuration, image and tags in one answer).
//! AWS does not say where a zip came from, so the S3 location is kept in
//! `stackr:code-*` tags with the CodeSha256 it gave; the location is
//! reported only while the live CodeSha256 is still that one, so code
//! changed outside stackr is drift of the code.

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{self, Field, int32, not_in_place};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder;
use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
use aws_sdk_lambda::types::{
    Architecture, Environment, FunctionCode, FunctionConfiguration, LastUpdateStatus, PackageType, Runtime, State,
    VpcConfig,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];
const CODE_S3: &str = "stackr:code-s3";
const CODE_VERSION: &str = "stackr:code-s3-version";
const CODE_SHA: &str = "stackr:code-sha256";
/// Lambda's tag values are at most 256 characters.
const TAG_VALUE_MAX: usize = 256;
const CODE: &[&str] = &["s3_bucket", "s3_key", "s3_object_version", "image_uri", "architectures"];
const CONFIG: &[&str] =
    &["role", "runtime", "handler", "memory_size", "timeout", "environment", "vpc_config", "description", "layers"];

pub struct Function {
    clients: Arc<Clients>,
}

/// One function as read: its configuration, the image it runs (if any)
/// and the `stackr:code-*` tags recording where its zip came from.
struct Seen {
    c: FunctionConfiguration,
    image_uri: Option<String>,
    code_tags: BTreeMap<String, String>,
}

impl Seen {
    /// The recorded S3 location holds while the code is still what it gave.
    fn s3_holds(&self) -> bool {
        self.c.code_sha256.is_some() && self.code_tags.get(CODE_SHA) == self.c.code_sha256.as_ref()
    }

    /// The recorded bucket and key, while they hold.
    fn s3_location(&self) -> Option<(&str, &str)> {
        self.code_tags.get(CODE_S3).and_then(|l| l.split_once('/')).filter(|_| self.s3_holds())
    }
}

/// Schema ↔ AWS (`Configuration` and `Code` of GetFunction, with the
/// `stackr:code-*` tags; CreateFunction). The code's location (`Code`: a
/// zip's bucket, key and version, or an image) is one member, built and
/// checked by [`code`] for CreateFunction and UpdateFunctionCode alike.
type Row = Field<Seen, CreateFunctionFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("function_name", "FunctionName", |x| Some(s(x.c.function_name.clone().unwrap_or_default())))
        .create(|c, v| Ok(c.function_name(to::text(v)?))),
    Row::new("role", "Role", |x| x.c.role.clone().map(s)).create(|c, v| Ok(c.role(to::text(v)?))),
    Row::new("package_type", "PackageType", |x| x.c.package_type.as_ref().map(|p| s(p.as_str())))
        .create(|c, v| Ok(c.package_type(PackageType::from(to::text(v)?.as_str())))),
    Row::new("s3_bucket", "Code.S3Bucket", |x| x.s3_location().map(|(b, _)| s(b))),
    Row::new("s3_key", "Code.S3Key", |x| x.s3_location().map(|(_, k)| s(k))),
    Row::new("s3_object_version", "Code.S3ObjectVersion", |x| {
        x.code_tags.get(CODE_VERSION).filter(|_| x.s3_holds()).map(s)
    }),
    Row::new("image_uri", "Code.ImageUri", |x| x.image_uri.clone().map(s)),
    Row::new("runtime", "Runtime", |x| x.c.runtime.as_ref().map(|r| s(r.as_str())))
        .create(|c, v| Ok(c.runtime(Runtime::from(to::text(v)?.as_str())))),
    Row::new("handler", "Handler", |x| x.c.handler.clone().map(s)).create(|c, v| Ok(c.handler(to::text(v)?))),
    Row::new("memory_size", "MemorySize", |x| x.c.memory_size.map(kit::num))
        .create(|c, v| Ok(c.memory_size(to::int32(v)?))),
    Row::new("timeout", "Timeout", |x| x.c.timeout.map(kit::num)).create(|c, v| Ok(c.timeout(to::int32(v)?))),
    Row::new("environment", "Environment.Variables", |x| {
        let env: BTreeMap<String, Value> =
            x.c.environment
                .as_ref()
                .and_then(|e| e.variables.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
        Some(Value::Map(env))
    })
    .create(|c, v| Ok(c.set_environment(environment(v)))),
    Row::new("vpc_config", "VpcConfig", |x| {
        // Not in a VPC reads as empty lists, what a stack writes to take a
        // function out of one (leaving `vpc_config` out leaves it be).
        let (subnets, groups) =
            x.c.vpc_config
                .as_ref()
                .map(|v| (v.subnet_ids().to_vec(), v.security_group_ids().to_vec()))
                .unwrap_or_default();
        Some(Value::Map(
            [("subnet_ids".to_string(), props::list(subnets)), ("security_group_ids".to_string(), props::list(groups))]
                .into_iter()
                .collect(),
        ))
    })
    .create(|c, v| Ok(c.set_vpc_config(vpc(v)))),
    Row::new("architectures", "Architectures", |x| {
        Some(props::list(x.c.architectures().iter().map(|a| a.as_str().to_string())))
    })
    .create(|c, v| Ok(c.set_architectures(Some(to::texts(v)?.iter().map(|a| a.as_str().into()).collect())))),
    Row::new("description", "Description", |x| Some(s(x.c.description.clone().unwrap_or_default())))
        .create(|c, v| Ok(c.description(to::text(v)?))),
    Row::new("layers", "Layers", |x| Some(props::list(x.c.layers().iter().filter_map(|l| l.arn.clone()))))
        .create(|c, v| Ok(c.set_layers(Some(to::texts(v)?)))),
];

impl Function {
    pub fn new(clients: Arc<Clients>) -> Self {
        Function { clients }
    }

    async fn get(&self, region: &str, name: &str) -> Result<Option<GetFunctionOutput>, ProviderError> {
        match self.clients.lambda(region).get_function().function_name(name).send().await {
            Ok(o) => Ok(Some(o)),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("GetFunction", e)),
        }
    }

    async fn config(&self, region: &str, name: &str) -> Result<Option<FunctionConfiguration>, ProviderError> {
        match self.clients.lambda(region).get_function_configuration().function_name(name).send().await {
            Ok(o) => Ok(Some(
                FunctionConfiguration::builder()
                    .set_state(o.state)
                    .set_state_reason(o.state_reason)
                    .set_state_reason_code(o.state_reason_code)
                    .set_last_update_status(o.last_update_status)
                    .set_last_update_status_reason(o.last_update_status_reason)
                    .build(),
            )),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("GetFunctionConfiguration", e)),
        }
    }

    fn observed(&self, region: &str, out: GetFunctionOutput) -> Observed {
        let c = out.configuration.unwrap_or_else(|| FunctionConfiguration::builder().build());
        let name = c.function_name.clone().unwrap_or_default();
        let arn = c.function_arn.clone().unwrap_or_default();
        let mut tags = props::tag_map(out.tags.unwrap_or_default());
        let code_tags: BTreeMap<String, String> =
            [CODE_S3, CODE_VERSION, CODE_SHA].iter().filter_map(|k| tags.remove_entry(*k)).collect();
        let version = c.version.clone().unwrap_or_else(|| "$LATEST".into());
        let image_uri = out.code.as_ref().and_then(|l| l.image_uri.clone());
        let properties = fields::observed(FIELDS, &Seen { c, image_uri, code_tags });
        let invoke = format!(
            "arn:{}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
            kit::partition(region)
        );
        let attributes = props::build([
            ("id", Some(s(&name))),
            ("arn", Some(s(&arn))),
            ("qualified_arn", Some(s(format!("{arn}:{version}")))),
            ("version", Some(s(version))),
            ("invoke_arn", Some(s(invoke))),
        ]);
        Observed { id: name, properties, attributes, tags }
    }

    async fn must(&self, region: &str, name: &str) -> Result<Observed, ProviderError> {
        let out =
            kit::eventually("GetFunction", || self.clients.lambda(region).get_function().function_name(name).send())
                .await?;
        Ok(self.observed(region, out))
    }

    /// Waits (briefly) until the function takes a change: not Pending, its
    /// last update no longer InProgress; else "not yet" for the engine.
    async fn settle(&self, region: &str, name: &str) -> Result<(), ProviderError> {
        let what = format!("Lambda function {name} to finish its last change");
        kit::poll(&what, Duration::from_secs(120), || async {
            let c = self.config(region, name).await?;
            let busy = c.as_ref().is_some_and(|c| {
                c.state == Some(State::Pending) || c.last_update_status == Some(LastUpdateStatus::InProgress)
            });
            Ok((!busy).then_some(()))
        })
        .await
        .map_err(|e| ProviderError::not_yet(e.message, None))
    }

    /// Records where a zip came from, next to the CodeSha256 it gave.
    async fn record_code(&self, region: &str, arn: &str, p: &Props, sha: Option<String>) -> Result<(), ProviderError> {
        let (Some(bucket), Some(key), Some(sha)) = (props::string(p, "s3_bucket"), props::string(p, "s3_key"), sha)
        else {
            return Ok(());
        };
        let mut tags = BTreeMap::from([(CODE_S3.to_string(), format!("{bucket}/{key}")), (CODE_SHA.to_string(), sha)]);
        if let Some(v) = props::string(p, "s3_object_version") {
            tags.insert(CODE_VERSION.to_string(), v);
        }
        kit::TagApi::tag(&self.clients.lambda(region), arn, tags).await
    }
}

/// The environment variables Lambda sets itself and refuses in a
/// function's configuration (the reserved keys of "Defined runtime
/// environment variables").
fn reserved(key: &str) -> bool {
    const KEYS: &[&str] = &[
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    ];
    KEYS.contains(&key) || key.starts_with("AWS_LAMBDA_")
}

/// The code to deploy: a zip in S3 or an image.
fn code(p: &Props) -> Result<FunctionCode, ProviderError> {
    if let Some(uri) = props::string(p, "image_uri") {
        return Ok(FunctionCode::builder().image_uri(uri).build());
    }
    let (Some(bucket), Some(key)) = (props::string(p, "s3_bucket"), props::string(p, "s3_key")) else {
        return Err(kit::invalid("a Lambda function needs `image_uri`, or `s3_bucket` and `s3_key`"));
    };
    if bucket.len() + key.len() + 1 > TAG_VALUE_MAX {
        return Err(kit::invalid(format!("`s3_key` {key} is too long to be recorded (at most 190 characters)")));
    }
    Ok(FunctionCode::builder()
        .s3_bucket(bucket)
        .s3_key(key)
        .set_s3_object_version(props::string(p, "s3_object_version"))
        .build())
}

fn architectures(p: &Props) -> Option<Vec<Architecture>> {
    p.contains_key("architectures")
        .then(|| props::strings(p, "architectures").iter().map(|a| a.as_str().into()).collect())
}

/// What UpdateFunctionConfiguration puts back when a property leaves the
/// stack (<https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html>:
/// empty variables, and empty subnet and group lists to leave a VPC).
fn reset(field: &str) -> Option<Value> {
    let empty = || Value::List(Vec::new());
    match field {
        "environment" => Some(Value::Map(Default::default())),
        "vpc_config" => {
            Some(Value::Map([("subnet_ids".to_string(), empty()), ("security_group_ids".to_string(), empty())].into()))
        }
        "description" => Some(Value::String(String::new())),
        "layers" => Some(empty()),
        "memory_size" => Some(Value::Number(128.0)),
        "timeout" => Some(Value::Number(3.0)),
        _ => None,
    }
}

/// An `environment` value as Lambda takes it.
fn environment(v: &Value) -> Option<Environment> {
    match v {
        Value::Map(m) => Some(
            Environment::builder()
                .set_variables(Some(m.iter().filter_map(|(k, v)| Some((k.clone(), v.to_interpolated()?))).collect()))
                .build(),
        ),
        _ => None,
    }
}

/// A `vpc_config` value as Lambda takes it.
fn vpc(v: &Value) -> Option<VpcConfig> {
    match v {
        Value::Map(m) => Some(
            VpcConfig::builder()
                .set_subnet_ids(Some(props::strings(m, "subnet_ids")))
                .set_security_group_ids(Some(props::strings(m, "security_group_ids")))
                .build(),
        ),
        _ => None,
    }
}

#[async_trait]
impl Reconciler for Function {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::lambda::FUNCTION
    }

    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        if let Some(Value::Map(env)) = p.get("environment")
            && let Some(key) = env.keys().find(|k| reserved(k))
        {
            return Err(kit::invalid(format!(
                "`environment` sets {key}, a key Lambda reserves for its runtime and refuses \
                 (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)"
            )));
        }
        if kit::known(p, &["image_uri", "s3_bucket", "s3_key", "s3_object_version"]) {
            code(p).map(|_| ())
        } else {
            Ok(())
        }
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.get(region, id).await?.map(|o| self.observed(region, o)));
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "function_name") else { return Ok(None) };
        let region = &req.target.region;
        Ok(kit::mine(self.get(region, &name).await?.map(|o| self.observed(region, o)), req))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let (region, p) = (&req.target.region, &req.properties);
        let name = props::require(p, "function_name")?;
        props::require(p, "role")?;
        let code = code(p)?;
        let created = fields::create(FIELDS, self.clients.lambda(region).create_function(), p)?
            .code(code)
            .set_tags(Some(req.tags.clone().into_iter().collect()))
            .send()
            .await;
        // https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html:
        // ResourceConflictException when the name is taken.
        let (arn, sha) = match created {
            Ok(out) => (out.function_arn.unwrap_or_default(), out.code_sha256),
            Err(e) if is(&e, &["ResourceConflictException"]) => {
                return kit::adopt_existing("a Lambda function", &name, self.must(region, &name).await?, req);
            }
            Err(e) => return Err(provider("CreateFunction", e)),
        };
        self.record_code(region, &arn, p, sha).await?;
        self.must(region, &name).await
    }

    /// Left out of the stack: no environment, out of any VPC, no
    /// description, no layers, and CreateFunction's 128 MB and 3 seconds.
    fn resets(&self, field: &str) -> bool {
        reset(field).is_some()
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let desired = kit::with_resets(&req.desired, &req.changed, reset);
        let (region, name, p) = (&req.target.region, &req.id, &desired);
        let client = self.clients.lambda(region);
        if let Some(other) =
            req.changed.iter().find(|f| !CODE.contains(&f.as_str()) && !CONFIG.contains(&f.as_str()) && *f != "tags")
        {
            return Err(not_in_place("a Lambda function", other));
        }
        let arn = props::string(&req.observed.attributes, "arn").unwrap_or_default();
        // Code and configuration are two calls, each refused while the
        // other is InProgress: one at a time.
        if req.changed.iter().any(|f| CODE.contains(&f.as_str())) {
            self.settle(region, name).await?;
            let c = code(p)?;
            let out = client
                .update_function_code()
                .function_name(name)
                .set_s3_bucket(c.s3_bucket)
                .set_s3_key(c.s3_key)
                .set_s3_object_version(c.s3_object_version)
                .set_image_uri(c.image_uri)
                .set_architectures(architectures(p))
                .send()
                .await
                .map_err(|e| provider("UpdateFunctionCode", e))?;
            self.record_code(region, &arn, p, out.code_sha256).await?;
        }
        if req.changed.iter().any(|f| CONFIG.contains(&f.as_str())) {
            self.settle(region, name).await?;
            client
                .update_function_configuration()
                .function_name(name)
                .set_role(props::string(p, "role"))
                .set_runtime(props::string(p, "runtime").map(|r| r.as_str().into()))
                .set_handler(props::string(p, "handler"))
                .set_memory_size(int32(p, "memory_size")?)
                .set_timeout(int32(p, "timeout")?)
                .set_environment(p.get("environment").and_then(environment))
                .set_vpc_config(p.get("vpc_config").and_then(vpc))
                .set_description(props::string(p, "description"))
                .set_layers(p.contains_key("layers").then(|| props::strings(p, "layers")))
                .send()
                .await
                .map_err(|e| provider("UpdateFunctionConfiguration", e))?;
        }
        if req.changed.iter().any(|f| f == "tags") {
            kit::sync_tags(&client, &arn, &req.observed.tags, &req.tags).await?;
        }
        self.must(region, name).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.lambda(&req.target.region).delete_function().function_name(&req.id).send().await;
        kit::tolerate("DeleteFunction", r, NOT_FOUND)
    }

    /// https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html:
    /// Pending until Active; Failed with a StateReasonCode; a change is
    /// done once LastUpdateStatus leaves InProgress (Failed: it failed).
    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let Some(c) = self.config(region, id).await? else { return Ok(Readiness::Pending("not visible yet".into())) };
        let reason = |code: Option<&str>, why: Option<&str>| {
            format!("{} ({})", code.unwrap_or("no reason code"), why.unwrap_or("no reason given"))
        };
        Ok(match (&c.state, &c.last_update_status) {
            (Some(State::Failed), _) => Readiness::Failed(format!(
                "Failed: {}",
                reason(c.state_reason_code.as_ref().map(|r| r.as_str()), c.state_reason.as_deref())
            )),
            (Some(State::Pending), _) => Readiness::Pending("Pending".into()),
            (_, Some(LastUpdateStatus::InProgress)) => Readiness::Pending("update InProgress".into()),
            (_, Some(LastUpdateStatus::Failed)) => Readiness::Failed(format!(
                "last update Failed: {}",
                reason(None, c.last_update_status_reason.as_deref())
            )),
            _ => Readiness::Ready,
        })
    }

    /// Gone once GetFunction no longer finds it and the network interfaces
    /// Lambda made for it in a VPC are released, which takes minutes
    /// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html):
    /// until then its subnets and security groups cannot be deleted.
    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        if self.get(region, id).await?.is_some() {
            return Ok(Readiness::Pending("deleting".into()));
        }
        let filter = aws_sdk_ec2::types::Filter::builder()
            .name("description")
            .values(format!("AWS Lambda VPC ENI-{id}-*"))
            .build();
        let call = self.clients.ec2(region).describe_network_interfaces().filters(filter);
        let enis = crate::collect!(call, network_interfaces, "DescribeNetworkInterfaces");
        Ok(match enis.len() {
            0 => Readiness::Ready,
            n => Readiness::Pending(format!("{n} network interfaces releasing")),
        })
    }

    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(20, 20, 45)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::lambda::FUNCTION, &[]);
    }

    #[test]
    fn the_runtime_s_own_variables_are_reserved() {
        assert!(reserved("AWS_REGION") && reserved("AWS_LAMBDA_FUNCTION_NAME") && reserved("_HANDLER"));
        assert!(!reserved("TABLE") && !reserved("AWS_REGION_OVERRIDE"));
    }
}
