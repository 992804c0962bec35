//! `aws.ec2.route_table`: a route table and its routes, kept as a set.
//!
//! Each route is one destination (IPv4, IPv6 or prefix list) and one
//! target. Routes are matched by destination: a destination the stack no
//! longer lists is removed (DeleteRoute), one whose target changed is
//! re-pointed (ReplaceRoute), a new one is added (CreateRoute); the others
//! are not touched. The table's `local` routes, propagated routes, routes
//! a VPC gateway endpoint manages (prefix list to `vpce-...`) and Route
//! Server routes are not the stack's and are neither reported nor changed.
//!
//! Observed routes are listed in a fixed order: IPv4 destinations, then
//! IPv6, then prefix lists, each sorted by destination text. The engine's
//! diff compares lists in order, so a stack that lists routes in another
//! order sees a (harmless, repeated) difference until its order matches.
//!
//! Reads: one paginated DescribeRouteTables (filter `route-table-id`); during
//! a refresh the region's tables, read once for every EC2 type (`region_reads`).
//! A table whose routes point at a NAT gateway waits for the gateway to be
//! ready (AWS refuses routes to a pending gateway).

use super::common::{
    self, Describe, describe, eventually, existing, find_tagged, must_observe, not_in_place, observe_by_id, tag_spec,
    tolerate,
};
use super::region_reads;
use crate::clients::Clients;
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ec2::operation::create_route_table::builders::CreateRouteTableFluentBuilder;
use aws_sdk_ec2::types::{Filter, ResourceType, RouteOrigin};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["InvalidRouteTableID.NotFound"];
const ROUTE_NOT_FOUND: &[&str] = &["InvalidRoute.NotFound"];

/// Destination fields, in the order observed routes are sorted by.
const DESTINATIONS: &[&str] = &["destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id"];
const TARGETS: &[&str] = &[
    "gateway_id",
    "nat_gateway_id",
    "egress_only_gateway_id",
    "transit_gateway_id",
    "vpc_peering_connection_id",
    "network_interface_id",
    "vpc_endpoint_id",
];

/// One route: its set fields (one destination, one target).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Route(BTreeMap<String, String>);

impl Route {
    /// (destination field, destination); `None` for a route with none.
    fn destination(&self) -> Option<(usize, &str)> {
        DESTINATIONS.iter().enumerate().find_map(|(i, f)| self.0.get(*f).map(|d| (i, d.as_str())))
    }

    fn get(&self, field: &str) -> Option<String> {
        self.0.get(field).cloned()
    }

    fn to_value(&self) -> Value {
        Value::Map(self.0.iter().map(|(k, v)| (k.clone(), s(v))).collect())
    }

    fn from_sdk(r: &aws_sdk_ec2::types::Route) -> Option<Route> {
        if matches!(
            r.origin(),
            Some(RouteOrigin::CreateRouteTable | RouteOrigin::EnableVgwRoutePropagation | RouteOrigin::Advertisement)
        ) || r.gateway_id() == Some("local")
        {
            return None;
        }
        let gateway = r.gateway_id().filter(|g| !g.is_empty());
        let endpoint = gateway.filter(|g| g.starts_with("vpce-"));
        if endpoint.is_some() && r.destination_prefix_list_id().is_some() {
            // A gateway endpoint's route: the endpoint owns it.
            return None;
        }
        let fields = [
            ("destination_cidr_block", r.destination_cidr_block()),
            ("destination_ipv6_cidr_block", r.destination_ipv6_cidr_block()),
            ("destination_prefix_list_id", r.destination_prefix_list_id()),
            ("gateway_id", gateway.filter(|_| endpoint.is_none())),
            ("vpc_endpoint_id", endpoint),
            ("nat_gateway_id", r.nat_gateway_id()),
            ("egress_only_gateway_id", r.egress_only_internet_gateway_id()),
            ("transit_gateway_id", r.transit_gateway_id()),
            ("vpc_peering_connection_id", r.vpc_peering_connection_id()),
            ("network_interface_id", r.network_interface_id()),
        ];
        let route = Route(
            fields
                .into_iter()
                .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k.to_string(), v.to_string())))
                .collect(),
        );
        route.destination().is_some().then_some(route)
    }

    /// A route as the stack writes it; one destination and one target.
    fn from_value(v: &Value) -> Result<Route, ProviderError> {
        let Value::Map(m) = v else { return Err(common::invalid("each route must be a map")) };
        let route = Route(
            m.iter()
                .filter_map(|(k, v)| v.to_interpolated().filter(|s| !s.is_empty()).map(|s| (k.clone(), s)))
                .collect(),
        );
        let dests = DESTINATIONS.iter().filter(|f| route.0.contains_key(**f)).count();
        let targets = TARGETS.iter().filter(|f| route.0.contains_key(**f)).count();
        if dests != 1 || targets != 1 {
            return Err(common::invalid(format!(
                "a route needs exactly one destination ({}) and one target ({}): {}",
                DESTINATIONS.join(", "),
                TARGETS.join(", "),
                v.to_json()
            )));
        }
        Ok(route)
    }
}

