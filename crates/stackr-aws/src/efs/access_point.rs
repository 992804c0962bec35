//! `aws.efs.access_point`: an application's entry into a file system, with
//! a POSIX identity forced on every request and a root directory (created
//! with the given owner and mode if missing).
//!
//! AWS cannot change an access point: everything but tags replaces.
//! Created with the engine's token as `ClientToken` (AWS returns the same
//! access point for a retried request), after a look-up by the stackr tags
//! among the file system's access points. The file system must be
//! `available` first (`needs_ready`): AWS refuses access points on a file
//! system that is still being made.
//!
//! Delete: DeleteAccessPoint, then the engine waits (`deleted`) until it is gone, so the file
//! system can go next.
//!
//! Reads: few access points are described by id, many by one paginated
//! DescribeAccessPoints of the region (tags come with it). The test bed
//! makes moto honour `ClientToken`.

use super::common::{self, sdk_tags, tag_map};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, Listed, invalid, not_in_place, observe_listed, same_fixed, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_efs::operation::create_access_point::builders::CreateAccessPointFluentBuilder;
use aws_sdk_efs::types::{AccessPointDescription, CreationInfo, PosixUser, RootDirectory};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["AccessPointNotFound"];
/// AWS's limit on `ClientToken`.
const TOKEN_MAX: usize = 64;

pub struct AccessPoint {
    clients: Arc<Clients>,
}

impl AccessPoint {
    pub fn new(clients: Arc<Clients>) -> Self {
        AccessPoint { clients }
    }

    async fn raw(&self, region: &str, id: &str) -> Result<Option<AccessPointDescription>, ProviderError> {
        match self.clients.efs(region).describe_access_points().access_point_id(id).send().await {
            Ok(out) => {
                Ok(out.access_points.unwrap_or_default().into_iter().find(|a| a.access_point_id.as_deref() == Some(id)))
            }
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeAccessPoints", e)),
        }
    }

    /// Every access point of the region, or of one file system.
    async fn list(
        &self,
        region: &str,
        file_system_id: Option<&str>,
    ) -> Result<Vec<AccessPointDescription>, ProviderError> {
        let client = self.clients.efs(region);
        let mut out = Vec::new();
        let mut pages = client
            .describe_access_points()
            .set_file_system_id(file_system_id.map(String::from))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => out.extend(p.access_points.unwrap_or_default()),
                Err(e) if is(&e, &["FileSystemNotFound"]) => return Ok(Vec::new()),
                Err(e) => return Err(provider("DescribeAccessPoints", e)),
            }
        }
        Ok(out.into_iter().filter(|a| !dead(a)).collect())
    }

    /// What carries `target`'s tags on `file_system_id`, except `known_ids`.
    async fn tagged(
        &self,
        target: &Target,
        file_system_id: &str,
        known_ids: &[String],
    ) -> Result<Vec<Observed>, ProviderError> {
        let mut found: Vec<Observed> = self
            .list(&target.region, Some(file_system_id))
            .await?
            .iter()
            .filter_map(observed)
            .filter(|o| crate::tags::ours(&o.tags, &target.stack, &target.address) && !known_ids.contains(&o.id))
            .collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(found)
    }

    async fn must(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        self.raw(region, id)
            .await?
            .filter(|a| !dead(a))
            .as_ref()
            .and_then(observed)
            .ok_or_else(|| vanished("EFS access point", id))
    }
}

fn dead(a: &AccessPointDescription) -> bool {
    a.life_cycle_state
        .as_ref()
        .is_some_and(|s| matches!(s, aws_sdk_efs::types::LifeCycleState::Deleting) || common::dead(s))
}

fn num(n: i64) -> Value {
    Value::Number(n as f64)
}

/// Schema ↔ AWS (`AccessPointDescription` of DescribeAccessPoints;
/// CreateAccessPoint, which takes everything: AWS cannot change an access
/// point).
type Row = Field<AccessPointDescription, CreateAccessPointFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("file_system_id", "FileSystemId", |a| a.file_system_id.clone().map(s))
        .create(|c, v| Ok(c.file_system_id(to::text(v)?))),
    Row::new("posix_user", "PosixUser", |a| a.posix_user.as_ref().map(posix_user_value))
        .create(|c, v| Ok(c.set_posix_user(posix_user(v).map_err(|e| e.message)?))),
    Row::new("root_directory", "RootDirectory", |a| a.root_directory.as_ref().map(root_directory_value))
        .create(|c, v| Ok(c.set_root_directory(root_directory(v).map_err(|e| e.message)?))),
];

/// The POSIX user in the stack's shape.
fn posix_user_value(u: &PosixUser) -> Value {
    let mut m = BTreeMap::from([("uid".to_string(), num(u.uid)), ("gid".to_string(), num(u.gid))]);
    if let Some(g) = u.secondary_gids.as_ref().filter(|g| !g.is_empty()) {
        m.insert("secondary_gids".into(), Value::List(g.iter().map(|n| num(*n)).collect()));
    }
    Value::Map(m)
}

/// The root directory in the stack's shape.
fn root_directory_value(r: &RootDirectory) -> Value {
    let info = r.creation_info.as_ref().map(|c| {
        Value::Map(BTreeMap::from([
            ("owner_uid".to_string(), num(c.owner_uid)),
            ("owner_gid".to_string(), num(c.owner_gid)),
            ("permissions".to_string(), s(&c.permissions)),
        ]))
    });
    Value::Map(props::build([("path", r.path.clone().map(s)), ("creation_info", info)]))
}

