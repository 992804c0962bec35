use crate::prelude::*;

const HEALTH_CHECK: PropType = PropType::Object(&[
    prop("enabled", PropType::Bool).doc("Default true (false only for lambda targets)."),
    prop("path", PropType::String).doc("HTTP(S) path, e.g. /; default /."),
    prop("port", PropType::String).doc("Port number or traffic-port (the default)."),
    prop("protocol", PropType::Enum(&["HTTP", "HTTPS", "TCP"])).doc("Default the group's protocol."),
    prop("matcher", PropType::String).doc("Healthy HTTP codes, e.g. \"200,301,302\" or \"200-399\"; default 200."),
    prop("interval_seconds", PropType::Int).doc("Seconds between checks, 5 to 300; default 30."),
    prop("timeout_seconds", PropType::Int).doc("Seconds before a check fails, 2 to 120; default 5."),
    prop("healthy_threshold", PropType::Int).doc("Successes before healthy, 2 to 10; default 5."),
    prop("unhealthy_threshold", PropType::Int).doc("Failures before unhealthy, 2 to 10; default 2."),
]);

pub const TARGET_GROUP: TypeSchema = TypeSchema {
    kind: "aws.elbv2.target_group",
    role: Role::Resource,
    doc: "A load balancer target group (CreateTargetGroup).",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .doc("Up to 32 alphanumerics and hyphens, unique in the region."),
        prop("port", PropType::Int).replaces().doc("Port targets receive traffic on; not for lambda."),
        prop("protocol", PropType::Enum(&["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"]))
            .replaces()
            .doc("Protocol to the targets; not for lambda."),
        prop("protocol_version", PropType::Enum(&["HTTP1", "HTTP2", "GRPC"]))
            .replaces()
            .doc("HTTP(S) groups only; default HTTP1."),
        prop("vpc_id", PropType::String).replaces().doc("The VPC of the targets; not for lambda."),
        prop("target_type", PropType::Enum(&["instance", "ip", "lambda", "alb"]))
            .replaces()
            .doc("Default instance; Fargate tasks need ip."),
        prop("ip_address_type", PropType::Enum(&["ipv4", "ipv6"]))
            .replaces()
            .doc("Address family of ip targets; default ipv4."),
        prop("health_check", HEALTH_CHECK).doc("Target health check (ModifyTargetGroup)."),
        prop("attributes", STRING_MAP).partial().doc(
            "Target group attributes, e.g. deregistration_delay.timeout_seconds, stickiness.enabled \
             (ModifyTargetGroupAttributes).",
        ),
    ],
    attributes: &[
        attr("id", PropType::String, "The target group ARN."),
        attr("arn", PropType::String, "The target group ARN."),
        attr("arn_suffix", PropType::String, "targetgroup/<name>/<id>: the TargetGroup dimension of its metrics."),
    ],
    taggable: true,
    has_readiness: false,
};
