//! CloudFront reconcilers: web distributions. CloudFront is global; every
//! call goes to its one endpoint (signed for us-east-1) whatever the
//! stack's region.

mod config;
mod distribution;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

pub use distribution::Distribution;

/// "Not yet" refusals of CloudFront (see [`crate::transient`]): a
/// certificate that is not ISSUED yet, or issued moments ago, is refused as
/// `InvalidViewerCertificate`
/// (<https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistributionWithTags.html>);
/// a wrong certificate gives the same code, so it is retried for minutes
/// only (readiness ordering makes a distribution wait for ISSUED first).
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::for_minutes;
    &[for_minutes(&["CreateDistributionWithTags", "UpdateDistribution"], "InvalidViewerCertificate", None, 10)]
};

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Distribution::new(clients.clone())));
}
