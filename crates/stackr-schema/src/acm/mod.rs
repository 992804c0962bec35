//! AWS Certificate Manager: public certificates and their validation.

mod certificate;
mod certificate_data;
mod certificate_validation;

pub use certificate::CERTIFICATE;
pub use certificate_data::CERTIFICATE_DATA;
pub use certificate_validation::CERTIFICATE_VALIDATION;
