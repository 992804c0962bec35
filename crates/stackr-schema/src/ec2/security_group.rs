use crate::prelude::*;

/// One ingress or egress rule, with one peer (a CIDR, a group or a prefix list).
const RULE: PropType = PropType::Object(&[
    prop("protocol", PropType::String).required().doc("tcp, udp, icmp, icmpv6, a protocol number, or \"-1\" for all."),
    prop("from_port", PropType::Int).doc("First port (ICMP type); omit for protocol -1."),
    prop("to_port", PropType::Int).doc("Last port (ICMP code); omit for protocol -1."),
    prop("cidr_ipv4", PropType::String).cidr4(0, 32).doc("An IPv4 peer range, e.g. 0.0.0.0/0."),
    prop("cidr_ipv6", PropType::String).doc("An IPv6 peer range, e.g. ::/0."),
    prop("source_security_group_id", PropType::String)
        .doc("A peer security group (the source of ingress, the destination of egress)."),
    prop("prefix_list_id", PropType::String).doc("A managed prefix list peer (pl-...)."),
    prop("self", PropType::Bool).doc("The group itself is the peer."),
    prop("description", PropType::String).doc("Rule description."),
]);

pub const SECURITY_GROUP: TypeSchema = TypeSchema {
    kind: "aws.ec2.security_group",
    role: Role::Resource,
    doc: "A VPC security group and its rules (CreateSecurityGroup, Authorize/RevokeSecurityGroup*; a changed rule \
          is revoked by its rule id from DescribeSecurityGroupRules). Inline rules suit a group whose peers exist \
          before it; for two groups that name each other (app <-> database), which inline rules would make a \
          cycle, omit that direction here and write aws.ec2.security_group_rule resources. Each direction is \
          managed one way only: listed here (the group owns all its rules of that direction) or omitted.",
    properties: &[
        prop("name", PropType::String)
            .required()
            .replaces()
            .unique_in("vpc_id")
            .not_prefixed("sg-")
            .doc("Group name, unique in the VPC; cannot start with sg-."),
        prop("description", PropType::String).required().replaces().doc("Group description; AWS cannot change it."),
        prop("vpc_id", PropType::String).replaces().doc("The VPC; the default VPC if omitted."),
        prop("ingress", PropType::List(&RULE)).unordered().doc(
            "Inbound rules; exactly these are kept (`ingress: []`: none). Omitted: the group does not manage \
             inbound rules at all (never drift, never revoked); write them as aws.ec2.security_group_rule \
             resources (for groups naming each other) or leave them to others.",
        ),
        prop("egress", PropType::List(&RULE)).unordered().doc(
            "Outbound rules; exactly these are kept, replacing AWS's default allow-all rule (`egress: []`: \
             none). Omitted: outbound rules are not managed, AWS's default allow-all rule stays, and \
             aws.ec2.security_group_rule resources may add others.",
        ),
    ],
    attributes: &[
        attr("id", PropType::String, "The group ID (sg-...)."),
        attr("arn", PropType::String, "The group ARN."),
        attr("owner_id", PropType::String, "The account that owns the group."),
    ],
    taggable: true,
    has_readiness: false,
};