/// Routes in their observed order.
fn sorted(mut routes: Vec<Route>) -> Vec<Route> {
    routes.sort_by(|a, b| a.destination().cmp(&b.destination()));
    routes
}

/// Sets a route's destination and target on a CreateRoute / ReplaceRoute
/// / DeleteRoute builder (`targets` only for the first two).
macro_rules! with_route {
    ($b:expr, $r:expr) => {
        $b.set_destination_cidr_block($r.get("destination_cidr_block"))
            .set_destination_ipv6_cidr_block($r.get("destination_ipv6_cidr_block"))
            .set_destination_prefix_list_id($r.get("destination_prefix_list_id"))
    };
    ($b:expr, $r:expr, targets) => {
        with_route!($b, $r)
            .set_gateway_id($r.get("gateway_id"))
            .set_nat_gateway_id($r.get("nat_gateway_id"))
            .set_egress_only_internet_gateway_id($r.get("egress_only_gateway_id"))
            .set_transit_gateway_id($r.get("transit_gateway_id"))
            .set_vpc_peering_connection_id($r.get("vpc_peering_connection_id"))
            .set_network_interface_id($r.get("network_interface_id"))
            .set_vpc_endpoint_id($r.get("vpc_endpoint_id"))
    };
}

pub struct RouteTable {
    clients: Arc<Clients>,
}

impl RouteTable {
    pub fn new(clients: Arc<Clients>) -> Self {
        RouteTable { clients }
    }

