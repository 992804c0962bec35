//! What the two RDS parameter group types share (`aws.rds.db_cluster_parameter_group`,
//! `aws.rds.db_parameter_group`): their APIs are twins (Create / Describe /
//! Modify / Reset / Delete, DB or DBCluster), so each type supplies its
//! calls as an [`Api`] and the reconciling is written once here.
//!
//! - The id is the group's name, which RDS stores in lower case (a name
//!   written otherwise is refused up front). Name, family and description
//!   replace: AWS has no call that changes them.
//! - `parameters` are the ones the user set: observe reads them with
//!   Source=user, so the engine's defaults are never drift. A changed or
//!   added parameter is set with Modify*ParameterGroup, one removed from
//!   the stack goes back to the default with Reset*ParameterGroup, both at
//!   most 20 parameters a call ("A maximum of 20 parameters can be modified
//!   in a single request",
//!   <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBClusterParameterGroup.html>,
//!   <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ResetDBParameterGroup.html>).
//!   Each parameter goes with its `apply_method` (default `immediate`,
//!   which AWS accepts for dynamic parameters only; `pending-reboot` for
//!   static ones).
//! - Create is idempotent by name: "already exists" with our tags is
//!   adopted and brought to the request's parameters; anyone else's is an
//!   error naming it.
//! - Delete: a group still used by a cluster or instance is refused with
//!   `InvalidDBParameterGroupState`, a "not yet" (`super::TRANSIENT`)
//!   while the dependant's own delete finishes; a missing group is fine.

use super::common;
use crate::error::provider;
use crate::kit::fields;
use crate::kit::{self, Field, invalid, not_in_place, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_rds::types::{ApplyMethod, Parameter, Tag};
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};

/// Parameters one Modify / Reset call takes.
pub const PER_CALL: usize = 20;
/// The "not found" code of every call of both APIs.
pub const NOT_FOUND: &[&str] = &["DBParameterGroupNotFound", "DBParameterGroupNotFoundFault"];
pub const EXISTS: &[&str] = &["DBParameterGroupAlreadyExists", "DBParameterGroupAlreadyExistsFault"];

/// A group as Describe* reports it.
#[derive(Clone)]
pub struct Group {
    pub name: String,
    pub family: String,
    pub description: String,
    pub arn: String,
}

/// One group as read: its description and the parameters the user set.
pub struct Seen {
    pub group: Group,
    pub parameters: Vec<Parameter>,
}

/// The user's parameters, name to value (the `parameters` row of both
/// flavours' tables).
pub fn parameters(x: &Seen) -> Option<Value> {
    let parameters: BTreeMap<String, Value> =
        x.parameters.iter().filter_map(|p| Some((p.parameter_name()?.to_string(), s(p.parameter_value()?)))).collect();
    Some(Value::Map(parameters))
}

/// One flavour's calls (cluster or instance parameter groups).
#[async_trait]
pub trait Api: Send + Sync {
    /// The type in words, for messages ("a DB cluster parameter group").
    const WHAT: &'static str;
    /// The flavour's create call.
    type Create: 'static;
    /// The flavour's mapping table (schema ↔ [`Seen`], create call).
    const FIELDS: &'static [Field<Seen, Self::Create>];
    fn client(&self, region: &str) -> aws_sdk_rds::Client;
    fn clients(&self) -> &crate::clients::Clients;
    /// The group named, or every group of the region (paginated); a
    /// missing name gives none.
    async fn groups(&self, region: &str, name: Option<&str>) -> Result<Vec<Group>, ProviderError>;
    /// The parameters the user set (Source=user, paginated); `None`: gone.
    async fn user_parameters(&self, region: &str, name: &str) -> Result<Option<Vec<Parameter>>, ProviderError>;
    /// Creates the group `p` names; `Ok(false)` when one of that name exists.
    async fn make(&self, region: &str, p: &Props, tags: Vec<Tag>) -> Result<bool, ProviderError>;
    async fn modify(&self, region: &str, name: &str, params: Vec<Parameter>) -> Result<(), ProviderError>;
    async fn reset(&self, region: &str, name: &str, params: Vec<Parameter>) -> Result<(), ProviderError>;
    /// Deletes the group (a missing one is fine).
    async fn remove(&self, region: &str, name: &str) -> Result<(), ProviderError>;
}

pub async fn observed<A: Api>(api: &A, region: &str, g: &Group) -> Result<Option<Observed>, ProviderError> {
    let Some(params) = api.user_parameters(region, &g.name).await? else { return Ok(None) };
    let tags = match crate::bulktags::refreshed(api.clients(), region, &g.arn).await {
        Some(tags) => tags,
        None => match api.client(region).list_tags_for_resource().resource_name(&g.arn).send().await {
            Ok(out) => common::tag_map(out.tag_list()),
            Err(e) if crate::error::is(&e, NOT_FOUND) => return Ok(None),
            Err(e) => return Err(provider("ListTagsForResource", e)),
        },
    };
    let properties = fields::observed(A::FIELDS, &Seen { group: g.clone(), parameters: params });
    let attributes = props::build([("id", Some(s(&g.name))), ("arn", Some(s(&g.arn)))]);
    Ok(Some(Observed { id: g.name.clone(), properties, attributes, tags }))
}

