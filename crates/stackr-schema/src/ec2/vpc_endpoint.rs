use crate::prelude::*;

pub const VPC_ENDPOINT: TypeSchema = TypeSchema {
    kind: "aws.ec2.vpc_endpoint",
    role: Role::Resource,
    doc: "A VPC endpoint to an AWS service (CreateVpcEndpoint): a Gateway endpoint (S3, DynamoDB) adds a route \
          to the service's prefix list in its route tables; an Interface endpoint puts a network interface in each \
          subnet. Ready when `available`; changed by ModifyVpcEndpoint, deleted by DeleteVpcEndpoints (then \
          `deleting` until gone). Private DNS on an Interface endpoint needs the VPC's enableDnsSupport and \
          enableDnsHostnames.",
    properties: &[
        prop("vpc_id", PropType::String).required().replaces().doc("The VPC."),
        prop("service_name", PropType::String)
            .required()
            .replaces()
            .doc("The service, e.g. com.amazonaws.<region>.s3 (DescribeVpcEndpointServices lists them)."),
        prop("vpc_endpoint_type", PropType::Enum(&["Gateway", "Interface", "GatewayLoadBalancer"]))
            .replaces()
            .doc("Default `Gateway`."),
        prop("route_table_ids", STRINGS)
            .unordered()
            .doc("Gateway: the route tables given a route to the service (AddRouteTableIds / RemoveRouteTableIds)."),
        prop("subnet_ids", STRINGS)
            .unordered()
            .doc("Interface: one subnet per zone for the endpoint's interfaces (AddSubnetIds / RemoveSubnetIds)."),
        prop("security_group_ids", STRINGS).unordered().doc(
            "Interface: the interfaces' security groups; the VPC's default group if omitted \
             (AddSecurityGroupIds / RemoveSecurityGroupIds).",
        ),
        prop("private_dns_enabled", PropType::Bool).doc(
            "Interface: resolve the service's default name to the endpoint (AWS's default: true). Needs the VPC's \
             enableDnsSupport and enableDnsHostnames.",
        ),
        prop("policy", PropType::Json).policy().doc(
            "The endpoint policy (a map, or a string holding JSON); AWS's default allows full access. Compared as a \
             document; left out, whatever AWS holds is kept.",
        ),
        prop("ip_address_type", PropType::Enum(&["ipv4", "dualstack", "ipv6"]))
            .doc("Interface: the addresses of the endpoint's interfaces; AWS picks by the subnets if omitted."),
    ],
    attributes: &[
        attr("id", PropType::String, "The endpoint ID (vpce-...)."),
        attr("arn", PropType::String, "The endpoint ARN."),
        attr("dns_entries", STRINGS, "Interface: the endpoint's DNS names."),
        attr("network_interface_ids", STRINGS, "Interface: the endpoint's network interfaces."),
        attr(
            "prefix_list_id",
            PropType::String,
            "Gateway: the service's prefix list (pl-...), for security group rules.",
        ),
        attr("state", PropType::String, "pendingAcceptance, pending, available, deleting, deleted, rejected, failed."),
    ],
    taggable: true,
    has_readiness: true,
};
