//! `aws.iam.role`: a role with its trust policy, inline policies (exactly
//! those of the stack: PutRolePolicy / DeleteRolePolicy), attached managed
//! policies (exactly those: Attach / DetachRolePolicy), description,
//! maximum session duration, permissions boundary and tags.
//!
//! The id is the role name (unique per account). A create whose name is
//! taken by a role carrying this stack's and address's tags adopts it (a
//! retried create) and completes it; anyone else's is an error naming it.
//! IAM has no batched read of one role's fields, so outside a refresh observe
//! reads each role: GetRole, ListRolePolicies + GetRolePolicy, and
//! ListAttachedRolePolicies; during a refresh, two reads of the account give
//! every role (`account_roles`). Policy documents come back URL-encoded and are
//! compared as parsed JSON; attached policy ARNs are reported sorted.

use super::account_roles::{self, AccountRole, Lookup};
use super::{NO_SUCH_ENTITY, READ_ATTEMPTS, differing, document, iam_tags, settle, tag_map};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_iam::operation::create_role::builders::CreateRoleFluentBuilder;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub struct Role {
    clients: Arc<Clients>,
}

/// One role as read: the role, its inline policies (documents parsed) and
/// its attached managed policy ARNs (sorted).
struct Seen {
    role: aws_sdk_iam::types::Role,
    inline: BTreeMap<String, Value>,
    managed: Vec<String>,
}

/// Schema ↔ AWS (`Role` of GetRole or GetAccountAuthorizationDetails, with
/// its inline and attached policies; CreateRole). Policies are put and
/// attached after the create.
type Row = Field<Seen, CreateRoleFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "RoleName", |x| Some(s(&x.role.role_name))).create(|c, v| Ok(c.role_name(to::text(v)?))),
    Row::new("path", "Path", |x| Some(s(&x.role.path))).create(|c, v| Ok(c.path(to::text(v)?))),
    Row::new("assume_role_policy", "AssumeRolePolicyDocument", |x| {
        x.role.assume_role_policy_document.as_deref().and_then(document::parse)
    })
    .create(|c, v| Ok(c.assume_role_policy_document(document::text(v, "assume_role_policy").map_err(|e| e.message)?))),
    Row::new("inline_policies", "PutRolePolicy", |x| Some(Value::Map(x.inline.clone()))),
    Row::new("managed_policy_arns", "AttachRolePolicy", |x| Some(props::list(x.managed.clone()))),
    Row::new("description", "Description", |x| x.role.description.clone().filter(|d| !d.is_empty()).map(s))
        .create(|c, v| Ok(c.description(to::text(v)?))),
    Row::new("max_session_duration", "MaxSessionDuration", |x| {
        x.role.max_session_duration.map(|d| Value::Number(f64::from(d)))
    })
    .create(|c, v| Ok(c.max_session_duration(to::int32(v)?))),
    Row::new("permissions_boundary", "PermissionsBoundary", |x| {
        x.role.permissions_boundary.as_ref().and_then(|b| b.permissions_boundary_arn.clone()).map(s)
    })
    .create(|c, v| Ok(c.permissions_boundary(to::text(v)?))),
];

/// A role as observed, from the role, its inline policies (documents
/// parsed) and its attached managed policy ARNs (sorted).
fn observed(role: aws_sdk_iam::types::Role, inline: BTreeMap<String, Value>, managed: Vec<String>) -> Observed {
    let seen = Seen { role, inline, managed };
    let properties = fields::observed(FIELDS, &seen);
    let role = seen.role;
    let attributes = props::build([
        ("id", Some(s(&role.role_name))),
        ("arn", Some(s(&role.arn))),
        ("unique_id", Some(s(&role.role_id))),
        ("name", Some(s(&role.role_name))),
    ]);
    let mut properties = properties;
    document::canonical_in(&mut properties, &["assume_role_policy"]);
    document::canonical_each(&mut properties, "inline_policies");
    Observed { id: role.role_name.clone(), properties, attributes, tags: tag_map(role.tags) }
}

/// A policy document as observed: parsed, or as given when it is not JSON.
fn parsed(raw: String) -> Value {
    document::parse(&raw).unwrap_or(Value::String(raw))
}

