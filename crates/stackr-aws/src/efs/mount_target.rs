//! `aws.efs.mount_target`: a file system's mount target in one subnet,
//! ready when `available`.
//!
//! A file system has at most one mount target per availability zone, so
//! (file system, subnet) identifies it: `find` and the look-up before every
//! create ask DescribeMountTargets for the file system and take the one in
//! the subnet (mount targets carry no tags). It is created only once its
//! file system is `available` (`needs_ready`).
//!
//! In place: `security_groups` (ModifyMountTargetSecurityGroups, compared
//! as a set). Everything else replaces.
//!
//! Delete: DeleteMountTarget, then the engine waits (`deleted`) until the mount target is gone, so
//! the file system (and the subnet and security groups) can go next.
//!
//! Reads: DescribeMountTargets takes one mount target id or one file
//! system id, so observe reads the first mount target of a file system by
//! id (to learn the file system) and the rest with one call for the file
//! system (paginated); during a refresh the file system is the state's
//! record (it never changes), so one call per file system reads them all;
//! then DescribeMountTargetSecurityGroups per mount target (EFS has no
//! batch form), or during a refresh one
//! DescribeNetworkInterfaces for all: a mount target's groups are its
//! network interface's.

use super::common;
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, invalid, not_in_place, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_efs::operation::create_mount_target::builders::CreateMountTargetFluentBuilder;
use aws_sdk_efs::types::{IpAddressType, MountTargetDescription};
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["MountTargetNotFound"];
/// This type's kind, as the state records it.
const KIND: &str = "aws.efs.mount_target";
/// How many ids one DescribeNetworkInterfaces filter carries.
const INTERFACES_PER_CALL: usize = 200;

pub struct MountTarget {
    clients: Arc<Clients>,
}

/// One mount target as read: its description and its security groups
/// (sorted).
struct Seen {
    m: MountTargetDescription,
    groups: Vec<String>,
}

/// Schema ↔ AWS (`MountTargetDescription` of DescribeMountTargets, with
/// DescribeMountTargetSecurityGroups or the groups of its network
/// interface; CreateMountTarget). The address type is not reported: it is
/// read from which addresses the mount target has.
type Row = Field<Seen, CreateMountTargetFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("file_system_id", "FileSystemId", |x| Some(s(&x.m.file_system_id)))
        .create(|c, v| Ok(c.file_system_id(to::text(v)?))),
    Row::new("subnet_id", "SubnetId", |x| Some(s(&x.m.subnet_id))).create(|c, v| Ok(c.subnet_id(to::text(v)?))),
    Row::new("security_groups", "SecurityGroups", |x| Some(props::list(x.groups.clone())))
        .create(|c, v| Ok(c.set_security_groups(to::texts_or_none(v)?))),
    Row::new("ip_address_type", "IpAddressType", |x| {
        let ip_type = match (&x.m.ip_address, &x.m.ipv6_address) {
            (Some(_), Some(_)) => IpAddressType::DualStack,
            (None, Some(_)) => IpAddressType::Ipv6Only,
            _ => IpAddressType::Ipv4Only,
        };
        Some(s(ip_type.as_str()))
    })
    .create(|c, v| Ok(c.ip_address_type(IpAddressType::from(to::text(v)?.as_str())))),
    Row::new("ip_address", "IpAddress", |x| x.m.ip_address.clone().map(s))
        .create(|c, v| Ok(c.ip_address(to::text(v)?))),
    Row::new("ipv6_address", "Ipv6Address", |x| x.m.ipv6_address.clone().map(s))
        .create(|c, v| Ok(c.ipv6_address(to::text(v)?))),
];

impl MountTarget {
    pub fn new(clients: Arc<Clients>) -> Self {
        MountTarget { clients }
    }

