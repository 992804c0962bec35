//! Amazon RDS: Aurora clusters, their instances and DB subnet groups.

mod db_cluster;
mod db_instance;
mod db_subnet_group;

pub use db_cluster::DB_CLUSTER;
pub use db_instance::DB_INSTANCE;
pub use db_subnet_group::DB_SUBNET_GROUP;
