use crate::prelude::*;

pub const REPLICATION_GROUP: TypeSchema = TypeSchema {
    kind: "aws.elasticache.replication_group",
    role: Role::Resource,
    doc: "A Redis OSS or Valkey replication group (CreateReplicationGroup): a primary and its replicas, or with \
          cluster mode enabled several shards (node groups) of a primary and replicas each; ready when \
          `available` (creating takes 10-20 minutes). Cluster mode is enabled when `cluster_mode: enabled`, or \
          when `cluster_mode` is left out and `num_node_groups` is more than 1; otherwise it is disabled and \
          `num_cache_clusters` (primary included) gives the size. Changes are made with ModifyReplicationGroup \
          (the group is `modifying` meanwhile and refuses other changes with InvalidReplicationGroupState, which \
          stackr retries) and, for the number of replicas, IncreaseReplicaCount / DecreaseReplicaCount; values \
          AWS holds as pending are taken as the group's. Delete (DeleteReplicationGroup) waits until the group \
          is gone. Settings of the nodes (engine version, parameter group, subnet group, security groups, \
          maintenance window) are read from the first member cluster (DescribeCacheClusters).",
    properties: &[
        prop("replication_group_id", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .text(1, 40, "A-Za-z0-9-")
            .doc("The group's name, lower case, up to 40 characters."),
        prop("description", PropType::String).required().doc("Free text (ModifyReplicationGroup)."),
        prop("engine", PropType::Enum(&["redis", "valkey"]))
            .doc("Default redis; AWS upgrades redis to valkey in place (ModifyReplicationGroup), not back."),
        prop("engine_version", PropType::String).doc("e.g. 7.1; AWS only upgrades (ModifyReplicationGroup)."),
        prop("node_type", PropType::String)
            .required()
            .doc("e.g. cache.t4g.small; scaled in place (ModifyReplicationGroup)."),
        prop("port", PropType::Int).replaces().range(1.0, 65535.0).doc("Listening port; default 6379."),
        prop("cache_subnet_group_name", PropType::String).replaces().doc("The cache subnet group, hence the VPC."),
        prop("security_group_ids", STRINGS).unordered().doc("VPC security groups (ModifyReplicationGroup)."),
        prop("parameter_group_name", PropType::String).doc(
            "Cache parameter group; default the engine's (`.cluster.on` with cluster mode) (ModifyReplicationGroup).",
        ),
        prop("cluster_mode", PropType::Enum(&["enabled", "disabled"])).replaces().doc(
            "Sharding. Left out: enabled when `num_node_groups` is more than 1, else disabled. Enabled needs \
             automatic failover (on by default then) and excludes `num_cache_clusters`.",
        ),
        prop("num_node_groups", PropType::Int).replaces().range(1.0, 500.0).doc(
            "Cluster mode enabled: the number of shards, 1 to 500. Resharding in place \
             (ModifyReplicationGroupShardConfiguration) is not done: a change replaces the group.",
        ),
        prop("replicas_per_node_group", PropType::Int).range(0.0, 5.0).doc(
            "Replicas in each shard, 0 to 5; with cluster mode disabled the same as `num_cache_clusters` - 1. \
             Changed in place (IncreaseReplicaCount / DecreaseReplicaCount, applied immediately).",
        ),
        prop("num_cache_clusters", PropType::Int).range(1.0, 6.0).doc(
            "Cluster mode disabled: nodes including the primary, 1 to 6 (default 1). Changed in place \
             (IncreaseReplicaCount / DecreaseReplicaCount, applied immediately).",
        ),
        prop("automatic_failover_enabled", PropType::Bool).doc(
            "Promote a replica when the primary fails; needs at least one replica with cluster mode disabled, and \
             is required with cluster mode enabled (ModifyReplicationGroup).",
        ),
        prop("multi_az_enabled", PropType::Bool)
            .doc("Multi-AZ; needs automatic failover and at least one replica (ModifyReplicationGroup)."),
        prop("at_rest_encryption_enabled", PropType::Bool).replaces().doc("Encrypt data on disk."),
        prop("transit_encryption_enabled", PropType::Bool).replaces().doc(
            "TLS between clients and nodes; required for `auth_token`. Enabling it in place needs AWS's two-step \
             migration (TransitEncryptionMode preferred, then required), which stackr does not do: a change \
             replaces the group.",
        ),
        prop("kms_key_id", PropType::String).replaces().doc("KMS key for encryption at rest."),
        prop("auth_token", PropType::String).secret().text(16, 128, "").doc(
            "Redis AUTH password, 16 to 128 printable characters without / \" @ or %; needs \
             `transit_encryption_enabled`. Never stored nor shown; a change is sent with ModifyReplicationGroup \
             and `auth_token_update_strategy`.",
        ),
        prop("auth_token_update_strategy", PropType::Enum(&["rotate", "set"])).local().doc(
            "How a changed `auth_token` is applied: rotate (default: the old and the new token are both accepted \
             until the next set) or set (only the new one) (AuthTokenUpdateStrategy).",
        ),
        prop("snapshot_retention_limit", PropType::Int)
            .range(0.0, 35.0)
            .doc("Days of automatic snapshots kept, 0 for none (ModifyReplicationGroup)."),
        prop("snapshot_window", PropType::String).doc("Daily UTC snapshot window, hh24:mi-hh24:mi."),
        prop("maintenance_window", PropType::String)
            .doc("Weekly UTC window, ddd:hh24:mi-ddd:hh24:mi (PreferredMaintenanceWindow)."),
        prop("apply_immediately", PropType::Bool).local().doc(
            "Default true: changes apply now. false: node changes (engine version, node type) wait for the \
             maintenance window and show as pending meanwhile (not as drift). Replica counts always apply now.",
        ),
    ],
    attributes: &[
        attr("id", PropType::String, "The replication group id."),
        attr("arn", PropType::String, "The replication group ARN."),
        attr("primary_endpoint_address", PropType::String, "Cluster mode disabled: the primary's host name."),
        attr("reader_endpoint_address", PropType::String, "Cluster mode disabled: the replicas' host name."),
        attr(
            "configuration_endpoint_address",
            PropType::String,
            "Cluster mode enabled: the configuration endpoint's host name.",
        ),
        attr("port", PropType::Int, "The port the endpoints listen on."),
    ],
    taggable: true,
    has_readiness: true,
};