pub async fn read_raw<A: Api>(api: &A, region: &str, name: &str) -> Result<Option<Group>, ProviderError> {
    Ok(api.groups(region, Some(name)).await?.into_iter().find(|g| g.name == name))
}

async fn read<A: Api>(api: &A, region: &str, name: &str) -> Result<Option<Observed>, ProviderError> {
    match read_raw(api, region, name).await? {
        Some(g) => observed(api, region, &g).await,
        None => Ok(None),
    }
}

pub async fn list_raw<A: Api>(api: &A, region: &str) -> Result<HashMap<String, Group>, ProviderError> {
    Ok(api.groups(region, None).await?.into_iter().map(|g| (g.name.clone(), g)).collect())
}

async fn must<A: Api>(api: &A, region: &str, name: &str) -> Result<Observed, ProviderError> {
    read(api, region, name).await?.ok_or_else(|| vanished(A::WHAT, name))
}

/// Makes the group's user parameters `want` (name to value), given `have`:
/// changed and new ones set, stale ones reset, 20 a call.
async fn converge<A: Api>(
    api: &A,
    region: &str,
    name: &str,
    have: &Props,
    desired: &Props,
) -> Result<(), ProviderError> {
    let live = match have.get("parameters") {
        Some(Value::Map(m)) => m.clone(),
        _ => BTreeMap::new(),
    };
    let want = match desired.get("parameters") {
        Some(Value::Map(m)) => m.clone(),
        _ => BTreeMap::new(),
    };
    let methods = match desired.get("apply_method") {
        Some(Value::Map(m)) => m.clone(),
        _ => BTreeMap::new(),
    };
    let method = |k: &str| ApplyMethod::from(methods.get(k).and_then(Value::as_str).unwrap_or("immediate"));
    let mut set = Vec::new();
    for (k, v) in &want {
        let Some(v) = v.as_str() else {
            return Err(invalid(format!("parameter `{k}` of {name} must be a string")));
        };
        if live.get(k) != Some(&Value::String(v.to_string())) {
            set.push(Parameter::builder().parameter_name(k).parameter_value(v).apply_method(method(k)).build());
        }
    }
    let stale: Vec<Parameter> = live
        .keys()
        .filter(|k| !want.contains_key(*k))
        .map(|k| Parameter::builder().parameter_name(k).apply_method(method(k)).build())
        .collect();
    for chunk in stale.chunks(PER_CALL) {
        api.reset(region, name, chunk.to_vec()).await?;
    }
    for chunk in set.chunks(PER_CALL) {
        api.modify(region, name, chunk.to_vec()).await?;
    }
    Ok(())
}

pub async fn find<A: Api>(api: &A, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
    let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
    Ok(kit::mine(read(api, &req.target.region, &name).await?, req))
}

pub async fn create<A: Api>(api: &A, req: &CreateRequest) -> Result<Observed, ProviderError> {
    let region = &req.target.region;
    let name = props::require(&req.properties, "name")?;
    common::lower_case("name", &name)?;
    let mut live = Props::new();
    if !api.make(region, &req.properties, common::sdk_tags(&req.tags)).await? {
        let existing = kit::adopt_existing(A::WHAT, &name, must(api, region, &name).await?, req)?;
        let fixed = ["family", "description"];
        if fixed.iter().any(|k| props::string(&existing.properties, k) != props::string(&req.properties, k)) {
            return Err(invalid(format!(
                "{} named {name} exists with another family or description; rename it",
                A::WHAT
            )));
        }
        common::sync_tags(&api.client(region), &arn_of(&existing), &existing.tags, &req.tags).await?;
        live = existing.properties;
    }
    converge(api, region, &name, &live, &req.properties).await?;
    must(api, region, &name).await
}

fn arn_of(o: &Observed) -> String {
    props::string(&o.attributes, "arn").unwrap_or_default()
}

pub async fn update<A: Api>(api: &A, req: &UpdateRequest) -> Result<Observed, ProviderError> {
    let region = &req.target.region;
    for field in &req.changed {
        match field.as_str() {
            "parameters" | "apply_method" => {
                converge(api, region, &req.id, &req.observed.properties, &req.desired).await?
            }
            "tags" => {
                let arn = arn_of(&req.observed);
                common::sync_tags(&api.client(region), &arn, &req.observed.tags, &req.tags).await?
            }
            other => return Err(not_in_place(A::WHAT, other)),
        }
    }
    must(api, region, &req.id).await
}
