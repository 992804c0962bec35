use crate::prelude::*;

pub const ROUTE_TABLE_ASSOCIATION: TypeSchema = TypeSchema {
    kind: "aws.ec2.route_table_association",
    role: Role::Resource,
    doc: "Associates a subnet with a route table (AssociateRouteTable).",
    properties: &[
        prop("subnet_id", PropType::String).required().replaces().doc("The subnet."),
        prop("route_table_id", PropType::String)
            .required()
            .doc("The route table; changed in place by ReplaceRouteTableAssociation."),
    ],
    attributes: &[attr("id", PropType::String, "The association ID (rtbassoc-...).")],
    taggable: false,
    has_readiness: false,
};
