use crate::prelude::*;

pub const LOAD_BALANCER: TypeSchema = TypeSchema {
    kind: "aws.elbv2.load_balancer",
    role: Role::Resource,
    doc: "An Application, Network or Gateway Load Balancer (CreateLoadBalancer); ready when `active`.",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .text(1, 32, "a-zA-Z0-9-")
            .doc("Up to 32 alphanumerics and hyphens, unique in the region."),
        prop("type", PropType::Enum(&["application", "network", "gateway"])).replaces().doc("Default application."),
        prop("scheme", PropType::Enum(&["internet-facing", "internal"])).replaces().doc("Default internet-facing."),
        prop("ip_address_type", PropType::Enum(&["ipv4", "dualstack", "dualstack-without-public-ipv4"]))
            .doc("Default ipv4 (SetIpAddressType)."),
        prop("subnets", STRINGS)
            .unordered()
            .required()
            .doc("One subnet per zone, at least two for an ALB (SetSubnets; an NLB can only add)."),
        prop("security_groups", STRINGS).unordered().doc("Security groups (SetSecurityGroups)."),
        prop("attributes", STRING_MAP).partial().doc(
            "Load balancer attributes, e.g. idle_timeout.timeout_seconds, routing.http2.enabled \
             (ModifyLoadBalancerAttributes); unnamed ones keep AWS's defaults.",
        ),
    ],
    attributes: &[
        attr("id", PropType::String, "The load balancer ARN."),
        attr("arn", PropType::String, "The load balancer ARN."),
        attr("arn_suffix", PropType::String, "app/<name>/<id>: the LoadBalancer dimension of its metrics."),
        attr("dns_name", PropType::String, "The DNS name."),
        attr("hosted_zone_id", PropType::String, "The canonical hosted zone, for alias records."),
        attr("vpc_id", PropType::String, "The VPC of the subnets."),
    ],
    taggable: true,
    has_readiness: true,
};
