//! Amazon S3 buckets (used for state) and their policies.

mod bucket;
mod bucket_policy;

pub use bucket::BUCKET;
pub use bucket_policy::BUCKET_POLICY;
