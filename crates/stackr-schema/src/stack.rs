//! `stackr.stack_outputs`: another stack's outputs, read from its state.
//! A look-up of stackr's own, with no AWS service of its own (an S3 state
//! is read with GetObject).

use crate::prelude::*;

pub const STACK_OUTPUTS: TypeSchema = TypeSchema {
    kind: "stackr.stack_outputs",
    role: Role::Data,
    doc: "Another stack's outputs, read from its state (local file or S3 object) without locking it. \
          Name the stack by its file (`stack_file`, with `vars` when its state location depends on them) \
          or by where its state is kept (`path`, or `bucket` and `key`). Sensitive outputs cannot be read this way.",
    properties: &[
        prop("stack_file", PropType::String)
            .doc("The other stack's file, relative to this one; its `state:` settings say where its state is."),
        prop("vars", PropType::Map(&PropType::Any))
            .doc("Variables for loading `stack_file`, when its state location or name depends on them."),
        prop("path", PropType::String).doc("A local state file, relative to this stack file."),
        prop("bucket", PropType::String).doc("The S3 bucket holding the other stack's state."),
        prop("key", PropType::String).doc("The object key of the other stack's state."),
        prop("region", PropType::String).doc("The bucket's region; default the look-up's region."),
    ],
    attributes: &[
        attr("stack", PropType::String, "The other stack's name, as its state records it."),
        attr(
            "outputs",
            PropType::Map(&PropType::Any),
            "Its outputs as last applied, by name (sensitive ones left out).",
        ),
    ],
    taggable: false,
    has_readiness: false,
};
