use crate::prelude::*;

pub const SECURITY_GROUP_RULE: TypeSchema = TypeSchema {
    kind: "aws.ec2.security_group_rule",
    role: Role::Resource,
    doc: "One ingress or egress rule of a security group, as a resource of its own \
          (AuthorizeSecurityGroupIngress/Egress with TagSpecifications, DescribeSecurityGroupRules, \
          ModifySecurityGroupRules, RevokeSecurityGroupIngress/Egress by rule id). \
          Use it instead of a group's inline `ingress`/`egress` when rules would make a cycle: two groups \
          that name each other (app <-> database: the app reaches the database, the database answers only \
          the app) cannot be written inline, as each group would need the other's id first; with rule \
          resources both groups are made first and the rules after. Also for rules added to a group another \
          stack or team owns. Do not manage the same direction both ways: a group whose `ingress` (or \
          `egress`) is omitted leaves that direction's rules alone (never drift, never revoked), so rule \
          resources and inline rules coexist only in different directions; a group listing `ingress` (even \
          `ingress: []`) owns all of its inbound rules and revokes any rule resource's. An omitted `egress` \
          keeps AWS's default allow-all outbound rule. A rule that already exists (inline, another stack's, \
          or made in the console) is an error, never taken over, unless this stack made it for this address.",
    properties: &[
        prop("security_group_id", PropType::String).required().replaces().doc("The group the rule belongs to (sg-...)."),
        prop("type", PropType::Enum(&["ingress", "egress"]))
            .required()
            .replaces()
            .doc("ingress (inbound) or egress (outbound)."),
        prop("protocol", PropType::String).required().doc(
            "tcp, udp, icmp, icmpv6, a protocol number, or \"-1\" for all (`all` is -1; 6, 17, 1 and 58 are named); \
             changed in place (ModifySecurityGroupRules), as are the ports and an IPv4 peer.",
        ),
        prop("from_port", PropType::Int).range(-1.0, 65535.0).doc("First port (ICMP type); omit for protocol -1."),
        prop("to_port", PropType::Int).range(-1.0, 65535.0).doc("Last port (ICMP code); omit for protocol -1."),
        prop("cidr_ipv4", PropType::String).cidr4(0, 32).doc("The peer: an IPv4 range, e.g. 10.0.0.0/16."),
        prop("cidr_ipv6", PropType::String).replaces().doc("The peer: an IPv6 range, e.g. ::/0."),
        prop("prefix_list_id", PropType::String).replaces().doc("The peer: a managed prefix list (pl-...)."),
        prop("referenced_security_group_id", PropType::String).replaces().doc(
            "The peer: a security group (the source of ingress, the destination of egress); may be the rule's own group. \
             Exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id and referenced_security_group_id is set.",
        ),
        prop("description", PropType::String).doc("Rule description; changed in place (ModifySecurityGroupRules)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The security group rule ID (sgr-...)."),
        attr("arn", PropType::String, "The security group rule ARN."),
    ],
    taggable: true,
    has_readiness: false,
};
