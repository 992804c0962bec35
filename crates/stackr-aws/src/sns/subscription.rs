//! `aws.sns.subscription`: an endpoint subscribed to a topic. The id is the
//! subscription ARN.
//!
//! - Subscribe with ReturnSubscriptionArn: "the value is always the
//!   subscription ARN, even if the subscription requires confirmation"
//!   (<https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html>).
//!   Email and HTTP(S) endpoints must confirm: GetSubscriptionAttributes'
//!   `PendingConfirmation` is "true" until they do; that is this type's
//!   readiness (<https://docs.aws.amazon.com/sns/latest/api/API_GetSubscriptionAttributes.html>).
//! - SNS keeps one subscription per topic, protocol and endpoint:
//!   Subscribe of an existing one answers its ARN (or fails
//!   `InvalidParameter` when its attributes differ). Subscriptions take no
//!   tags, so that triple is how a create is found again
//!   (ListSubscriptionsByTopic, where unconfirmed ones are listed with the
//!   ARN "PendingConfirmation").
//! - `NotFound` means gone.

use super::{NOT_FOUND, to_attr};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::iam::document;
use crate::kit::{self, not_in_place, tolerate, vanished};
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
    ("raw_message_delivery", "RawMessageDelivery", false),
    ("filter_policy", "FilterPolicy", true),
    ("filter_policy_scope", "FilterPolicyScope", false),
    ("redrive_policy", "RedrivePolicy", true),
    ("subscription_role_arn", "SubscriptionRoleArn", false),
];

/// What SetSubscriptionAttributes puts back when a property leaves the
/// stack: raw delivery off; "" removes a filter or redrive policy
/// (<https://docs.aws.amazon.com/sns/latest/api/API_SetSubscriptionAttributes.html>).
const RESETS: &[(&str, &str)] = &[("raw_message_delivery", "false"), ("filter_policy", ""), ("redrive_policy", "")];

fn observed(arn: &str, attrs: &HashMap<String, String>) -> Observed {
    let get = |k: &str| attrs.get(k).filter(|v| !v.is_empty()).map(s);
    let mut properties =
        props::build([("topic_arn", get("TopicArn")), ("protocol", get("Protocol")), ("endpoint", get("Endpoint"))]);
    for (field, attr, doc) in FIELDS {
        let Some(raw) = attrs.get(*attr).filter(|r| !r.is_empty()) else { continue };
        let v = match (doc, *field) {
            (true, _) => document::parse(raw).unwrap_or_else(|| s(raw)),
            (false, "raw_message_delivery") => Value::Bool(raw == "true"),
            _ => s(raw),
        };
        properties.insert(field.to_string(), v);
    }
    let pending = attrs.get("PendingConfirmation").is_some_and(|v| v == "true");
    let attributes = props::build([
        ("id", Some(s(arn))),
        ("arn", Some(s(arn))),
        ("pending_confirmation", Some(Value::Bool(pending))),
    ]);
    Observed { id: arn.to_string(), properties, attributes, tags: Default::default() }
}

pub struct Subscription {
    clients: Arc<Clients>,
}

impl Subscription {
    pub fn new(clients: Arc<Clients>) -> Self {
        Subscription { clients }
    }

    async fn attributes(&self, region: &str, arn: &str) -> Result<Option<HashMap<String, String>>, ProviderError> {
        match self.clients.sns(region).get_subscription_attributes().subscription_arn(arn).send().await {
            Ok(o) => Ok(Some(o.attributes.unwrap_or_default())),
            // An ARN that is no subscription's any more (or never was).
            Err(e) if is(&e, NOT_FOUND) => Ok(None),
            Err(e) => Err(provider("GetSubscriptionAttributes", e)),
        }
    }

    async fn read(&self, region: &str, arn: &str) -> Result<Option<Observed>, ProviderError> {
        Ok(self.attributes(region, arn).await?.map(|a| observed(arn, &a)))
    }

    async fn must(&self, region: &str, arn: &str) -> Result<Observed, ProviderError> {
        self.read(region, arn).await?.ok_or_else(|| vanished("SNS subscription", arn))
    }

