//! `aws.ecs.task_definition`: one revision of a task definition family
//! (RegisterTaskDefinition). Revisions are immutable, so every property
//! replaces and only tags change in place (TagResource / UntagResource). A
//! changed definition registers a new revision in the same family; with
//! `create_before_destroy` (the natural choice here: the new revision
//! needs no name of its own) the services referencing `arn` move to it
//! before the old revision is deregistered. No readiness.
//!
//! The id is the revision's ARN (`...:task-definition/FAMILY:REVISION`).
//! RegisterTaskDefinition has no client token, so create looks first for
//! an active revision of the family carrying the target's stackr tags and
//! the requested definition, and adopts it instead of registering again.
//!
//! Delete is DeregisterTaskDefinition followed by DeleteTaskDefinitions
//! (AWS deletes the revision once no task or service uses it); a revision
//! that is INACTIVE or DELETE_IN_PROGRESS counts as gone.
//!
//! Reads: DescribeTaskDefinition with TAGS per revision (AWS has no batched
//! read); the look-up lists the family's active revisions, newest first.

use super::common::{self, invalid, map, num, object};
use super::container;
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionFluentBuilder;
use aws_sdk_ecs::types::{
    Compatibility, CpuArchitecture, EfsAuthorizationConfig, EfsAuthorizationConfigIam, EfsTransitEncryption,
    EfsVolumeConfiguration, EphemeralStorage, NetworkMode, OsFamily, PidMode, RuntimePlatform, SortOrder,
    TaskDefinition as SdkTaskDefinition, TaskDefinitionField, TaskDefinitionStatus, Volume,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::diff::{Diff, diff};
use stackr_engine::reconciler::*;
use std::sync::Arc;

/// What DescribeTaskDefinition answers for a revision that does not exist.
const NOT_FOUND: &[&str] = &["ClientException"];
/// How many of a family's newest active revisions the look-up reads.
const LOOKUP_DEPTH: usize = 20;

pub struct TaskDefinition {
    clients: Arc<Clients>,
}

fn volume(v: &Props) -> Result<Volume, ProviderError> {
    let efs = match map(v, "efs_volume_configuration") {
        None => None,
        Some(e) => Some(
            EfsVolumeConfiguration::builder()
                .set_file_system_id(props::string(e, "file_system_id"))
                .set_root_directory(props::string(e, "root_directory"))
                .set_transit_encryption(
                    props::string(e, "transit_encryption").map(|t| EfsTransitEncryption::from(t.as_str())),
                )
                .set_transit_encryption_port(crate::kit::int32(e, "transit_encryption_port")?)
                .set_authorization_config(map(e, "authorization_config").map(|a| {
                    EfsAuthorizationConfig::builder()
                        .set_access_point_id(props::string(a, "access_point_id"))
                        .set_iam(props::string(a, "iam").map(|i| EfsAuthorizationConfigIam::from(i.as_str())))
                        .build()
                }))
                .build()
                .map_err(|e| invalid(format!("volume efs_volume_configuration: {e}")))?,
        ),
    };
    Ok(Volume::builder().set_name(props::string(v, "name")).set_efs_volume_configuration(efs).build())
}

fn volume_value(v: &Volume) -> Value {
    let efs = v.efs_volume_configuration().map(|e| {
        object([
            ("file_system_id", Some(s(e.file_system_id()))),
            ("root_directory", e.root_directory().map(s)),
            ("transit_encryption", e.transit_encryption().map(|t| s(t.as_str()))),
            ("transit_encryption_port", e.transit_encryption_port().map(num)),
            (
                "authorization_config",
                e.authorization_config().map(|a| {
                    object([("access_point_id", a.access_point_id().map(s)), ("iam", a.iam().map(|i| s(i.as_str())))])
                }),
            ),
        ])
    });
    object([("name", v.name().map(s)), ("efs_volume_configuration", efs)])
}

fn runtime_platform(r: &Props) -> RuntimePlatform {
    RuntimePlatform::builder()
        .set_cpu_architecture(props::string(r, "cpu_architecture").map(|c| CpuArchitecture::from(c.as_str())))
        .set_operating_system_family(props::string(r, "operating_system_family").map(|o| OsFamily::from(o.as_str())))
        .build()
}

/// Schema ↔ AWS (`TaskDefinition` of DescribeTaskDefinition;
/// RegisterTaskDefinition). The container definitions, a nested structure
/// of their own, are mapped both ways in `container` (`from_sdk`, `to_sdk`).
type Row = Field<SdkTaskDefinition, RegisterTaskDefinitionFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("family", "Family", |td| td.family().map(s)).create(|c, v| Ok(c.family(to::text(v)?))),
    Row::new("cpu", "Cpu", |td| td.cpu().map(s)).create(|c, v| Ok(c.cpu(to::text(v)?))),
    Row::new("memory", "Memory", |td| td.memory().map(s)).create(|c, v| Ok(c.memory(to::text(v)?))),
    Row::new("network_mode", "NetworkMode", |td| td.network_mode().map(|m| s(m.as_str())))
        .create(|c, v| Ok(c.network_mode(NetworkMode::from(to::text(v)?.as_str())))),
    Row::new("requires_compatibilities", "RequiresCompatibilities", |td| {
        let compat: Vec<String> = td.requires_compatibilities().iter().map(|c| c.as_str().to_string()).collect();
        common::strings(&compat)
    })
    .create(|c, v| {
        let compat: Vec<Compatibility> = to::texts(v)?.iter().map(|c| c.as_str().into()).collect();
        Ok(c.set_requires_compatibilities((!compat.is_empty()).then_some(compat)))
    }),
    Row::new("runtime_platform", "RuntimePlatform", |td| {
        td.runtime_platform().map(|r| {
            object([
                ("cpu_architecture", r.cpu_architecture().map(|c| s(c.as_str()))),
                ("operating_system_family", r.operating_system_family().map(|o| s(o.as_str()))),
            ])
        })
    })
    .create(|c, v| Ok(c.set_runtime_platform(v.as_map().map(runtime_platform)))),
    Row::new("execution_role_arn", "ExecutionRoleArn", |td| td.execution_role_arn().map(s))
        .create(|c, v| Ok(c.execution_role_arn(to::text(v)?))),
    Row::new("task_role_arn", "TaskRoleArn", |td| td.task_role_arn().map(s))
        .create(|c, v| Ok(c.task_role_arn(to::text(v)?))),
    Row::new("volumes", "Volumes", |td| {
        (!td.volumes().is_empty()).then(|| Value::List(td.volumes().iter().map(volume_value).collect()))
    })
    .create(|c, v| {
        let volumes = v
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_map)
            .map(volume)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.message)?;
        Ok(c.set_volumes((!volumes.is_empty()).then_some(volumes)))
    }),
    Row::new("ephemeral_storage", "EphemeralStorage", |td| {
        td.ephemeral_storage().map(|e| object([("size_in_gib", Some(num(e.size_in_gib())))]))
    })
    .create(|c, v| match v.as_map() {
        Some(e) => {
            let size = crate::kit::int32(e, "size_in_gib").map_err(|e| e.message)?;
            Ok(c.ephemeral_storage(EphemeralStorage::builder().set_size_in_gib(size).build()))
        }
        None => Ok(c),
    }),
    Row::new("pid_mode", "PidMode", |td| td.pid_mode().map(|m| s(m.as_str())))
        .create(|c, v| Ok(c.pid_mode(PidMode::from(to::text(v)?.as_str())))),
];

