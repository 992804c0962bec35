//! `aws.cloudfront.distribution`: a CloudFront web distribution. Every
//! property changes in place; tags too (TagResource / UntagResource).
//!
//! Create: CreateDistributionWithTags, the create token as CallerReference
//! (CloudFront refuses a second distribution with the same reference:
//! DistributionAlreadyExists), after a look-up by the stackr tags, so a
//! retried create adopts what the first made.
//!
//! Update: GetDistributionConfig (and its ETag), the changed properties
//! written onto it (see [`super::config`]: what the stack does not set is
//! sent back as read), UpdateDistribution with If-Match; on
//! PreconditionFailed (changed meanwhile) it reads again and retries. No
//! call is made when the configuration would not change.
//!
//! Readiness: Deployed (after a create or an update, a distribution is
//! InProgress for some minutes). Dependants wait for it only if they ask.
//! A distribution needs its ACM certificate issued before it is created
//! (`needs_ready`).
//!
//! Delete, one step per call while AWS answers "not yet" (the engine waits
//! between steps): disable it (if enabled); once Deployed, delete with the
//! ETag of that read (a concurrent change, PreconditionFailed, or a
//! distribution not yet disabled in AWS's eyes, DistributionNotDisabled,
//! reads again at the next step). Gone is fine; the engine then waits
//! until GetDistribution no longer finds it (`deleted`).
//!
//! Reads: GetDistribution for each id (a missing one answers
//! NoSuchDistribution) and ListTagsForResource (during a refresh, the bulk
//! tag read of us-east-1).
//! Find: the distributions carrying this stack's and address's tags.
//!
//! moto gaps the test bed fills (testbed/stackr_moto/cloudfront.py): a new
//! ETag per change, PreconditionFailed on a stale If-Match, InProgress after
//! an update, DistributionNotDisabled on deleting an enabled distribution.

