//! `aws.iam.policy`: a customer managed policy. The id is its ARN.
//!
//! A changed document becomes a new default version (CreatePolicyVersion
//! with SetAsDefault); IAM keeps at most 5 versions, so when 5 exist the
//! oldest non-default one is deleted first. Delete removes the non-default
//! versions, then the policy. Name, path and description cannot change
//! (the schema replaces the policy). A create whose name is taken by a
//! policy carrying this stack's and address's tags adopts it.

use super::{NO_SUCH_ENTITY, READ_ATTEMPTS, differing, document, iam_tags, settle, tag_map};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::Field;
use crate::kit::fields::{self, to};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_iam::operation::create_policy::builders::CreatePolicyFluentBuilder;
use aws_sdk_iam::types::{PolicyScopeType, PolicyVersion};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// IAM's limit of versions per managed policy.
const MAX_VERSIONS: usize = 5;

pub struct Policy {
    clients: Arc<Clients>,
}

/// One policy as read: the policy and its default version's document.
struct Seen {
    policy: aws_sdk_iam::types::Policy,
    document: Option<String>,
}

/// Schema ↔ AWS (`Policy` of GetPolicy, the default version's `Document`
/// of GetPolicyVersion; CreatePolicy). A changed document is a new
/// version (CreatePolicyVersion).
type Row = Field<Seen, CreatePolicyFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "PolicyName", |x| Some(s(x.policy.policy_name.clone().unwrap_or_default())))
        .create(|c, v| Ok(c.policy_name(to::text(v)?))),
    Row::new("path", "Path", |x| Some(s(x.policy.path.clone().unwrap_or_else(|| "/".into()))))
        .create(|c, v| Ok(c.path(to::text(v)?))),
    Row::new("description", "Description", |x| x.policy.description.clone().filter(|d| !d.is_empty()).map(s))
        .create(|c, v| Ok(c.description(to::text(v)?))),
    Row::new("policy", "PolicyDocument", |x| {
        x.document.as_deref().and_then(document::parse).map(|d| document::canonical(&d))
    })
    .create(|c, v| Ok(c.policy_document(document::text(v, "policy").map_err(|e| e.message)?))),
];

/// `v12` → 12 (versions sort by number, not as text).
fn version_number(v: &PolicyVersion) -> u64 {
    v.version_id.as_deref().and_then(|id| id.trim_start_matches('v').parse().ok()).unwrap_or(0)
}

impl Policy {
    pub fn new(clients: Arc<Clients>) -> Self {
        Policy { clients }
    }

    fn iam(&self) -> aws_sdk_iam::Client {
        self.clients.iam()
    }

