use crate::prelude::*;

pub const LOG_GROUP: TypeSchema = TypeSchema {
    kind: "aws.logs.log_group",
    role: Role::Resource,
    doc: "A CloudWatch Logs log group (CreateLogGroup).",
    properties: &[
        prop("name", PropType::String).required().replaces().doc("Log group name, e.g. /ecs/wordpress."),
        prop("retention_in_days", PropType::Int).doc(
            "Days to keep events: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, \
             1096, 1827, 2192, 2557, 2922, 3288 or 3653; omit to keep forever (PutRetentionPolicy).",
        ),
        prop("kms_key_id", PropType::String).doc("KMS key ARN to encrypt with (AssociateKmsKey, DisassociateKmsKey)."),
        prop("log_group_class", PropType::Enum(&["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"]))
            .replaces()
            .doc("Default STANDARD."),
    ],
    attributes: &[
        attr("id", PropType::String, "The log group name."),
        attr("arn", PropType::String, "The log group ARN, without the trailing `:*`."),
    ],
    taggable: true,
    has_readiness: false,
};
