//! Amazon Elastic Container Registry: private repositories.

mod repository;

pub use repository::REPOSITORY;
