//! Amazon EC2 networking: VPC, subnets, gateways, routes, security groups,
//! VPC endpoints, and the availability zone, VPC and subnet look-ups.

mod availability_zones;
mod egress_only_internet_gateway;
mod eip;
mod internet_gateway;
mod nat_gateway;
mod route_table;
mod route_table_association;
mod security_group;
mod security_group_rule;
mod subnet;
mod subnets;
mod vpc;
mod vpc_data;
mod vpc_endpoint;

pub use availability_zones::AVAILABILITY_ZONES;
pub use egress_only_internet_gateway::EGRESS_ONLY_INTERNET_GATEWAY;
pub use eip::EIP;
pub use internet_gateway::INTERNET_GATEWAY;
pub use nat_gateway::NAT_GATEWAY;
pub use route_table::ROUTE_TABLE;
pub use route_table_association::ROUTE_TABLE_ASSOCIATION;
pub use security_group::SECURITY_GROUP;
pub use security_group_rule::SECURITY_GROUP_RULE;
pub use subnet::SUBNET;
pub use subnets::SUBNETS;
pub use vpc::VPC;
pub use vpc_data::VPC_DATA;
pub use vpc_endpoint::VPC_ENDPOINT;