fn observed(a: &AccessPointDescription) -> Option<Observed> {
    let id = a.access_point_id.clone()?;
    let properties = fields::observed(FIELDS, a);
    let attributes = props::build([("id", Some(s(&id))), ("arn", a.access_point_arn.clone().map(s))]);
    Some(Observed { id, properties, attributes, tags: tag_map(a.tags.as_deref().unwrap_or_default()) })
}

/// An integer field of a map property.
fn int_in(m: &BTreeMap<String, Value>, k: &str, what: &str) -> Result<i64, ProviderError> {
    match m.get(k) {
        Some(Value::Number(n)) if n.fract() == 0.0 && *n >= 0.0 => Ok(*n as i64),
        _ => Err(invalid(format!("`{what}.{k}` must be a whole number"))),
    }
}

/// The `posix_user` value as AWS takes it (`None`: not a map).
fn posix_user(v: &Value) -> Result<Option<PosixUser>, ProviderError> {
    let Some(m) = v.as_map() else { return Ok(None) };
    let secondary = match m.get("secondary_gids") {
        Some(Value::List(l)) => Some(
            l.iter()
                .map(|v| match v {
                    Value::Number(n) if n.fract() == 0.0 && *n >= 0.0 => Ok(*n as i64),
                    _ => Err(invalid("`posix_user.secondary_gids` must be whole numbers")),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        _ => None,
    };
    PosixUser::builder()
        .uid(int_in(m, "uid", "posix_user")?)
        .gid(int_in(m, "gid", "posix_user")?)
        .set_secondary_gids(secondary)
        .build()
        .map(Some)
        .map_err(|e| invalid(format!("posix_user: {e}")))
}

/// The `root_directory` value as AWS takes it (`None`: not a map).
fn root_directory(v: &Value) -> Result<Option<RootDirectory>, ProviderError> {
    let Some(m) = v.as_map() else { return Ok(None) };
    let info = match m.get("creation_info").and_then(Value::as_map) {
        Some(c) => Some(
            CreationInfo::builder()
                .owner_uid(int_in(c, "owner_uid", "root_directory.creation_info")?)
                .owner_gid(int_in(c, "owner_gid", "root_directory.creation_info")?)
                .permissions(c.get("permissions").and_then(Value::to_interpolated).unwrap_or_default())
                .build()
                .map_err(|e| invalid(format!("root_directory.creation_info: {e}")))?,
        ),
        None => None,
    };
    Ok(Some(
        RootDirectory::builder()
            .set_path(m.get("path").and_then(Value::as_str).map(String::from))
            .set_creation_info(info)
            .build(),
    ))
}

#[async_trait]
impl Listed for AccessPoint {
    type Raw = AccessPointDescription;

    async fn read_raw(&self, region: &str, id: &str) -> Result<Option<AccessPointDescription>, ProviderError> {
        self.raw(region, id).await
    }

    async fn list_raw(&self, region: &str) -> Result<HashMap<String, AccessPointDescription>, ProviderError> {
        Ok(self.list(region, None).await?.into_iter().filter_map(|a| Some((a.access_point_id.clone()?, a))).collect())
    }

    async fn observed(&self, _: &str, a: &AccessPointDescription) -> Result<Option<Observed>, ProviderError> {
        Ok(if dead(a) { None } else { observed(a) })
    }
}

#[async_trait]
impl Reconciler for AccessPoint {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::efs::ACCESS_POINT
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_listed(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(fs) = props::string(&req.properties, "file_system_id") else { return Ok(None) };
        Ok(self.tagged(&req.target, &fs, &req.known_ids).await?.into_iter().next())
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let fs = props::require(p, "file_system_id")?;
        let schema = self.schema();
        if let Some(found) =
            self.tagged(&req.target, &fs, &[]).await?.into_iter().find(|o| same_fixed(schema, &o.properties, p))
        {
            return Ok(found);
        }
        let token: String = req.token.chars().take(TOKEN_MAX).collect();
        let call = self.clients.efs(region).create_access_point().client_token(token);
        let out = fields::create(FIELDS, call, p)?.set_tags(Some(sdk_tags(&req.tags))).send().await;
        let out = match out {
            Ok(out) => out,
            // A file system not `available` yet is "not yet" (`super::TRANSIENT`).
            Err(e) => return Err(provider("CreateAccessPoint", e)),
        };
        let id = out.access_point_id.ok_or_else(|| vanished("EFS access point", "(no id returned)"))?;
        self.must(region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let client = self.clients.efs(&req.target.region);
        for field in &req.changed {
            match field.as_str() {
                "tags" => common::sync_tags(&client, &req.id, &req.observed.tags, &req.tags).await?,
                other => return Err(not_in_place("an EFS access point", other)),
            }
        }
        self.must(&req.target.region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let id = &req.id;
        match self.clients.efs(region).delete_access_point().access_point_id(id).send().await {
            Ok(_) => {}
            Err(e) if is(&e, NOT_FOUND) => return Ok(()),
            Err(e) => return Err(provider("DeleteAccessPoint", e)),
        }
        Ok(())
    }

    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(common::gone(
            self.raw(region, id)
                .await?
                .map(|a| a.life_cycle_state.unwrap_or(aws_sdk_efs::types::LifeCycleState::Available)),
        ))
    }

    fn needs_ready(&self, kind: &str) -> bool {
        kind == stackr_schema::efs::FILE_SYSTEM.kind
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::efs::ACCESS_POINT, &[]);
    }
}
