//! `aws.acm.certificate`: a public certificate request (DNS validation by
//! default) in the resource's region: a CloudFront certificate sets
//! `region: us-east-1` while the stack is elsewhere, and every call here
//! goes to the region of the request.
//!
//! In place: `certificate_transparency_logging` (UpdateCertificateOptions)
//! and tags. Everything else replaces. The certificate is issued once its
//! validation records exist: `aws.acm.certificate_validation` waits for
//! that; this type has no readiness of its own, so the records (which need
//! the `validation_records` attribute) can be made first.
//!
//! Created with RequestCertificate, its IdempotencyToken derived from the
//! create token (AWS honours it for an hour), after a look-up by the stackr
//! tags among the region's certificates of that domain name. Create waits
//! (up to two minutes) until AWS has published every validation record.
//! `validation_records` has one entry per distinct record name (a name and
//! its wildcard share one). `subject_alternative_names` is observed without
//! the domain name itself (AWS lists it among them).
//!
//! AWS no longer lets new certificates opt out of transparency logging
//! (the SDK marks the option deprecated); the property stays so that a
//! stack saying ENABLED is checked, and DISABLED gets AWS's own refusal.
//!
//! Reads: ACM has no batch describe: DescribeCertificate and
//! ListTagsForCertificate per certificate; the look-up lists certificates
//! (ListCertificates, every key type and status) and reads tags only of
//! those with the requested domain name. Delete retries
//! `ResourceInUseException` (a listener or distribution still using it;
//! AWS releases it a little after they go) as the engine retries every
//! retryable error.

use super::{NOT_FOUND, acm_tags, describe, tag_map};
use crate::clients::Clients;
use crate::error::provider;
use crate::kit::fields::{self, to};
use crate::kit::{Field, not_in_place, poll, tolerate, vanished};
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_acm::operation::request_certificate::builders::RequestCertificateFluentBuilder;
#[allow(deprecated)]
use aws_sdk_acm::types::CertificateTransparencyLoggingPreference;
use aws_sdk_acm::types::{
    CertificateDetail, CertificateOptions, CertificateStatus, Filters, KeyAlgorithm, ValidationMethod,
};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How long AWS may take to publish a new certificate's validation records.
const RECORDS_WAIT: Duration = Duration::from_secs(120);

pub struct Certificate {
    clients: Arc<Clients>,
}

/// An IdempotencyToken (1 to 32 word characters) from the create token.
fn idempotency_token(token: &str) -> String {
    let t: String = token.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    t.chars().rev().take(32).collect::<Vec<_>>().into_iter().rev().collect()
}

