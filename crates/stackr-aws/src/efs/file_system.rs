//! `aws.efs.file_system`: an EFS file system, ready when `available`.
//!
//! The creation token is the idempotency key: a create first looks the
//! token up, and AWS answers a second CreateFileSystem with the same token
//! with FileSystemAlreadyExists, after which the file system is read back
//! by token. A file system found that way must carry this target's stackr
//! tags, so another stack's file system is never taken over.
//!
//! In place: `throughput_mode` and `provisioned_throughput_in_mibps`
//! (UpdateFileSystem, only when they differ), `lifecycle_policies`
//! (PutLifecycleConfiguration), `backup_policy` (PutBackupPolicy) and tags.
//! Everything else replaces. After an update the file system is `updating`
//! for a while; readiness waits for `available` again.
//!
//! Delete: DeleteFileSystem (FileSystemInUse while mount targets are still
//! going is retryable), then waits until the file system is gone.
//!
//! Reads: few file systems are described by id, many by one paginated
//! DescribeFileSystems of the region (tags come with it); the lifecycle and
//! backup policies are one DescribeLifecycleConfiguration and one
//! DescribeBackupPolicy per file system (AWS has no batch read for them).
//! The test bed adds UpdateFileSystem and PutBackupPolicy to moto.

use super::common::{self, sdk_tags, tag_map};
use crate::clients::Clients;
use crate::error::{code, is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, Listed, invalid, not_in_place, observe_listed, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_efs::operation::create_file_system::builders::CreateFileSystemFluentBuilder;
use aws_sdk_efs::types::{
    BackupPolicy, FileSystemDescription, LifecyclePolicy, PerformanceMode, Status, ThroughputMode,
    TransitionToArchiveRules, TransitionToIaRules, TransitionToPrimaryStorageClassRules,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["FileSystemNotFound"];

pub struct FileSystem {
    clients: Arc<Clients>,
}

impl FileSystem {
    pub fn new(clients: Arc<Clients>) -> Self {
        FileSystem { clients }
    }

    /// One file system by id, in any state.
    async fn raw(&self, region: &str, id: &str) -> Result<Option<FileSystemDescription>, ProviderError> {
        match self.clients.efs(region).describe_file_systems().file_system_id(id).send().await {
            Ok(out) => Ok(out.file_systems.unwrap_or_default().into_iter().find(|f| f.file_system_id == id)),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeFileSystems", e)),
        }
    }

    /// The file system made with `token`, if any.
    async fn by_token(&self, region: &str, token: &str) -> Result<Option<FileSystemDescription>, ProviderError> {
        let out = self
            .clients
            .efs(region)
            .describe_file_systems()
            .creation_token(token)
            .send()
            .await
            .map_err(|e| provider("DescribeFileSystems", e))?;
        Ok(out.file_systems.unwrap_or_default().into_iter().find(|f| f.creation_token == token && !dead(f)))
    }

    /// Every file system of the region.
    async fn all(&self, region: &str) -> Result<HashMap<String, FileSystemDescription>, ProviderError> {
        let mut out = HashMap::new();
        let mut pages = self.clients.efs(region).describe_file_systems().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| provider("DescribeFileSystems", e))?;
            out.extend(page.file_systems.unwrap_or_default().into_iter().map(|f| (f.file_system_id.clone(), f)));
        }
        Ok(out)
    }

    async fn observe_fs(&self, region: &str, f: &FileSystemDescription) -> Result<Observed, ProviderError> {
        let client = self.clients.efs(region);
        let id = f.file_system_id.clone();
        let lifecycle = client
            .describe_lifecycle_configuration()
            .file_system_id(&id)
            .send()
            .await
            .map_err(|e| provider("DescribeLifecycleConfiguration", e))?
            .lifecycle_policies
            .unwrap_or_default();
        let backup = match client.describe_backup_policy().file_system_id(&id).send().await {
            Ok(out) => out.backup_policy.map(|b| matches!(b.status, Status::Enabled | Status::Enabling)),
            Err(e) if is(&e, &["PolicyNotFound"]) => Some(false),
            Err(e) => return Err(provider("DescribeBackupPolicy", e)),
        };
        let properties = fields::observed(FIELDS, &Seen { fs: f.clone(), lifecycle, backup });
        let arn = f.file_system_arn.clone().unwrap_or_else(|| {
            format!("arn:{}:elasticfilesystem:{region}:{}:file-system/{id}", crate::kit::partition(region), f.owner_id)
        });
        let attributes = props::build([
            ("id", Some(s(&id))),
            ("arn", Some(s(arn))),
            ("dns_name", Some(s(format!("{id}.efs.{region}.amazonaws.com")))),
        ]);
        Ok(Observed { id, properties, attributes, tags: tag_map(&f.tags) })
    }

    async fn must(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        self.read(region, id).await?.ok_or_else(|| vanished("EFS file system", id))
    }

    async fn put_lifecycle(&self, region: &str, id: &str, p: &Props) -> Result<(), ProviderError> {
        let policies = lifecycle_policies(p)?;
        self.clients
            .efs(region)
            .put_lifecycle_configuration()
            .file_system_id(id)
            .set_lifecycle_policies(Some(policies))
            .send()
            .await
            .map_err(|e| provider("PutLifecycleConfiguration", e))?;
        Ok(())
    }

    async fn put_backup(&self, region: &str, id: &str, enabled: bool) -> Result<(), ProviderError> {
        let policy = BackupPolicy::builder()
            .status(if enabled { Status::Enabled } else { Status::Disabled })
            .build()
            .map_err(|e| invalid(format!("backup policy: {e}")))?;
        self.clients
            .efs(region)
            .put_backup_policy()
            .file_system_id(id)
            .backup_policy(policy)
            .send()
            .await
            .map_err(|e| provider("PutBackupPolicy", e))?;
        Ok(())
    }
}