    /// The live policy, or `None` when there is none with that ARN.
    async fn read(&self, arn: &str) -> Result<Option<Observed>, ProviderError> {
        let iam = self.iam();
        let policy = match iam.get_policy().policy_arn(arn).send().await {
            Ok(out) => match out.policy {
                Some(p) => p,
                None => return Ok(None),
            },
            Err(e) if is(&e, NO_SUCH_ENTITY) => return Ok(None),
            Err(e) => return Err(provider("GetPolicy", e)),
        };
        let version = policy.default_version_id.clone().unwrap_or_else(|| "v1".into());
        let doc = match iam.get_policy_version().policy_arn(arn).version_id(&version).send().await {
            Ok(out) => out.policy_version.and_then(|v| v.document),
            Err(e) if is(&e, NO_SUCH_ENTITY) => return Ok(None),
            Err(e) => return Err(provider("GetPolicyVersion", e)),
        };
        let mut tag_list = Vec::new();
        let mut pages = iam.list_policy_tags().policy_arn(arn).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => tag_list.extend(p.tags),
                Err(e) if is(&e, NO_SUCH_ENTITY) => return Ok(None),
                Err(e) => return Err(provider("ListPolicyTags", e)),
            }
        }
        let name = policy.policy_name.clone().unwrap_or_default();
        let seen = Seen { policy, document: doc };
        let properties = fields::observed(FIELDS, &seen);
        let policy = seen.policy;
        let attributes = props::build([
            ("id", Some(s(arn))),
            ("arn", Some(s(arn))),
            ("name", Some(s(&name))),
            ("policy_id", policy.policy_id.clone().map(s)),
            ("default_version_id", Some(s(&version))),
        ]);
        Ok(Some(Observed { id: arn.to_string(), properties, attributes, tags: tag_map(Some(tag_list)) }))
    }

    /// The ARN of the customer managed policy called `name`, if any.
    async fn arn_by_name(&self, name: &str) -> Result<Option<String>, ProviderError> {
        let mut pages = self.iam().list_policies().scope(PolicyScopeType::Local).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| provider("ListPolicies", e))?;
            for p in page.policies.unwrap_or_default() {
                if p.policy_name.as_deref() == Some(name) {
                    return Ok(p.arn);
                }
            }
        }
        Ok(None)
    }

    async fn read_back(&self, arn: &str, what: &str) -> Result<Observed, ProviderError> {
        for attempt in 0..READ_ATTEMPTS {
            settle(attempt).await;
            if let Some(o) = self.read(arn).await? {
                return Ok(o);
            }
        }
        Err(ProviderError::new(ErrorKind::Retryable, format!("policy {arn} not readable after {what}")))
    }

    async fn versions(&self, arn: &str) -> Result<Vec<PolicyVersion>, ProviderError> {
        let mut out = Vec::new();
        let mut pages = self.iam().list_policy_versions().policy_arn(arn).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => out.extend(p.versions.unwrap_or_default()),
                Err(e) if is(&e, NO_SUCH_ENTITY) => return Ok(Vec::new()),
                Err(e) => return Err(provider("ListPolicyVersions", e)),
            }
        }
        out.sort_by_key(|v| (v.create_date.map(|d| (d.secs(), d.subsec_nanos())), version_number(v)));
        Ok(out)
    }

    async fn delete_version(&self, arn: &str, v: &PolicyVersion) -> Result<(), ProviderError> {
        let Some(id) = v.version_id.as_deref() else { return Ok(()) };
        match self.iam().delete_policy_version().policy_arn(arn).version_id(id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NO_SUCH_ENTITY) => Ok(()),
            Err(e) => Err(provider("DeletePolicyVersion", e)),
        }
    }

    /// Makes the document the new default version.
    async fn set_document(&self, arn: &str, doc: &Value) -> Result<(), ProviderError> {
        let versions = self.versions(arn).await?;
        if versions.len() >= MAX_VERSIONS {
            // Oldest first: delete the oldest that is not the default.
            if let Some(oldest) = versions.iter().find(|v| !v.is_default_version) {
                self.delete_version(arn, oldest).await?;
            }
        }
        self.iam()
            .create_policy_version()
            .policy_arn(arn)
            .policy_document(document::text(doc, "policy")?)
            .set_as_default(true)
            .send()
            .await
            .map_err(|e| provider("CreatePolicyVersion", e))?;
        Ok(())
    }

    async fn converge(
        &self,
        arn: &str,
        desired: &Props,
        tags_wanted: &BTreeMap<String, String>,
        live: &Observed,
        fields: &[String],
    ) -> Result<(), ProviderError> {
        for field in fields {
            match field.as_str() {
                "policy" => {
                    let doc = desired
                        .get("policy")
                        .ok_or_else(|| ProviderError::new(ErrorKind::Invalid, "property `policy` is required"))?;
                    if live.properties.get("policy") != Some(&document::normalize(doc)) {
                        self.set_document(arn, doc).await?;
                    }
                }
                "tags" => {
                    let d = tags::diff(&live.tags, tags_wanted);
                    let iam = self.iam();
                    if !d.remove.is_empty() {
                        iam.untag_policy()
                            .policy_arn(arn)
                            .set_tag_keys(Some(d.remove))
                            .send()
                            .await
                            .map_err(|e| provider("UntagPolicy", e))?;
                    }
                    if !d.set.is_empty() {
                        iam.tag_policy()
                            .policy_arn(arn)
                            .set_tags(Some(iam_tags(&d.set)?))
                            .send()
                            .await
                            .map_err(|e| provider("TagPolicy", e))?;
                    }
                }
                other => {
                    return Err(ProviderError::new(
                        ErrorKind::Invalid,
                        format!("`{other}` of a managed policy cannot change in place"),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Reconciler for Policy {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::iam::POLICY
    }

    /// Policies compare as documents in one canonical spelling
    /// ([`document::canonical`]): key order, list order and a value
    /// written alone or as a one-element list are not changes.
    fn normalize_desired(&self, props: &mut Props) {
        document::canonical_in(props, &["policy"]);
    }

    async fn observe(&self, _region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.read(id).await?);
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let Some(arn) = self.arn_by_name(&name).await? else { return Ok(None) };
        let found = self.read(&arn).await?;
        Ok(found
            .filter(|o| !req.known_ids.contains(&o.id) && tags::ours(&o.tags, &req.target.stack, &req.target.address)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let p = &req.properties;
        let name = props::require(p, "name")?;
        if !p.contains_key("policy") {
            return Err(ProviderError::new(ErrorKind::Invalid, "property `policy` is required"));
        }
        let created =
            fields::create(FIELDS, self.iam().create_policy(), p)?.set_tags(Some(iam_tags(&req.tags)?)).send().await;
        match created {
            Ok(out) => {
                let arn = out
                    .policy
                    .and_then(|p| p.arn)
                    .ok_or_else(|| ProviderError::new(ErrorKind::Other, "CreatePolicy: no ARN in the answer"))?;
                self.read_back(&arn, "CreatePolicy").await
            }
            Err(e) if is(&e, &["EntityAlreadyExists", "EntityAlreadyExistsException"]) => {
                let not_ours = |tags: &std::collections::BTreeMap<String, String>| {
                    crate::kit::owned::taken("an IAM policy", &name, tags, &req.target.address, &req.tags)
                };
                let Some(arn) = self.arn_by_name(&name).await? else { return Err(not_ours(&Default::default())) };
                let live = self.read_back(&arn, "EntityAlreadyExists").await?;
                if !tags::same_owner(&live.tags, &req.tags) {
                    return Err(not_ours(&live.tags));
                }
                let fields: Vec<String> = differing(p, &live.properties, &live.tags, &req.tags)
                    .into_iter()
                    .filter(|f| f == "policy" || f == "tags")
                    .collect();
                self.converge(&arn, p, &req.tags, &live, &fields).await?;
                self.read_back(&arn, "adopting it").await
            }
            Err(e) => Err(provider("CreatePolicy", e)),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        self.converge(&req.id, &req.desired, &req.tags, &req.observed, &req.changed).await?;
        self.read_back(&req.id, "update").await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let arn = &req.id;
        for v in self.versions(arn).await? {
            if !v.is_default_version {
                self.delete_version(arn, &v).await?;
            }
        }
        match self.iam().delete_policy().policy_arn(arn).send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NO_SUCH_ENTITY) => Ok(()),
            Err(e) => Err(provider("DeletePolicy", e)),
        }
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::iam::POLICY, &[]);
    }
}
