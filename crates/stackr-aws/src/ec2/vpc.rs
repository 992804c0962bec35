//! `aws.ec2.vpc`: a VPC with its primary IPv4 CIDR, an optional
//! Amazon-provided IPv6 /56 and the two DNS attributes.
//!
//! Reads: one paginated DescribeVpcs (filter `vpc-id`) for many VPCs, three
//! batched calls for the defaults AWS made with them (main route table,
//! default security group, default network ACL; during a refresh the first
//! two come from the region's tables and groups that every EC2 type shares,
//! see `region_reads`, and the default network ACL, which AWS never
//! changes, from the state's record), and DescribeVpcAttribute
//! twice per VPC (the API has no batch form). The IPv6 /56 is asked for at
//! creation (`AmazonProvidedIpv6CidrBlock`) and associated or disassociated
//! in place afterwards; creates and updates wait until it is `associated`,
//! so subnets can carve /64s from `ipv6_cidr_block` at once.

use super::common::{
    self, Describe, describe, eventually, existing, filter, find_tagged, must_observe, not_in_place, observe_by_id,
    poll, tag_spec, tolerate,
};
use super::region_reads;
use crate::clients::Clients;
use crate::error::provider;
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ec2::operation::create_vpc::builders::CreateVpcFluentBuilder;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, NetworkAcl, ResourceType, RouteTable, SecurityGroup, Tenancy, VpcAttributeName,
    VpcCidrBlockStateCode, VpcIpv6CidrBlockAssociation, VpcState,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const NOT_FOUND: &[&str] = &["InvalidVpcID.NotFound"];
/// This type's kind, as the state records it.
const KIND: &str = "aws.ec2.vpc";
/// How long a new VPC may stay `pending`, or an IPv6 block `associating`.
const SETTLE_WAIT: Duration = Duration::from_secs(120);

pub struct Vpc {
    clients: Arc<Clients>,
}

/// What AWS made with a VPC.
#[derive(Debug, Clone, Default)]
struct Defaults {
    main_route_table: Option<String>,
    security_group: Option<String>,
    network_acl: Option<String>,
}

/// The IPv6 blocks in use: every association not on its way out.
fn ipv6_in_use(v: &aws_sdk_ec2::types::Vpc) -> Vec<&VpcIpv6CidrBlockAssociation> {
    use VpcCidrBlockStateCode as C;
    v.ipv6_cidr_block_association_set()
        .iter()
        .filter(|a| {
            !matches!(
                a.ipv6_cidr_block_state().and_then(|s| s.state()),
                Some(C::Disassociating | C::Disassociated | C::Failing | C::Failed)
            )
        })
        .collect()
}

/// Whether the IPv6 block is there and usable (associated, CIDR known).
fn ipv6_settled(v: &aws_sdk_ec2::types::Vpc) -> bool {
    let used = ipv6_in_use(v);
    !used.is_empty()
        && used.iter().all(|a| {
            a.ipv6_cidr_block_state().and_then(|s| s.state()) != Some(&VpcCidrBlockStateCode::Associating)
                && a.ipv6_cidr_block().is_some_and(|c| !c.is_empty())
        })
}

impl Vpc {
    pub fn new(clients: Arc<Clients>) -> Self {
        Vpc { clients }
    }

