//! `aws.ec2.vpc_endpoint`: a Gateway, Interface or Gateway Load Balancer
//! endpoint, ready when `available`.
//!
//! - CreateVpcEndpoint takes the request's token as ClientToken
//!   (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html>);
//!   a look-up by the stackr tags comes first, as everywhere.
//! - States (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html>):
//!   `pendingAcceptance` / `pending` wait, `available` is ready, `failed`,
//!   `rejected` and `expired` never will be; `deleting` / `deleted` count as
//!   gone for observe.
//! - ModifyVpcEndpoint
//!   (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html>)
//!   adds and removes route tables, subnets and security groups, and sets
//!   the policy (or resets it to AWS's full-access default), private DNS and
//!   the address type. Refused while the endpoint is still pending: "not
//!   yet".
//! - DeleteVpcEndpoints
//!   (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpcEndpoints.html>)
//!   is a batch call that succeeds as a call and lists what it could not
//!   delete in `Unsuccessful`: such an item is an error, except
//!   `InvalidVpcEndpoint.NotFound` (already gone). The endpoint is then
//!   `deleting` until gone (`deleted`), holding its interfaces and routes.
//! - Private DNS on an Interface endpoint needs the VPC's
//!   enableDnsSupport and enableDnsHostnames
//!   (<https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html>):
//!   nothing is checked here, AWS's InvalidParameter refusal is explained.
//!
//! Reads: one paginated DescribeVpcEndpoints (filter `vpc-endpoint-id`);
//! DescribePrefixLists for a Gateway endpoint's prefix list.

use super::common::{
    self, Describe, describe, existing, filter, find_tagged, must_observe, observe_by_id, sync_tags, tag_spec,
};
use crate::clients::Clients;
use crate::error::{code, provider};
use crate::iam::document;
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, list, s};
use async_trait::async_trait;
use aws_sdk_ec2::operation::create_vpc_endpoint::builders::CreateVpcEndpointFluentBuilder;
use aws_sdk_ec2::types::{Filter, IpAddressType, ResourceType, State, VpcEndpointType};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeSet;
use std::sync::Arc;

const GONE: &[&str] = &["InvalidVpcEndpoint.NotFound", "InvalidVpcEndpointId.NotFound"];

pub struct VpcEndpoint {
    clients: Arc<Clients>,
}

/// The state in lower case: the API reference spells the values
/// `Available`, `PendingAcceptance`..., while EC2's answers (and so the
/// SDK's enum, which keeps an unknown spelling as is) say `available`,
/// `pendingAcceptance`
/// (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html>).
fn state(e: &aws_sdk_ec2::types::VpcEndpoint) -> String {
    e.state().map(|s| s.as_str().to_ascii_lowercase()).unwrap_or_default()
}

fn gone(state: Option<&State>) -> bool {
    state.is_some_and(|s| matches!(s.as_str().to_ascii_lowercase().as_str(), "deleting" | "deleted"))
}

/// AWS's refusal of private DNS in a VPC without DNS hostnames, in words
/// that say what to change.
fn explain(e: ProviderError, vpc: &str) -> ProviderError {
    if e.message.contains("enableDnsHostnames") || e.message.contains("enableDnsSupport") {
        common::invalid(format!(
            "private DNS needs the VPC's DNS support and DNS hostnames turned on: set `enable_dns_support: true` and \
             `enable_dns_hostnames: true` on VPC {vpc}, or `private_dns_enabled: false` on the endpoint ({})",
            e.message
        ))
    } else {
        e
    }
}

impl VpcEndpoint {
    pub fn new(clients: Arc<Clients>) -> Self {
        VpcEndpoint { clients }
    }

    /// The endpoint in any state.
    async fn raw(&self, region: &str, id: &str) -> Result<Option<aws_sdk_ec2::types::VpcEndpoint>, ProviderError> {
        let client = self.clients.ec2(region);
        let found = describe!(
            client.describe_vpc_endpoints().filters(filter("vpc-endpoint-id", [id])),
            vpc_endpoints,
            "DescribeVpcEndpoints"
        );
        Ok(found.into_iter().find(|e| e.vpc_endpoint_id() == Some(id)))
    }