/// A role from the account-wide reads of a refresh.
fn from_account(r: AccountRole<'_>) -> Observed {
    let inline = r
        .detail
        .role_policy_list()
        .iter()
        .filter_map(|p| Some((p.policy_name.clone()?, parsed(p.policy_document.clone()?))))
        .collect();
    let mut managed: Vec<String> =
        r.detail.attached_managed_policies().iter().filter_map(|a| a.policy_arn.clone()).collect();
    managed.sort();
    managed.dedup();
    observed(r.role, inline, managed)
}

impl Role {
    pub fn new(clients: Arc<Clients>) -> Self {
        Role { clients }
    }

    fn iam(&self) -> aws_sdk_iam::Client {
        self.clients.iam()
    }

    /// The live role, or `None` when there is no role of that name.
    async fn read(&self, name: &str) -> Result<Option<Observed>, ProviderError> {
        let iam = self.iam();
        let role = match iam.get_role().role_name(name).send().await {
            Ok(out) => match out.role {
                Some(r) => r,
                None => return Ok(None),
            },
            Err(e) if is(&e, NO_SUCH_ENTITY) => return Ok(None),
            Err(e) => return Err(provider("GetRole", e)),
        };
        let Some(inline) = self.inline_policies(name).await? else { return Ok(None) };
        let Some(managed) = self.attached(name).await? else { return Ok(None) };
        Ok(Some(observed(role, inline, managed)))
    }