fn observed(td: &SdkTaskDefinition, tags: &[aws_sdk_ecs::types::Tag]) -> Option<Observed> {
    if matches!(td.status(), Some(TaskDefinitionStatus::Inactive | TaskDefinitionStatus::DeleteInProgress)) {
        return None;
    }
    let arn = td.task_definition_arn()?.to_string();
    let mut properties = fields::observed(FIELDS, td);
    properties.insert(
        "container_definitions".into(),
        Value::List(td.container_definitions().iter().map(container::from_sdk).collect()),
    );
    let attributes =
        props::build([("id", Some(s(&arn))), ("arn", Some(s(&arn))), ("revision", Some(num(td.revision())))]);
    Some(Observed { id: arn, properties, attributes, tags: common::tag_map(tags) })
}

impl TaskDefinition {
    pub fn new(clients: Arc<Clients>) -> Self {
        TaskDefinition { clients }
    }

    async fn one(&self, region: &str, id: &str) -> Result<Option<Observed>, ProviderError> {
        let res = self
            .clients
            .ecs(region)
            .describe_task_definition()
            .task_definition(id)
            .include(TaskDefinitionField::Tags)
            .send()
            .await;
        match res {
            Ok(out) => Ok(out.task_definition().and_then(|td| observed(td, out.tags()))),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeTaskDefinition", e)),
        }
    }

