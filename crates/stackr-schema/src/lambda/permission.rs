use crate::prelude::*;

pub const PERMISSION: TypeSchema = TypeSchema {
    kind: "aws.lambda.permission",
    role: Role::Resource,
    doc: "One statement of a Lambda function's resource-based policy, letting a service or an account \
          invoke it (AddPermission; GetPolicy to read; RemovePermission). AWS cannot change a statement: \
          every change replaces it. A statement already there with the same id and values is adopted.",
    properties: &[
        prop("function_name", PropType::String).required().replaces().doc("The function's name or ARN."),
        prop("statement_id", PropType::String)
            .required()
            .replaces()
            .unique_in("function_name")
            .text(1, 100, "A-Za-z0-9_-")
            .doc("The statement's id (Sid)."),
        prop("action", PropType::String).required().replaces().doc("e.g. lambda:InvokeFunction."),
        prop("principal", PropType::String)
            .required()
            .replaces()
            .doc("A service (s3.amazonaws.com, events.amazonaws.com), an account id, or *."),
        prop("source_arn", PropType::String).replaces().doc("Only for calls on behalf of this resource."),
        prop("source_account", PropType::String).replaces().doc("Only for calls on behalf of this account."),
    ],
    attributes: &[attr("id", PropType::String, "`function_name/statement_id`.")],
    taggable: false,
    has_readiness: false,
};
