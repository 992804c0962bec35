//! Elastic Load Balancing v2: load balancers, target groups, listeners
//! and listener rules.

mod listener;
mod listener_rule;
mod load_balancer;
mod target_group;

pub use listener::LISTENER;
pub use listener_rule::LISTENER_RULE;
pub use load_balancer::LOAD_BALANCER;
pub use target_group::TARGET_GROUP;

use crate::prelude::*;

const WEIGHTED_TARGET_GROUP: PropType = PropType::Object(&[
    prop("arn", PropType::String).required().doc("Target group ARN."),
    prop("weight", PropType::Int).doc("Relative share of requests, 0 to 999."),
]);

const FORWARD: PropType = PropType::Object(&[
    prop("target_groups", PropType::List(&WEIGHTED_TARGET_GROUP)).required().doc("Up to 5 weighted target groups."),
    prop(
        "stickiness",
        PropType::Object(&[
            prop("enabled", PropType::Bool).required().doc("Keep a client on one target group."),
            prop("duration_seconds", PropType::Int).doc("1 to 604800."),
        ]),
    )
    .doc("Target group stickiness."),
]);

const REDIRECT: PropType = PropType::Object(&[
    prop("status_code", PropType::Enum(&["HTTP_301", "HTTP_302"])).required().doc("Permanent or temporary."),
    prop("protocol", PropType::String).doc("HTTP, HTTPS or #{protocol} (the default, unchanged)."),
    prop("port", PropType::String).doc("Port or #{port} (the default)."),
    prop("host", PropType::String).doc("Host or #{host} (the default)."),
    prop("path", PropType::String).doc("Path starting with /, or /#{path} (the default)."),
    prop("query", PropType::String).doc("Query without the ?, or #{query} (the default)."),
]);

const FIXED_RESPONSE: PropType = PropType::Object(&[
    prop("status_code", PropType::String).required().doc("2XX, 4XX or 5XX code, e.g. \"403\"."),
    prop(
        "content_type",
        PropType::Enum(&["text/plain", "text/css", "text/html", "application/javascript", "application/json"]),
    )
    .doc("Content type of the body."),
    prop("message_body", PropType::String).doc("Body, up to 1024 characters."),
]);

/// A listener or rule action.
pub(crate) const ACTION: PropType = PropType::Object(&[
    prop(
        "type",
        PropType::Enum(&["forward", "redirect", "fixed-response", "authenticate-oidc", "authenticate-cognito"]),
    )
    .required()
    .doc("What the action does; the matching field below configures it."),
    prop("target_group_arn", PropType::String).doc("forward: the one target group."),
    prop("forward", FORWARD).doc("forward: weighted target groups, instead of target_group_arn."),
    prop("redirect", REDIRECT).doc("redirect: where to."),
    prop("fixed_response", FIXED_RESPONSE).doc("fixed-response: the response."),
    prop("authenticate_oidc", PropType::Json).doc("authenticate-oidc: AWS's AuthenticateOidcConfig."),
    prop("authenticate_cognito", PropType::Json).doc("authenticate-cognito: AWS's AuthenticateCognitoConfig."),
    prop("order", PropType::Int).doc("Position among the actions, 1 to 50000; the last must be terminal."),
]);
