//! Amazon S3 buckets (used for state).

mod bucket;

pub use bucket::BUCKET;
