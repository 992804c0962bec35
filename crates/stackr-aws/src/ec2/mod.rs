//! ec2 reconcilers: one file per resource type; what they share (tag
//! specifications, the look-up by stackr tags, describe-by-filter, tag
//! synchronisation) is in `common`.

pub(crate) mod common;
mod egress_only_internet_gateway;
mod eip;
mod internet_gateway;
mod nat_gateway;
mod region_reads;
mod route_table;
mod route_table_association;
mod security_group;
mod security_group_rule;
mod subnet;
mod vpc;
mod vpc_endpoint;

pub use egress_only_internet_gateway::EgressOnlyInternetGateway;
pub use eip::Eip;
pub use internet_gateway::InternetGateway;
pub use nat_gateway::NatGateway;
pub use route_table::RouteTable;
pub use route_table_association::RouteTableAssociation;
pub use security_group::SecurityGroup;
pub use security_group_rule::SecurityGroupRule;
pub use subnet::Subnet;
pub use vpc::Vpc;
pub use vpc_endpoint::VpcEndpoint;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// "Not yet" refusals of EC2 ([`crate::transient`]): a NAT gateway made
/// seconds ago that CreateRoute does not know yet (EC2 is eventually
/// consistent,
/// <https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html>);
/// past two minutes the id is a mistake.
pub const TRANSIENT: &[crate::transient::Transient] =
    &[crate::transient::for_minutes(&["CreateRoute", "ReplaceRoute"], "InvalidNatGatewayID.NotFound", None, 2)];

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Vpc::new(clients.clone())));
    providers.register(Arc::new(Subnet::new(clients.clone())));
    providers.register(Arc::new(InternetGateway::new(clients.clone())));
    providers.register(Arc::new(EgressOnlyInternetGateway::new(clients.clone())));
    providers.register(Arc::new(RouteTable::new(clients.clone())));
    providers.register(Arc::new(RouteTableAssociation::new(clients.clone())));
    providers.register(Arc::new(SecurityGroup::new(clients.clone())));
    providers.register(Arc::new(SecurityGroupRule::new(clients.clone())));
    providers.register(Arc::new(Eip::new(clients.clone())));
    providers.register(Arc::new(NatGateway::new(clients.clone())));
    providers.register(Arc::new(VpcEndpoint::new(clients.clone())));
}
