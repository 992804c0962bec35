use crate::prelude::*;

pub const POLICY: TypeSchema = TypeSchema {
    kind: "aws.iam.policy",
    role: Role::Resource,
    doc: "A customer managed IAM policy (CreatePolicy); a changed document becomes a new default version.",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Account)
            .required()
            .replaces()
            .doc("Policy name, unique in the account."),
        prop("path", PropType::String).replaces().doc("Path, e.g. /service/; default /."),
        prop("description", PropType::String).replaces().doc("Policy description; AWS cannot change it."),
        prop("policy", PropType::Json)
            .policy()
            .required()
            .doc("The policy document (CreatePolicyVersion; the oldest of 5 versions is deleted)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The policy ARN (IAM finds policies by ARN)."),
        attr("arn", PropType::String, "The policy ARN."),
        attr("policy_id", PropType::String, "The stable policy ID (ANPA...)."),
        attr("default_version_id", PropType::String, "The current version, e.g. v2."),
    ],
    taggable: true,
    has_readiness: false,
};