    /// One mount target by id, in any state.
    async fn raw(&self, region: &str, id: &str) -> Result<Option<MountTargetDescription>, ProviderError> {
        match self.clients.efs(region).describe_mount_targets().mount_target_id(id).send().await {
            Ok(out) => Ok(out.mount_targets.unwrap_or_default().into_iter().find(|m| m.mount_target_id == id)),
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("DescribeMountTargets", e)),
        }
    }

    /// Every mount target of `file_system_id`, in any state (none when the
    /// file system is gone).
    async fn of_file_system(
        &self,
        region: &str,
        file_system_id: &str,
    ) -> Result<Vec<MountTargetDescription>, ProviderError> {
        let client = self.clients.efs(region);
        let mut out = Vec::new();
        let mut pages = client.describe_mount_targets().file_system_id(file_system_id).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => out.extend(p.mount_targets.unwrap_or_default()),
                Err(e) if is(&e, &["FileSystemNotFound"]) => return Ok(Vec::new()),
                Err(e) => return Err(provider("DescribeMountTargets", e)),
            }
        }
        Ok(out)
    }

    /// The live mount target of `file_system_id` in `subnet_id`.
    async fn in_subnet(
        &self,
        region: &str,
        file_system_id: &str,
        subnet_id: &str,
    ) -> Result<Option<MountTargetDescription>, ProviderError> {
        let all = self.of_file_system(region, file_system_id).await?;
        Ok(all.into_iter().find(|m| m.subnet_id == subnet_id && !dead(m)))
    }

    /// The mount target's security groups (DescribeMountTargetSecurityGroups).
    async fn groups(&self, region: &str, id: &str) -> Result<Vec<String>, ProviderError> {
        match self.clients.efs(region).describe_mount_target_security_groups().mount_target_id(id).send().await {
            Ok(out) => Ok(out.security_groups),
            // Gone between the two reads; the next observe says so.
            Err(e) if is(&e, NOT_FOUND) => Ok(Vec::new()),
            Err(e) => Err(provider("DescribeMountTargetSecurityGroups", e)),
        }
    }

    /// During a refresh, the security groups of the network interfaces of
    /// `targets`, by mount target id, in one DescribeNetworkInterfaces: a
    /// mount target's security groups are those of its interface, which
    /// only EFS may change (the interface is requester-managed). Empty
    /// outside a refresh, or when the read fails (each target then asks
    /// EFS).
    async fn groups_by_interface(
        &self,
        region: &str,
        targets: &[&MountTargetDescription],
    ) -> HashMap<String, Vec<String>> {
        let by_interface: HashMap<&str, &str> = targets
            .iter()
            .filter_map(|m| Some((m.network_interface_id.as_deref()?, m.mount_target_id.as_str())))
            .collect();
        if self.clients.reads.refreshing().is_none() || by_interface.is_empty() {
            return HashMap::new();
        }
        let mut out = HashMap::new();
        let ids: Vec<String> = by_interface.keys().map(|id| id.to_string()).collect();
        for chunk in ids.chunks(INTERFACES_PER_CALL) {
            let filter = crate::ec2::common::filter("network-interface-id", chunk.iter().map(String::as_str));
            let mut pages =
                self.clients.ec2(region).describe_network_interfaces().filters(filter).into_paginator().send();
            while let Some(page) = pages.next().await {
                let Ok(page) = page else { return HashMap::new() };
                for eni in page.network_interfaces.unwrap_or_default() {
                    let target = eni.network_interface_id.as_deref().and_then(|id| by_interface.get(id));
                    if let Some(target) = target {
                        let groups = eni.groups.unwrap_or_default().into_iter().filter_map(|g| g.group_id).collect();
                        out.insert(target.to_string(), groups);
                    }
                }
            }
        }
        out
    }

    /// The mount target as observed; its security groups from `groups`
    /// when known, else read.
    async fn observed(
        &self,
        region: &str,
        m: &MountTargetDescription,
        groups: Option<Vec<String>>,
    ) -> Result<Observed, ProviderError> {
        let id = m.mount_target_id.clone();
        let mut groups = match groups {
            Some(g) => g,
            None => self.groups(region, &id).await?,
        };
        groups.sort();
        let properties = fields::observed(FIELDS, &Seen { m: m.clone(), groups });
        let attributes = props::build([
            ("id", Some(s(&id))),
            ("ip_address", m.ip_address.clone().map(s)),
            ("ipv6_address", m.ipv6_address.clone().map(s)),
            ("network_interface_id", m.network_interface_id.clone().map(s)),
            ("availability_zone_name", m.availability_zone_name.clone().map(s)),
        ]);
        Ok(Observed { id, properties, attributes, tags: Default::default() })
    }

    async fn must(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        match self.raw(region, id).await? {
            Some(m) if !dead(&m) => self.observed(region, &m, None).await,
            _ => Err(vanished("EFS mount target", id)),
        }
    }
}

fn dead(m: &MountTargetDescription) -> bool {
    matches!(m.life_cycle_state, aws_sdk_efs::types::LifeCycleState::Deleting) || common::dead(&m.life_cycle_state)
}

