use crate::prelude::*;

pub const EGRESS_ONLY_INTERNET_GATEWAY: TypeSchema = TypeSchema {
    kind: "aws.ec2.egress_only_internet_gateway",
    role: Role::Resource,
    doc: "Outbound-only IPv6 internet access for a VPC (CreateEgressOnlyInternetGateway).",
    properties: &[prop("vpc_id", PropType::String)
        .required()
        .replaces()
        .doc("The VPC; the gateway is created attached to it.")],
    attributes: &[attr("id", PropType::String, "The gateway ID (eigw-...).")],
    taggable: true,
    has_readiness: false,
};
