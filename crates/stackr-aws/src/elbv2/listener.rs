//! `aws.elbv2.listener`: a load balancer listener (HTTPS with a
//! certificate and a TLS policy; HTTP redirecting to HTTPS; ...).
//!
//! In place: `port`, `protocol`, `certificate_arn`, `ssl_policy`,
//! `alpn_policy` and `default_action` (ModifyListener, sending the fields
//! that differ), `additional_certificate_arns` (Add / Remove-
//! ListenerCertificates) and tags. `load_balancer_arn` replaces.
//!
//! The id is the ARN. A port is unique per load balancer, so the look-up
//! before a create is by (load balancer, port): a listener there carrying
//! this stack's and address's tags is adopted (a retried create) and
//! brought to the stack's values; anyone else's is an error naming it.
//! An HTTPS listener needs its certificate issued: it waits for an
//! `aws.acm.certificate_validation` to be ready ([`Reconciler::needs_ready`]).
//!
//! Reads: one paginated DescribeListeners per load balancer for all its
//! listeners (ids grouped by the load balancer their ARN names), one
//! DescribeTags per 20 ARNs, and DescribeListenerCertificates for HTTPS and
//! TLS listeners only (the SNI certificates have no batch read).

use super::common::{NOT_FOUND, action_from_sdk, action_to_sdk, listener_load_balancer, sdk_tags, sync_tags, tags_of};
use crate::clients::Clients;
use crate::error::{is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, invalid, not_in_place, tolerate, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::operation::create_listener::builders::CreateListenerFluentBuilder;
use aws_sdk_elasticloadbalancingv2::types::{Certificate, ProtocolEnum};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

pub struct Listener {
    clients: Arc<Clients>,
}

type Raw = aws_sdk_elasticloadbalancingv2::types::Listener;

/// One listener as read: its description and its certificates other than
/// the default one.
struct Seen {
    l: Raw,
    additional: Vec<String>,
}

/// Schema ↔ AWS (`Listener` of DescribeListeners, the certificates of
/// DescribeListenerCertificates; CreateListener). The additional
/// certificates are added by AddListenerCertificates after the create.
type Row = Field<Seen, CreateListenerFluentBuilder>;
const FIELDS: &[Row] = &[
    Row::new("load_balancer_arn", "LoadBalancerArn", |x| x.l.load_balancer_arn().map(s))
        .create(|c, v| Ok(c.load_balancer_arn(to::text(v)?))),
    Row::new("port", "Port", |x| x.l.port().map(|p| Value::Number(f64::from(p))))
        .create(|c, v| Ok(c.port(to::int32(v)?))),
    Row::new("protocol", "Protocol", |x| x.l.protocol().map(|p| s(p.as_str())))
        .create(|c, v| Ok(c.protocol(ProtocolEnum::from(to::text(v)?.as_str())))),
    Row::new("certificate_arn", "Certificates", |x| {
        x.l.certificates().first().and_then(|c| c.certificate_arn()).map(s)
    })
    .create(|c, v| Ok(c.certificates(Certificate::builder().certificate_arn(to::text(v)?).build()))),
    Row::new("additional_certificate_arns", "DescribeListenerCertificates", |x| {
        Some(props::list(x.additional.clone()))
    }),
    Row::new("ssl_policy", "SslPolicy", |x| x.l.ssl_policy().map(s)).create(|c, v| Ok(c.ssl_policy(to::text(v)?))),
    Row::new("alpn_policy", "AlpnPolicy", |x| x.l.alpn_policy().first().map(s))
        .create(|c, v| Ok(c.alpn_policy(to::text(v)?))),
    Row::new("default_action", "DefaultActions", |x| x.l.default_actions().first().map(action_from_sdk))
        .create(|c, v| Ok(c.default_actions(action_to_sdk(v).map_err(|e| e.message)?))),
];

fn port(p: &Props) -> Result<Option<i32>, ProviderError> {
    props::int(p, "port")
        .map(|n| i32::try_from(n).map_err(|_| invalid(format!("port is out of range: {n}"))))
        .transpose()
}

impl Listener {
    pub fn new(clients: Arc<Clients>) -> Self {
        Listener { clients }
    }

    fn client(&self, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        self.clients.elbv2(region)
    }

    /// Every listener of a load balancer (none when it is gone).
    async fn of(&self, region: &str, lb: &str) -> Result<Vec<Raw>, ProviderError> {
        let mut out = Vec::new();
        let mut pages = self.client(region).describe_listeners().load_balancer_arn(lb).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => out.extend(p.listeners.unwrap_or_default()),
                Err(e) if is(&e, NOT_FOUND) => return Ok(Vec::new()),
                Err(e) => return Err(provider("DescribeListeners", e)),
            }
        }
        Ok(out)
    }

    /// The certificates of a listener other than its default one, sorted.
    async fn additional(&self, region: &str, arn: &str) -> Result<Option<Vec<String>>, ProviderError> {
        let mut out = Vec::new();
        let mut pages = self.client(region).describe_listener_certificates().listener_arn(arn).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => out.extend(
                    p.certificates
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|c| c.is_default != Some(true))
                        .filter_map(|c| c.certificate_arn),
                ),
                Err(e) if is(&e, NOT_FOUND) => return Ok(None),
                Err(e) => return Err(provider("DescribeListenerCertificates", e)),
            }
        }
        out.sort();
        out.dedup();
        Ok(Some(out))
    }

    async fn complete(&self, region: &str, listeners: Vec<Raw>) -> Result<Vec<Observed>, ProviderError> {
        let arns: Vec<String> = listeners.iter().filter_map(|l| l.listener_arn().map(str::to_string)).collect();
        let mut tags = tags_of(&self.clients, region, &arns).await?;
        let mut out = Vec::new();
        for l in listeners {
            let Some(arn) = l.listener_arn().map(str::to_string) else { continue };
            let secure = matches!(l.protocol(), Some(ProtocolEnum::Https | ProtocolEnum::Tls));
            let additional = if secure {
                match self.additional(region, &arn).await? {
                    Some(a) => a,
                    None => continue,
                }
            } else {
                Vec::new()
            };
            let properties = fields::observed(FIELDS, &Seen { l, additional });
            let attributes = props::build([("id", Some(s(&arn))), ("arn", Some(s(&arn)))]);
            let tags = tags.remove(&arn).unwrap_or_default();
            out.push(Observed { id: arn, properties, attributes, tags });
        }
        Ok(out)
    }

    async fn must_observe(&self, region: &str, arn: &str) -> Result<Observed, ProviderError> {
        self.observe(region, &[arn.to_string()]).await?.pop().flatten().ok_or_else(|| vanished("listener", arn))
    }

    /// Brings every in-place property the stack sets to its value; calls
    /// nothing when they already have them.
    async fn converge(
        &self,
        region: &str,
        live: &Observed,
        desired: &Props,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let client = self.client(region);
        let arn = &live.id;
        let have = &live.properties;
        let differs = |k: &str| {
            desired.get(k).is_some_and(|w| !matches!(w, Value::Null) && !super::common::covers(have.get(k), w))
        };
        let modify = ["port", "protocol", "certificate_arn", "ssl_policy", "alpn_policy", "default_action"];
        if modify.iter().any(|k| differs(k)) {
            let mut call = client.modify_listener().listener_arn(arn);
            if differs("port") {
                call = call.set_port(port(desired)?);
            }
            if differs("protocol") {
                call = call.set_protocol(props::string(desired, "protocol").map(|p| ProtocolEnum::from(p.as_str())));
            }
            if differs("certificate_arn")
                && let Some(c) = props::string(desired, "certificate_arn")
            {
                call = call.certificates(Certificate::builder().certificate_arn(c).build());
            }
            if differs("ssl_policy") {
                call = call.set_ssl_policy(props::string(desired, "ssl_policy"));
            }
            if differs("alpn_policy")
                && let Some(a) = props::string(desired, "alpn_policy")
            {
                call = call.alpn_policy(a);
            }
            if differs("default_action")
                && let Some(a) = desired.get("default_action")
            {
                call = call.default_actions(action_to_sdk(a)?);
            }
            call.send().await.map_err(|e| provider("ModifyListener", e))?;
        }
        if desired.contains_key("additional_certificate_arns") {
            let want: BTreeSet<String> = props::strings(desired, "additional_certificate_arns").into_iter().collect();
            let have: BTreeSet<String> = props::strings(have, "additional_certificate_arns").into_iter().collect();
            let cert = |c: &String| Certificate::builder().certificate_arn(c).build();
            let add: Vec<Certificate> = want.difference(&have).map(cert).collect();
            let remove: Vec<Certificate> = have.difference(&want).map(cert).collect();
            if !add.is_empty() {
                client
                    .add_listener_certificates()
                    .listener_arn(arn)
                    .set_certificates(Some(add))
                    .send()
                    .await
                    .map_err(|e| provider("AddListenerCertificates", e))?;
            }
            if !remove.is_empty() {
                client
                    .remove_listener_certificates()
                    .listener_arn(arn)
                    .set_certificates(Some(remove))
                    .send()
                    .await
                    .map_err(|e| provider("RemoveListenerCertificates", e))?;
            }
        }
        sync_tags(&client, arn, &live.tags, tags).await
    }
}

