//! Route 53 reconcilers: record sets and hosted zones (the hosted zone
//! look-up is `data::hosted_zone`).

mod hosted_zone;
mod record;

pub use hosted_zone::{HostedZone, ZoneTags};
pub use record::{Record, normalise};

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// "Not yet" refusals of Route 53 (see [`crate::transient`]): a change
/// sent while an earlier one for the zone is still being applied
/// (`PriorRequestNotComplete`,
/// <https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html>).
///
/// `PriorRequestNotComplete`: "the request was rejected because Route 53
/// was still processing a prior request" — for every write to a zone, its
/// records, tags and VPC associations
/// (<https://docs.aws.amazon.com/Route53/latest/APIReference/API_DeleteHostedZone.html>,
/// <https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeTagsForResource.html>).
/// The SDK's own retries of it last about 30 s; a change takes up to a
/// minute to sync.
pub const TRANSIENT: &[crate::transient::Transient] = &[crate::transient::until_timeout(
    &[
        "ChangeResourceRecordSets",
        "DeleteHostedZone",
        "ChangeTagsForResource",
        "AssociateVPCWithHostedZone",
        "DisassociateVPCFromHostedZone",
        "UpdateHostedZoneComment",
    ],
    "PriorRequestNotComplete",
    None,
)];

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Record::new(clients.clone())));
    providers.register(Arc::new(HostedZone::new(clients.clone())));
}
