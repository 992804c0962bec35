use super::ACTION;
use crate::prelude::*;

pub const LISTENER: TypeSchema = TypeSchema {
    kind: "aws.elbv2.listener",
    role: Role::Resource,
    doc: "A load balancer listener (CreateListener); changes go through ModifyListener.",
    properties: &[
        prop("load_balancer_arn", PropType::String).required().replaces().doc("The load balancer."),
        prop("port", PropType::Int).required().doc("Listening port, 1 to 65535."),
        prop("protocol", PropType::Enum(&["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"]))
            .doc("HTTP or HTTPS for an ALB; TCP, TLS, UDP or TCP_UDP for an NLB."),
        prop("certificate_arn", PropType::String).doc("Default certificate; required for HTTPS and TLS."),
        prop("additional_certificate_arns", STRINGS).default_empty().doc(
            "More certificates, chosen by SNI (Add/RemoveListenerCertificates); exactly these are kept: none when \
             left out, so a certificate added outside stackr is drift, removed by apply.",
        ),
        prop("ssl_policy", PropType::String)
            .doc("Security policy for HTTPS and TLS, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06."),
        prop("alpn_policy", PropType::Enum(&["HTTP1Only", "HTTP2Only", "HTTP2Optional", "HTTP2Preferred", "None"]))
            .doc("TLS listeners of an NLB only."),
        prop("default_action", ACTION)
            .required()
            .doc("What requests no rule matches get: forward, redirect, fixed-response."),
    ],
    attributes: &[
        attr("id", PropType::String, "The listener ARN."),
        attr("arn", PropType::String, "The listener ARN."),
    ],
    taggable: true,
    has_readiness: false,
};