#[async_trait]
impl Reconciler for Listener {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::elbv2::LISTENER
    }

    /// A redirect is written with AWS's defaults, so that a host or path
    /// changed outside stackr is drift (the listener owns its action).
    fn normalize_desired(&self, props: &mut Props) {
        if let Some(a) = props.get_mut("default_action") {
            super::common::redirect_defaults(a);
        }
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let wanted: BTreeSet<&String> = ids.iter().collect();
        let parents: BTreeSet<String> = ids.iter().filter_map(|id| listener_load_balancer(id)).collect();
        let mut raw = Vec::new();
        for lb in &parents {
            raw.extend(
                self.of(region, lb)
                    .await?
                    .into_iter()
                    .filter(|l| l.listener_arn().is_some_and(|a| wanted.contains(&a.to_string()))),
            );
        }
        let found: HashMap<String, Observed> =
            self.complete(region, raw).await?.into_iter().map(|o| (o.id.clone(), o)).collect();
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let (Some(lb), Some(port)) = (props::string(&req.properties, "load_balancer_arn"), port(&req.properties)?)
        else {
            return Ok(None);
        };
        let raw: Vec<Raw> =
            self.of(&req.target.region, &lb).await?.into_iter().filter(|l| l.port() == Some(port)).collect();
        Ok(self
            .complete(&req.target.region, raw)
            .await?
            .into_iter()
            .find(|o| crate::kit::is_ours(&o.tags, &req.target) && !req.known_ids.contains(&o.id)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let lb = props::require(p, "load_balancer_arn")?;
        let port = port(p)?.ok_or_else(|| invalid("property `port` is required"))?;
        let there: Vec<Raw> = self.of(region, &lb).await?.into_iter().filter(|l| l.port() == Some(port)).collect();
        let arn = match self.complete(region, there).await?.into_iter().next() {
            Some(o) if crate::tags::same_owner(&o.tags, &req.tags) => o.id,
            Some(o) => {
                return Err(invalid(format!(
                    "load balancer {lb} already has a listener on port {port} ({}), not made by this stack for {}",
                    o.id, req.target.address
                )));
            }
            None => {
                p.get("default_action").ok_or_else(|| invalid("property `default_action` is required"))?;
                let out = fields::create(FIELDS, self.client(region).create_listener(), p)?
                    .set_tags(Some(sdk_tags(&req.tags)))
                    .send()
                    .await
                    .map_err(|e| provider("CreateListener", e))?;
                out.listeners
                    .unwrap_or_default()
                    .into_iter()
                    .find_map(|l| l.listener_arn)
                    .ok_or_else(|| vanished("listener", &format!("on port {port} of {lb}")))?
            }
        };
        let live = self.must_observe(region, &arn).await?;
        self.converge(region, &live, p, &req.tags).await?;
        self.must_observe(region, &arn).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        if let Some(field) = req.changed.iter().find(|f| f.as_str() == "load_balancer_arn") {
            return Err(not_in_place("a listener", field));
        }
        self.converge(&req.target.region, &req.observed, &req.desired, &req.tags).await?;
        self.must_observe(&req.target.region, &req.id).await
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.client(&req.target.region).delete_listener().listener_arn(&req.id).send().await;
        tolerate("DeleteListener", r, NOT_FOUND)
    }

    fn needs_ready(&self, kind: &str) -> bool {
        // An HTTPS listener's certificate must be issued, whether the
        // stack names it through the certificate or its validation.
        kind == "aws.acm.certificate_validation" || kind == "aws.acm.certificate"
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::elbv2::LISTENER, &[]);
    }
}