#[async_trait]
impl Reconciler for MountTarget {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::efs::MOUNT_TARGET
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        // Mount targets read so far, by id; and the file systems listed whole.
        let mut seen: HashMap<String, MountTargetDescription> = HashMap::new();
        let mut listed: HashSet<String> = HashSet::new();
        // A mount target belongs to its file system for life (EFS changes
        // only its security groups in place:
        // https://docs.aws.amazon.com/efs/latest/ug/API_ModifyMountTargetSecurityGroups.html),
        // so during a refresh the recorded file system is listed at once,
        // without first reading a mount target by id to learn it.
        let recorded = self.clients.reads.recorded();
        let recorded_fs =
            |id: &str| recorded.as_ref().and_then(|r| r.text(KIND, region, id, "file_system_id")).map(str::to_string);
        for id in ids {
            if let Some(fs) = recorded_fs(id)
                && listed.insert(fs.clone())
            {
                let all = self.of_file_system(region, &fs).await?;
                seen.extend(all.into_iter().map(|m| (m.mount_target_id.clone(), m)));
            }
        }
        for id in ids {
            // Not in its file system's listing: gone.
            if recorded_fs(id).is_some_and(|fs| listed.contains(&fs)) {
                continue;
            }
            if !seen.contains_key(id)
                && let Some(m) = self.raw(region, id).await?
            {
                let fs = m.file_system_id.clone();
                seen.insert(id.clone(), m);
                if listed.insert(fs.clone()) {
                    let all = self.of_file_system(region, &fs).await?;
                    seen.extend(all.into_iter().map(|m| (m.mount_target_id.clone(), m)));
                }
            }
        }
        let live: Vec<&MountTargetDescription> =
            ids.iter().filter_map(|id| seen.get(id)).filter(|m| !dead(m)).collect();
        let mut groups = self.groups_by_interface(region, &live).await;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(match seen.get(id) {
                Some(m) if !dead(m) => Some(self.observed(region, m, groups.remove(id)).await?),
                _ => None,
            });
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let (Some(fs), Some(subnet)) =
            (props::string(&req.properties, "file_system_id"), props::string(&req.properties, "subnet_id"))
        else {
            return Ok(None);
        };
        match self.in_subnet(&req.target.region, &fs, &subnet).await? {
            Some(m) if !req.known_ids.contains(&m.mount_target_id) => {
                Ok(Some(self.observed(&req.target.region, &m, None).await?))
            }
            _ => Ok(None),
        }
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let fs = props::require(p, "file_system_id")?;
        let subnet = props::require(p, "subnet_id")?;
        // One mount target per zone: a retried create finds the first.
        if let Some(m) = self.in_subnet(region, &fs, &subnet).await? {
            return self.observed(region, &m, None).await;
        }
        if props::strings(p, "security_groups").len() > 5 {
            return Err(invalid("a mount target takes at most 5 security groups"));
        }
        let out = fields::create(FIELDS, self.clients.efs(region).create_mount_target(), p)?
            .send()
            .await
            .map_err(|e| provider("CreateMountTarget", e))?;
        self.must(region, &out.mount_target_id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        for field in &req.changed {
            match field.as_str() {
                "security_groups" => {
                    let groups = props::strings(&req.desired, "security_groups");
                    if groups.len() > 5 {
                        return Err(invalid("a mount target takes at most 5 security groups"));
                    }
                    self.clients
                        .efs(region)
                        .modify_mount_target_security_groups()
                        .mount_target_id(&req.id)
                        .set_security_groups(Some(groups))
                        .send()
                        .await
                        .map_err(|e| provider("ModifyMountTargetSecurityGroups", e))?;
                }
                other => return Err(not_in_place("an EFS mount target", other)),
            }
        }
        self.must(region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        let id = &req.id;
        match self.clients.efs(region).delete_mount_target().mount_target_id(id).send().await {
            Ok(_) => {}
            Err(e) if is(&e, NOT_FOUND) => return Ok(()),
            Err(e) => return Err(provider("DeleteMountTarget", e)),
        }
        Ok(())
    }

    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(common::gone(self.raw(region, id).await?.map(|m| m.life_cycle_state)))
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(match self.raw(region, id).await? {
            None => Readiness::Failed(format!("EFS mount target {id} is gone")),
            Some(m) => common::readiness("EFS mount target", id, &m.life_cycle_state),
        })
    }

    fn needs_ready(&self, kind: &str) -> bool {
        kind == stackr_schema::efs::FILE_SYSTEM.kind
    }

    /// Mount targets take 1-3 minutes to create and 1-2 to delete.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(30, 30, 30)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::efs::MOUNT_TARGET, &[]);
    }
}