    async fn raw(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<aws_sdk_ec2::types::Vpc>, ProviderError> {
        let client = self.clients.ec2(region);
        Ok(describe!(client.describe_vpcs().set_filters(Some(filters)), vpcs, "DescribeVpcs"))
    }

    async fn raw_one(&self, region: &str, id: &str) -> Result<Option<aws_sdk_ec2::types::Vpc>, ProviderError> {
        Ok(self.raw(region, vec![filter("vpc-id", [id])]).await?.into_iter().find(|v| v.vpc_id() == Some(id)))
    }

    /// (enable_dns_support, enable_dns_hostnames)
    async fn dns(&self, client: &aws_sdk_ec2::Client, id: &str) -> Result<(Option<bool>, Option<bool>), ProviderError> {
        let support = client.describe_vpc_attribute().vpc_id(id).attribute(VpcAttributeName::EnableDnsSupport).send();
        let hostnames =
            client.describe_vpc_attribute().vpc_id(id).attribute(VpcAttributeName::EnableDnsHostnames).send();
        let (support, hostnames) = tokio::join!(support, hostnames);
        let support = support.map_err(|e| provider("DescribeVpcAttribute", e))?;
        let hostnames = hostnames.map_err(|e| provider("DescribeVpcAttribute", e))?;
        Ok((
            support.enable_dns_support().and_then(|a| a.value()),
            hostnames.enable_dns_hostnames().and_then(|a| a.value()),
        ))
    }

    /// What AWS made with each VPC, by VPC id; three calls for all.
    async fn defaults(
        &self,
        client: &aws_sdk_ec2::Client,
        region: &str,
        ids: &[String],
    ) -> Result<HashMap<String, Defaults>, ProviderError> {
        let mut out: HashMap<String, Defaults> = HashMap::new();
        for chunk in ids.chunks(200) {
            let vpcs = || filter("vpc-id", chunk.iter().map(String::as_str));
            let wanted = |vpc: Option<&str>| vpc.is_some_and(|v| chunk.iter().any(|c| c == v));
            let tables = async {
                // During a refresh, from the region's tables every EC2 type shares.
                if let Some(all) = region_reads::route_tables(&self.clients, region).await? {
                    let main = |t: &&RouteTable| t.associations().iter().any(|a| a.main() == Some(true));
                    return Ok(all.iter().filter(|t| wanted(t.vpc_id()) && main(t)).cloned().collect());
                }
                Ok::<_, ProviderError>(describe!(
                    client.describe_route_tables().filters(vpcs()).filters(filter("association.main", ["true"])),
                    route_tables,
                    "DescribeRouteTables"
                ))
            };
            let groups = async {
                if let Some(all) = region_reads::security_groups(&self.clients, region).await? {
                    let default = |g: &&SecurityGroup| g.group_name() == Some("default");
                    return Ok(all.iter().filter(|g| wanted(g.vpc_id()) && default(g)).cloned().collect());
                }
                Ok::<_, ProviderError>(describe!(
                    client.describe_security_groups().filters(vpcs()).filters(filter("group-name", ["default"])),
                    security_groups,
                    "DescribeSecurityGroups"
                ))
            };
            // A VPC's default network ACL is made with it and can be neither
            // deleted nor replaced as the default
            // (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html):
            // during a refresh the recorded one stands, and only VPCs without
            // a record are described.
            let recorded = self.clients.reads.recorded();
            let known: Vec<(String, String)> = chunk
                .iter()
                .filter_map(|id| {
                    let acl = recorded.as_ref()?.text(KIND, region, id, "default_network_acl_id")?;
                    Some((id.clone(), acl.to_string()))
                })
                .collect();
            let unknown: Vec<&str> =
                chunk.iter().filter(|id| !known.iter().any(|(k, _)| k == *id)).map(String::as_str).collect();
            let acls = async {
                let mut acls: Vec<NetworkAcl> = known
                    .into_iter()
                    .map(|(vpc, acl)| NetworkAcl::builder().vpc_id(vpc).network_acl_id(acl).build())
                    .collect();
                if !unknown.is_empty() {
                    acls.extend(describe!(
                        client
                            .describe_network_acls()
                            .filters(filter("vpc-id", unknown.iter().copied()))
                            .filters(filter("default", ["true"])),
                        network_acls,
                        "DescribeNetworkAcls"
                    ));
                }
                Ok::<_, ProviderError>(acls)
            };
            let (tables, groups, acls) = tokio::try_join!(tables, groups, acls)?;
            for t in tables {
                if let (Some(v), Some(id)) = (t.vpc_id, t.route_table_id) {
                    out.entry(v).or_default().main_route_table = Some(id);
                }
            }
            for g in groups {
                if let (Some(v), Some(id)) = (g.vpc_id, g.group_id) {
                    out.entry(v).or_default().security_group = Some(id);
                }
            }
            for a in acls {
                if let (Some(v), Some(id)) = (a.vpc_id, a.network_acl_id) {
                    out.entry(v).or_default().network_acl = Some(id);
                }
            }
        }
        Ok(out)
    }

    /// Sets the DNS attributes that differ, in an order AWS accepts
    /// (host names need DNS support).
    async fn set_dns(
        &self,
        client: &aws_sdk_ec2::Client,
        id: &str,
        want: (Option<bool>, Option<bool>),
        have: (bool, bool),
    ) -> Result<(), ProviderError> {
        let (want_support, want_hostnames) = want;
        let (have_support, have_hostnames) = have;
        let set = |support: Option<bool>, hostnames: Option<bool>| {
            let call = client
                .modify_vpc_attribute()
                .vpc_id(id)
                .set_enable_dns_support(support.map(|b| AttributeBooleanValue::builder().value(b).build()))
                .set_enable_dns_hostnames(hostnames.map(|b| AttributeBooleanValue::builder().value(b).build()));
            async move { eventually("ModifyVpcAttribute", || call.clone().send()).await }
        };
        if want_hostnames == Some(false) && have_hostnames {
            set(None, Some(false)).await?;
        }
        if let Some(w) = want_support
            && w != have_support
        {
            set(Some(w), None).await?;
        }
        if want_hostnames == Some(true) && !have_hostnames {
            set(None, Some(true)).await?;
        }
        Ok(())
    }

    async fn wait_ipv6(&self, region: &str, id: &str) -> Result<(), ProviderError> {
        poll(&format!("the IPv6 block of {id}"), SETTLE_WAIT, || async {
            let v = self.raw_one(region, id).await?;
            Ok(v.filter(ipv6_settled).map(|_| ()))
        })
        .await
    }

    async fn set_ipv6(&self, region: &str, id: &str, want: bool) -> Result<(), ProviderError> {
        let client = self.clients.ec2(region);
        let Some(v) = self.raw_one(region, id).await? else { return Err(common::vanished("VPC", id)) };
        let used: Vec<String> = ipv6_in_use(&v).iter().filter_map(|a| a.association_id().map(str::to_string)).collect();
        if want && used.is_empty() {
            client
                .associate_vpc_cidr_block()
                .vpc_id(id)
                .amazon_provided_ipv6_cidr_block(true)
                .send()
                .await
                .map_err(|e| provider("AssociateVpcCidrBlock", e))?;
        } else if !want {
            for assoc in used {
                client
                    .disassociate_vpc_cidr_block()
                    .association_id(assoc)
                    .send()
                    .await
                    .map_err(|e| provider("DisassociateVpcCidrBlock", e))?;
            }
        }
        if want { self.wait_ipv6(region, id).await } else { Ok(()) }
    }
}

#[async_trait]
impl Describe for Vpc {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::VPC
    }