use super::config;
use crate::clients::Clients;
use crate::error::{code, is, provider};
use crate::kit::fields::{self, to};
use crate::kit::{Field, vanished};
use crate::props::{self, s};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_cloudfront::types::builders::DistributionConfigBuilder;
use aws_sdk_cloudfront::types::{
    DistributionConfig, DistributionConfigWithTags, HttpVersion, PriceClass, Tag, TagKeys, Tags,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const NO_SUCH: &[&str] = &["NoSuchDistribution"];
const PRECONDITION: &str = "PreconditionFailed";
const NOT_DISABLED: &str = "DistributionNotDisabled";
/// How often a read-modify-write is retried after someone else's change.
const ATTEMPTS: u32 = 5;
/// Disabling, then deleting, takes CloudFront up to some 15 minutes.
/// The hosted zone of every CloudFront distribution, for alias records.
const HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

pub struct Distribution {
    clients: Arc<Clients>,
}

fn not_yet(msg: impl Into<String>) -> ProviderError {
    ProviderError::not_yet(msg, None)
}

fn other(msg: impl Into<String>) -> ProviderError {
    ProviderError::new(ErrorKind::Other, msg.into())
}

/// Schema ↔ AWS (`DistributionConfig` of GetDistribution; the
/// `DistributionConfig` of CreateDistributionWithTags, written onto an
/// empty one). The origins and cache behaviours are structures too large
/// for a row: [`config`] maps them (`config::NESTED`). An update writes the
/// changed properties onto the live configuration ([`config::apply`]).
type Row = Field<DistributionConfig, DistributionConfigBuilder>;
const FIELDS: &[Row] = &[
    Row::new("enabled", "Enabled", |c| Some(Value::Bool(c.enabled))).create(|b, v| Ok(b.enabled(to::boolean(v)?))),
    Row::new("comment", "Comment", |c| Some(s(&c.comment))).create(|b, v| Ok(b.comment(to::text(v)?))),
    Row::new("aliases", "Aliases", |c| {
        Some(config::sorted(c.aliases.as_ref().and_then(|a| a.items.clone()).unwrap_or_default()))
    })
    .create(|b, v| Ok(b.aliases(config::aliases(to::texts(v)?).map_err(|e| e.message)?))),
    Row::new("default_root_object", "DefaultRootObject", |c| {
        Some(s(c.default_root_object.clone().unwrap_or_default()))
    })
    .create(|b, v| Ok(b.default_root_object(to::text(v)?))),
    Row::new("price_class", "PriceClass", |c| c.price_class.as_ref().map(|p| s(p.as_str())))
        .create(|b, v| Ok(b.price_class(PriceClass::from(to::text(v)?.as_str())))),
    Row::new("http_version", "HttpVersion", |c| c.http_version.as_ref().map(|h| s(h.as_str())))
        .create(|b, v| Ok(b.http_version(HttpVersion::from(to::text(v)?.as_str())))),
    Row::new("is_ipv6_enabled", "IsIPV6Enabled", |c| c.is_ipv6_enabled.map(Value::Bool))
        .create(|b, v| Ok(b.is_ipv6_enabled(to::boolean(v)?))),
    Row::new("web_acl_id", "WebACLId", |c| Some(s(c.web_acl_id.clone().unwrap_or_default())))
        .create(|b, v| Ok(b.web_acl_id(to::text(v)?))),
    Row::new("custom_error_responses", "CustomErrorResponses", |c| Some(config::error_responses_value(c)))
        .create(|b, v| Ok(b.custom_error_responses(config::error_responses(None, v).map_err(|e| e.message)?))),
    Row::new("viewer_certificate", "ViewerCertificate", |c| {
        c.viewer_certificate.as_ref().map(config::certificate_value)
    })
    .create(|b, v| Ok(b.viewer_certificate(config::viewer_certificate(None, v).map_err(|e| e.message)?))),
    Row::new("restrictions", "Restrictions", |c| c.restrictions.as_ref().map(config::restrictions_value))
        .create(|b, v| Ok(b.restrictions(config::restrictions_of(v).map_err(|e| e.message)?))),
];

/// The stack-shaped properties of a live configuration: the table's and
/// the nested structures'.
pub(super) fn properties(c: &DistributionConfig) -> Props {
    let mut p = fields::observed(FIELDS, c);
    p.extend(config::observe(c));
    p
}

/// The configuration a create sends: the table's fields on an empty one,
/// then the nested structures.
pub(super) fn create_config(token: &str, p: &Props) -> Result<DistributionConfig, ProviderError> {
    config::from_stack(fields::create(FIELDS, config::empty(token)?, p)?, p)
}

/// The SDK's tags from a map.
fn sdk_tags(tags: &BTreeMap<String, String>) -> Result<Tags, ProviderError> {
    let items = tags
        .iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::new(ErrorKind::Invalid, format!("tag {k}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Tags::builder().set_items(Some(items)).build())
}

impl Distribution {
    pub fn new(clients: Arc<Clients>) -> Self {
        Distribution { clients }
    }

    fn cf(&self) -> aws_sdk_cloudfront::Client {
        self.clients.cloudfront()
    }

    /// (id, ARN) of every distribution of the account.
    async fn list(&self) -> Result<Vec<(String, String)>, ProviderError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .cf()
                .list_distributions()
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| provider("ListDistributions", e))?;
            let Some(list) = page.distribution_list else { break };
            out.extend(list.items.unwrap_or_default().into_iter().map(|d| (d.id, d.arn)));
            match list.next_marker {
                Some(m) if list.is_truncated && !m.is_empty() => marker = Some(m),
                _ => break,
            }
        }
        Ok(out)
    }

    /// The distribution's tags (`None`: gone); during a refresh from the
    /// bulk read of us-east-1 when it lists them ([`crate::bulktags`]).
    async fn tags_of(&self, arn: &str) -> Result<Option<BTreeMap<String, String>>, ProviderError> {
        if let Some(tags) = crate::bulktags::refreshed(&self.clients, "us-east-1", arn).await {
            return Ok(Some(tags));
        }
        match self.cf().list_tags_for_resource().resource(arn).send().await {
            Ok(out) => Ok(Some(props::tag_map(
                out.tags
                    .and_then(|t| t.items)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| (t.key, t.value.unwrap_or_default())),
            ))),
            Err(e) if is(&e, NO_SUCH) => Ok(None),
            Err(e) => Err(provider("ListTagsForResource", e)),
        }
    }

    /// The live distribution (`None`: gone).
    async fn read(&self, id: &str) -> Result<Option<Observed>, ProviderError> {
        let out = match self.cf().get_distribution().id(id).send().await {
            Ok(o) => o,
            Err(e) if is(&e, NO_SUCH) => return Ok(None),
            Err(e) => return Err(provider("GetDistribution", e)),
        };
        let Some(d) = out.distribution else { return Ok(None) };
        let Some(c) = d.distribution_config.as_ref() else { return Ok(None) };
        let Some(tags) = self.tags_of(&d.arn).await? else { return Ok(None) };
        let attributes = props::build([
            ("id", Some(s(&d.id))),
            ("arn", Some(s(&d.arn))),
            ("domain_name", Some(s(&d.domain_name))),
            ("hosted_zone_id", Some(s(HOSTED_ZONE_ID))),
            ("etag", out.e_tag.map(s)),
            ("status", Some(s(&d.status))),
        ]);
        Ok(Some(Observed { id: d.id.clone(), properties: properties(c), attributes, tags }))
    }

    async fn must_read(&self, id: &str) -> Result<Observed, ProviderError> {
        self.read(id).await?.ok_or_else(|| vanished("CloudFront distribution", id))
    }

    /// The distributions carrying `target`'s tags, except `known`.
    async fn tagged(&self, target: &Target, known: &[String]) -> Result<Option<Observed>, ProviderError> {
        for (id, arn) in self.list().await? {
            if known.contains(&id) {
                continue;
            }
            if self.tags_of(&arn).await?.is_some_and(|t| tags::ours(&t, &target.stack, &target.address)) {
                return self.read(&id).await;
            }
        }
        Ok(None)
    }

    /// GetDistributionConfig, `f` on the configuration, UpdateDistribution
    /// with its ETag when `f` changed it; again on PreconditionFailed.
    /// Returns whether the distribution still exists.
    async fn modify(
        &self,
        id: &str,
        f: impl Fn(&mut aws_sdk_cloudfront::types::DistributionConfig) -> Result<(), ProviderError>,
    ) -> Result<bool, ProviderError> {
        let cf = self.cf();
        for attempt in 1..=ATTEMPTS {
            let out = match cf.get_distribution_config().id(id).send().await {
                Ok(o) => o,
                Err(e) if is(&e, NO_SUCH) => return Ok(false),
                Err(e) => return Err(provider("GetDistributionConfig", e)),
            };
            let Some(live) = out.distribution_config else { return Ok(false) };
            let mut want = live.clone();
            f(&mut want)?;
            if want == live {
                return Ok(true);
            }
            match cf.update_distribution().id(id).distribution_config(want).set_if_match(out.e_tag).send().await {
                Ok(_) => return Ok(true),
                Err(e) if attempt < ATTEMPTS && code(&e).as_deref() == Some(PRECONDITION) => {
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                Err(e) if is(&e, NO_SUCH) => return Ok(false),
                Err(e) => return Err(provider("UpdateDistribution", e)),
            }
        }
        Err(other(format!("CloudFront distribution {id} kept changing while it was being updated")))
    }
}

