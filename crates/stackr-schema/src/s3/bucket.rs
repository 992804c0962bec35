use crate::prelude::*;

const ENCRYPTION: PropType = PropType::Object(&[
    prop("sse_algorithm", PropType::Enum(&["AES256", "aws:kms", "aws:kms:dsse"])).required().doc("AES256 is SSE-S3."),
    prop("kms_master_key_id", PropType::String).doc("KMS key for aws:kms; default aws/s3."),
    prop("bucket_key_enabled", PropType::Bool).doc("Use an S3 Bucket Key to cut KMS calls."),
]);

pub const BUCKET: TypeSchema = TypeSchema {
    kind: "aws.s3.bucket",
    role: Role::Resource,
    doc: "A general purpose S3 bucket (CreateBucket), e.g. for stackr state. \
          New buckets block public access and encrypt with SSE-S3 by default.",
    properties: &[
        prop("name", PropType::String)
            .required()
            .replaces()
            .doc("Bucket name, globally unique: 3 to 63 lower-case letters, digits, dots, hyphens."),
        prop("versioning", PropType::Bool)
            .doc("Keep every version of objects; false suspends, AWS cannot unversion (PutBucketVersioning)."),
        prop("encryption", ENCRYPTION).doc("Default encryption (PutBucketEncryption)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The bucket name."),
        attr("arn", PropType::String, "The bucket ARN."),
        attr("domain_name", PropType::String, "<name>.s3.amazonaws.com."),
        attr("regional_domain_name", PropType::String, "<name>.s3.<region>.amazonaws.com."),
    ],
    taggable: true,
    has_readiness: false,
};