    fn id_filter(&self) -> Option<&'static str> {
        Some("vpc-id")
    }

    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError> {
        let client = self.clients.ec2(region);
        let vpcs = self.raw(region, filters).await?;
        if vpcs.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = vpcs.iter().filter_map(|v| v.vpc_id.clone()).collect();
        let defaults = self.defaults(&client, region, &ids).await?;
        let mut out = Vec::with_capacity(vpcs.len());
        for v in vpcs {
            let Some(id) = v.vpc_id.clone() else { continue };
            let (support, hostnames) = self.dns(&client, &id).await?;
            let seen = Seen { vpc: v, support, hostnames };
            let v = &seen.vpc;
            let ipv6_block = ipv6_in_use(v).iter().find_map(|a| a.ipv6_cidr_block().filter(|c| !c.is_empty()));
            let owner = v.owner_id().unwrap_or_default();
            let d = defaults.get(&id).cloned().unwrap_or_default();
            let properties = fields::observed(FIELDS, &seen);
            let attributes = props::build([
                ("id", Some(s(&id))),
                ("arn", Some(s(common::arn(region, owner, "vpc", &id)))),
                ("ipv6_cidr_block", ipv6_block.map(s)),
                ("main_route_table_id", d.main_route_table.map(s)),
                ("default_security_group_id", d.security_group.map(s)),
                ("default_network_acl_id", d.network_acl.map(s)),
                ("owner_id", v.owner_id().map(s)),
            ]);
            out.push(Observed { id, properties, attributes, tags: common::tag_map(v.tags()) });
        }
        Ok(out)
    }
}

/// A VPC as DescribeVpcs reports it, with its two DNS attributes
/// (DescribeVpcAttribute).
struct Seen {
    vpc: aws_sdk_ec2::types::Vpc,
    support: Option<bool>,
    hostnames: Option<bool>,
}

