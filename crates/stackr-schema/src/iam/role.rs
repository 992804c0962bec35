use crate::prelude::*;

pub const ROLE: TypeSchema = TypeSchema {
    kind: "aws.iam.role",
    role: Role::Resource,
    doc: "An IAM role with its inline and attached policies (CreateRole).",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Account)
            .required()
            .replaces()
            .text(1, 64, "a-zA-Z0-9+=,.@_-")
            .doc("Role name, unique in the account (up to 64 characters)."),
        prop("path", PropType::String).replaces().doc("Path, e.g. /service/; default /."),
        prop("assume_role_policy", PropType::Json)
            .required()
            .policy()
            .doc("Trust policy document (UpdateAssumeRolePolicy)."),
        prop("inline_policies", PropType::Map(&PropType::Json)).policy().default_empty().doc(
            "Inline policy documents by name; exactly these are kept (PutRolePolicy, DeleteRolePolicy): none \
                 when left out, so a policy added outside stackr is drift, deleted by apply.",
        ),
        prop("managed_policy_arns", STRINGS).unordered().default_empty().doc(
            "Managed policies to attach; exactly these are kept (Attach/DetachRolePolicy): none when left \
                 out, so a policy attached outside stackr is drift, detached by apply.",
        ),
        prop("description", PropType::String).doc("Role description (UpdateRole)."),
        prop("max_session_duration", PropType::Int)
            .range(3600.0, 43200.0)
            .doc("Maximum session length in seconds, 3600 to 43200; default 3600."),
        prop("permissions_boundary", PropType::String).doc("ARN of a managed policy bounding the role's permissions."),
    ],
    attributes: &[
        attr("id", PropType::String, "The role name (IAM finds roles by name)."),
        attr("arn", PropType::String, "The role ARN."),
        attr("unique_id", PropType::String, "The stable role ID (AROA...)."),
    ],
    taggable: true,
    has_readiness: false,
};