#[async_trait]
impl Reconciler for Distribution {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::cloudfront::DISTRIBUTION
    }

    /// CloudFront takes ACM certificates from us-east-1 only
    /// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html);
    /// one from another region is refused, told here once its ARN is known.
    fn check(&self, p: &Props) -> Result<(), ProviderError> {
        let arn = p
            .get("viewer_certificate")
            .and_then(|v| v.as_map())
            .and_then(|v| v.get("acm_certificate_arn"))
            .and_then(|a| a.as_str());
        if let Some(region) = arn.and_then(|a| a.split(':').nth(3)).filter(|r| *r != "us-east-1" && !r.is_empty()) {
            return Err(crate::kit::invalid(format!(
                "`viewer_certificate.acm_certificate_arn` is a certificate in {region}; CloudFront takes ACM \
                 certificates from us-east-1 only (give the certificate resource `region: us-east-1`)"
            )));
        }
        // Every behaviour's origin is one of the distribution's
        // (CreateDistribution: NoSuchOrigin otherwise).
        let ids: Vec<String> = match p.get("origins") {
            Some(Value::List(l)) if !l.iter().any(Value::contains_unknown) => {
                l.iter().filter_map(|o| o.as_map().and_then(|m| props::string(m, "id"))).collect()
            }
            _ => return Ok(()),
        };
        let mut behaviours: Vec<(String, &Value)> = Vec::new();
        if let Some(b) = p.get("default_cache_behavior") {
            behaviours.push(("default_cache_behavior".into(), b));
        }
        if let Some(Value::List(l)) = p.get("ordered_cache_behaviors") {
            behaviours.extend(l.iter().enumerate().map(|(i, b)| (format!("ordered_cache_behaviors[{i}]"), b)));
        }
        for (path, b) in behaviours {
            let Some(target) = b.as_map().and_then(|m| m.get("target_origin_id")).filter(|v| !v.contains_unknown())
            else {
                continue;
            };
            let target = target.to_interpolated().unwrap_or_default();
            if !ids.contains(&target) {
                return Err(crate::kit::invalid(format!(
                    "`{path}.target_origin_id`: no origin has the id {target}; the origins are {}",
                    ids.join(", ")
                )));
            }
        }
        Ok(())
    }

    async fn observe(&self, _region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.read(id).await?);
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        self.tagged(&req.target, &req.known_ids).await
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        if let Some(found) = self.tagged(&req.target, &[]).await? {
            return Ok(found);
        }
        let cfg = create_config(&req.token, &req.properties)?;
        let with_tags =
            DistributionConfigWithTags::builder().distribution_config(cfg).tags(sdk_tags(&req.tags)?).build();
        match self.cf().create_distribution_with_tags().distribution_config_with_tags(with_tags).send().await {
            Ok(out) => {
                let id = out
                    .distribution
                    .map(|d| d.id)
                    .ok_or_else(|| vanished("CloudFront distribution", "(no id returned)"))?;
                self.must_read(&id).await
            }
            // Made by an earlier attempt with this token: adopt it.
            Err(e) if is(&e, &["DistributionAlreadyExists"]) => match self.tagged(&req.target, &[]).await? {
                Some(found) => Ok(found),
                None => Err(provider("CreateDistributionWithTags", e)),
            },
            Err(e) => Err(provider("CreateDistributionWithTags", e)),
        }
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let fields: Vec<&str> = req.changed.iter().map(String::as_str).filter(|f| *f != "tags").collect();
        if !fields.is_empty() && !self.modify(&req.id, |c| config::apply(c, &req.desired, &fields)).await? {
            return Err(vanished("CloudFront distribution", &req.id));
        }
        if req.changed.iter().any(|f| f == "tags") {
            let arn = props::string(&req.observed.attributes, "arn")
                .ok_or_else(|| vanished("CloudFront distribution", &req.id))?;
            crate::kit::sync_tags(&self.cf(), &arn, &req.observed.tags, &req.tags).await?;
        }
        self.must_read(&req.id).await
    }

    /// One step of AWS's delete sequence per call: disable, wait for the
    /// disable to deploy, delete
    /// (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HowToDeleteDistribution.html>).
    /// Each step AWS must finish first is answered "not yet"
    /// (`Retryable`), so the engine waits between steps without a slot,
    /// within the delete's timeout, showing the distribution's status.
    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let id = &req.id;
        let cf = self.cf();
        let out = match cf.get_distribution().id(id).send().await {
            Ok(o) => o,
            Err(e) if is(&e, NO_SUCH) => return Ok(()),
            Err(e) => return Err(provider("GetDistribution", e)),
        };
        let Some(dist) = out.distribution else { return Ok(()) };
        let enabled = dist.distribution_config.as_ref().is_some_and(|c| c.enabled);
        if enabled {
            let disabled = self
                .modify(id, |c| {
                    c.enabled = false;
                    Ok(())
                })
                .await?;
            if !disabled {
                return Ok(());
            }
            return Err(not_yet(format!("CloudFront distribution {id}: disabling (InProgress)")));
        }
        if dist.status != "Deployed" {
            return Err(not_yet(format!("CloudFront distribution {id}: disabled, {}", dist.status)));
        }
        match cf.delete_distribution().id(id).set_if_match(out.e_tag).send().await {
            Ok(_) => Ok(()),
            Err(e) if is(&e, NO_SUCH) => Ok(()),
            // Changed since the read (or not yet disabled in AWS's eyes): the next step reads again.
            Err(e) if matches!(code(&e).as_deref(), Some(PRECONDITION | NOT_DISABLED)) => {
                Err(not_yet(provider("DeleteDistribution", e).message))
            }
            Err(e) => Err(provider("DeleteDistribution", e)),
        }
    }

    /// Gone once GetDistribution answers NoSuchDistribution.
    async fn deleted(&self, _region: &str, id: &str) -> Result<Readiness, ProviderError> {
        match self.cf().get_distribution().id(id).send().await {
            Ok(o) => Ok(Readiness::Pending(format!(
                "deleting ({})",
                o.distribution.map(|d| d.status).unwrap_or_else(|| "unknown".into())
            ))),
            Err(e) if is(&e, NO_SUCH) => Ok(Readiness::Ready),
            Err(e) => Err(provider("GetDistribution", e)),
        }
    }

    async fn readiness(&self, _region: &str, id: &str) -> Result<Readiness, ProviderError> {
        match self.cf().get_distribution().id(id).send().await {
            Ok(o) => Ok(match o.distribution.map(|d| d.status) {
                Some(s) if s == "Deployed" => Readiness::Ready,
                Some(s) => Readiness::Pending(s),
                None => Readiness::Pending("unknown".into()),
            }),
            Err(e) if is(&e, NO_SUCH) => Ok(Readiness::Failed(format!("CloudFront distribution {id} is gone"))),
            Err(e) => Err(provider("GetDistribution", e)),
        }
    }

    fn needs_ready(&self, kind: &str) -> bool {
        // CloudFront refuses a certificate that is not yet issued
        // (InvalidViewerCertificate); a stack names it through the
        // certificate or through its validation, whose id is the same ARN
        // and which is ready when the certificate is ISSUED.
        kind == "aws.acm.certificate" || kind == "aws.acm.certificate_validation"
    }

    /// Deploys take 3-15 minutes and sometimes far more; long-lived AWS
    /// tools wait up to 90 minutes for each.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(90, 90, 90)
    }
}

/// CloudFront's tagging calls, for [`crate::kit::sync_tags`].
#[async_trait]
impl crate::kit::TagApi for aws_sdk_cloudfront::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), ProviderError> {
        let call = self.tag_resource().resource(arn).tags(sdk_tags(&tags)?);
        crate::kit::done("TagResource", call.send().await)
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), ProviderError> {
        let call = self.untag_resource().resource(arn).tag_keys(TagKeys::builder().set_items(Some(keys)).build());
        crate::kit::done("UntagResource", call.send().await)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        // The origins and cache behaviours: config.rs.
        fields::assert_covers(FIELDS, &stackr_schema::cloudfront::DISTRIBUTION, config::NESTED);
    }
}
