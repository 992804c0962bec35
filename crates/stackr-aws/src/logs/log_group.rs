//! `aws.logs.log_group`: a log group with retention, KMS key and class.
//!
//! The id is the group's name (names are unique per account and region, so
//! a create is naturally idempotent: "already exists" with our tags is
//! adopted). Reads: one paginated DescribeLogGroups per region for many
//! groups, plus one ListTagsForResource per group.

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::props::{self, s};
use async_trait::async_trait;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

pub struct LogGroup {
    clients: Arc<Clients>,
}

impl LogGroup {
    pub fn new(clients: Arc<Clients>) -> Self {
        LogGroup { clients }
    }

    /// Groups by name among those whose names start with `prefix` (all when None).
    async fn describe(
        &self,
        region: &str,
        prefix: Option<&str>,
    ) -> Result<HashMap<String, aws_sdk_cloudwatchlogs::types::LogGroup>, ProviderError> {
        let client = self.clients.logs(region);
        let mut out = HashMap::new();
        let mut pages =
            client.describe_log_groups().set_log_group_name_prefix(prefix.map(str::to_string)).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| provider("DescribeLogGroups", e))?;
            for g in page.log_groups.unwrap_or_default() {
                if let Some(name) = g.log_group_name.clone() {
                    out.insert(name, g);
                }
            }
        }
        Ok(out)
    }

    async fn observed(
        &self,
        region: &str,
        g: &aws_sdk_cloudwatchlogs::types::LogGroup,
    ) -> Result<Observed, ProviderError> {
        let name = g.log_group_name.clone().unwrap_or_default();
        let arn = g
            .log_group_arn
            .clone()
            .unwrap_or_else(|| g.arn.clone().unwrap_or_default().trim_end_matches(":*").to_string());
        let tags = match crate::bulktags::refreshed(&self.clients, region, &arn).await {
            Some(tags) => tags,
            None => props::tag_map(
                self.clients
                    .logs(region)
                    .list_tags_for_resource()
                    .resource_arn(&arn)
                    .send()
                    .await
                    .map_err(|e| provider("ListTagsForResource", e))?
                    .tags
                    .unwrap_or_default(),
            ),
        };
        let properties = props::build([
            ("name", Some(s(&name))),
            ("retention_in_days", g.retention_in_days.map(|d| Value::Number(d as f64))),
            ("kms_key_id", g.kms_key_id.clone().map(s)),
            ("log_group_class", g.log_group_class.as_ref().map(|c| s(c.as_str()))),
        ]);
        let attributes = props::build([("id", Some(s(&name))), ("arn", Some(s(&arn))), ("name", Some(s(&name)))]);
        Ok(Observed { id: name, properties, attributes, tags })
    }

    async fn set_retention(&self, region: &str, name: &str, days: Option<i64>) -> Result<(), ProviderError> {
        let client = self.clients.logs(region);
        match days {
            Some(d) => {
                client
                    .put_retention_policy()
                    .log_group_name(name)
                    .retention_in_days(d as i32)
                    .send()
                    .await
                    .map_err(|e| provider("PutRetentionPolicy", e))?;
            }
            None => {
                client
                    .delete_retention_policy()
                    .log_group_name(name)
                    .send()
                    .await
                    .map_err(|e| provider("DeleteRetentionPolicy", e))?;
            }
        }
        Ok(())
    }

    async fn one(&self, region: &str, name: &str) -> Result<Option<Observed>, ProviderError> {
        match self.describe(region, Some(name)).await?.get(name) {
            Some(g) => Ok(Some(self.observed(region, g).await?)),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl Reconciler for LogGroup {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::logs::LOG_GROUP
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        // Few groups: a prefix query each. Many: one listing of the region.
        let all = if ids.len() > 3 { Some(self.describe(region, None).await?) } else { None };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let found = match &all {
                Some(all) => all.get(id).cloned(),
                None => self.describe(region, Some(id)).await?.remove(id),
            };
            out.push(match found {
                Some(g) => Some(self.observed(region, &g).await?),
                None => None,
            });
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let found = self.one(&req.target.region, &name).await?;
        Ok(found.filter(|o| {
            !req.known_ids.contains(&o.id)
                && o.tags.get("stackr:stack") == Some(&req.target.stack)
                && o.tags.get("stackr:resource") == Some(&req.target.address)
        }))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let name = props::require(&req.properties, "name")?;
        let client = self.clients.logs(region);
        let tags: HashMap<String, String> = req.tags.clone().into_iter().collect();
        let created = client
            .create_log_group()
            .log_group_name(&name)
            .set_kms_key_id(props::string(&req.properties, "kms_key_id"))
            .set_log_group_class(props::string(&req.properties, "log_group_class").map(|c| c.as_str().into()))
            .set_tags(Some(tags))
            .send()
            .await;
        if let Err(e) = created {
            // Already there: ours (a retried create) is adopted; anyone
            // else's is an error that names it.
            if !is(&e, &["ResourceAlreadyExistsException"]) {
                return Err(provider("CreateLogGroup", e));
            }
            let existing = self.one(region, &name).await?;
            let ours = existing.as_ref().is_some_and(|o| {
                o.tags.get("stackr:stack") == Some(&req.target.stack)
                    && o.tags.get("stackr:resource") == Some(&req.target.address)
            });
            if !ours {
                return Err(ProviderError::new(
                    ErrorKind::Invalid,
                    format!(
                        "a log group named {name} already exists and was not made by this stack; import it or rename"
                    ),
                ));
            }
        }
        if let Some(days) = props::int(&req.properties, "retention_in_days") {
            self.set_retention(region, &name, Some(days)).await?;
        }
        self.one(region, &name)
            .await?
            .ok_or_else(|| ProviderError::new(ErrorKind::Other, format!("log group {name} vanished after create")))
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let name = &req.id;
        let client = self.clients.logs(region);
        for field in &req.changed {
            match field.as_str() {
                "retention_in_days" => {
                    self.set_retention(region, name, props::int(&req.desired, "retention_in_days")).await?;
                }
                "kms_key_id" => match props::string(&req.desired, "kms_key_id") {
                    Some(k) => {
                        client
                            .associate_kms_key()
                            .log_group_name(name)
                            .kms_key_id(k)
                            .send()
                            .await
                            .map_err(|e| provider("AssociateKmsKey", e))?;
                    }
                    None => {
                        client
                            .disassociate_kms_key()
                            .log_group_name(name)
                            .send()
                            .await
                            .map_err(|e| provider("DisassociateKmsKey", e))?;
                    }
                },
                "tags" => {
                    let arn =
                        req.observed.attributes.get("arn").and_then(|v| v.as_str()).unwrap_or_default().to_string();
                    sync_tags(&client, &arn, &req.observed.tags, &req.tags).await?;
                }
                other => {
                    return Err(ProviderError::new(
                        ErrorKind::Invalid,
                        format!("`{other}` of a log group cannot change in place"),
                    ));
                }
            }
        }
        self.one(region, name)
            .await?
            .ok_or_else(|| ProviderError::new(ErrorKind::Other, format!("log group {name} vanished during update")))
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        match self.clients.logs(&req.target.region).delete_log_group().log_group_name(&req.id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NOT_FOUND) => Ok(()),
            Err(e) => Err(provider("DeleteLogGroup", e)),
        }
    }
}

async fn sync_tags(
    client: &aws_sdk_cloudwatchlogs::Client,
    arn: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let d = crate::tags::diff(have, want);
    if !d.remove.is_empty() {
        client
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(d.remove))
            .send()
            .await
            .map_err(|e| provider("UntagResource", e))?;
    }
    if !d.set.is_empty() {
        client
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(d.set.into_iter().collect()))
            .send()
            .await
            .map_err(|e| provider("TagResource", e))?;
    }
    Ok(())
}
