use crate::prelude::*;

/// How the value is generated (GetRandomPassword).
const GENERATE: PropType = PropType::Object(&[
    prop("length", PropType::Int).doc("Number of characters, 1 to 4096; default 32."),
    prop("exclude_characters", PropType::String).doc("Characters never to use."),
    prop("exclude_numbers", PropType::Bool).doc("No digits."),
    prop("exclude_punctuation", PropType::Bool).doc("No punctuation."),
    prop("exclude_uppercase", PropType::Bool).doc("No upper-case letters."),
    prop("exclude_lowercase", PropType::Bool).doc("No lower-case letters."),
    prop("include_space", PropType::Bool).doc("Allow the space character."),
    prop("require_each_included_type", PropType::Bool)
        .doc("At least one character of every included type; default true."),
]);

pub const SECRET: TypeSchema = TypeSchema {
    kind: "aws.secretsmanager.secret",
    role: Role::Resource,
    doc: "A Secrets Manager secret whose value AWS generates; the value is never seen in clear.",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .doc("Secret name, e.g. wordpress/prod/auth-keys."),
        prop("description", PropType::String).doc("Secret description (UpdateSecret)."),
        prop("kms_key_id", PropType::String).doc("KMS key to encrypt with; default aws/secretsmanager (UpdateSecret)."),
        prop("generate", GENERATE).doc(
            "Password generation options, used when the secret is created; a change does not regenerate the value.",
        ),
        prop("recovery_window_in_days", PropType::Int)
            .doc("Days a deleted secret can be restored, 7 to 30 (default 30), or 0 to delete at once."),
    ],
    attributes: &[attr("id", PropType::String, "The secret ARN."), attr("arn", PropType::String, "The secret ARN.")],
    taggable: true,
    has_readiness: false,
};
