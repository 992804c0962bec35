//! `aws.sqs.queue`: a standard or FIFO queue. The id is the queue URL.
//!
//! AWS behaviours this follows
//! (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html>,
//! <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteQueue.html>,
//! <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html>):
//! - CreateQueue of an existing name with the same attributes answers the
//!   existing queue's URL, without error: a create first looks the name up
//!   (GetQueueUrl) and adopts a queue only when its tags make it ours; with
//!   other attributes it fails `QueueAlreadyExists` (`QueueNameExists`).
//! - After DeleteQueue, "you must wait at least 60 seconds before creating
//!   a queue with the same name" (`QueueDeletedRecently`): a "not yet"
//!   refusal, retried (a replacement re-using a name meets it).
//! - "The change can take up to 60 seconds for most of the attributes to
//!   propagate" (15 minutes for MessageRetentionPeriod): after a write, reads
//!   are awaited for at most a minute, then the last read is what is told.
//! - `AWS.SimpleQueueService.NonExistentQueue` (`QueueDoesNotExist` in the
//!   JSON protocol): gone.

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::iam::document;
use crate::kit::{self, invalid, not_in_place, tolerate, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_sqs::types::QueueAttributeName as Name;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const GONE: &[&str] = &["AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"];
const NAME_TAKEN: &[&str] = &["QueueAlreadyExists", "QueueNameExists"];
const DELETED_RECENTLY: &[&str] = &["AWS.SimpleQueueService.QueueDeletedRecently", "QueueDeletedRecently"];
/// How long AWS may take to show an attribute change in reads.
const SETTLE: Duration = Duration::from_secs(60);

type Attrs = HashMap<Name, String>;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Bool,
    Str,
    Redrive,
    Doc,
}

/// Schema property, SQS attribute, and how its value is written.
const FIELDS: &[(&str, &str, Kind)] = &[
    ("fifo_queue", "FifoQueue", Kind::Bool),
    ("content_based_deduplication", "ContentBasedDeduplication", Kind::Bool),
    ("visibility_timeout_seconds", "VisibilityTimeout", Kind::Int),
    ("message_retention_seconds", "MessageRetentionPeriod", Kind::Int),
    ("delay_seconds", "DelaySeconds", Kind::Int),
    ("max_message_size", "MaximumMessageSize", Kind::Int),
    ("receive_wait_time_seconds", "ReceiveMessageWaitTimeSeconds", Kind::Int),
    ("redrive_policy", "RedrivePolicy", Kind::Redrive),
    ("sqs_managed_sse_enabled", "SqsManagedSseEnabled", Kind::Bool),
    ("kms_master_key_id", "KmsMasterKeyId", Kind::Str),
    ("kms_data_key_reuse_period_seconds", "KmsDataKeyReusePeriodSeconds", Kind::Int),
    ("policy", "Policy", Kind::Doc),
];

/// A property's value as the SQS attribute's text; `None` when unset.
fn to_attr(p: &Props, k: &str, kind: Kind) -> Result<Option<String>, ProviderError> {
    Ok(match (kind, p.get(k)) {
        (_, None | Some(Value::Null)) => None,
        (Kind::Int, _) => kit::int32(p, k)?.map(|n| n.to_string()),
        (Kind::Bool, _) => props::boolean(p, k).map(|b| b.to_string()),
        (Kind::Str, _) => props::string(p, k),
        (Kind::Doc, Some(v)) => Some(document::text(v, k)?),
        (Kind::Redrive, Some(Value::Map(m))) => {
            let dlq = props::string(m, "dead_letter_target_arn");
            let count = kit::int32(m, "max_receive_count")?;
            let (Some(dlq), Some(count)) = (dlq, count) else {
                return Err(invalid("`redrive_policy` needs dead_letter_target_arn and max_receive_count"));
            };
            Some(serde_json::json!({ "deadLetterTargetArn": dlq, "maxReceiveCount": count }).to_string())
        }
        (Kind::Redrive, Some(other)) => {
            return Err(invalid(format!("`redrive_policy` must be a map, not {}", other.type_name())));
        }
    })
}

