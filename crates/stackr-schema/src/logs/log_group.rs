use crate::prelude::*;

/// The retention periods PutRetentionPolicy takes
/// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
const RETENTION_DAYS: [f64; 22] = [
    1.0, 3.0, 5.0, 7.0, 14.0, 30.0, 60.0, 90.0, 120.0, 150.0, 180.0, 365.0, 400.0, 545.0, 731.0, 1096.0, 1827.0,
    2192.0, 2557.0, 2922.0, 3288.0, 3653.0,
];

pub const LOG_GROUP: TypeSchema = TypeSchema {
    kind: "aws.logs.log_group",
    role: Role::Resource,
    doc: "A CloudWatch Logs log group (CreateLogGroup).",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .text(1, 512, "a-zA-Z0-9._/#-")
            .doc("Log group name, e.g. /ecs/wordpress."),
        prop("retention_in_days", PropType::Int).one_of(&RETENTION_DAYS).doc(
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