fn dead(f: &FileSystemDescription) -> bool {
    matches!(f.life_cycle_state, aws_sdk_efs::types::LifeCycleState::Deleting) || common::dead(&f.life_cycle_state)
}

/// One lifecycle policy in the stack's shape.
fn policy_value(p: &LifecyclePolicy) -> Value {
    let m = props::build([
        ("transition_to_ia", p.transition_to_ia.as_ref().map(|t| s(t.as_str()))),
        ("transition_to_archive", p.transition_to_archive.as_ref().map(|t| s(t.as_str()))),
        ("transition_to_primary_storage_class", p.transition_to_primary_storage_class.as_ref().map(|t| s(t.as_str()))),
    ]);
    Value::Map(m)
}

/// The stack's lifecycle policies as AWS takes them (one transition each).
fn lifecycle_policies(p: &Props) -> Result<Vec<LifecyclePolicy>, ProviderError> {
    let Some(Value::List(items)) = p.get("lifecycle_policies") else { return Ok(Vec::new()) };
    items
        .iter()
        .map(|item| {
            let m = item.as_map().ok_or_else(|| invalid("each of `lifecycle_policies` must be a map"))?;
            let text = |k: &str| m.get(k).and_then(Value::as_str);
            let set = ["transition_to_ia", "transition_to_archive", "transition_to_primary_storage_class"]
                .iter()
                .filter(|k| text(k).is_some())
                .count();
            if set != 1 {
                return Err(invalid("each of `lifecycle_policies` must give exactly one transition"));
            }
            Ok(LifecyclePolicy::builder()
                .set_transition_to_ia(text("transition_to_ia").map(TransitionToIaRules::from))
                .set_transition_to_archive(text("transition_to_archive").map(TransitionToArchiveRules::from))
                .set_transition_to_primary_storage_class(
                    text("transition_to_primary_storage_class").map(TransitionToPrimaryStorageClassRules::from),
                )
                .build())
        })
        .collect()
}

/// `backup_policy.enabled` of a `backup_policy` value.
fn backup_enabled(v: Option<&Value>) -> Option<bool> {
    match v {
        Some(Value::Map(m)) => match m.get("enabled") {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        },
        _ => None,
    }
}

