use crate::prelude::*;

/// One route: a destination and exactly one target.
const ROUTE: PropType = PropType::Object(&[
    prop("destination_cidr_block", PropType::String).doc("IPv4 destination, e.g. 0.0.0.0/0."),
    prop("destination_ipv6_cidr_block", PropType::String).doc("IPv6 destination, e.g. ::/0."),
    prop("destination_prefix_list_id", PropType::String).doc("A managed prefix list destination."),
    prop("gateway_id", PropType::String).doc("An internet gateway (igw-...) or virtual private gateway."),
    prop("nat_gateway_id", PropType::String).doc("A NAT gateway (nat-...)."),
    prop("egress_only_gateway_id", PropType::String).doc("An egress-only internet gateway (eigw-...)."),
    prop("transit_gateway_id", PropType::String).doc("A transit gateway (tgw-...)."),
    prop("vpc_peering_connection_id", PropType::String).doc("A peering connection (pcx-...)."),
    prop("network_interface_id", PropType::String).doc("A network interface (eni-...)."),
    prop("vpc_endpoint_id", PropType::String).doc("A Gateway Load Balancer endpoint (vpce-...)."),
]);

pub const ROUTE_TABLE: TypeSchema = TypeSchema {
    kind: "aws.ec2.route_table",
    role: Role::Resource,
    doc: "A route table and its routes (CreateRouteTable, CreateRoute).",
    properties: &[
        prop("vpc_id", PropType::String).required().replaces().doc("The VPC."),
        prop("routes", PropType::List(&ROUTE)).unordered().default_empty().doc(
            "Routes besides the implicit local ones (and those a gateway endpoint or propagation manages); exactly \
             these are kept (CreateRoute, ReplaceRoute, DeleteRoute): none when left out, so a route added outside \
             stackr (0.0.0.0/0 to an internet gateway) is drift, removed by apply.",
        ),
    ],
    attributes: &[
        attr("id", PropType::String, "The route table ID (rtb-...)."),
        attr("arn", PropType::String, "The route table ARN."),
        attr("owner_id", PropType::String, "The account that owns the table."),
    ],
    taggable: true,
    has_readiness: false,
};