    /// Inline policy names (`None`: the role is gone).
    async fn inline_names(&self, name: &str) -> Result<Option<Vec<String>>, ProviderError> {
        let mut names = Vec::new();
        let mut pages = self.iam().list_role_policies().role_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => names.extend(p.policy_names),
                Err(e) if is(&e, NO_SUCH_ENTITY) => return Ok(None),
                Err(e) => return Err(provider("ListRolePolicies", e)),
            }
        }
        Ok(Some(names))
    }

    /// Inline policies by name, documents parsed (`None`: the role is gone).
    async fn inline_policies(&self, name: &str) -> Result<Option<BTreeMap<String, Value>>, ProviderError> {
        let iam = self.iam();
        let Some(names) = self.inline_names(name).await? else { return Ok(None) };
        let mut out = BTreeMap::new();
        for policy in names {
            match iam.get_role_policy().role_name(name).policy_name(&policy).send().await {
                Ok(p) => {
                    out.insert(policy, parsed(p.policy_document));
                }
                // Deleted between the listing and now.
                Err(e) if is(&e, NO_SUCH_ENTITY) => {}
                Err(e) => return Err(provider("GetRolePolicy", e)),
            }
        }
        Ok(Some(out))
    }

    /// Attached managed policy ARNs, sorted (`None`: the role is gone).
    async fn attached(&self, name: &str) -> Result<Option<Vec<String>>, ProviderError> {
        let mut arns = Vec::new();
        let mut pages = self.iam().list_attached_role_policies().role_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => arns.extend(p.attached_policies.unwrap_or_default().into_iter().filter_map(|a| a.policy_arn)),
                Err(e) if is(&e, NO_SUCH_ENTITY) => return Ok(None),
                Err(e) => return Err(provider("ListAttachedRolePolicies", e)),
            }
        }
        arns.sort();
        arns.dedup();
        Ok(Some(arns))
    }

    /// Reads a role just written, waiting out IAM's eventual consistency.
    async fn read_back(&self, name: &str, what: &str) -> Result<Observed, ProviderError> {
        for attempt in 0..READ_ATTEMPTS {
            settle(attempt).await;
            if let Some(o) = self.read(name).await? {
                return Ok(o);
            }
        }
        Err(ProviderError::new(ErrorKind::Retryable, format!("role {name} not readable after {what}")))
    }

    /// Makes the fields named in `fields` match `desired` (and the tags
    /// `tags`), from the live state `live`.
    async fn converge(
        &self,
        name: &str,
        desired: &Props,
        tags_wanted: &BTreeMap<String, String>,
        live: &Observed,
        fields: &[String],
    ) -> Result<(), ProviderError> {
        let iam = self.iam();
        let mut role_updated = false;
        for field in fields {
            match field.as_str() {
                "assume_role_policy" => {
                    let doc = desired.get("assume_role_policy").ok_or_else(|| {
                        ProviderError::new(ErrorKind::Invalid, "property `assume_role_policy` is required")
                    })?;
                    iam.update_assume_role_policy()
                        .role_name(name)
                        .policy_document(document::text(doc, "assume_role_policy")?)
                        .send()
                        .await
                        .map_err(|e| provider("UpdateAssumeRolePolicy", e))?;
                }
                "description" | "max_session_duration" if !role_updated => {
                    // UpdateRole with both fields: some implementations reset
                    // an omitted one to its default.
                    role_updated = true;
                    let description = props::string(desired, "description")
                        .or_else(|| props::string(&live.properties, "description"));
                    let max = props::int(desired, "max_session_duration")
                        .or_else(|| props::int(&live.properties, "max_session_duration"));
                    iam.update_role()
                        .role_name(name)
                        .set_description(description)
                        .set_max_session_duration(
                            max.map(|m| crate::kit::num::to_i32("max_session_duration", m)).transpose()?,
                        )
                        .send()
                        .await
                        .map_err(|e| provider("UpdateRole", e))?;
                }
                "description" | "max_session_duration" => {}
                "permissions_boundary" => match props::string(desired, "permissions_boundary") {
                    Some(arn) => {
                        iam.put_role_permissions_boundary()
                            .role_name(name)
                            .permissions_boundary(arn)
                            .send()
                            .await
                            .map_err(|e| provider("PutRolePermissionsBoundary", e))?;
                    }
                    None => match iam.delete_role_permissions_boundary().role_name(name).send().await {
                        Ok(_) => {}
                        Err(e) if is(&e, NO_SUCH_ENTITY) => {}
                        Err(e) => return Err(provider("DeleteRolePermissionsBoundary", e)),
                    },
                },
                "inline_policies" => self.sync_inline(name, desired, live).await?,
                "managed_policy_arns" => self.sync_managed(name, desired, live).await?,
                "tags" => self.sync_tags(name, &live.tags, tags_wanted).await?,
                other => {
                    return Err(ProviderError::new(
                        ErrorKind::Invalid,
                        format!("`{other}` of a role cannot change in place"),
                    ));
                }
            }
        }
        Ok(())
    }

    async fn sync_inline(&self, name: &str, desired: &Props, live: &Observed) -> Result<(), ProviderError> {
        let iam = self.iam();
        let want: BTreeMap<String, Value> = match desired.get("inline_policies") {
            Some(Value::Map(m)) => m.clone(),
            _ => BTreeMap::new(),
        };
        let have: BTreeMap<String, Value> = match live.properties.get("inline_policies") {
            Some(Value::Map(m)) => m.clone(),
            _ => BTreeMap::new(),
        };
        for (policy, doc) in &want {
            if have.get(policy) == Some(&document::normalize(doc)) {
                continue;
            }
            iam.put_role_policy()
                .role_name(name)
                .policy_name(policy)
                .policy_document(document::text(doc, &format!("inline policy {policy}"))?)
                .send()
                .await
                .map_err(|e| provider("PutRolePolicy", e))?;
        }
        for policy in have.keys().filter(|p| !want.contains_key(*p)) {
            match iam.delete_role_policy().role_name(name).policy_name(policy).send().await {
                Ok(_) => {}
                Err(e) if is(&e, NO_SUCH_ENTITY) => {}
                Err(e) => return Err(provider("DeleteRolePolicy", e)),
            }
        }
        Ok(())
    }

    async fn sync_managed(&self, name: &str, desired: &Props, live: &Observed) -> Result<(), ProviderError> {
        let iam = self.iam();
        let want: BTreeSet<String> = props::strings(desired, "managed_policy_arns").into_iter().collect();
        let have: BTreeSet<String> = props::strings(&live.properties, "managed_policy_arns").into_iter().collect();
        for arn in want.difference(&have) {
            iam.attach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map_err(|e| provider("AttachRolePolicy", e))?;
        }
        for arn in have.difference(&want) {
            match iam.detach_role_policy().role_name(name).policy_arn(arn).send().await {
                Ok(_) => {}
                Err(e) if is(&e, NO_SUCH_ENTITY) => {}
                Err(e) => return Err(provider("DetachRolePolicy", e)),
            }
        }
        Ok(())
    }

    async fn sync_tags(
        &self,
        name: &str,
        have: &BTreeMap<String, String>,
        want: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let d = tags::diff(have, want);
        let iam = self.iam();
        if !d.remove.is_empty() {
            iam.untag_role()
                .role_name(name)
                .set_tag_keys(Some(d.remove))
                .send()
                .await
                .map_err(|e| provider("UntagRole", e))?;
        }
        if !d.set.is_empty() {
            iam.tag_role()
                .role_name(name)
                .set_tags(Some(iam_tags(&d.set)?))
                .send()
                .await
                .map_err(|e| provider("TagRole", e))?;
        }
        Ok(())
    }
}

