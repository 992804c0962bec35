use crate::prelude::*;

pub const CALLER_IDENTITY: TypeSchema = TypeSchema {
    kind: "aws.sts.caller_identity",
    role: Role::Data,
    doc: "The account and principal of the credentials in use (GetCallerIdentity).",
    properties: &[],
    attributes: &[
        attr("account_id", PropType::String, "The 12-digit account ID."),
        attr("arn", PropType::String, "The ARN of the calling principal."),
        attr("user_id", PropType::String, "The unique ID of the calling principal."),
    ],
    taggable: false,
    has_readiness: false,
};