    /// Makes the table's routes exactly `want`, one call per route that differs.
    async fn sync_routes(&self, region: &str, id: &str, have: &Value, want: &Value) -> Result<(), ProviderError> {
        let client = self.clients.ec2(region);
        let want: Vec<Route> =
            want.as_list().unwrap_or_default().iter().map(Route::from_value).collect::<Result<_, _>>()?;
        let have: Vec<Route> =
            have.as_list().unwrap_or_default().iter().filter_map(|v| Route::from_value(v).ok()).collect();
        let by_dest =
            |routes: &[Route], d: Option<(usize, &str)>| routes.iter().find(|r| r.destination() == d).cloned();
        for old in &have {
            if by_dest(&want, old.destination()).is_none() {
                let r = with_route!(client.delete_route().route_table_id(id), old).send().await;
                tolerate("DeleteRoute", r, ROUTE_NOT_FOUND)?;
            }
        }
        for new in &want {
            match by_dest(&have, new.destination()) {
                Some(old) if old == *new => {}
                Some(_) => {
                    let call = with_route!(client.replace_route().route_table_id(id), new, targets);
                    eventually("ReplaceRoute", || call.clone().send()).await?;
                }
                None => {
                    let call = with_route!(client.create_route().route_table_id(id), new, targets);
                    eventually("CreateRoute", || call.clone().send()).await?;
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Describe for RouteTable {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::ROUTE_TABLE
    }

    fn id_filter(&self) -> Option<&'static str> {
        Some("route-table-id")
    }

    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError> {
        let client = self.clients.ec2(region);
        let tables =
            describe!(client.describe_route_tables().set_filters(Some(filters)), route_tables, "DescribeRouteTables");
        Ok(tables.iter().filter_map(|t| observed(region, t)).collect())
    }
}

/// A route table as observed.
fn observed(region: &str, t: &aws_sdk_ec2::types::RouteTable) -> Option<Observed> {
    let id = t.route_table_id()?.to_string();
    let owner = t.owner_id().unwrap_or_default();
    let properties = fields::observed(FIELDS, t);
    let attributes = props::build([
        ("id", Some(s(&id))),
        ("arn", Some(s(common::arn(region, owner, "route-table", &id)))),
        ("owner_id", t.owner_id().map(s)),
    ]);
    Some(Observed { id, properties, attributes, tags: common::tag_map(t.tags()) })
}

/// Schema ↔ AWS (`RouteTable` of DescribeRouteTables; CreateRouteTable).
/// The routes are added after the create (CreateRoute, `sync_routes`), so
/// theirs is a read-only row.
type Row = Field<aws_sdk_ec2::types::RouteTable, CreateRouteTableFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("vpc_id", "VpcId", |t| t.vpc_id().map(s)).create(|c, v| Ok(c.vpc_id(to::text(v)?))),
    Row::new("routes", "Routes", |t| {
        let routes = sorted(t.routes().iter().filter_map(Route::from_sdk).collect());
        Some(Value::List(routes.iter().map(Route::to_value).collect()))
    }),
];

#[async_trait]
impl Reconciler for RouteTable {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::ROUTE_TABLE
    }

    /// One route per destination: a table holds one
    /// (<https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html>;
    /// CreateRoute answers `RouteAlreadyExists`), so two would never
    /// both be what AWS reports.
    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        let Some(Value::List(routes)) = p.get("routes") else { return Ok(()) };
        let mut seen: Vec<String> = Vec::new();
        for m in routes.iter().filter_map(Value::as_map) {
            let dest = ["destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id"]
                .iter()
                .find_map(|k| m.get(*k).filter(|v| !v.contains_unknown()).and_then(Value::to_interpolated));
            let Some(dest) = dest else { continue };
            if seen.contains(&dest) {
                return Err(common::invalid(format!(
                    "`routes`: two routes to {dest}; a route table holds one route per destination"
                )));
            }
            seen.push(dest);
        }
        Ok(())
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        if let Some(all) = region_reads::route_tables(&self.clients, region).await? {
            return Ok(region_reads::pick(ids, all.iter().filter_map(|t| observed(region, t))));
        }
        observe_by_id(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        find_tagged(self, req).await
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        // A table an earlier attempt made may lack some routes: they are
        // added below like on a fresh one.
        let (id, have) = match existing(self, req).await? {
            Some(found) => (found.id, found.properties.get("routes").cloned().unwrap_or(Value::List(Vec::new()))),
            None => {
                props::require(&req.properties, "vpc_id")?;
                let call = fields::create(FIELDS, self.clients.ec2(region).create_route_table(), &req.properties)?
                    .client_token(&req.token)
                    .tag_specifications(tag_spec(ResourceType::RouteTable, &req.tags));
                let created = eventually("CreateRouteTable", || call.clone().send()).await?;
                let id = created
                    .route_table
                    .and_then(|t| t.route_table_id)
                    .ok_or_else(|| common::vanished("route table", "(no id returned)"))?;
                (id, Value::List(Vec::new()))
            }
        };
        if let Some(want) = req.properties.get("routes").filter(|v| !matches!(v, Value::Null)) {
            self.sync_routes(region, &id, &have, want).await?;
        }
        must_observe(self, region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        for field in &req.changed {
            match field.as_str() {
                "routes" => {
                    let have = req.observed.properties.get("routes").cloned().unwrap_or(Value::List(Vec::new()));
                    let want = req.desired.get("routes").cloned().unwrap_or(Value::List(Vec::new()));
                    self.sync_routes(region, &req.id, &have, &want).await?;
                }
                "tags" => common::sync_tags(&self.clients.ec2(region), &req.id, &req.observed.tags, &req.tags).await?,
                other => return Err(not_in_place("a route table", other)),
            }
        }
        must_observe(self, region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.ec2(&req.target.region).delete_route_table().route_table_id(&req.id).send().await;
        tolerate("DeleteRouteTable", r, NOT_FOUND)
    }

    fn needs_ready(&self, kind: &str) -> bool {
        kind == stackr_schema::ec2::NAT_GATEWAY.kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::Route as SdkRoute;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ec2::ROUTE_TABLE, &[]);
    }

    #[test]
    fn local_propagated_and_endpoint_routes_are_not_the_stacks() {
        let local = SdkRoute::builder()
            .destination_cidr_block("10.0.0.0/16")
            .gateway_id("local")
            .origin(RouteOrigin::CreateRouteTable)
            .build();
        let propagated = SdkRoute::builder()
            .destination_cidr_block("192.168.0.0/16")
            .gateway_id("vgw-1")
            .origin(RouteOrigin::EnableVgwRoutePropagation)
            .build();
        let endpoint = SdkRoute::builder().destination_prefix_list_id("pl-1").gateway_id("vpce-1").build();
        assert_eq!(Route::from_sdk(&local), None);
        assert_eq!(Route::from_sdk(&propagated), None);
        assert_eq!(Route::from_sdk(&endpoint), None);
        let eigw = SdkRoute::builder()
            .destination_ipv6_cidr_block("::/0")
            .egress_only_internet_gateway_id("eigw-1")
            .origin(RouteOrigin::CreateRoute)
            .build();
        let r = Route::from_sdk(&eigw).unwrap();
        assert_eq!(r.get("egress_only_gateway_id").as_deref(), Some("eigw-1"));
        assert_eq!(Route::from_value(&r.to_value()).unwrap(), r);
    }

    #[test]
    fn routes_sort_ipv4_then_ipv6_then_prefix_lists() {
        let r =
            |k: &str, d: &str| Route([(k.to_string(), d.to_string()), ("gateway_id".into(), "igw-1".into())].into());
        let got = sorted(vec![
            r("destination_prefix_list_id", "pl-1"),
            r("destination_ipv6_cidr_block", "::/0"),
            r("destination_cidr_block", "10.1.0.0/16"),
            r("destination_cidr_block", "0.0.0.0/0"),
        ]);
        let dests: Vec<&str> = got.iter().filter_map(|r| r.destination().map(|d| d.1)).collect();
        assert_eq!(dests, ["0.0.0.0/0", "10.1.0.0/16", "::/0", "pl-1"]);
    }

    #[test]
    fn a_route_needs_one_destination_and_one_target() {
        let v = |pairs: &[(&str, &str)]| Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), s(*v))).collect());
        assert!(Route::from_value(&v(&[("destination_cidr_block", "0.0.0.0/0")])).is_err());
        assert!(
            Route::from_value(&v(&[
                ("destination_cidr_block", "0.0.0.0/0"),
                ("gateway_id", "igw-1"),
                ("nat_gateway_id", "nat-1")
            ]))
            .is_err()
        );
    }
}
