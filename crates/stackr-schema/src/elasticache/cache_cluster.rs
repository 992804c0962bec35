use crate::prelude::*;

pub const CACHE_CLUSTER: TypeSchema = TypeSchema {
    kind: "aws.elasticache.cache_cluster",
    role: Role::Resource,
    doc: "An ElastiCache cache cluster (CreateCacheCluster), e.g. memcached; ready when `available`. Changes apply \
          immediately (ModifyCacheCluster with ApplyImmediately), not in the maintenance window.",
    properties: &[
        prop("cluster_id", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .doc("Cluster name, lower case, up to 40 characters."),
        prop("engine", PropType::Enum(&["memcached", "redis"])).required().replaces().doc("Cache engine."),
        prop("engine_version", PropType::String).doc("e.g. 1.6.22; AWS only upgrades (ModifyCacheCluster)."),
        prop("node_type", PropType::String).required().doc("e.g. cache.t4g.small (ModifyCacheCluster)."),
        prop("num_cache_nodes", PropType::Int)
            .required()
            .range(1.0, 60.0)
            .doc("Nodes, 1 to 60 for memcached; 1 for redis. Nodes are added or removed in place."),
        prop("az_mode", PropType::Enum(&["single-az", "cross-az"])).doc(
            "memcached only: nodes in one zone or spread; default single-az. To cross-az in place (ModifyCacheCluster: \
             nodes added go to other zones); back to single-az only while every node is in one zone.",
        ),
        prop("preferred_availability_zones", STRINGS)
            .doc("Zone of each node, in order; on update only the zones of added nodes apply."),
        prop("security_group_ids", STRINGS).unordered().doc("VPC security groups (ModifyCacheCluster)."),
        prop("parameter_group_name", PropType::String).doc("Parameter group; default the engine's."),
        prop("port", PropType::Int).replaces().doc("Listening port; default 11211 (memcached) or 6379 (redis)."),
        prop("subnet_group_name", PropType::String).replaces().doc("The cache subnet group, hence the VPC."),
        prop("network_type", PropType::Enum(&["ipv4", "ipv6", "dual_stack"]))
            .replaces()
            .doc("Default ipv4; the subnets must support the choice."),
        prop("transit_encryption_enabled", PropType::Bool)
            .replaces()
            .doc("TLS between clients and nodes (memcached 1.6.12 and later)."),
        prop("preferred_maintenance_window", PropType::String).doc("Weekly UTC window, ddd:hh24:mi-ddd:hh24:mi."),
        prop("apply_immediately", PropType::Bool).doc(
            "stackr always applies changes immediately (a change held for the maintenance window would leave the \
             stack unmatched until then); only `true` is accepted.",
        ),
    ],
    attributes: &[
        attr("id", PropType::String, "The cluster ID."),
        attr("arn", PropType::String, "The cluster ARN."),
        attr("configuration_endpoint", PropType::String, "memcached auto-discovery endpoint, host:port."),
        attr("cluster_address", PropType::String, "The configuration endpoint host name, without the port."),
        attr("node_endpoints", STRINGS, "Every node's endpoint, host:port, in node order."),
    ],
    taggable: true,
    has_readiness: true,
};
