use crate::prelude::*;

/// Aurora Serverless v2 capacity range, in ACUs.
const SERVERLESS_V2_SCALING: PropType = PropType::Object(&[
    prop("min_capacity", PropType::Number)
        .required()
        .doc("Minimum ACUs in steps of 0.5; 0 lets the cluster pause where the engine version allows."),
    prop("max_capacity", PropType::Number).required().doc("Maximum ACUs in steps of 0.5, 1 to 256."),
    prop("seconds_until_auto_pause", PropType::Int)
        .doc("Idle seconds before pausing when min_capacity is 0, 300 to 86400."),
]);

pub const DB_CLUSTER: TypeSchema = TypeSchema {
    kind: "aws.rds.db_cluster",
    role: Role::Resource,
    doc: "An Aurora (or Multi-AZ) DB cluster (CreateDBCluster); ready when `available`.",
    properties: &[
        prop("cluster_identifier", PropType::String).unique(Unique::Region)
            .required()
            .doc("Cluster name, lower case; renamed in place (ModifyDBCluster NewDBClusterIdentifier)."),
        prop("engine", PropType::Enum(&["aurora-mysql", "aurora-postgresql", "mysql", "postgres"]))
            .required()
            .replaces()
            .doc("mysql and postgres make Multi-AZ DB clusters."),
        prop("engine_version", PropType::String)
            .doc("e.g. 8.0.mysql_aurora.3.08.0; upgrades in place, major ones included."),
        prop("database_name", PropType::String)
            .replaces()
            .doc("Database created in the cluster; none if omitted."),
        prop("master_username", PropType::String)
            .required()
            .replaces()
            .doc("Name of the master user."),
        prop("manage_master_user_password", PropType::Bool)
            .doc("RDS generates the master password and keeps it in Secrets Manager."),
        prop("master_user_secret_kms_key_id", PropType::String)
            .doc("KMS key ARN for the managed master password secret (AWS reports the ARN); default aws/secretsmanager."),
        prop("serverless_v2_scaling", SERVERLESS_V2_SCALING)
            .doc("Capacity range of db.serverless instances."),
        prop("storage_encrypted", PropType::Bool).replaces().doc("Encrypt storage at rest."),
        prop("kms_key_id", PropType::String)
            .replaces()
            .doc("KMS key ARN for storage encryption (AWS reports the ARN); default aws/rds."),
        prop("backup_retention_period", PropType::Int).doc("Days to keep automated backups, 1 to 35; default 1."),
        prop("preferred_backup_window", PropType::String).doc("Daily UTC backup window, hh24:mi-hh24:mi."),
        prop("preferred_maintenance_window", PropType::String)
            .doc("Weekly UTC maintenance window, ddd:hh24:mi-ddd:hh24:mi."),
        prop("enabled_cloudwatch_logs_exports", STRINGS).unordered().doc(
            "Logs sent to CloudWatch: aurora-mysql audit, error, general, slowquery, iam-db-auth-error; aurora-postgresql postgresql.",
        ),
        prop("vpc_security_group_ids", STRINGS).unordered().doc("Security groups of the cluster."),
        prop("db_subnet_group_name", PropType::String)
            .replaces()
            .doc("The DB subnet group, hence the VPC."),
        prop("db_cluster_parameter_group_name", PropType::String).doc("Cluster parameter group; default the engine's."),
        prop("port", PropType::Int).doc("Listening port; default 3306 (MySQL) or 5432 (PostgreSQL)."),
        prop("iam_database_authentication_enabled", PropType::Bool).doc("Allow IAM database authentication."),
        prop("copy_tags_to_snapshot", PropType::Bool).doc("Copy the cluster's tags to its snapshots."),
        prop("deletion_protection", PropType::Bool).doc("AWS refuses to delete the cluster while true."),
        prop("skip_final_snapshot", PropType::Bool).doc("Delete without a final snapshot; default false."),
        prop("final_snapshot_identifier", PropType::String)
            .doc("Name of the snapshot taken on delete, unless skipped."),
        prop("apply_immediately", PropType::Bool)
            .doc("Apply changes now rather than in the maintenance window; default false."),
    ],
    attributes: &[
        attr("id", PropType::String, "The cluster identifier."),
        attr("arn", PropType::String, "The cluster ARN."),
        attr("endpoint", PropType::String, "The writer endpoint host name."),
        attr("reader_endpoint", PropType::String, "The load-balanced reader endpoint host name."),
        attr("port", PropType::Int, "The listening port."),
        attr("master_user_secret_arn", PropType::String, "The managed master password secret, when managed."),
        attr("resource_id", PropType::String, "The cluster resource ID (cluster-...), for IAM authentication."),
        attr("hosted_zone_id", PropType::String, "The Route 53 zone of the endpoints."),
    ],
    taggable: true,
    has_readiness: true,
};
