//! AWS's regions, to check a stack's `region:` before any call: a typo
//! (`ap-northeast-9`) is found by `validate`, not as a DNS failure halfway
//! through an apply (and the local AWS accepts any name).
//!
//! From AWS's list of regions and endpoints (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html),
//! commercial, GovCloud, China and the European Sovereign Cloud. A region
//! AWS opens later is added here.

pub const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eusc-de-east-1",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

pub fn is_region(name: &str) -> bool {
    REGIONS.contains(&name)
}
