use crate::prelude::*;

const ENCRYPTION: PropType = PropType::Object(&[
    prop("sse_algorithm", PropType::Enum(&["AES256", "aws:kms", "aws:kms:dsse"])).required().doc("AES256 is SSE-S3."),
    prop("kms_master_key_id", PropType::String).doc("KMS key for aws:kms; default aws/s3."),
    prop("bucket_key_enabled", PropType::Bool).doc("Use an S3 Bucket Key to cut KMS calls."),
]);

const PUBLIC_ACCESS_BLOCK: PropType = PropType::Object(&[
    prop("block_public_acls", PropType::Bool).doc("Refuse requests that set public ACLs."),
    prop("ignore_public_acls", PropType::Bool).doc("Ignore public ACLs on the bucket and its objects."),
    prop("block_public_policy", PropType::Bool).doc("Refuse bucket policies that grant public access."),
    prop("restrict_public_buckets", PropType::Bool)
        .doc("Only AWS services and this account may use a bucket whose policy is public."),
]);

const LIFECYCLE_RULE: PropType = PropType::Object(&[
    prop("id", PropType::String).required().doc("The rule's name, unique in the bucket (up to 255 characters)."),
    prop("enabled", PropType::Bool).doc("Whether the rule applies; default true."),
    prop("prefix", PropType::String).doc("Only objects whose keys start with this; default every object."),
    prop("expiration_days", PropType::Int).at_least(1.0).doc("Expire current versions this many days after creation."),
    prop("noncurrent_version_expiration_days", PropType::Int)
        .at_least(1.0)
        .doc("Delete noncurrent versions this many days after they became noncurrent."),
    prop("abort_incomplete_multipart_upload_days", PropType::Int)
        .at_least(1.0)
        .doc("Abort multipart uploads not completed this many days after they started."),
]);

pub const BUCKET: TypeSchema = TypeSchema {
    kind: "aws.s3.bucket",
    role: Role::Resource,
    doc: "A general purpose S3 bucket (CreateBucket, with a LocationConstraint outside us-east-1), e.g. for \
          stackr state. Since April 2023 AWS makes new buckets with every public access block on, object \
          ownership BucketOwnerEnforced and SSE-S3 encryption: what the stack leaves out keeps those defaults \
          and is never drift. Read with HeadBucket and one Get call per setting (GetBucketVersioning, \
          GetBucketEncryption, GetPublicAccessBlock, GetBucketOwnershipControls, \
          GetBucketLifecycleConfiguration, GetBucketTagging). Delete refuses a bucket that still holds \
          objects unless `force_destroy` is true.",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Global)
            .required()
            .replaces()
            .text(3, 63, "a-z0-9.-")
            .doc("Bucket name, globally unique: 3 to 63 lower-case letters, digits, dots, hyphens."),
        prop("versioning", PropType::Bool).doc(
            "Keep every version of objects; false suspends versioning, AWS cannot unversion a bucket once \
             versioned; a bucket never versioned reads as false (PutBucketVersioning).",
        ),
        prop("encryption", ENCRYPTION).doc("Default encryption (PutBucketEncryption); AWS's default is AES256."),
        prop("public_access_block", PUBLIC_ACCESS_BLOCK).doc(
            "The bucket's Block Public Access settings (PutPublicAccessBlock); AWS's default for new buckets \
             is all four true; a bucket without the configuration reads as all four false.",
        ),
        prop("ownership_controls", PropType::Enum(&["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"]))
            .doc(
                "Object ownership (PutBucketOwnershipControls): BucketOwnerEnforced (AWS's default, ACLs \
                 disabled), BucketOwnerPreferred or ObjectWriter; a bucket without ownership controls reads \
                 as ObjectWriter.",
            ),
        prop("lifecycle_rules", PropType::List(&LIFECYCLE_RULE)).doc(
            "Lifecycle rules, in order (PutBucketLifecycleConfiguration replaces them all; an empty list \
             deletes them: DeleteBucketLifecycle).",
        ),
        prop("force_destroy", PropType::Bool).local().doc(
            "stackr only: on delete, first delete every object version and delete marker (ListObjectVersions, \
             DeleteObjects). Default false: the delete of a bucket that still holds objects is refused and \
             nothing is deleted.",
        ),
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
