//! `aws.ec2.route_table_association`: a subnet's explicit route table.
//!
//! The id is the association id (rtbassoc-...). A subnet has at most one
//! explicit association, so the subnet itself is the natural key: the
//! look-up before a create (and `find`) is by `association.subnet-id`. An
//! association with the wanted table is adopted; one with another table
//! (moved out of band, which also changes its id) is moved back with
//! ReplaceRouteTableAssociation: the stack says which table the subnet
//! uses. A new `route_table_id` is applied in place the same way, which
//! gives the association a new id.
//!
//! Reads: one paginated DescribeRouteTables (filter
//! `association.route-table-association-id`); during a refresh the region's
//! tables, read once for every EC2 type (`region_reads`). Not taggable (AWS has no
//! tags on associations).

use super::common::{self, describe, eventually, filter, not_in_place, poll, tolerate};
use super::region_reads;
use crate::clients::Clients;
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_ec2::operation::associate_route_table::builders::AssociateRouteTableFluentBuilder;
use aws_sdk_ec2::types::{Filter, RouteTableAssociationStateCode};
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["InvalidAssociationID.NotFound"];

pub struct RouteTableAssociation {
    clients: Arc<Clients>,
}

/// The live subnet associations of `tables`.
fn associations(tables: &[aws_sdk_ec2::types::RouteTable]) -> Vec<Observed> {
    let mut out = Vec::new();
    for t in tables {
        for a in t.associations() {
            let live = !matches!(
                a.association_state().and_then(|st| st.state()),
                Some(
                    RouteTableAssociationStateCode::Disassociated
                        | RouteTableAssociationStateCode::Disassociating
                        | RouteTableAssociationStateCode::Failed
                )
            );
            let (Some(id), Some(_), true) = (a.route_table_association_id(), a.subnet_id(), live) else {
                continue;
            };
            let seen = Seen { association: a.clone(), table_id: t.route_table_id().map(str::to_string) };
            out.push(Observed {
                id: id.to_string(),
                properties: fields::observed(FIELDS, &seen),
                attributes: props::build([("id", Some(s(id)))]),
                tags: Default::default(),
            });
        }
    }
    out
}

/// A subnet association as DescribeRouteTables reports it, with the id of
/// the table it is listed under (when the association omits its own).
struct Seen {
    association: aws_sdk_ec2::types::RouteTableAssociation,
    table_id: Option<String>,
}

/// Schema ↔ AWS (`RouteTableAssociation` of DescribeRouteTables;
/// AssociateRouteTable).
type Row = Field<Seen, AssociateRouteTableFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("subnet_id", "SubnetId", |x| x.association.subnet_id().map(s))
        .create(|c, v| Ok(c.subnet_id(to::text(v)?))),
    Row::new("route_table_id", "RouteTableId", |x| x.association.route_table_id().or(x.table_id.as_deref()).map(s))
        .create(|c, v| Ok(c.route_table_id(to::text(v)?))),
];

impl RouteTableAssociation {
    pub fn new(clients: Arc<Clients>) -> Self {
        RouteTableAssociation { clients }
    }

    /// Subnet associations of the tables matching `filters`.
    async fn describe(&self, region: &str, filters: Vec<Filter>) -> Result<Vec<Observed>, ProviderError> {
        let client = self.clients.ec2(region);
        let tables =
            describe!(client.describe_route_tables().set_filters(Some(filters)), route_tables, "DescribeRouteTables");
        Ok(associations(&tables))
    }

    /// The subnet's explicit association, if any.
    async fn of_subnet(&self, region: &str, subnet: &str) -> Result<Option<Observed>, ProviderError> {
        let found = self.describe(region, vec![filter("association.subnet-id", [subnet])]).await?;
        Ok(found.into_iter().find(|o| props::string(&o.properties, "subnet_id").as_deref() == Some(subnet)))
    }

    /// Points an association at another table; its new id.
    async fn replace(&self, region: &str, id: &str, rtb: &str) -> Result<String, ProviderError> {
        let call = self.clients.ec2(region).replace_route_table_association().association_id(id).route_table_id(rtb);
        let out = eventually("ReplaceRouteTableAssociation", || call.clone().send()).await?;
        Ok(out.new_association_id.unwrap_or_else(|| id.to_string()))
    }

    async fn one(&self, region: &str, id: &str) -> Result<Observed, ProviderError> {
        poll(&format!("route table association {id} to be visible"), common::PROPAGATION, || async {
            Ok(self.observe(region, &[id.to_string()]).await?.pop().flatten())
        })
        .await
    }
}

#[async_trait]
impl Reconciler for RouteTableAssociation {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::ec2::ROUTE_TABLE_ASSOCIATION
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        if let Some(all) = region_reads::route_tables(&self.clients, region).await? {
            return Ok(region_reads::pick(ids, associations(&all)));
        }
        let mut found: HashMap<String, Observed> = HashMap::new();
        for chunk in ids.chunks(200) {
            let f = filter("association.route-table-association-id", chunk.iter().map(String::as_str));
            found.extend(self.describe(region, vec![f]).await?.into_iter().map(|o| (o.id.clone(), o)));
        }
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(subnet) = props::string(&req.properties, "subnet_id") else { return Ok(None) };
        let want_rtb = props::string(&req.properties, "route_table_id");
        Ok(self.of_subnet(&req.target.region, &subnet).await?.filter(|o| {
            !req.known_ids.contains(&o.id)
                && (want_rtb.is_none() || props::string(&o.properties, "route_table_id") == want_rtb)
        }))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let subnet = props::require(&req.properties, "subnet_id")?;
        let rtb = props::require(&req.properties, "route_table_id")?;
        if let Some(current) = self.of_subnet(region, &subnet).await? {
            if props::string(&current.properties, "route_table_id").as_deref() == Some(rtb.as_str()) {
                return Ok(current);
            }
            // The subnet points at another table (changed out of band, or
            // never ours): the stack says which table it uses, so move it.
            let id = self.replace(region, &current.id, &rtb).await?;
            return self.one(region, &id).await;
        }
        let call = fields::create(FIELDS, self.clients.ec2(region).associate_route_table(), &req.properties)?;
        let out = eventually("AssociateRouteTable", || call.clone().send()).await?;
        let id = out.association_id.ok_or_else(|| common::vanished("route table association", "(no id returned)"))?;
        self.one(region, &id).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let mut id = req.id.clone();
        for field in &req.changed {
            match field.as_str() {
                "route_table_id" => {
                    id = self.replace(region, &id, &props::require(&req.desired, "route_table_id")?).await?;
                }
                other => return Err(not_in_place("a route table association", other)),
            }
        }
        self.one(region, &id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.ec2(&req.target.region).disassociate_route_table().association_id(&req.id).send().await;
        tolerate("DisassociateRouteTable", r, NOT_FOUND)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::ec2::ROUTE_TABLE_ASSOCIATION, &[]);
    }
}