fn number(p: &Props, k: &str) -> Option<f64> {
    p.get(k).and_then(Value::as_f64)
}

/// One file system as read: its description, lifecycle policies and
/// backup policy.
struct Seen {
    fs: FileSystemDescription,
    lifecycle: Vec<LifecyclePolicy>,
    backup: Option<bool>,
}

/// Schema ↔ AWS (`FileSystemDescription` of DescribeFileSystems, with
/// DescribeLifecycleConfiguration and DescribeBackupPolicy;
/// CreateFileSystem, which takes the backup setting). Lifecycle policies
/// are put by PutLifecycleConfiguration after the create.
type Row = Field<Seen, CreateFileSystemFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("creation_token", "CreationToken", |x| Some(s(&x.fs.creation_token)))
        .create(|c, v| Ok(c.creation_token(to::text(v)?))),
    Row::new("encrypted", "Encrypted", |x| Some(Value::Bool(x.fs.encrypted.unwrap_or(false))))
        .create(|c, v| Ok(c.encrypted(to::boolean(v)?))),
    Row::new("kms_key_id", "KmsKeyId", |x| x.fs.kms_key_id.clone().map(s))
        .create(|c, v| Ok(c.kms_key_id(to::text(v)?))),
    Row::new("performance_mode", "PerformanceMode", |x| Some(s(x.fs.performance_mode.as_str())))
        .create(|c, v| Ok(c.performance_mode(PerformanceMode::from(to::text(v)?.as_str())))),
    Row::new("throughput_mode", "ThroughputMode", |x| x.fs.throughput_mode.as_ref().map(|m| s(m.as_str())))
        .create(|c, v| Ok(c.throughput_mode(ThroughputMode::from(to::text(v)?.as_str())))),
    Row::new("provisioned_throughput_in_mibps", "ProvisionedThroughputInMibps", |x| match x.fs.throughput_mode {
        Some(ThroughputMode::Provisioned) => x.fs.provisioned_throughput_in_mibps.map(Value::Number),
        _ => None,
    })
    .create(|c, v| Ok(c.provisioned_throughput_in_mibps(to::number(v)?))),
    Row::new("availability_zone_name", "AvailabilityZoneName", |x| x.fs.availability_zone_name.clone().map(s))
        .create(|c, v| Ok(c.availability_zone_name(to::text(v)?))),
    Row::new("lifecycle_policies", "LifecyclePolicies", |x| {
        Some(Value::List(x.lifecycle.iter().map(policy_value).collect()))
    }),
    Row::new("backup_policy", "Backup, BackupPolicy.Status", |x| {
        x.backup.map(|b| Value::Map(BTreeMap::from([("enabled".to_string(), Value::Bool(b))])))
    })
    .create(|c, v| {
        Ok(match backup_enabled(Some(v)) {
            Some(enabled) => c.backup(enabled),
            None => c,
        })
    }),
];

#[async_trait]
impl Listed for FileSystem {
    type Raw = FileSystemDescription;

    async fn read_raw(&self, region: &str, id: &str) -> Result<Option<FileSystemDescription>, ProviderError> {
        self.raw(region, id).await
    }

    async fn list_raw(&self, region: &str) -> Result<HashMap<String, FileSystemDescription>, ProviderError> {
        self.all(region).await
    }

    async fn observed(&self, region: &str, f: &FileSystemDescription) -> Result<Option<Observed>, ProviderError> {
        if dead(f) { Ok(None) } else { self.observe_fs(region, f).await.map(Some) }
    }
}

