//! Data look-ups (`data:`): availability zones, caller identity, hosted
//! zone by name, current region, a VPC, subnets, an SSM parameter, an ACM
//! certificate and a KMS alias.

mod acm_certificate;
mod availability_zones;
mod caller_identity;
mod hosted_zone;
mod kms_alias;
mod region;
mod ssm_parameter;
mod subnets;
mod vpc;

use crate::clients::Clients;
use stackr_engine::reconciler::Lookups;
use std::sync::Arc;

pub use acm_certificate::AcmCertificate;
pub use availability_zones::AvailabilityZones;
pub use caller_identity::CallerIdentity;
pub use hosted_zone::HostedZone;
pub use kms_alias::KmsAlias;
pub use region::Region;
pub use ssm_parameter::SsmParameter;
pub use subnets::Subnets;
pub use vpc::Vpc;

/// Registers the look-ups.
pub fn register(clients: &Arc<Clients>, lookups: &mut Lookups) {
    lookups.register(Arc::new(AvailabilityZones::new(clients.clone())));
    lookups.register(Arc::new(CallerIdentity::new(clients.clone())));
    lookups.register(Arc::new(HostedZone::new(clients.clone())));
    lookups.register(Arc::new(Region));
    lookups.register(Arc::new(Vpc::new(clients.clone())));
    lookups.register(Arc::new(Subnets::new(clients.clone())));
    lookups.register(Arc::new(SsmParameter::new(clients.clone())));
    lookups.register(Arc::new(AcmCertificate::new(clients.clone())));
    lookups.register(Arc::new(KmsAlias::new(clients.clone())));
}
