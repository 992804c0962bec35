//! EC2 reads that several types make during a refresh, made once per region.
//!
//! A route table, the associations of route tables and a VPC (for its main
//! table) all describe route tables; a security group and a VPC (for its
//! default group) both describe security groups. Outside a refresh each
//! type describes by its own filters. During one, each of these reads is
//! one paginated call for the whole region, shared through
//! [`crate::readcache`], and each type picks out what it observes: one
//! call instead of one per type, the same answer, so the same drift. (An
//! account with many VPCs in the region gets more pages of it: route
//! tables come 100 a page, security groups 1000.)

use super::common::describe;
use crate::clients::Clients;
use crate::readcache::ReadKey;
use aws_sdk_ec2::types::{RouteTable, SecurityGroup};
use stackr_engine::reconciler::{Observed, ProviderError};
use std::collections::HashMap;
use std::sync::Arc;

/// Every route table of `region`, during a refresh; `None` outside one.
pub async fn route_tables(clients: &Clients, region: &str) -> Result<Option<Arc<Vec<RouteTable>>>, ProviderError> {
    if clients.reads.refreshing().is_none() {
        return Ok(None);
    }
    let client = clients.ec2(region);
    let key = ReadKey::new("EC2", "DescribeRouteTables", region, "");
    let all = clients
        .reads
        .read(key, || async {
            Ok::<_, ProviderError>(Arc::new(describe!(
                client.describe_route_tables(),
                route_tables,
                "DescribeRouteTables"
            )))
        })
        .await?;
    Ok(Some(all))
}

/// Every security group of `region`, during a refresh; `None` outside one.
pub async fn security_groups(
    clients: &Clients,
    region: &str,
) -> Result<Option<Arc<Vec<SecurityGroup>>>, ProviderError> {
    if clients.reads.refreshing().is_none() {
        return Ok(None);
    }
    let client = clients.ec2(region);
    let key = ReadKey::new("EC2", "DescribeSecurityGroups", region, "");
    let all = clients
        .reads
        .read(key, || async {
            Ok::<_, ProviderError>(Arc::new(describe!(
                client.describe_security_groups(),
                security_groups,
                "DescribeSecurityGroups"
            )))
        })
        .await?;
    Ok(Some(all))
}

/// One entry per id, in order, from what was observed (`None`: gone).
pub fn pick(ids: &[String], observed: impl IntoIterator<Item = Observed>) -> Vec<Option<Observed>> {
    let found: HashMap<String, Observed> = observed.into_iter().map(|o| (o.id.clone(), o)).collect();
    ids.iter().map(|id| found.get(id).cloned()).collect()
}