/// Schema ↔ AWS (`Vpc` of DescribeVpcs, `EnableDnsSupport` and
/// `EnableDnsHostnames` of DescribeVpcAttribute; CreateVpc). The DNS
/// attributes are ModifyVpcAttribute calls after the create.
type Row = Field<Seen, CreateVpcFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("cidr_block", "CidrBlock", |x| x.vpc.cidr_block().map(s)).create(|c, v| Ok(c.cidr_block(to::text(v)?))),
    // Asked for only when wanted (none is AWS's default).
    Row::new("ipv6", "AmazonProvidedIpv6CidrBlock", |x| Some(Value::Bool(!ipv6_in_use(&x.vpc).is_empty())))
        .create(|c, v| Ok(c.set_amazon_provided_ipv6_cidr_block(to::boolean(v)?.then_some(true)))),
    Row::new("enable_dns_hostnames", "EnableDnsHostnames", |x| x.hostnames.map(Value::Bool)),
    Row::new("enable_dns_support", "EnableDnsSupport", |x| x.support.map(Value::Bool)),
    Row::new("instance_tenancy", "InstanceTenancy", |x| x.vpc.instance_tenancy().map(|t| s(t.as_str())))
        .create(|c, v| Ok(c.instance_tenancy(Tenancy::from(to::text(v)?.as_str())))),
];

#[async_trait]
impl Reconciler for Vpc {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::VPC
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_by_id(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        find_tagged(self, req).await
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        if let Some(found) = existing(self, req).await? {
            return Ok(found);
        }
        let region = &req.target.region;
        let p = &req.properties;
        let client = self.clients.ec2(region);
        let ipv6 = props::boolean(p, "ipv6").unwrap_or(false);
        props::require(p, "cidr_block")?;
        let call =
            fields::create(FIELDS, client.create_vpc(), p)?.tag_specifications(tag_spec(ResourceType::Vpc, &req.tags));
        let created =
            eventually("CreateVpc", || crate::retry::once!(aws_sdk_ec2::config::Builder, call.clone())).await?;
        let id = created.vpc.and_then(|v| v.vpc_id).ok_or_else(|| common::vanished("VPC", "(no id returned)"))?;
        // A new VPC is `pending` for a moment; its attributes change once
        // it is `available`.
        poll(&format!("VPC {id} to be available"), SETTLE_WAIT, || async {
            let v = self.raw_one(region, &id).await?;
            Ok(v.filter(|v| v.state().is_none_or(|s| *s == VpcState::Available)).map(|_| ()))
        })
        .await?;
        // AWS's defaults for a new VPC: DNS support on, host names off.
        let want = (props::boolean(p, "enable_dns_support"), props::boolean(p, "enable_dns_hostnames"));
        self.set_dns(&client, &id, want, (true, false)).await?;
        if ipv6 {
            self.wait_ipv6(region, &id).await?;
        }
        must_observe(self, region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let client = self.clients.ec2(region);
        let id = &req.id;
        let changed = |f: &str| req.changed.iter().any(|c| c == f);
        if let Some(other) = req
            .changed
            .iter()
            .find(|f| !matches!(f.as_str(), "ipv6" | "enable_dns_hostnames" | "enable_dns_support" | "tags"))
        {
            return Err(not_in_place("a VPC", other));
        }
        if changed("enable_dns_support") || changed("enable_dns_hostnames") {
            let (support, hostnames) = self.dns(&client, id).await?;
            let want = (
                props::boolean(&req.desired, "enable_dns_support").filter(|_| changed("enable_dns_support")),
                props::boolean(&req.desired, "enable_dns_hostnames").filter(|_| changed("enable_dns_hostnames")),
            );
            self.set_dns(&client, id, want, (support.unwrap_or(true), hostnames.unwrap_or(false))).await?;
        }
        if changed("ipv6") {
            self.set_ipv6(region, id, props::boolean(&req.desired, "ipv6").unwrap_or(false)).await?;
        }
        if changed("tags") {
            common::sync_tags(&client, id, &req.observed.tags, &req.tags).await?;
        }
        must_observe(self, region, id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.ec2(&req.target.region).delete_vpc().vpc_id(&req.id).send().await;
        tolerate("DeleteVpc", r, NOT_FOUND)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ec2::VPC, &[]);
    }
}
