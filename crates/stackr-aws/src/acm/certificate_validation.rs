//! `aws.acm.certificate_validation`: waits until a certificate is
//! `ISSUED`; creates nothing in AWS.
//!
//! The DNS validation records are made by separate `aws.route53.record`
//! resources from the certificate's `validation_records` attribute (one
//! per distinct name), not by this type: they are ordinary records (seen in
//! plans, adopted, deleted with the stack), the zone may be in another
//! account or a DNS provider outside AWS, and a certificate in us-east-1
//! and one in the stack's region validated for the same names share them.
//! Their names go in `validation_record_fqdns`, which orders this after
//! them and is checked against the certificate: a name missing is an error
//! that names it, instead of a wait that can only time out.
//!
//! Readiness is the certificate's status: `PENDING_VALIDATION` waits,
//! `ISSUED` is ready, `FAILED`, `VALIDATION_TIMED_OUT`, `REVOKED`,
//! `EXPIRED` and `INACTIVE` never will be. Dependants that need an issued
//! certificate (an HTTPS listener, a CloudFront distribution) name this
//! resource's `id` (the certificate ARN) and say so in `needs_ready`.
//!
//! The id is the certificate ARN; observe is one DescribeCertificate per
//! certificate (ACM has no batch read), in the region of the request;
//! during a refresh the certificate type's own read (`super::describe`).
//! `validation_record_fqdns` is observed as the certificate's record names
//! (lower case, no trailing dot), compared as a set. Delete removes nothing.

use super::certificate::hopeless;
use super::describe;
use crate::clients::Clients;
use crate::kit::fields;
use crate::kit::{Field, invalid};
use crate::props::{self, s};
use crate::route53::normalise;
use async_trait::async_trait;
use aws_sdk_acm::types::{CertificateDetail, CertificateStatus};
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use stackr_engine::reconciler::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub struct CertificateValidation {
    clients: Arc<Clients>,
}

/// The certificate's DNS validation record names, normalised and sorted.
fn record_names(c: &CertificateDetail) -> Vec<String> {
    let names: BTreeSet<String> =
        c.domain_validation_options().iter().filter_map(|d| d.resource_record()).map(|r| normalise(r.name())).collect();
    names.into_iter().collect()
}

/// One validation as read: the certificate's ARN (as asked for) and its
/// description.
struct Seen {
    arn: String,
    c: CertificateDetail,
}

/// Schema ↔ AWS (`CertificateDetail` of DescribeCertificate). Nothing is
/// created: the rows are read only.
type Row = Field<Seen, ()>;
const FIELDS: &[Row] = &[
    Row::new("certificate_arn", "CertificateArn", |x| Some(s(&x.arn))),
    Row::new("validation_record_fqdns", "DomainValidationOptions[].ResourceRecord.Name", |x| {
        Some(props::list(record_names(&x.c)))
    }),
];

fn observed(arn: &str, c: CertificateDetail) -> Observed {
    let properties = fields::observed(FIELDS, &Seen { arn: arn.to_string(), c });
    let attributes = props::build([("id", Some(s(arn)))]);
    Observed { id: arn.to_string(), properties, attributes, tags: BTreeMap::new() }
}

impl CertificateValidation {
    pub fn new(clients: Arc<Clients>) -> Self {
        CertificateValidation { clients }
    }

    /// Checks the stack's record names against the certificate's.
    async fn check(&self, region: &str, p: &Props) -> Result<Observed, ProviderError> {
        let arn = props::require(p, "certificate_arn")?;
        let c = describe(&self.clients, region, &arn)
            .await?
            .ok_or_else(|| invalid(format!("certificate {arn} does not exist in {region}")))?;
        if p.contains_key("validation_record_fqdns") {
            let given: BTreeSet<String> =
                props::strings(p, "validation_record_fqdns").iter().map(|n| normalise(n)).collect();
            let missing: Vec<String> = record_names(&c).into_iter().filter(|n| !given.contains(n)).collect();
            if !missing.is_empty() {
                return Err(invalid(format!(
                    "certificate {arn} is validated by records not among validation_record_fqdns: {}",
                    missing.join(", ")
                )));
            }
        }
        Ok(observed(&arn, c))
    }
}

#[async_trait]
impl Reconciler for CertificateValidation {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::acm::CERTIFICATE_VALIDATION
    }

    /// Nothing in AWS: its delete only forgets the wait.
    fn deleted_while_used(&self) -> bool {
        true
    }

    /// Record names in the form they are observed in (lower case, no
    /// trailing dot): `${record[*].name}` with its dots is the same names.
    fn normalize_desired(&self, props: &mut Props) {
        if let Some(Value::List(names)) = props.get_mut("validation_record_fqdns") {
            for n in names.iter_mut() {
                if let Value::String(t) = n {
                    *t = normalise(t);
                }
            }
            names.sort_by_key(|n| n.as_str().map(str::to_string));
            names.dedup();
        }
    }

    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(describe(&self.clients, region, id).await?.map(|c| observed(id, c)));
        }
        Ok(out)
    }

    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError> {
        let Some(arn) = props::string(&req.properties, "certificate_arn") else { return Ok(None) };
        if req.known_ids.contains(&arn) {
            return Ok(None);
        }
        Ok(describe(&self.clients, &req.target.region, &arn).await?.map(|c| observed(&arn, c)))
    }

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError> {
        self.check(&req.target.region, &req.properties).await
    }

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError> {
        self.check(&req.target.region, &req.desired).await
    }

    async fn delete(&self, _req: &DeleteRequest) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn readiness(&self, region: &str, id: &str) -> Result<Readiness, ProviderError> {
        let Some(c) = describe(&self.clients, region, id).await? else {
            return Ok(Readiness::Failed(format!("certificate {id} is gone")));
        };
        Ok(match c.status() {
            Some(CertificateStatus::Issued) => Readiness::Ready,
            Some(st) if hopeless(st) => Readiness::Failed(format!(
                "certificate {id} is {}{}",
                st.as_str(),
                c.failure_reason().map(|r| format!(" ({})", r.as_str())).unwrap_or_default()
            )),
            Some(st) => Readiness::Pending(st.as_str().to_string()),
            None => Readiness::Pending("unknown".into()),
        })
    }

    /// DNS validation takes minutes once the records resolve; AWS gives up after 72 hours, long-lived tools after 75 minutes.
    fn timeouts(&self) -> Timeouts {
        Timeouts::minutes(75, 20, 20)
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn the_mapping_table_covers_the_schema() {
        fields::assert_covers(FIELDS, &stackr_schema::acm::CERTIFICATE_VALIDATION, &[]);
    }
}