/// An SQS attribute's text as the property's value.
fn from_attr(kind: Kind, raw: &str) -> Option<Value> {
    match kind {
        Kind::Int => raw.parse::<i64>().ok().map(kit::num),
        Kind::Bool => Some(Value::Bool(raw.eq_ignore_ascii_case("true"))),
        Kind::Str => (!raw.is_empty()).then(|| s(raw)),
        Kind::Doc => (!raw.is_empty()).then(|| document::canonical(&document::parse(raw).unwrap_or_else(|| s(raw)))),
        Kind::Redrive => {
            let j: serde_json::Value = serde_json::from_str(raw).ok()?;
            let dlq = j.get("deadLetterTargetArn")?.as_str()?;
            // AWS writes the count as a number; some answers quote it.
            let count = match j.get("maxReceiveCount")? {
                serde_json::Value::String(n) => n.parse::<i64>().ok()?,
                n => n.as_i64()?,
            };
            Some(Value::Map(props::build([
                ("dead_letter_target_arn", Some(s(dlq))),
                ("max_receive_count", Some(kit::num(count))),
            ])))
        }
    }
}

/// What SetQueueAttributes puts back when a property leaves the stack:
/// AWS's default, or "" where that removes the attribute (a redrive
/// policy, a queue policy, a KMS key)
/// (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html>).
/// The largest message size is left alone (its default has changed over
/// time), and so is the data key reuse period: SQS shows none once the
/// KMS key is removed with it.
const RESETS: &[(&str, &str)] = &[
    ("visibility_timeout_seconds", "30"),
    ("message_retention_seconds", "345600"),
    ("delay_seconds", "0"),
    ("receive_wait_time_seconds", "0"),
    ("redrive_policy", ""),
    ("kms_master_key_id", ""),
    ("policy", ""),
];

/// The attributes a stack sets, for CreateQueue (every field) or
/// SetQueueAttributes (the `changed` ones; a changed one the stack no
/// longer sets goes back to its [`RESETS`] value).
fn wanted(p: &Props, only: Option<&[String]>) -> Result<Attrs, ProviderError> {
    let mut out = Attrs::new();
    for (field, attr, kind) in FIELDS {
        if only.is_some_and(|o| !o.iter().any(|f| f == field)) {
            continue;
        }
        if let Some(v) = to_attr(p, field, *kind)? {
            out.insert(Name::from(*attr), v);
        } else if only.is_some()
            && !p.contains_key(*field)
            && let Some((_, reset)) = RESETS.iter().find(|(f, _)| f == field)
        {
            out.insert(Name::from(*attr), reset.to_string());
        }
    }
    Ok(out)
}

/// Whether a read shows every attribute that was written.
fn shows(sent: &Attrs, got: &Attrs) -> bool {
    sent.iter().all(|(name, v)| {
        let kind = FIELDS.iter().find(|(_, a, _)| *a == name.as_str()).map_or(Kind::Str, |f| f.2);
        got.get(name).and_then(|g| from_attr(kind, g)) == from_attr(kind, v)
    })
}

/// AWS's naming rules, told before any call: a FIFO queue's name ends in
/// `.fifo`, and only a FIFO queue's.
fn check_name(name: &str, fifo: bool) -> Result<(), ProviderError> {
    kit::fifo_name("queue", "fifo_queue", 80, name, fifo)
}

pub struct Queue {
    clients: Arc<Clients>,
}

impl Queue {
    pub fn new(clients: Arc<Clients>) -> Self {
        Queue { clients }
    }

    async fn attributes(&self, region: &str, url: &str) -> Result<Option<Attrs>, ProviderError> {
        let call = self.clients.sqs(region).get_queue_attributes().queue_url(url).attribute_names(Name::All);
        match call.send().await {
            Ok(o) => Ok(Some(o.attributes.unwrap_or_default())),
            Err(e) if is(&e, GONE) => Ok(None),
            Err(e) => Err(provider("GetQueueAttributes", e)),
        }
    }

    async fn read(&self, region: &str, url: &str) -> Result<Option<Observed>, ProviderError> {
        let Some(attrs) = self.attributes(region, url).await? else { return Ok(None) };
        self.observed(region, url, &attrs).await
    }

