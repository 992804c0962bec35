//! `aws.sns.topic`: a standard or FIFO topic. The id is the topic ARN.
//!
//! CreateTopic is idempotent on the name: "if a topic with that name
//! already exists, its ARN is returned" when the attributes and tags are
//! the same, and it fails `InvalidParameter` ("already exists with
//! different attributes / tags") otherwise
//! (<https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html>). So
//! whatever CreateTopic answers is adopted only when its tags make it ours.
//! GetTopicAttributes' `NotFound` means gone
//! (<https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html>).

use super::{NOT_FOUND, to_attr};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::iam::document;
use crate::kit::{self, invalid, not_in_place, tolerate, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Schema property, SNS attribute, and whether it is a JSON document.
const FIELDS: &[(&str, &str, bool)] = &[
    ("content_based_deduplication", "ContentBasedDeduplication", false),
    ("display_name", "DisplayName", false),
    ("kms_master_key_id", "KmsMasterKeyId", false),
    ("policy", "Policy", true),
    ("delivery_policy", "DeliveryPolicy", true),
];

/// What SetTopicAttributes puts back when a property leaves the stack:
/// "" clears a display name, a delivery policy, a KMS key
/// (<https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html>).
/// A topic policy is left alone: its default names the account.
const RESETS: &[(&str, &str)] = &[("display_name", ""), ("delivery_policy", ""), ("kms_master_key_id", "")];

fn check_name(name: &str, fifo: bool) -> Result<(), ProviderError> {
    kit::fifo_name("topic", "fifo_topic", 256, name, fifo)
}

pub struct Topic {
    clients: Arc<Clients>,
}

impl Topic {
    pub fn new(clients: Arc<Clients>) -> Self {
        Topic { clients }
    }

    async fn read(&self, region: &str, arn: &str) -> Result<Option<Observed>, ProviderError> {
        let client = self.clients.sns(region);
        let attrs = match client.get_topic_attributes().topic_arn(arn).send().await {
            Ok(o) => o.attributes.unwrap_or_default(),
            Err(e) if is(&e, NOT_FOUND) => return Ok(None),
            Err(e) => return Err(provider("GetTopicAttributes", e)),
        };
        let tags = match crate::bulktags::refreshed(&self.clients, region, arn).await {
            Some(tags) => tags,
            None => match client.list_tags_for_resource().resource_arn(arn).send().await {
                Ok(o) => props::tag_map(o.tags.unwrap_or_default().into_iter().map(|t| (t.key, t.value))),
                Err(e) if is(&e, NOT_FOUND) => return Ok(None),
                Err(e) => return Err(provider("ListTagsForResource", e)),
            },
        };
        Ok(Some(observed(arn, &attrs, tags)))
    }

    /// The ARN of the topic named `name`, by listing (ListTopics).
    async fn arn_of(&self, region: &str, name: &str) -> Result<Option<String>, ProviderError> {
        let topics = crate::collect!(self.clients.sns(region).list_topics(), topics, "ListTopics");
        let suffix = format!(":{name}");
        Ok(topics.into_iter().filter_map(|t| t.topic_arn).find(|a| a.ends_with(&suffix)))
    }

    async fn set(&self, region: &str, arn: &str, name: &str, value: String) -> Result<(), ProviderError> {
        let call = self.clients.sns(region).set_topic_attributes().topic_arn(arn).attribute_name(name);
        call.attribute_value(value).send().await.map(|_| ()).map_err(|e| provider("SetTopicAttributes", e))
    }

    async fn must(&self, region: &str, arn: &str) -> Result<Observed, ProviderError> {
        self.read(region, arn).await?.ok_or_else(|| vanished("SNS topic", arn))
    }
}

fn observed(arn: &str, attrs: &HashMap<String, String>, tags: std::collections::BTreeMap<String, String>) -> Observed {
    let name = arn.rsplit(':').next().unwrap_or_default().to_string();
    let mut properties = props::build([
        ("name", Some(s(&name))),
        ("fifo_topic", Some(Value::Bool(attrs.get("FifoTopic").is_some_and(|v| v == "true")))),
    ]);
    for (field, attr, doc) in FIELDS {
        let Some(raw) = attrs.get(*attr).filter(|r| !r.is_empty()) else { continue };
        let v = match (doc, *field) {
            (true, "policy") => document::canonical(&document::parse(raw).unwrap_or_else(|| s(raw))),
            (true, _) => document::parse(raw).unwrap_or_else(|| s(raw)),
            (false, "content_based_deduplication") => Value::Bool(raw == "true"),
            _ => s(raw),
        };
        properties.insert(field.to_string(), v);
    }
    let attributes = props::build([("id", Some(s(arn))), ("arn", Some(s(arn))), ("name", Some(s(&name)))]);
    Observed { id: arn.to_string(), properties, attributes, tags }
}

#[async_trait]
impl Reconciler for Topic {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::sns::TOPIC
    }

    /// Policies compare as documents in one canonical spelling
    /// ([`document::canonical`]): key order, list order and a value
    /// written alone or as a one-element list are not changes.
    fn normalize_desired(&self, props: &mut Props) {
        document::canonical_in(props, &["policy"]);
    }

    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        if !kit::known(p, &["name", "fifo_topic", "content_based_deduplication"]) {
            return Ok(());
        }
        let fifo = props::boolean(p, "fifo_topic").unwrap_or(false);
        check_name(&props::string(p, "name").unwrap_or_default(), fifo)?;
        if !fifo && props::boolean(p, "content_based_deduplication") == Some(true) {
            return Err(invalid("`content_based_deduplication` is for FIFO topics only: set `fifo_topic: true`"));
        }
        Ok(())
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for arn in ids {
            out.push(self.read(region, arn).await?);
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let Some(arn) = self.arn_of(&req.target.region, &name).await? else { return Ok(None) };
        Ok(kit::mine(self.read(&req.target.region, &arn).await?, req))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let name = props::require(&req.properties, "name")?;
        let fifo = props::boolean(&req.properties, "fifo_topic").unwrap_or(false);
        check_name(&name, fifo)?;
        let mut attrs = HashMap::new();
        if fifo {
            attrs.insert("FifoTopic".to_string(), "true".to_string());
        }
        for (field, attr, doc) in FIELDS {
            if let Some(v) = to_attr(&req.properties, field, *doc)? {
                attrs.insert(attr.to_string(), v);
            }
        }
        let created = self
            .clients
            .sns(region)
            .create_topic()
            .name(&name)
            .set_attributes(Some(attrs.clone()))
            .set_tags(Some(super::sdk_tags(req.tags.clone())?))
            .send()
            .await;
        let arn = match created {
            Ok(o) => o.topic_arn.ok_or_else(|| vanished("SNS topic", &name))?,
            // The name is taken with other attributes or tags.
            Err(e) if is(&e, &["InvalidParameter"]) && e.message().is_some_and(|m| m.contains("already exists")) => {
                let arn = self.arn_of(region, &name).await?.ok_or_else(|| vanished("SNS topic", &name))?;
                kit::adopt_existing("an SNS topic", &name, self.must(region, &arn).await?, req)?;
                for (attr, v) in attrs.into_iter().filter(|(a, _)| a != "FifoTopic") {
                    self.set(region, &arn, &attr, v).await?;
                }
                kit::sync_tags(&self.clients.sns(region), &arn, &self.must(region, &arn).await?.tags, &req.tags)
                    .await?;
                arn
            }
            Err(e) => return Err(provider("CreateTopic", e)),
        };
        // CreateTopic answers an existing topic of the same name and
        // settings as if it made it: ours only if its tags say so.
        let live = kit::eventually("GetTopicAttributes", || {
            self.clients.sns(region).get_topic_attributes().topic_arn(&arn).send()
        })
        .await;
        live?;
        kit::adopt_existing("an SNS topic", &name, self.must(region, &arn).await?, req)
    }

    fn resets(&self, field: &str) -> bool {
        RESETS.iter().any(|(f, _)| *f == field)
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let (region, arn) = (&req.target.region, &req.id);
        for field in &req.changed {
            match FIELDS.iter().find(|(f, _, _)| f == field) {
                Some((_, attr, doc)) => {
                    if let Some(v) = to_attr(&req.desired, field, *doc)? {
                        self.set(region, arn, attr, v).await?;
                    } else if let Some((_, reset)) = RESETS.iter().find(|(f, _)| f == field) {
                        self.set(region, arn, attr, reset.to_string()).await?;
                    }
                }
                None if field == "tags" => {
                    kit::sync_tags(&self.clients.sns(region), arn, &req.observed.tags, &req.tags).await?
                }
                None => return Err(not_in_place("an SNS topic", field)),
            }
        }
        self.must(region, arn).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.sns(&req.target.region).delete_topic().topic_arn(&req.id).send().await;
        tolerate("DeleteTopic", r, NOT_FOUND)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attribute_table_covers_the_schema() {
        let names: Vec<&str> = FIELDS.iter().map(|f| f.0).collect();
        // The name and FIFO flag are the topic's (CreateTopic's Name and
        // its FifoTopic attribute, fixed at creation).
        crate::kit::fields::assert_names_cover(&names, &stackr_schema::sns::TOPIC, &["name", "fifo_topic"]);
    }

    #[test]
    fn fifo_topic_names() {
        assert!(check_name("events.fifo", true).is_ok());
        assert!(check_name("events", false).is_ok());
        assert!(check_name("events", true).unwrap_err().message.contains("must end in `.fifo`"));
        assert!(check_name("events.fifo", false).is_err());
        assert!(check_name("a/b", false).is_err());
    }
}
