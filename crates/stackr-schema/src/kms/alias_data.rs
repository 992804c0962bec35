use crate::prelude::*;

/// The look-up of `aws.kms.alias`.
pub const ALIAS_DATA: TypeSchema = TypeSchema {
    kind: "aws.kms.alias",
    role: Role::Data,
    doc: "Finds an existing KMS alias and the key it points to (ListAliases, DescribeKey); AWS-managed aliases \
          (alias/aws/s3) too.",
    properties: &[prop("name", PropType::String).required().doc("The alias name, alias/....")],
    attributes: &[
        attr("arn", PropType::String, "The alias ARN."),
        attr("target_key_id", PropType::String, "The key's ID."),
        attr("target_key_arn", PropType::String, "The key's ARN."),
    ],
    taggable: false,
    has_readiness: false,
};