    async fn observed(&self, region: &str, url: &str, attrs: &Attrs) -> Result<Option<Observed>, ProviderError> {
        let arn = attrs.get(&Name::QueueArn).cloned().unwrap_or_default();
        let name = url.rsplit('/').next().unwrap_or_default().to_string();
        let tags = match crate::bulktags::refreshed(&self.clients, region, &arn).await {
            Some(tags) => tags,
            None => match self.clients.sqs(region).list_queue_tags().queue_url(url).send().await {
                Ok(o) => props::tag_map(o.tags.unwrap_or_default()),
                Err(e) if is(&e, GONE) => return Ok(None),
                Err(e) => return Err(provider("ListQueueTags", e)),
            },
        };
        let mut properties = props::build([("name", Some(s(&name)))]);
        for (field, attr, kind) in FIELDS {
            if let Some(v) = attrs.get(&Name::from(*attr)).and_then(|raw| from_attr(*kind, raw)) {
                properties.insert(field.to_string(), v);
            }
        }
        // A standard queue has no FifoQueue attribute at all.
        properties.entry("fifo_queue".into()).or_insert(Value::Bool(false));
        let attributes = props::build([
            ("id", Some(s(url))),
            ("url", Some(s(url))),
            ("arn", Some(s(&arn))),
            ("name", Some(s(&name))),
        ]);
        Ok(Some(Observed { id: url.to_string(), properties, attributes, tags }))
    }

    /// The URL of the queue named `name`, if there is one.
    async fn url_of(&self, region: &str, name: &str) -> Result<Option<String>, ProviderError> {
        match self.clients.sqs(region).get_queue_url().queue_name(name).send().await {
            Ok(o) => Ok(o.queue_url),
            Err(e) if is(&e, GONE) => Ok(None),
            Err(e) => Err(provider("GetQueueUrl", e)),
        }
    }

    async fn set(&self, region: &str, url: &str, attrs: &Attrs) -> Result<(), ProviderError> {
        if attrs.is_empty() {
            return Ok(());
        }
        let call = self.clients.sqs(region).set_queue_attributes().queue_url(url).set_attributes(Some(attrs.clone()));
        crate::kit::done("SetQueueAttributes", call.send().await)
    }

    /// The queue once reads show what was just written (`sent`), or after
    /// [`SETTLE`] as it then reads: the rest is the next plan's to see.
    async fn settled(&self, region: &str, url: &str, sent: &Attrs) -> Result<Observed, ProviderError> {
        let deadline = stackr_engine::clock::deadline(SETTLE);
        let mut pause = Duration::from_millis(500);
        loop {
            let attrs = self.attributes(region, url).await?.ok_or_else(|| vanished("SQS queue", url))?;
            if shows(sent, &attrs) || Instant::now() >= deadline {
                return self.observed(region, url, &attrs).await?.ok_or_else(|| vanished("SQS queue", url));
            }
            stackr_engine::clock::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }

    /// A queue of that name that exists already: ours (a retried create)
    /// is adopted and given the stack's attributes; anyone else's is an error.
    async fn adopt(
        &self,
        req: &CreateRequest,
        name: &str,
        url: &str,
        attrs: &Attrs,
    ) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let existing = self.read(region, url).await?.ok_or_else(|| vanished("SQS queue", url))?;
        kit::adopt_existing("an SQS queue", name, existing, req)?;
        self.set(region, url, attrs).await?;
        self.settled(region, url, attrs).await
    }
}

