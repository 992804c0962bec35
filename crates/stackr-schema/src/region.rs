//! The region a stack (or a resource's `region:`) targets: a look-up
//! needing no AWS call, so it has no service module.

use crate::prelude::*;

pub const REGION: TypeSchema = TypeSchema {
    kind: "aws.region",
    role: Role::Data,
    doc: "The region the look-up runs in: the stack's, or the one given by `region:`.",
    properties: &[],
    attributes: &[attr("name", PropType::String, "The region code, e.g. ap-northeast-1.")],
    taggable: false,
    has_readiness: false,
};