    /// Prefix list ids by name (a Gateway endpoint's service).
    async fn prefix_lists(
        &self,
        region: &str,
        names: BTreeSet<&str>,
    ) -> Result<std::collections::HashMap<String, String>, ProviderError> {
        if names.is_empty() {
            return Ok(Default::default());
        }
        let client = self.clients.ec2(region);
        let found = describe!(
            client.describe_prefix_lists().filters(filter("prefix-list-name", names)),
            prefix_lists,
            "DescribePrefixLists"
        );
        Ok(found.into_iter().filter_map(|p| Some((p.prefix_list_name?, p.prefix_list_id?))).collect())
    }
}

#[async_trait]
impl Describe for VpcEndpoint {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::VPC_ENDPOINT
    }

    fn id_filter(&self) -> Option<&'static str> {
        Some("vpc-endpoint-id")
    }

    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError> {
        let client = self.clients.ec2(region);
        let all = describe!(
            client.describe_vpc_endpoints().set_filters(Some(filters)),
            vpc_endpoints,
            "DescribeVpcEndpoints"
        );
        let live: Vec<_> = all.into_iter().filter(|e| !gone(e.state())).collect();
        let gateways = live
            .iter()
            .filter(|e| e.vpc_endpoint_type() == Some(&VpcEndpointType::Gateway))
            .filter_map(|e| e.service_name())
            .collect();
        let prefix_lists = self.prefix_lists(region, gateways).await?;
        Ok(live
            .iter()
            .filter_map(|e| {
                let id = e.vpc_endpoint_id()?.to_string();
                let owner = e.owner_id().unwrap_or_default();
                let properties = fields::observed(FIELDS, e);
                let prefix_list = e
                    .service_name()
                    .and_then(|n| prefix_lists.get(n))
                    .filter(|_| e.vpc_endpoint_type() == Some(&VpcEndpointType::Gateway));
                let attributes = props::build([
                    ("id", Some(s(&id))),
                    ("arn", Some(s(common::arn(region, owner, "vpc-endpoint", &id)))),
                    ("dns_entries", Some(list(e.dns_entries().iter().filter_map(|d| d.dns_name.clone())))),
                    ("network_interface_ids", Some(list(e.network_interface_ids().to_vec()))),
                    ("prefix_list_id", prefix_list.map(s)),
                    ("state", e.state().map(|st| s(st.as_str()))),
                ]);
                Some(Observed { id, properties, attributes, tags: common::tag_map(e.tags()) })
            })
            .collect())
    }
}

/// Schema ↔ AWS (`VpcEndpoint` of DescribeVpcEndpoints; CreateVpcEndpoint).
type Row = Field<aws_sdk_ec2::types::VpcEndpoint, CreateVpcEndpointFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("vpc_id", "VpcId", |e| e.vpc_id().map(s)).create(|c, v| Ok(c.vpc_id(to::text(v)?))),
    Row::new("service_name", "ServiceName", |e| e.service_name().map(s))
        .create(|c, v| Ok(c.service_name(to::text(v)?))),
    Row::new("vpc_endpoint_type", "VpcEndpointType", |e| e.vpc_endpoint_type().map(|t| s(t.as_str())))
        .create(|c, v| Ok(c.vpc_endpoint_type(VpcEndpointType::from(to::text(v)?.as_str())))),
    Row::new("route_table_ids", "RouteTableIds", |e| Some(list(e.route_table_ids().to_vec())))
        .create(|c, v| Ok(c.set_route_table_ids(to::texts_or_none(v)?))),
    Row::new("subnet_ids", "SubnetIds", |e| Some(list(e.subnet_ids().to_vec())))
        .create(|c, v| Ok(c.set_subnet_ids(to::texts_or_none(v)?))),
    Row::new("security_group_ids", "SecurityGroupIds", |e| {
        Some(list(e.groups().iter().filter_map(|g| g.group_id().map(str::to_string))))
    })
    .create(|c, v| Ok(c.set_security_group_ids(to::texts_or_none(v)?))),
    Row::new("private_dns_enabled", "PrivateDnsEnabled", |e| e.private_dns_enabled().map(Value::Bool))
        .create(|c, v| Ok(c.private_dns_enabled(to::boolean(v)?))),
    Row::new("policy", "PolicyDocument", |e| {
        e.policy_document().map(|raw| document::canonical(&document::parse(raw).unwrap_or_else(|| s(raw))))
    })
    .create(|c, v| Ok(c.policy_document(document::text(v, "policy").map_err(|e| e.message)?))),
    Row::new("ip_address_type", "IpAddressType", |e| e.ip_address_type().map(|t| s(t.as_str())))
        .create(|c, v| Ok(c.ip_address_type(IpAddressType::from(to::text(v)?.as_str())))),
];

