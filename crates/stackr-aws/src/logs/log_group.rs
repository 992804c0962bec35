//! `aws.logs.log_group`: a log group with retention, KMS key and class.
//!
//! The id is the group's name (names are unique per account and region, so
//! a create is naturally idempotent: "already exists" with our tags is
//! adopted). Reads: one paginated DescribeLogGroups per region for many
//! groups, plus one ListTagsForResource per group.

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{self, Field, Listed, done, int32, not_in_place, observe_listed, tolerate, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::operation::create_log_group::builders::CreateLogGroupFluentBuilder;
use aws_sdk_cloudwatchlogs::types::LogGroup as Group;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

/// Schema ↔ AWS (`LogGroup` of DescribeLogGroups; CreateLogGroup). The
/// retention is set by PutRetentionPolicy after the create.
type Row = Field<Group, CreateLogGroupFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("name", "logGroupName", |g| g.log_group_name.clone().map(s))
        .create(|c, v| Ok(c.log_group_name(to::text(v)?))),
    Row::new("retention_in_days", "retentionInDays", |g| g.retention_in_days.map(kit::num)),
    Row::new("kms_key_id", "kmsKeyId", |g| g.kms_key_id.clone().map(s)).create(|c, v| Ok(c.kms_key_id(to::text(v)?))),
    Row::new("log_group_class", "logGroupClass", |g| g.log_group_class.as_ref().map(|c| s(c.as_str())))
        .create(|c, v| Ok(c.log_group_class(to::text(v)?.as_str().into()))),
];

pub struct LogGroup {
    clients: Arc<Clients>,
}

impl LogGroup {
    pub fn new(clients: Arc<Clients>) -> Self {
        LogGroup { clients }
    }

    /// Groups whose names start with `prefix` (all when None).
    async fn describe(&self, region: &str, prefix: Option<&str>) -> Result<Vec<Group>, ProviderError> {
        let call = self.clients.logs(region).describe_log_groups().set_log_group_name_prefix(prefix.map(Into::into));
        Ok(crate::collect!(call, log_groups, "DescribeLogGroups"))
    }

    async fn observe_group(&self, region: &str, g: &Group) -> Result<Observed, ProviderError> {
        let name = g.log_group_name.clone().unwrap_or_default();
        let arn = g
            .log_group_arn
            .clone()
            .unwrap_or_else(|| g.arn.clone().unwrap_or_default().trim_end_matches(":*").to_string());
        let tags = match crate::bulktags::refreshed(&self.clients, region, &arn).await {
            Some(tags) => tags,
            None => {
                let call = self.clients.logs(region).list_tags_for_resource().resource_arn(&arn);
                props::tag_map(
                    call.send().await.map_err(|e| provider("ListTagsForResource", e))?.tags.unwrap_or_default(),
                )
            }
        };
        let properties = fields::observed(FIELDS, g);
        let attributes = props::build([("id", Some(s(&name))), ("arn", Some(s(&arn))), ("name", Some(s(&name)))]);
        Ok(Observed { id: name, properties, attributes, tags })
    }

    async fn set_retention(&self, region: &str, name: &str, p: &Props) -> Result<(), ProviderError> {
        let client = self.clients.logs(region);
        match int32(p, "retention_in_days")? {
            Some(days) => {
                let call = client.put_retention_policy().log_group_name(name).retention_in_days(days);
                done("PutRetentionPolicy", call.send().await)
            }
            None => done("DeleteRetentionPolicy", client.delete_retention_policy().log_group_name(name).send().await),
        }
    }

    async fn must(&self, region: &str, name: &str) -> Result<Observed, ProviderError> {
        self.read(region, name).await?.ok_or_else(|| vanished("log group", name))
    }
}

#[async_trait]
impl Listed for LogGroup {
    type Raw = Group;

    async fn read_raw(&self, region: &str, name: &str) -> Result<Option<Group>, ProviderError> {
        Ok(self.describe(region, Some(name)).await?.into_iter().find(|g| g.log_group_name() == Some(name)))
    }

    async fn list_raw(&self, region: &str) -> Result<HashMap<String, Group>, ProviderError> {
        Ok(self
            .describe(region, None)
            .await?
            .into_iter()
            .filter_map(|g| Some((g.log_group_name.clone()?, g)))
            .collect())
    }

    async fn observed(&self, region: &str, g: &Group) -> Result<Option<Observed>, ProviderError> {
        self.observe_group(region, g).await.map(Some)
    }
}

#[async_trait]
impl Reconciler for LogGroup {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::logs::LOG_GROUP
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        observe_listed(self, region, ids).await
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        Ok(kit::mine(self.read(&req.target.region, &name).await?, req))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let name = props::require(&req.properties, "name")?;
        let call = self.clients.logs(region).create_log_group();
        let created = fields::create(FIELDS, call, &req.properties)?
            .set_tags(Some(req.tags.clone().into_iter().collect()))
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e) if is(&e, &["ResourceAlreadyExistsException"]) => {
                kit::adopt_existing("a log group", &name, self.must(region, &name).await?, req)?;
            }
            Err(e) => return Err(provider("CreateLogGroup", e)),
        }
        if req.properties.contains_key("retention_in_days") {
            self.set_retention(region, &name, &req.properties).await?;
        }
        self.must(region, &name).await
    }

    /// Left out of the stack: kept forever (DeleteRetentionPolicy), no KMS
    /// key (DisassociateKmsKey).
    fn resets(&self, field: &str) -> bool {
        matches!(field, "retention_in_days" | "kms_key_id")
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let (region, name) = (&req.target.region, &req.id);
        let client = self.clients.logs(region);
        for field in &req.changed {
            match field.as_str() {
                "retention_in_days" => self.set_retention(region, name, &req.desired).await?,
                "kms_key_id" => match props::string(&req.desired, "kms_key_id") {
                    Some(k) => done(
                        "AssociateKmsKey",
                        client.associate_kms_key().log_group_name(name).kms_key_id(k).send().await,
                    )?,
                    None => {
                        done("DisassociateKmsKey", client.disassociate_kms_key().log_group_name(name).send().await)?
                    }
                },
                "tags" => {
                    let arn = props::string(&req.observed.attributes, "arn").unwrap_or_default();
                    kit::sync_tags(&client, &arn, &req.observed.tags, &req.tags).await?;
                }
                other => return Err(not_in_place("a log group", other)),
            }
        }
        self.must(region, name).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.logs(&req.target.region).delete_log_group().log_group_name(&req.id).send().await;
        tolerate("DeleteLogGroup", r, NOT_FOUND)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::logs::LOG_GROUP, &[]);
    }
}