#[async_trait]
impl Reconciler for Role {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::iam::ROLE
    }

    /// Policies compare as documents in one canonical spelling
    /// ([`document::canonical`]): key order, list order and a value
    /// written alone or as a one-element list are not changes.
    fn normalize_desired(&self, props: &mut Props) {
        document::canonical_in(props, &["assume_role_policy"]);
        document::canonical_each(props, "inline_policies");
    }

    async fn observe(&self, _region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let account = account_roles::during_refresh(&self.clients).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(match account.as_ref().map(|a| a.lookup(id)) {
                Some(Lookup::Found(r)) => Some(from_account(*r)),
                Some(Lookup::Gone) => None,
                Some(Lookup::Unsure) | None => self.read(id).await?,
            });
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let found = self.read(&name).await?;
        Ok(found
            .filter(|o| !req.known_ids.contains(&o.id) && tags::ours(&o.tags, &req.target.stack, &req.target.address)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let p = &req.properties;
        let name = props::require(p, "name")?;
        if !p.contains_key("assume_role_policy") {
            return Err(ProviderError::new(ErrorKind::Invalid, "property `assume_role_policy` is required"));
        }
        let created =
            fields::create(FIELDS, self.iam().create_role(), p)?.set_tags(Some(iam_tags(&req.tags)?)).send().await;
        let live = match created {
            Ok(out) => {
                // Fresh: only the policies remain to be put and attached.
                let mut live = match out.role {
                    Some(r) => Observed {
                        id: r.role_name.clone(),
                        properties: Props::new(),
                        attributes: Props::new(),
                        tags: tag_map(r.tags),
                    },
                    None => self.read_back(&name, "CreateRole").await?,
                };
                live.properties.insert("inline_policies".into(), Value::Map(BTreeMap::new()));
                live.properties.insert("managed_policy_arns".into(), Value::List(Vec::new()));
                let fields = ["inline_policies", "managed_policy_arns"].map(String::from);
                self.converge(&name, p, &req.tags, &live, &fields).await?;
                return self.read_back(&name, "CreateRole").await;
            }
            Err(e) if is(&e, &["EntityAlreadyExists", "EntityAlreadyExistsException"]) => {
                self.read_back(&name, "EntityAlreadyExists").await?
            }
            Err(e) => return Err(provider("CreateRole", e)),
        };
        // Taken: a retried create of ours is adopted and completed.
        if !tags::same_owner(&live.tags, &req.tags) {
            return Err(crate::kit::owned::taken("an IAM role", &name, &live.tags, &req.target.address, &req.tags));
        }
        let fields = differing(p, &live.properties, &live.tags, &req.tags);
        let fields: Vec<String> = fields.into_iter().filter(|f| f != "name" && f != "path").collect();
        self.converge(&name, p, &req.tags, &live, &fields).await?;
        self.read_back(&name, "adopting it").await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        self.converge(&req.id, &req.desired, &req.tags, &req.observed, &req.changed).await?;
        self.read_back(&req.id, "update").await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let name = &req.id;
        let iam = self.iam();
        let Some(managed) = self.attached(name).await? else { return Ok(()) };
        for arn in managed {
            match iam.detach_role_policy().role_name(name).policy_arn(&arn).send().await {
                Ok(_) => {}
                Err(e) if is(&e, NO_SUCH_ENTITY) => {}
                Err(e) => return Err(provider("DetachRolePolicy", e)),
            }
        }
        let Some(inline) = self.inline_names(name).await? else { return Ok(()) };
        for policy in &inline {
            match iam.delete_role_policy().role_name(name).policy_name(policy).send().await {
                Ok(_) => {}
                Err(e) if is(&e, NO_SUCH_ENTITY) => {}
                Err(e) => return Err(provider("DeleteRolePolicy", e)),
            }
        }
        match iam.delete_role().role_name(name).send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NO_SUCH_ENTITY) => Ok(()),
            Err(e) => Err(provider("DeleteRole", e)),
        }
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::iam::ROLE, &[]);
    }
}
