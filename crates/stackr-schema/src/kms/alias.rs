use crate::prelude::*;

pub const ALIAS: TypeSchema = TypeSchema {
    kind: "aws.kms.alias",
    role: Role::Resource,
    doc: "A KMS alias: a friendly name for a customer managed key (CreateAlias). Aliases take no tags, so \
          an alias that already exists is adopted only when it already points at the wanted key.",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .text(7, 256, "A-Za-z0-9/_-")
            .doc("The alias, `alias/` then letters, digits, `/_-`; `alias/aws/` is AWS's own and refused."),
        prop("target_key_id", PropType::String)
            .required()
            .doc("The key it names: a key id or key ARN, e.g. `${key.id}` (UpdateAlias)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The alias name."),
        attr("arn", PropType::String, "The alias ARN."),
        attr("name", PropType::String, "The alias name (alias/...)."),
        attr("target_key_arn", PropType::String, "The ARN of the key it names."),
    ],
    taggable: false,
    has_readiness: false,
};