    /// The topic's confirmed subscription of this protocol and endpoint.
    async fn lookup(&self, region: &str, p: &Props) -> Result<Option<String>, ProviderError> {
        let (Some(topic), Some(protocol), Some(endpoint)) =
            (props::string(p, "topic_arn"), props::string(p, "protocol"), props::string(p, "endpoint"))
        else {
            return Ok(None);
        };
        let call = self.clients.sns(region).list_subscriptions_by_topic().topic_arn(topic);
        let mut pages = call.into_paginator().send();
        let mut subs = Vec::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => subs.extend(page.subscriptions.unwrap_or_default()),
                Err(e) if is(&e, NOT_FOUND) => return Ok(None),
                Err(e) => return Err(provider("ListSubscriptionsByTopic", e)),
            }
        }
        Ok(subs
            .into_iter()
            .filter(|x| x.protocol() == Some(protocol.as_str()) && x.endpoint() == Some(endpoint.as_str()))
            .filter_map(|x| x.subscription_arn)
            .find(|a| a.starts_with("arn:")))
    }

    async fn set(&self, region: &str, arn: &str, attr: &str, value: String) -> Result<(), ProviderError> {
        let call = self.clients.sns(region).set_subscription_attributes().subscription_arn(arn).attribute_name(attr);
        call.attribute_value(value).send().await.map(|_| ()).map_err(|e| provider("SetSubscriptionAttributes", e))
    }
}

/// The endpoint each protocol takes
/// (<https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html>,
/// Endpoint): an ARN for queues, functions, streams and mobile endpoints,
/// a URL of the protocol's scheme, an email address; SNS refuses others
/// with InvalidParameter.
fn check_endpoint(protocol: &str, endpoint: &str) -> Result<(), ProviderError> {
    let (ok, what) = match protocol {
        "sqs" | "lambda" | "firehose" | "application" => (endpoint.starts_with("arn:"), "an ARN, e.g. ${queue.arn}"),
        "http" => (endpoint.starts_with("http://"), "a URL starting with http://"),
        "https" => (endpoint.starts_with("https://"), "a URL starting with https://"),
        "email" | "email-json" => (endpoint.contains('@'), "an email address"),
        "sms" => (endpoint.starts_with('+'), "a phone number in E.164 form, e.g. +81312345678"),
        _ => (true, ""),
    };
    if ok {
        Ok(())
    } else {
        Err(kit::invalid(format!("a {protocol} subscription's `endpoint` is {what}, not {endpoint}")))
    }
}

