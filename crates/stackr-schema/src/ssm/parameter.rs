use crate::prelude::*;

pub const PARAMETER: TypeSchema = TypeSchema {
    kind: "aws.ssm.parameter",
    role: Role::Resource,
    doc: "A Parameter Store parameter (PutParameter; updates overwrite it as a new version).",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            // PutParameter: 1 to 2048 characters, a-zA-Z0-9_.- and / for
            // the hierarchy; never an ARN.
            .text(1, 2048, "A-Za-z0-9_./-")
            .doc("Parameter name, e.g. /wordpress/prod/db-host."),
        prop("type", PropType::Enum(&["String", "StringList", "SecureString"]))
            .required()
            .doc("SecureString values are encrypted with KMS."),
        prop("value", PropType::String)
            .required()
            .secret()
            // PutParameter: at least one character (the most is the tier's:
            // the reconciler's check).
            .text(1, 8192, "")
            .shown_when("type", &["String", "StringList"])
            .doc("The value; never stored in state; shown in plans only for String and StringList."),
        prop("description", PropType::String).doc("Parameter description."),
        prop("tier", PropType::Enum(&["Standard", "Advanced", "Intelligent-Tiering"]))
            .doc("Default Standard; AWS cannot move an Advanced parameter back to Standard."),
        prop("key_id", PropType::String).doc("KMS key for a SecureString; default the account's aws/ssm key."),
        prop("allowed_pattern", PropType::String).doc("A regular expression the value must match."),
        prop("data_type", PropType::Enum(&["text", "aws:ec2:image", "aws:ssm:integration"]))
            .replaces()
            .doc("Default text."),
    ],
    attributes: &[
        attr("id", PropType::String, "The parameter name."),
        attr("arn", PropType::String, "The parameter ARN."),
        attr("version", PropType::Int, "The current version number."),
    ],
    taggable: true,
    has_readiness: false,
};