    /// Active revisions of `family` made for `target`, newest first.
    async fn ours(&self, target: &Target, family: &str) -> Result<Vec<Observed>, ProviderError> {
        let client = self.clients.ecs(&target.region);
        let mut arns = Vec::new();
        let mut pages = client
            .list_task_definitions()
            .family_prefix(family)
            .status(TaskDefinitionStatus::Active)
            .sort(SortOrder::Desc)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| provider("ListTaskDefinitions", e))?;
            // The prefix also matches longer family names.
            arns.extend(
                page.task_definition_arns()
                    .iter()
                    .filter(|a| {
                        a.rsplit_once('/').and_then(|(_, r)| r.rsplit_once(':')).map(|(f, _)| f) == Some(family)
                    })
                    .cloned(),
            );
            if arns.len() >= LOOKUP_DEPTH {
                break;
            }
        }
        let mut out = Vec::new();
        for arn in arns.iter().take(LOOKUP_DEPTH) {
            if let Some(o) = self.one(&target.region, arn).await?
                && tags::ours(&o.tags, &target.stack, &target.address)
            {
                out.push(o);
            }
        }
        Ok(out)
    }
}

/// Whether a live revision holds the definition `wanted` asks for (only the
/// fields it sets, as the engine compares).
fn holds(schema: &TypeSchema, live: &Observed, wanted: &Props) -> bool {
    let mut wanted = wanted.clone();
    wanted.remove("tags");
    matches!(diff(schema, &wanted, &live.properties, None, &[]), Diff::UpToDate)
}

#[async_trait]
impl Reconciler for TaskDefinition {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ecs::TASK_DEFINITION
    }

    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        super::fargate::check(p)
    }

    /// A new revision is always registered before the old one goes: a
    /// family's revisions never clash, and a service rolling (or rolled
    /// back by its circuit breaker) onto a revision being deleted cannot
    /// start tasks.
    fn replaced_first(&self) -> bool {
        true
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.one(region, id).await?);
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(family) = props::string(&req.properties, "family") else { return Ok(None) };
        let found = self.ours(&req.target, &family).await?;
        Ok(found.into_iter().find(|o| !req.known_ids.contains(&o.id)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let family = props::require(p, "family")?;
        if let Some(found) = self.ours(&req.target, &family).await?.into_iter().find(|o| holds(self.schema(), o, p)) {
            return Ok(found);
        }
        let containers = p
            .get("container_definitions")
            .and_then(Value::as_list)
            .ok_or_else(|| invalid("property `container_definitions` is required"))?
            .iter()
            .map(container::to_sdk)
            .collect::<Result<Vec<_>, _>>()?;
        let call = fields::create(FIELDS, self.clients.ecs(region).register_task_definition(), p)?
            .set_container_definitions(Some(containers))
            .set_tags(Some(common::ecs_tags(&req.tags)));
        let out = crate::retry::once!(aws_sdk_ecs::config::Builder, call)
            .await
            .map_err(|e| provider("RegisterTaskDefinition", e))?;
        let arn = out
            .task_definition()
            .and_then(|td| td.task_definition_arn())
            .ok_or_else(|| invalid("RegisterTaskDefinition returned no ARN"))?
            .to_string();
        self.one(region, &arn).await?.ok_or_else(|| crate::kit::vanished("task definition", &arn))
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        for field in &req.changed {
            match field.as_str() {
                "tags" => {
                    common::sync_tags(&self.clients.ecs(region), &req.id, &req.observed.tags, &req.tags).await?;
                }
                other => return Err(crate::kit::not_in_place("a task definition revision", other)),
            }
        }
        self.one(region, &req.id).await?.ok_or_else(|| crate::kit::vanished("task definition", &req.id))
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let client = self.clients.ecs(region);
        if self.one(region, &req.id).await?.is_none() {
            return Ok(());
        }
        match client.deregister_task_definition().task_definition(&req.id).send().await {
            Ok(_) => {}
            Err(e) if is(&e, NOT_FOUND) => return Ok(()),
            Err(e) => return Err(provider("DeregisterTaskDefinition", e)),
        }
        let out = client
            .delete_task_definitions()
            .task_definitions(&req.id)
            .send()
            .await
            .map_err(|e| provider("DeleteTaskDefinitions", e))?;
        if let Some(f) = out.failures().first() {
            return Err(ProviderError::new(
                ErrorKind::Other,
                format!(
                    "DeleteTaskDefinitions {}: {} {}",
                    req.id,
                    f.reason().unwrap_or("failed"),
                    f.detail().unwrap_or_default()
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        // The container definitions: `container::to_sdk` and `from_sdk`.
        fields::assert_covers(FIELDS, &stackr_schema::ecs::TASK_DEFINITION, &["container_definitions"]);
    }
}