#[async_trait]
impl Reconciler for FileSystem {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::efs::FILE_SYSTEM
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_listed(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(token) = props::string(&req.properties, "creation_token") else { return Ok(None) };
        let Some(f) = self.by_token(&req.target.region, &token).await? else { return Ok(None) };
        let tags = tag_map(&f.tags);
        if req.known_ids.contains(&f.file_system_id)
            || !crate::tags::ours(&tags, &req.target.stack, &req.target.address)
        {
            return Ok(None);
        }
        Ok(Some(self.observe_fs(&req.target.region, &f).await?))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let token = props::require(p, "creation_token")?;
        let lifecycle = lifecycle_policies(p)?;
        let existing = match self.by_token(region, &token).await? {
            Some(f) => Some(f),
            None => {
                let call = self.clients.efs(region).create_file_system();
                let call = fields::create(FIELDS, call, p)?.set_tags(Some(sdk_tags(&req.tags)));
                match call.send().await {
                    Ok(f) => {
                        let id = f.file_system_id;
                        if !lifecycle.is_empty() {
                            self.put_lifecycle(region, &id, p).await?;
                        }
                        // One Zone file systems get backups at create unless told;
                        // PutBackupPolicy makes the stack's choice hold either way.
                        if backup_enabled(p.get("backup_policy")).is_some_and(|b| !b) {
                            self.put_backup(region, &id, false).await?;
                        }
                        return self.must(region, &id).await;
                    }
                    Err(e) if code(&e).as_deref() == Some("FileSystemAlreadyExists") => {
                        self.by_token(region, &token).await?
                    }
                    Err(e) => return Err(provider("CreateFileSystem", e)),
                }
            }
        };
        // A retried create: the token's file system, if it is this target's.
        // Refused as existing, yet not found alive: the token's file system
        // is still being deleted (a replacement, an interrupted destroy);
        // the token is free once it is gone.
        let f = existing.ok_or_else(|| {
            ProviderError::not_yet(
                format!("the EFS file system with creation token {token} is still being deleted"),
                None,
            )
        })?;
        if !crate::tags::same_owner(&tag_map(&f.tags), &req.tags) {
            return Err(invalid(format!(
                "an EFS file system with creation token {token} already exists ({}) and was not made for {}; \
                 choose another creation_token",
                f.file_system_id, req.target.address
            )));
        }
        self.must(region, &f.file_system_id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let id = &req.id;
        let client = self.clients.efs(region);
        let mut throughput = false;
        for field in &req.changed {
            match field.as_str() {
                "throughput_mode" | "provisioned_throughput_in_mibps" => throughput = true,
                "lifecycle_policies" => self.put_lifecycle(region, id, &req.desired).await?,
                "backup_policy" => {
                    if let Some(enabled) = backup_enabled(req.desired.get("backup_policy")) {
                        self.put_backup(region, id, enabled).await?;
                    }
                }
                "tags" => common::sync_tags(&client, id, &req.observed.tags, &req.tags).await?,
                other => return Err(not_in_place("an EFS file system", other)),
            }
        }
        if throughput {
            let mode = props::string(&req.desired, "throughput_mode")
                .or_else(|| req.observed.properties.get("throughput_mode").and_then(|v| v.as_str().map(String::from)));
            let mibps = match mode.as_deref() {
                Some("provisioned") => number(&req.desired, "provisioned_throughput_in_mibps"),
                _ => None,
            };
            client
                .update_file_system()
                .file_system_id(id)
                .set_throughput_mode(mode.map(|m| ThroughputMode::from(m.as_str())))
                .set_provisioned_throughput_in_mibps(mibps)
                .send()
                .await
                .map_err(|e| provider("UpdateFileSystem", e))?;
        }
        self.must(region, id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let id = &req.id;
        match self.clients.efs(region).delete_file_system().file_system_id(id).send().await {
            Ok(_) => {}
            Err(e) if is(&e, NOT_FOUND) => return Ok(()),
            // FileSystemInUse while its mount targets go: "not yet" (`super::TRANSIENT`).
            Err(e) => return Err(provider("DeleteFileSystem", e)),
        }
        Ok(())
    }

    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(common::gone(self.raw(region, id).await?.map(|f| f.life_cycle_state)))
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(match self.raw(region, id).await? {
            None => Readiness::Failed(format!("EFS file system {id} is gone")),
            Some(f) => common::readiness("EFS file system", id, &f.life_cycle_state),
        })
    }

    /// A file system is available within a minute; its delete waits for its mount targets.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(20, 20, 20)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::efs::FILE_SYSTEM, &[]);
    }
}
