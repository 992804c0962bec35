use crate::prelude::*;

pub const INTERNET_GATEWAY: TypeSchema = TypeSchema {
    kind: "aws.ec2.internet_gateway",
    role: Role::Resource,
    doc: "An internet gateway, attached to a VPC (CreateInternetGateway, AttachInternetGateway).",
    properties: &[
        prop("vpc_id", PropType::String).doc("The VPC to attach to; changed by detaching and attaching again.")
    ],
    attributes: &[
        attr("id", PropType::String, "The gateway ID (igw-...)."),
        attr("arn", PropType::String, "The gateway ARN."),
        attr("owner_id", PropType::String, "The account that owns the gateway."),
    ],
    taggable: true,
    has_readiness: false,
};