/// (to add, to remove) for a list property going from `have` to `want`.
fn delta(have: &Props, want: &Props, k: &str) -> (Option<Vec<String>>, Option<Vec<String>>) {
    let have: BTreeSet<String> = props::strings(have, k).into_iter().collect();
    let want: BTreeSet<String> = props::strings(want, k).into_iter().collect();
    let add: Vec<String> = want.difference(&have).cloned().collect();
    let remove: Vec<String> = have.difference(&want).cloned().collect();
    ((!add.is_empty()).then_some(add), (!remove.is_empty()).then_some(remove))
}

#[async_trait]
impl Reconciler for VpcEndpoint {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::VPC_ENDPOINT
    }

    /// Policies compare as documents in one canonical spelling
    /// ([`document::canonical`]): key order, list order and a value
    /// written alone or as a one-element list are not changes.
    fn normalize_desired(&self, props: &mut Props) {
        document::canonical_in(props, &["policy"]);
    }

    /// Which settings go with which endpoint type
    /// (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html>:
    /// RouteTableIds for Gateway endpoints; SubnetIds for Interface and
    /// Gateway Load Balancer ones; SecurityGroupIds, PrivateDnsEnabled and
    /// IpAddressType for Interface ones).
    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        const ONLY: &[(&str, &[&str])] = &[
            ("route_table_ids", &["Gateway"]),
            ("subnet_ids", &["Interface", "GatewayLoadBalancer"]),
            ("security_group_ids", &["Interface"]),
            ("private_dns_enabled", &["Interface"]),
            ("ip_address_type", &["Interface"]),
        ];
        if p.get("vpc_endpoint_type").is_some_and(Value::contains_unknown) {
            return Ok(());
        }
        let ty = props::string(p, "vpc_endpoint_type").unwrap_or_else(|| "Gateway".into());
        match ONLY.iter().find(|(field, types)| p.contains_key(*field) && !types.contains(&ty.as_str())) {
            Some((field, types)) => Err(common::invalid(format!(
                "`{field}` is for {} endpoints; this one is {ty}{}",
                types.join(" and "),
                if p.contains_key("vpc_endpoint_type") { "" } else { " (the default)" }
            ))),
            None => Ok(()),
        }
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
        let vpc = props::require(p, "vpc_id")?;
        props::require(p, "service_name")?;
        // Gateway is AWS's default; said outright, so every answer names
        // the type (API_CreateVpcEndpoint: VpcEndpointType, default Gateway).
        let call = self.clients.ec2(region).create_vpc_endpoint().vpc_endpoint_type(VpcEndpointType::Gateway);
        let call = fields::create(FIELDS, call, p)?
            .client_token(&req.token)
            .tag_specifications(tag_spec(ResourceType::VpcEndpoint, &req.tags));
        let out =
            common::eventually("CreateVpcEndpoint", || call.clone().send()).await.map_err(|e| explain(e, &vpc))?;
        let id = out
            .vpc_endpoint
            .and_then(|e| e.vpc_endpoint_id)
            .ok_or_else(|| common::vanished("VPC endpoint", "(no id returned)"))?;
        must_observe(self, region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let client = self.clients.ec2(region);
        let (have, want) = (&req.observed.properties, &req.desired);
        let mut call = client.modify_vpc_endpoint().vpc_endpoint_id(&req.id);
        let mut modify = false;
        for field in &req.changed {
            modify |= field != "tags";
            call = match field.as_str() {
                "tags" => call,
                "route_table_ids" => {
                    let (add, remove) = delta(have, want, field);
                    call.set_add_route_table_ids(add).set_remove_route_table_ids(remove)
                }
                "subnet_ids" => {
                    let (add, remove) = delta(have, want, field);
                    call.set_add_subnet_ids(add).set_remove_subnet_ids(remove)
                }
                "security_group_ids" => {
                    let (add, remove) = delta(have, want, field);
                    call.set_add_security_group_ids(add).set_remove_security_group_ids(remove)
                }
                "private_dns_enabled" => call.set_private_dns_enabled(props::boolean(want, field)),
                "ip_address_type" => {
                    call.set_ip_address_type(props::string(want, field).map(|t| IpAddressType::from(t.as_str())))
                }
                "policy" => match want.get("policy") {
                    None | Some(Value::Null) => call.reset_policy(true),
                    Some(doc) => call.policy_document(document::text(doc, "policy")?),
                },
                other => return Err(common::not_in_place("a VPC endpoint", other)),
            };
        }
        if modify {
            // AWS refuses changes while the endpoint is being set up.
            if let Some(e) = self.raw(region, &req.id).await?
                && matches!(state(&e).as_str(), "pending" | "pendingacceptance")
            {
                return Err(ProviderError::not_yet(format!("VPC endpoint {} is still pending", req.id), None));
            }
            match call.send().await {
                Ok(_) => {}
                Err(e) if code(&e).as_deref() == Some("IncorrectState") => {
                    return Err(ProviderError::not_yet(provider("ModifyVpcEndpoint", e).message, None));
                }
                Err(e) => {
                    let vpc = props::string(have, "vpc_id").unwrap_or_default();
                    return Err(explain(provider("ModifyVpcEndpoint", e), &vpc));
                }
            }
        }
        if req.changed.iter().any(|f| f == "tags") {
            sync_tags(&client, &req.id, &req.observed.tags, &req.tags).await?;
        }
        must_observe(self, region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let region = &req.target.region;
        match self.raw(region, &req.id).await? {
            None => return Ok(()),
            Some(e) if gone(e.state()) => return Ok(()),
            Some(_) => {}
        }
        let out = match self.clients.ec2(region).delete_vpc_endpoints().vpc_endpoint_ids(&req.id).send().await {
            Ok(out) => out,
            Err(e) if crate::error::is(&e, GONE) => return Ok(()),
            Err(e) => return Err(provider("DeleteVpcEndpoints", e)),
        };
        // The call succeeds even when the endpoint was not deleted.
        for item in out.unsuccessful() {
            let (c, m) = item.error().map(|e| (e.code().unwrap_or(""), e.message().unwrap_or(""))).unwrap_or_default();
            if GONE.contains(&c) {
                continue;
            }
            return Err(ProviderError::new(
                ErrorKind::Other,
                format!("DeleteVpcEndpoints: {} was not deleted: {m} ({c})", item.resource_id().unwrap_or(&req.id)),
            ));
        }
        Ok(())
    }

    /// Gone when no longer listed or `deleted`: until then the endpoint
    /// holds its interfaces (in subnets and security groups) and routes.
    async fn deleted(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        Ok(match self.raw(region, id).await? {
            None => Readiness::Ready,
            Some(e) if state(&e) == "deleted" => Readiness::Ready,
            Some(e) => {
                Readiness::Pending(e.state().map(|s| s.as_str().to_string()).unwrap_or_else(|| "unknown".into()))
            }
        })
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let Some(e) = self.raw(region, id).await? else {
            return Ok(Readiness::Failed(format!("VPC endpoint {id} is gone")));
        };
        let why = || e.last_error().and_then(|l| l.message()).or(e.failure_reason()).unwrap_or("no reason given");
        Ok(match state(&e).as_str() {
            "available" => Readiness::Ready,
            st @ ("failed" | "rejected" | "expired" | "deleting" | "deleted") => {
                Readiness::Failed(format!("{st}: {}", why()))
            }
            "" => Readiness::Pending("unknown".into()),
            st => Readiness::Pending(st.to_string()),
        })
    }

    /// Interface endpoints take a minute or two; deletes about as long.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(10, 10, 10)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ec2::VPC_ENDPOINT, &[]);
    }
}