#[async_trait]
impl Reconciler for Queue {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::sqs::QUEUE
    }

    /// Policies compare as documents in one canonical spelling
    /// ([`document::canonical`]): key order, list order and a value
    /// written alone or as a one-element list are not changes.
    fn normalize_desired(&self, props: &mut Props) {
        document::canonical_in(props, &["policy"]);
    }

    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        if !kit::known(p, &["name", "fifo_queue", "content_based_deduplication"]) {
            return Ok(());
        }
        let fifo = props::boolean(p, "fifo_queue").unwrap_or(false);
        check_name(&props::string(p, "name").unwrap_or_default(), fifo)?;
        if !fifo && props::boolean(p, "content_based_deduplication") == Some(true) {
            return Err(invalid("`content_based_deduplication` is for FIFO queues only: set `fifo_queue: true`"));
        }
        Ok(())
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        // SQS has no call that reads many queues' attributes: one read each.
        let mut out = Vec::with_capacity(ids.len());
        for url in ids {
            out.push(self.read(region, url).await?);
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(name) = props::string(&req.properties, "name") else { return Ok(None) };
        let Some(url) = self.url_of(&req.target.region, &name).await? else { return Ok(None) };
        Ok(kit::mine(self.read(&req.target.region, &url).await?, req))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let name = props::require(&req.properties, "name")?;
        check_name(&name, props::boolean(&req.properties, "fifo_queue").unwrap_or(false))?;
        let attrs = wanted(&req.properties, None)?;
        // CreateQueue answers an existing queue with the same attributes
        // as if it made it: look first, and adopt only what is ours.
        if let Some(url) = self.url_of(region, &name).await? {
            return self.adopt(req, &name, &url, &attrs).await;
        }
        let created = self
            .clients
            .sqs(region)
            .create_queue()
            .queue_name(&name)
            .set_attributes(Some(attrs.clone()))
            .set_tags(Some(req.tags.clone().into_iter().collect()))
            .send()
            .await;
        let url = match created {
            Ok(o) => o.queue_url.ok_or_else(|| vanished("SQS queue", &name))?,
            Err(e) if is(&e, DELETED_RECENTLY) => {
                return Err(ProviderError::not_yet(
                    format!(
                        "CreateQueue: a queue named {name} was deleted less than 60 seconds ago, and AWS refuses \
                         the name until then ({})",
                        crate::error::code(&e).unwrap_or_default()
                    ),
                    Some(Duration::from_secs(5 * 60)),
                ));
            }
            Err(e) if is(&e, NAME_TAKEN) => {
                let url = self.url_of(region, &name).await?.ok_or_else(|| vanished("SQS queue", &name))?;
                return self.adopt(req, &name, &url, &attrs).await;
            }
            Err(e) => return Err(provider("CreateQueue", e)),
        };
        self.settled(region, &url, &attrs).await
    }

    fn resets(&self, field: &str) -> bool {
        RESETS.iter().any(|(f, _)| *f == field)
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let (region, url) = (&req.target.region, &req.id);
        for field in &req.changed {
            match field.as_str() {
                "tags" => kit::sync_tags(&self.clients.sqs(region), url, &req.observed.tags, &req.tags).await?,
                f if f != "fifo_queue" && FIELDS.iter().any(|(name, _, _)| *name == f) => {}
                other => return Err(not_in_place("an SQS queue", other)),
            }
        }
        let attrs = wanted(&req.desired, Some(&req.changed))?;
        self.set(region, url, &attrs).await?;
        self.settled(region, url, &attrs).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.sqs(&req.target.region).delete_queue().queue_url(&req.id).send().await;
        tolerate("DeleteQueue", r, GONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attribute_table_covers_the_schema() {
        let names: Vec<&str> = FIELDS.iter().map(|f| f.0).collect();
        // The name is the queue's (CreateQueue's QueueName), not an attribute.
        crate::kit::fields::assert_names_cover(&names, &stackr_schema::sqs::QUEUE, &["name"]);
    }

    #[test]
    fn fifo_names_end_in_fifo_and_only_theirs() {
        assert!(check_name("jobs.fifo", true).is_ok());
        assert!(check_name("jobs", false).is_ok());
        let e = check_name("jobs", true).unwrap_err();
        assert!(e.message.contains("must end in `.fifo`"), "{}", e.message);
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert!(check_name("jobs.fifo", false).unwrap_err().message.contains("fifo_queue: true"));
        assert!(check_name(".fifo", true).is_err());
        assert!(check_name("a b", false).is_err());
        assert!(check_name(&"x".repeat(81), false).is_err());
    }

    #[test]
    fn redrive_policy_round_trips_with_a_quoted_count() {
        let p: Props = [(
            "redrive_policy".to_string(),
            Value::Map(props::build([
                ("dead_letter_target_arn", Some(s("arn:dlq"))),
                ("max_receive_count", Some(kit::num(5))),
            ])),
        )]
        .into_iter()
        .collect();
        let text = to_attr(&p, "redrive_policy", Kind::Redrive).unwrap().unwrap();
        assert_eq!(from_attr(Kind::Redrive, &text), p.get("redrive_policy").cloned());
        let quoted = r#"{"deadLetterTargetArn":"arn:dlq","maxReceiveCount":"5"}"#;
        assert_eq!(from_attr(Kind::Redrive, quoted), p.get("redrive_policy").cloned());
        let sent: Attrs = [(Name::RedrivePolicy, text)].into_iter().collect();
        let got: Attrs = [(Name::RedrivePolicy, quoted.to_string())].into_iter().collect();
        assert!(shows(&sent, &got));
        assert!(!shows(&sent, &Attrs::new()));
    }
}
