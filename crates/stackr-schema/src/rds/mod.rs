//! Amazon RDS: Aurora clusters, their instances, DB subnet groups and
//! parameter groups.

mod db_cluster;
mod db_cluster_parameter_group;
mod db_instance;
mod db_parameter_group;
mod db_subnet_group;

pub use db_cluster::DB_CLUSTER;
pub use db_cluster_parameter_group::DB_CLUSTER_PARAMETER_GROUP;
pub use db_instance::DB_INSTANCE;
pub use db_parameter_group::DB_PARAMETER_GROUP;
pub use db_subnet_group::DB_SUBNET_GROUP;
