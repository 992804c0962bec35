use crate::prelude::*;

pub const BUCKET_POLICY: TypeSchema = TypeSchema {
    kind: "aws.s3.bucket_policy",
    role: Role::Resource,
    doc: "The resource policy of an S3 bucket (PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy); one per \
          bucket. Compared as a JSON document: key order, and one value written alone or as a one-element \
          list, are not changes.",
    properties: &[
        prop("bucket", PropType::String).required().replaces().doc("The bucket's name."),
        prop("policy", PropType::Json)
            .required()
            .policy()
            .doc("The policy document (a map, or a string holding JSON)."),
    ],
    attributes: &[attr("id", PropType::String, "The bucket name.")],
    taggable: false,
    has_readiness: false,
};