#[async_trait]
impl Reconciler for Subscription {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::sns::SUBSCRIPTION
    }

    /// A filter policy's scope goes with a filter policy: SNS answers no
    /// scope without one
    /// (<https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering-scope.html>),
    /// so a scope alone would never match.
    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        let set = |k: &str| p.get(k).is_some_and(|v| !matches!(v, Value::Null));
        if set("filter_policy_scope") && !set("filter_policy") {
            return Err(kit::invalid(
                "`filter_policy_scope` needs a `filter_policy`: SNS keeps no scope without one; set both, or neither",
            ));
        }
        match (props::string(p, "protocol"), props::string(p, "endpoint")) {
            (Some(protocol), Some(endpoint)) if kit::known(p, &["protocol", "endpoint"]) => {
                check_endpoint(&protocol, &endpoint)
            }
            _ => Ok(()),
        }
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for arn in ids {
            out.push(self.read(region, arn).await?);
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(arn) = self.lookup(&req.target.region, &req.properties).await? else { return Ok(None) };
        if req.known_ids.contains(&arn) {
            return Ok(None);
        }
        self.read(&req.target.region, &arn).await
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let mut attrs = HashMap::new();
        for (field, attr, doc) in FIELDS {
            if let Some(v) = to_attr(p, field, *doc)? {
                attrs.insert(attr.to_string(), v);
            }
        }
        let subscribed = self
            .clients
            .sns(region)
            .subscribe()
            .topic_arn(props::require(p, "topic_arn")?)
            .protocol(props::require(p, "protocol")?)
            .endpoint(props::require(p, "endpoint")?)
            .set_attributes(Some(attrs.clone()))
            .return_subscription_arn(true)
            .send()
            .await;
        let arn = match subscribed {
            Ok(o) => o.subscription_arn.ok_or_else(|| vanished("SNS subscription", "(no ARN)"))?,
            // The same subscription exists with other attributes: it is
            // the one (SNS keeps one per topic, protocol and endpoint).
            Err(e) if is(&e, &["InvalidParameter"]) && e.message().is_some_and(|m| m.contains("already exists")) => {
                let arn = self.lookup(region, p).await?.ok_or_else(|| vanished("SNS subscription", "(existing)"))?;
                for (attr, v) in attrs {
                    self.set(region, &arn, &attr, v).await?;
                }
                arn
            }
            Err(e) => return Err(provider("Subscribe", e)),
        };
        let live = kit::eventually("GetSubscriptionAttributes", || {
            self.clients.sns(region).get_subscription_attributes().subscription_arn(&arn).send()
        })
        .await?;
        Ok(observed(&arn, &live.attributes.unwrap_or_default()))
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let (region, arn) = (&req.target.region, &req.id);
        for field in &req.changed {
            let Some((_, attr, doc)) = FIELDS.iter().find(|(f, _, _)| f == field) else {
                return Err(not_in_place("an SNS subscription", field));
            };
            if let Some(v) = to_attr(&req.desired, field, *doc)? {
                self.set(region, arn, attr, v).await?;
            } else if let Some((_, reset)) = RESETS.iter().find(|(f, _)| f == field) {
                self.set(region, arn, attr, reset.to_string()).await?;
            }
        }
        self.must(region, arn).await
    }

    fn resets(&self, field: &str) -> bool {
        RESETS.iter().any(|(f, _)| *f == field)
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.sns(&req.target.region).unsubscribe().subscription_arn(&req.id).send().await;
        tolerate("Unsubscribe", r, NOT_FOUND)
    }

    /// Ready once the endpoint's owner has confirmed (email, http, https).
    async fn readiness(&self, region: &str, arn: &str) -> Result<Readiness, ProviderError> {
        let Some(attrs) = self.attributes(region, arn).await? else {
            return Ok(Readiness::Failed(format!("subscription {arn} is gone (unconfirmed ones expire after 3 days)")));
        };
        if attrs.get("PendingConfirmation").is_some_and(|v| v == "true") {
            let endpoint = attrs.get("Endpoint").map(String::as_str).unwrap_or("the endpoint");
            return Ok(Readiness::Pending(format!(
                "pending confirmation: {endpoint} must confirm (the link SNS emailed, or the SubscriptionConfirmation it posted)"
            )));
        }
        Ok(Readiness::Ready)
    }
}

#[cfg(test)]
mod tests {
    use super::check_endpoint;

    #[test]
    fn the_attribute_table_covers_the_schema() {
        let names: Vec<&str> = super::FIELDS.iter().map(|f| f.0).collect();
        // What Subscribe takes: the topic, the protocol, the endpoint.
        crate::kit::fields::assert_names_cover(
            &names,
            &stackr_schema::sns::SUBSCRIPTION,
            &["topic_arn", "protocol", "endpoint"],
        );
    }

    #[test]
    fn each_protocol_takes_its_kind_of_endpoint() {
        assert!(check_endpoint("sqs", "arn:aws:sqs:ap-northeast-1:123456789012:q").is_ok());
        assert!(check_endpoint("https", "https://hooks.example.com/sns").is_ok());
        assert!(check_endpoint("email", "ops@example.com").is_ok());
        let e = check_endpoint("sqs", "https://sqs.ap-northeast-1.amazonaws.com/123456789012/q").unwrap_err();
        assert!(e.message.contains("is an ARN"), "{}", e.message);
        assert!(check_endpoint("https", "http://plain.example.com").is_err());
        assert!(check_endpoint("sms", "0312345678").is_err());
    }

    #[test]
    fn a_filter_policy_scope_needs_a_filter_policy() {
        use super::{Reconciler, Subscription};
        use stackr_core::value::Value;
        let clients =
            std::sync::Arc::new(crate::clients::Clients::new(aws_config::SdkConfig::builder().build(), vec![]));
        let s = Subscription::new(clients);
        let p = |pairs: &[(&str, Value)]| pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let scope = ("filter_policy_scope", Value::String("MessageBody".into()));
        let e = s.check(&p(std::slice::from_ref(&scope))).unwrap_err();
        assert!(e.message.contains("needs a `filter_policy`"), "{}", e.message);
        let policy = ("filter_policy", Value::Map([("kind".to_string(), Value::List(vec![]))].into()));
        assert!(s.check(&p(&[scope, policy])).is_ok());
    }
}
