use super::ACTION;
use crate::prelude::*;

/// Conditions a request must all meet; each field is one AWS condition.
const CONDITIONS: PropType = PropType::Object(&[
    prop("host_header", STRINGS).doc("Host names, with * and ? wildcards; any may match."),
    prop("path_pattern", STRINGS).doc("Paths, with * and ? wildcards, e.g. /wp-admin/*; any may match."),
    prop("http_request_method", STRINGS).doc("Methods, e.g. GET, POST; any may match."),
    prop("source_ip", STRINGS).doc("Client CIDR blocks, IPv4 or IPv6; any may match."),
    prop(
        "http_header",
        PropType::Object(&[
            prop("name", PropType::String).required().doc("Header name."),
            prop("values", STRINGS).required().doc("Values, with wildcards; any may match."),
        ]),
    )
    .doc("A header and the values it may have."),
    prop(
        "query_string",
        PropType::List(&PropType::Object(&[
            prop("key", PropType::String).doc("Parameter name; any if omitted."),
            prop("value", PropType::String).required().doc("Value, with wildcards."),
        ])),
    )
    .doc("Query parameters; any pair may match."),
]);

pub const LISTENER_RULE: TypeSchema = TypeSchema {
    kind: "aws.elbv2.listener_rule",
    role: Role::Resource,
    doc: "A rule of an ALB listener (CreateRule); changes go through ModifyRule and SetRulePriorities.",
    properties: &[
        prop("listener_arn", PropType::String).required().replaces().doc("The listener."),
        prop("priority", PropType::Int)
            .required()
            .range(1.0, 50000.0)
            .unique_in("listener_arn")
            .doc("1 to 50000, unique in the listener; lower is evaluated first."),
        prop("conditions", CONDITIONS).required().doc("What requests the rule matches."),
        prop("actions", PropType::List(&ACTION))
            .required()
            .doc("What matching requests get, in order; the last is forward, redirect or fixed-response."),
    ],
    attributes: &[attr("id", PropType::String, "The rule ARN."), attr("arn", PropType::String, "The rule ARN.")],
    taggable: true,
    has_readiness: false,
};