/// The DNS validation records, one per distinct name.
fn validation_records(c: &CertificateDetail) -> Vec<Value> {
    let mut seen = std::collections::BTreeSet::new();
    c.domain_validation_options()
        .iter()
        .filter_map(|d| {
            let r = d.resource_record()?;
            seen.insert(r.name().to_ascii_lowercase()).then(|| {
                Value::Map(props::build([
                    ("domain_name", Some(s(d.domain_name()))),
                    ("name", Some(s(r.name()))),
                    ("type", Some(s(r.r#type().as_str()))),
                    ("value", Some(s(r.value()))),
                ]))
            })
        })
        .collect()
}

/// Whether every name of a DNS-validated certificate has its record.
fn records_published(c: &CertificateDetail) -> bool {
    let dns = c.domain_validation_options().iter().all(|d| d.validation_method() != Some(&ValidationMethod::Email));
    !dns || (!c.domain_validation_options().is_empty()
        && c.domain_validation_options().iter().all(|d| d.resource_record().is_some()))
}

/// The other names of a certificate, without its domain name (AWS lists
/// it among them), sorted.
fn other_names(c: &CertificateDetail) -> Vec<String> {
    let domain = c.domain_name().unwrap_or_default();
    let mut sans: Vec<String> = c.subject_alternative_names().iter().filter(|n| *n != domain).cloned().collect();
    sans.sort();
    sans.dedup();
    sans
}

/// The options of a transparency logging preference (`ENABLED`, `DISABLED`).
#[allow(deprecated)] // the transparency logging option: see the module doc
fn logging_options(pref: &str) -> CertificateOptions {
    CertificateOptions::builder()
        .certificate_transparency_logging_preference(CertificateTransparencyLoggingPreference::from(pref))
        .build()
}

/// Schema ↔ AWS (`CertificateDetail` of DescribeCertificate;
/// RequestCertificate). The transparency logging preference is changed
/// later by UpdateCertificateOptions.
type Row = Field<CertificateDetail, RequestCertificateFluentBuilder>;
#[allow(deprecated)] // the transparency logging option: see the module doc
const FIELDS: &[Row] = &[
    Row::new("domain_name", "DomainName", |c| Some(s(c.domain_name().unwrap_or_default())))
        .create(|c, v| Ok(c.domain_name(to::text(v)?))),
    Row::new("subject_alternative_names", "SubjectAlternativeNames", |c| Some(props::list(other_names(c))))
        .create(|c, v| Ok(c.set_subject_alternative_names(to::texts_or_none(v)?))),
    Row::new("validation_method", "DomainValidationOptions[].ValidationMethod, ValidationMethod", |c| {
        c.domain_validation_options().iter().find_map(|d| d.validation_method()).map(|m| s(m.as_str()))
    })
    .create(|c, v| Ok(c.validation_method(ValidationMethod::from(to::text(v)?.as_str())))),
    Row::new("key_algorithm", "KeyAlgorithm", |c| c.key_algorithm().map(|k| s(k.as_str())))
        .create(|c, v| Ok(c.key_algorithm(KeyAlgorithm::from(to::text(v)?.as_str())))),
    Row::new("certificate_transparency_logging", "Options.CertificateTransparencyLoggingPreference", |c| {
        c.options().and_then(|o| o.certificate_transparency_logging_preference()).map(|p| s(p.as_str()))
    })
    .create(|c, v| Ok(c.options(logging_options(&to::text(v)?)))),
];

fn observed(c: &CertificateDetail, tags: BTreeMap<String, String>) -> Option<Observed> {
    let arn = c.certificate_arn()?.to_string();
    let properties = fields::observed(FIELDS, c);
    let attributes = props::build([
        ("id", Some(s(&arn))),
        ("arn", Some(s(&arn))),
        ("status", c.status().map(|st| s(st.as_str()))),
        ("validation_records", Some(Value::List(validation_records(c)))),
    ]);
    Some(Observed { id: arn, properties, attributes, tags })
}

impl Certificate {
    pub fn new(clients: Arc<Clients>) -> Self {
        Certificate { clients }
    }

    async fn observe_one(&self, region: &str, arn: &str) -> Result<Option<Observed>, ProviderError> {
        let client = self.clients.acm(region);
        let Some(c) = describe(&self.clients, region, arn).await? else { return Ok(None) };
        let tags = match crate::bulktags::refreshed(&self.clients, region, arn).await {
            Some(tags) => tags,
            None => match client.list_tags_for_certificate().certificate_arn(arn).send().await {
                Ok(r) => tag_map(r.tags),
                Err(e) if crate::error::is(&e, NOT_FOUND) => return Ok(None),
                Err(e) => return Err(provider("ListTagsForCertificate", e)),
            },
        };
        Ok(observed(&c, tags))
    }

    /// Certificates of `domain` carrying the target's tags, except `known`.
    async fn tagged(&self, target: &Target, domain: &str, known: &[String]) -> Result<Vec<Observed>, ProviderError> {
        let client = self.clients.acm(&target.region);
        let every_key = Filters::builder()
            .set_key_types(Some(KeyAlgorithm::values().iter().map(|k| KeyAlgorithm::from(*k)).collect()))
            .build();
        let mut arns = Vec::new();
        let mut pages = client.list_certificates().includes(every_key).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| provider("ListCertificates", e))?;
            arns.extend(
                page.certificate_summary_list
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| c.domain_name().is_some_and(|d| d.eq_ignore_ascii_case(domain)))
                    .filter_map(|c| c.certificate_arn),
            );
        }
        let mut out = Vec::new();
        for arn in arns.into_iter().filter(|a| !known.contains(a)) {
            if let Some(o) = self.observe_one(&target.region, &arn).await?
                && crate::kit::is_ours(&o.tags, target)
            {
                out.push(o);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// The certificate, once AWS has published its validation records.
    async fn settled(&self, region: &str, arn: &str) -> Result<Observed, ProviderError> {
        poll(&format!("the validation records of certificate {arn}"), RECORDS_WAIT, || async {
            match describe(&self.clients, region, arn).await? {
                Some(c) if records_published(&c) => Ok(Some(())),
                _ => Ok(None),
            }
        })
        .await?;
        self.observe_one(region, arn).await?.ok_or_else(|| vanished("certificate", arn))
    }

    async fn set_logging(&self, region: &str, arn: &str, p: &Props) -> Result<(), ProviderError> {
        let Some(pref) = props::string(p, "certificate_transparency_logging") else { return Ok(()) };
        let options = logging_options(&pref);
        self.clients
            .acm(region)
            .update_certificate_options()
            .certificate_arn(arn)
            .options(options)
            .send()
            .await
            .map_err(|e| provider("UpdateCertificateOptions", e))?;
        Ok(())
    }
}

#[async_trait]
impl Reconciler for Certificate {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::acm::CERTIFICATE
    }

    /// A certificate in use is not deleted ("ResourceInUseException ...
    /// in use by another AWS service",
    /// <https://docs.aws.amazon.com/acm/latest/APIReference/API_DeleteCertificate.html>)
    /// until its load balancers and distributions have moved to another,
    /// and it has no name to clash: the new one is always made first.
    fn replaced_first(&self) -> bool {
        true
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.observe_one(region, id).await?);
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(domain) = props::string(&req.properties, "domain_name") else { return Ok(None) };
        Ok(self.tagged(&req.target, &domain, &req.known_ids).await?.into_iter().next())
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let p = &req.properties;
        let domain = props::require(p, "domain_name")?;
        let wanted_sans = {
            let mut v = props::strings(p, "subject_alternative_names");
            v.retain(|n| *n != domain);
            v.sort();
            v.dedup();
            v
        };
        // Only one with the same names is this create's (not the old
        // certificate of a replacement, which carries the same tags).
        // Another state's of this stack (its lineage tag) is not this one's.
        let same = |o: &Observed| {
            props::strings(&o.properties, "subject_alternative_names") == wanted_sans
                && crate::tags::same_owner(&o.tags, &req.tags)
        };
        if let Some(found) = self.tagged(&req.target, &domain, &req.known_ids).await?.into_iter().find(same) {
            return self.settled(region, &found.id).await;
        }
        // DNS unless the stack says otherwise.
        let call = self.clients.acm(region).request_certificate().validation_method(ValidationMethod::Dns);
        let out = fields::create(FIELDS, call, p)?
            .idempotency_token(idempotency_token(&req.token))
            .set_tags(Some(acm_tags(&req.tags)?))
            .send()
            .await
            .map_err(|e| provider("RequestCertificate", e))?;
        let arn = out.certificate_arn.ok_or_else(|| vanished("certificate", &domain))?;
        self.settled(region, &arn).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        let region = &req.target.region;
        let client = self.clients.acm(region);
        for field in &req.changed {
            match field.as_str() {
                "certificate_transparency_logging" => self.set_logging(region, &req.id, &req.desired).await?,
                "tags" => {
                    let d = crate::tags::diff(&req.observed.tags, &req.tags);
                    if !d.remove.is_empty() {
                        let stale: BTreeMap<String, String> = req
                            .observed
                            .tags
                            .iter()
                            .filter(|(k, _)| d.remove.contains(k))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        client
                            .remove_tags_from_certificate()
                            .certificate_arn(&req.id)
                            .set_tags(Some(acm_tags(&stale)?))
                            .send()
                            .await
                            .map_err(|e| provider("RemoveTagsFromCertificate", e))?;
                    }
                    if !d.set.is_empty() {
                        client
                            .add_tags_to_certificate()
                            .certificate_arn(&req.id)
                            .set_tags(Some(acm_tags(&d.set)?))
                            .send()
                            .await
                            .map_err(|e| provider("AddTagsToCertificate", e))?;
                    }
                }
                other => return Err(not_in_place("a certificate", other)),
            }
        }
        self.observe_one(region, &req.id).await?.ok_or_else(|| vanished("certificate", &req.id))
    }

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError> {
        let r = self.clients.acm(&req.target.region).delete_certificate().certificate_arn(&req.id).send().await;
        tolerate("DeleteCertificate", r, NOT_FOUND)
    }

    /// A certificate stays in use (ResourceInUseException, retried) for
    /// minutes after the distribution or listener that used it is gone
    /// (<https://docs.aws.amazon.com/acm/latest/APIReference/API_DeleteCertificate.html>);
    /// long-lived AWS tools wait up to 20 minutes for it, so the delete
    /// gets more.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(20, 20, 30)
    }
}

/// Whether a certificate status will never become `ISSUED`.
pub fn hopeless(status: &CertificateStatus) -> bool {
    matches!(
        status,
        CertificateStatus::Failed
            | CertificateStatus::ValidationTimedOut
            | CertificateStatus::Revoked
            | CertificateStatus::Expired
            | CertificateStatus::Inactive
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::acm::CERTIFICATE, &[]);
    }

    #[test]
    fn tokens_fit_acm() {
        let t = idempotency_token("stackr-0123456789abcdef");
        assert_eq!(t, "stackr_0123456789abcdef");
        let long = idempotency_token(&"x".repeat(40));
        assert_eq!(long.len(), 32);
    }
}
