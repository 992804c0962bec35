use super::{SCOPE, VISIBILITY_CONFIG};
use crate::prelude::*;

const RULE: PropType = PropType::Object(&[
    prop("name", PropType::String).required().doc("Rule name, unique in the ACL."),
    prop("priority", PropType::Int)
        .required()
        .range(0.0, 2147483647.0)
        .doc("Evaluation order, lowest first; unique in the ACL."),
    prop("action", PropType::Enum(&["allow", "block", "count", "captcha", "challenge"]))
        .doc("What a match does; for rules with their own statement."),
    prop("override_action", PropType::Enum(&["none", "count"]))
        .doc("Instead of action, for rule group and managed rule group statements."),
    prop("ip_set_arn", PropType::String).doc("Shorthand statement: the source address is in this IP set."),
    prop("statement", PropType::Json).doc("Any AWS WAF Statement, in AWS's JSON shape; instead of ip_set_arn."),
    prop("visibility_config", VISIBILITY_CONFIG).required().doc("Metrics of the rule."),
]);

pub const WEB_ACL: TypeSchema = TypeSchema {
    kind: "aws.wafv2.web_acl",
    role: Role::Resource,
    doc: "A WAF web ACL (CreateWebACL); changes go through UpdateWebACL.",
    properties: &[
        prop("name", PropType::String).required().replaces().doc("Name, unique per scope."),
        prop("scope", SCOPE).required().replaces().doc("CLOUDFRONT (in us-east-1) or REGIONAL."),
        prop("default_action", PropType::Enum(&["allow", "block"]))
            .required()
            .doc("What requests no rule decides get."),
        prop("description", PropType::String).doc("Description."),
        prop("rules", PropType::List(&RULE)).doc("Rules, evaluated by priority."),
        prop("visibility_config", VISIBILITY_CONFIG).required().doc("Metrics of the ACL."),
    ],
    attributes: &[
        attr("id", PropType::String, "The web ACL ID (a UUID)."),
        attr("arn", PropType::String, "The web ACL ARN; CloudFront's web_acl_id."),
        attr("capacity", PropType::Int, "Web ACL capacity units used."),
    ],
    taggable: true,
    has_readiness: false,
};
