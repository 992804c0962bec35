use crate::prelude::*;

/// The look-up of `aws.ssm.parameter` (the resource is [`super::PARAMETER`]).
pub const PARAMETER_DATA: TypeSchema = TypeSchema {
    kind: "aws.ssm.parameter",
    role: Role::Data,
    doc: "Reads an existing String or StringList parameter (GetParameter). A SecureString is refused: look-up \
          results are not secret (they reach plans, outputs and state), so its value would leak.",
    properties: &[prop("name", PropType::String).required().doc("The parameter name (/app/setting) or ARN.")],
    attributes: &[
        attr("value", PropType::String, "The value (a StringList's items joined by commas, as AWS holds it)."),
        attr("type", PropType::String, "String or StringList."),
        attr("version", PropType::Int, "The parameter's version."),
        attr("arn", PropType::String, "The parameter ARN."),
    ],
    taggable: false,
    has_readiness: false,
};
