use crate::prelude::*;

pub const CACHE_SUBNET_GROUP: TypeSchema = TypeSchema {
    kind: "aws.elasticache.cache_subnet_group",
    role: Role::Resource,
    doc: "The subnets an ElastiCache cluster may use (CreateCacheSubnetGroup).",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .doc("Group name; AWS stores it in lower case."),
        prop("description", PropType::String).required().doc("Group description (ModifyCacheSubnetGroup)."),
        prop("subnet_ids", STRINGS).unordered().required().doc("Subnets of one VPC (ModifyCacheSubnetGroup)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The group name."),
        attr("arn", PropType::String, "The group ARN."),
        attr("vpc_id", PropType::String, "The VPC of the subnets."),
    ],
    taggable: true,
    has_readiness: false,
};
