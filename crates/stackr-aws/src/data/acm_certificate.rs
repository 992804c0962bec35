//! `aws.acm.certificate` (look-up): a certificate by domain name, in the
//! look-up's region (CloudFront's are in us-east-1). ListCertificates
//! (statuses, default ISSUED; key types when given, else AWS's default,
//! RSA_2048 only: <https://docs.aws.amazon.com/acm/latest/APIReference/API_ListCertificates.html>),
//! then DescribeCertificate of each with that domain name for its dates.
//! Several matches are an error unless `most_recent: true` picks the one
//! issued (or made) last.

use crate::clients::Clients;
use crate::error::provider;
use crate::kit::invalid;
use crate::props::{self, s};
use async_trait::async_trait;
use aws_sdk_acm::types::{CertificateStatus, Filters, KeyAlgorithm};
use aws_smithy_types::date_time::Format;
use stackr_core::schema::TypeSchema;
use stackr_engine::reconciler::{Lookup, Props, ProviderError};
use std::sync::Arc;

pub struct AcmCertificate {
    clients: Arc<Clients>,
}

impl AcmCertificate {
    pub fn new(clients: Arc<Clients>) -> Self {
        AcmCertificate { clients }
    }
}

#[async_trait]
impl Lookup for AcmCertificate {
    fn schema(&self) -> &'static TypeSchema {
        &stackr_schema::acm::CERTIFICATE_DATA
    }

    async fn read(&self, region: &str, args: &Props) -> Result<Props, ProviderError> {
        let domain = props::require(args, "domain")?.trim_end_matches('.').to_ascii_lowercase();
        let mut statuses = props::strings(args, "statuses");
        if statuses.is_empty() {
            statuses.push("ISSUED".into());
        }
        let key_types = props::strings(args, "key_types");
        let client = self.clients.acm(region);
        let mut call = client
            .list_certificates()
            .set_certificate_statuses(Some(statuses.iter().map(|st| CertificateStatus::from(st.as_str())).collect()));
        if !key_types.is_empty() {
            let keys = key_types.iter().map(|k| KeyAlgorithm::from(k.as_str())).collect();
            call = call.includes(Filters::builder().set_key_types(Some(keys)).build());
        }
        let listed = crate::collect!(call, certificate_summary_list, "ListCertificates");
        let mut found = Vec::new();
        for c in listed {
            if c.domain_name().map(|d| d.to_ascii_lowercase()) != Some(domain.clone()) {
                continue;
            }
            let Some(arn) = c.certificate_arn() else { continue };
            let out = client
                .describe_certificate()
                .certificate_arn(arn)
                .send()
                .await
                .map_err(|e| provider("DescribeCertificate", e))?;
            let Some(d) = out.certificate else { continue };
            // Checked again: a service may ignore the filters.
            let status = d.status().map(|st| st.as_str().to_string()).unwrap_or_default();
            let key = d.key_algorithm().map(|k| k.as_str().to_string()).unwrap_or_default();
            if !statuses.contains(&status) || (!key_types.is_empty() && !key_types.contains(&key)) {
                continue;
            }
            found.push(d);
        }
        let most_recent = props::boolean(args, "most_recent").unwrap_or(false);
        let when = |d: &aws_sdk_acm::types::CertificateDetail| {
            d.issued_at().or(d.imported_at()).or(d.created_at()).map(|t| (t.secs(), t.subsec_nanos()))
        };
        found.sort_by_key(|d| std::cmp::Reverse(when(d)));
        let wanted = format!("domain {domain} with status {}", statuses.join("/"));
        let cert = match found.len() {
            0 => return Err(invalid(format!("no certificate in {region} for {wanted}"))),
            1 => found.remove(0),
            _ if most_recent => found.remove(0),
            n => {
                let arns: Vec<&str> = found.iter().filter_map(|d| d.certificate_arn()).collect();
                return Err(invalid(format!(
                    "{n} certificates in {region} for {wanted} ({}); narrow it down (`key_types`, `statuses`) or \
                     set `most_recent: true`",
                    arns.join(", ")
                )));
            }
        };
        Ok(props::build([
            ("arn", cert.certificate_arn().map(s)),
            ("domain", cert.domain_name().map(s)),
            ("status", cert.status().map(|st| s(st.as_str()))),
            ("not_after", cert.not_after().and_then(|t| t.fmt(Format::DateTime).ok()).map(s)),
        ]))
    }
}
