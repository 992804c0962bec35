use crate::prelude::*;

pub const DB_INSTANCE: TypeSchema = TypeSchema {
    kind: "aws.rds.db_instance",
    role: Role::Resource,
    doc: "An instance of an Aurora DB cluster (CreateDBInstance); ready when `available`.",
    properties: &[
        prop("identifier", PropType::String)
            .unique(Unique::Region)
            .required()
            .doc("Instance name, lower case; renamed in place (ModifyDBInstance NewDBInstanceIdentifier)."),
        prop("cluster_identifier", PropType::String).required().replaces().doc("The cluster the instance belongs to."),
        prop("instance_class", PropType::String)
            .required()
            .doc("e.g. db.serverless or db.r7g.large; changed in place."),
        prop("engine", PropType::Enum(&["aurora-mysql", "aurora-postgresql"]))
            .required()
            .replaces()
            .doc("Must match the cluster's engine."),
        prop("availability_zone", PropType::String).replaces().doc("Zone of the instance; AWS picks one if omitted."),
        prop("promotion_tier", PropType::Int).doc("Failover priority, 0 (first) to 15; default 1."),
        prop("publicly_accessible", PropType::Bool).doc("Give the instance a public address; default false."),
        prop("db_parameter_group_name", PropType::String).doc("Instance parameter group; default the engine's."),
        prop("performance_insights_enabled", PropType::Bool).doc("Turn on Performance Insights."),
        prop("performance_insights_retention_period", PropType::Int)
            .doc("Days to keep Performance Insights data: 7, a multiple of 31 up to 713, or 731."),
        prop("monitoring_interval", PropType::Int)
            .doc("Enhanced Monitoring interval in seconds: 0 (off), 1, 5, 10, 15, 30 or 60."),
        prop("monitoring_role_arn", PropType::String).doc("Role for Enhanced Monitoring, when on."),
        prop("auto_minor_version_upgrade", PropType::Bool)
            .doc("Apply minor engine upgrades automatically; default true."),
        prop("ca_certificate_identifier", PropType::String)
            .doc("Server certificate authority, e.g. rds-ca-rsa2048-g1."),
        prop("apply_immediately", PropType::Bool)
            .doc("Apply changes now rather than in the maintenance window; default false."),
    ],
    attributes: &[
        attr("id", PropType::String, "The instance identifier."),
        attr("arn", PropType::String, "The instance ARN."),
        attr("endpoint", PropType::String, "The instance's own endpoint host name."),
        attr("port", PropType::Int, "The listening port."),
        attr("resource_id", PropType::String, "The instance resource ID (db-...)."),
        attr("writer", PropType::Bool, "Whether the instance is currently the cluster's writer."),
    ],
    taggable: true,
    has_readiness: true,
};
