//! ACM reconcilers: certificates and their validation. Every call goes to
//! the region of the request (`Target.region` / the `region` argument of
//! observe): a stack in ap-northeast-1 can hold CloudFront's certificate in
//! us-east-1 by setting `region: us-east-1` on the resource.

mod certificate;
mod certificate_validation;

pub use certificate::Certificate;
pub use certificate_validation::CertificateValidation;

use crate::clients::Clients;
use crate::error::{is, provider};
use crate::readcache::ReadKey;
use aws_sdk_acm::types::CertificateDetail;
use stackr_engine::reconciler::{ErrorKind, ProviderError, Providers};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Certificate::new(clients.clone())));
    providers.register(Arc::new(CertificateValidation::new(clients.clone())));
}

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

/// A certificate, or `None` when there is none with that ARN. During a
/// refresh, read once for the certificate and its validation
/// ([`crate::readcache`]).
async fn describe(clients: &Clients, region: &str, arn: &str) -> Result<Option<CertificateDetail>, ProviderError> {
    let client = clients.acm(region);
    let key = ReadKey::new("ACM", "DescribeCertificate", region, arn);
    clients
        .reads
        .read(key, || async {
            match client.describe_certificate().certificate_arn(arn).send().await {
                Ok(r) => Ok(r.certificate),
                Err(e) if is(&e, NOT_FOUND) => Ok(None),
                Err(e) => Err(provider("DescribeCertificate", e)),
            }
        })
        .await
}

fn acm_tags(tags: &BTreeMap<String, String>) -> Result<Vec<aws_sdk_acm::types::Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_acm::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::new(ErrorKind::Invalid, format!("tag {k}: {e}")))
        })
        .collect()
}

fn tag_map(tags: Option<Vec<aws_sdk_acm::types::Tag>>) -> BTreeMap<String, String> {
    crate::props::tag_map(tags.unwrap_or_default().into_iter().map(|t| (t.key, t.value.unwrap_or_default())))
}
