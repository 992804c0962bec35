//! Amazon CloudFront distributions (a global service, called in us-east-1).

mod distribution;

pub use distribution::DISTRIBUTION;
