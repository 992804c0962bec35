use crate::prelude::*;

pub const DB_SUBNET_GROUP: TypeSchema = TypeSchema {
    kind: "aws.rds.db_subnet_group",
    role: Role::Resource,
    doc: "The subnets an RDS database may use (CreateDBSubnetGroup).",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .doc("Group name; AWS stores it in lower case."),
        prop("description", PropType::String).required().doc("Group description (ModifyDBSubnetGroup)."),
        prop("subnet_ids", STRINGS)
            .unordered()
            .required()
            .doc("Subnets in at least two availability zones (ModifyDBSubnetGroup)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The group name."),
        attr("arn", PropType::String, "The group ARN."),
        attr("vpc_id", PropType::String, "The VPC of the subnets."),
    ],
    taggable: true,
    has_readiness: false,
};
