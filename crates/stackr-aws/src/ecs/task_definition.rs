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

use super::common::{self, invalid, map, maps, num, object};
use super::container;
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_ecs::types::{
    CpuArchitecture, EfsAuthorizationConfig, EfsAuthorizationConfigIam, EfsTransitEncryption, EfsVolumeConfiguration,
    EphemeralStorage, NetworkMode, OsFamily, PidMode, RuntimePlatform, SortOrder, TaskDefinition as SdkTaskDefinition,
    TaskDefinitionField, TaskDefinitionStatus, Volume,
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

fn observed(td: &SdkTaskDefinition, tags: &[aws_sdk_ecs::types::Tag]) -> Option<Observed> {
    if matches!(td.status(), Some(TaskDefinitionStatus::Inactive | TaskDefinitionStatus::DeleteInProgress)) {
        return None;
    }
    let arn = td.task_definition_arn()?.to_string();
    let compat: Vec<String> = td.requires_compatibilities().iter().map(|c| c.as_str().to_string()).collect();
    let properties = props::build([
        ("family", td.family().map(s)),
        ("cpu", td.cpu().map(s)),
        ("memory", td.memory().map(s)),
        ("network_mode", td.network_mode().map(|m| s(m.as_str()))),
        ("requires_compatibilities", common::strings(&compat)),
        (
            "runtime_platform",
            td.runtime_platform().map(|r| {
                object([
                    ("cpu_architecture", r.cpu_architecture().map(|c| s(c.as_str()))),
                    ("operating_system_family", r.operating_system_family().map(|o| s(o.as_str()))),
                ])
            }),
        ),
        ("execution_role_arn", td.execution_role_arn().map(s)),
        ("task_role_arn", td.task_role_arn().map(s)),
        (
            "container_definitions",
            Some(Value::List(td.container_definitions().iter().map(container::from_sdk).collect())),
        ),
        ("volumes", (!td.volumes().is_empty()).then(|| Value::List(td.volumes().iter().map(volume_value).collect()))),
        ("ephemeral_storage", td.ephemeral_storage().map(|e| object([("size_in_gib", Some(num(e.size_in_gib())))]))),
        ("pid_mode", td.pid_mode().map(|m| s(m.as_str()))),
    ]);
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
        let volumes = maps(p, "volumes").into_iter().map(volume).collect::<Result<Vec<_>, _>>()?;
        let compat: Vec<aws_sdk_ecs::types::Compatibility> =
            props::strings(p, "requires_compatibilities").iter().map(|c| c.as_str().into()).collect();
        let runtime = map(p, "runtime_platform").map(|r| {
            RuntimePlatform::builder()
                .set_cpu_architecture(props::string(r, "cpu_architecture").map(|c| CpuArchitecture::from(c.as_str())))
                .set_operating_system_family(
                    props::string(r, "operating_system_family").map(|o| OsFamily::from(o.as_str())),
                )
                .build()
        });
        let storage = match map(p, "ephemeral_storage") {
            Some(e) => Some(EphemeralStorage::builder().set_size_in_gib(crate::kit::int32(e, "size_in_gib")?).build()),
            None => None,
        };
        let call = self
            .clients
            .ecs(region)
            .register_task_definition()
            .family(&family)
            .set_cpu(props::string(p, "cpu"))
            .set_memory(props::string(p, "memory"))
            .set_network_mode(props::string(p, "network_mode").map(|m| NetworkMode::from(m.as_str())))
            .set_requires_compatibilities((!compat.is_empty()).then_some(compat))
            .set_runtime_platform(runtime)
            .set_execution_role_arn(props::string(p, "execution_role_arn"))
            .set_task_role_arn(props::string(p, "task_role_arn"))
            .set_container_definitions(Some(containers))
            .set_volumes((!volumes.is_empty()).then_some(volumes))
            .set_ephemeral_storage(storage)
            .set_pid_mode(props::string(p, "pid_mode").map(|m| PidMode::from(m.as_str())))
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
