use crate::prelude::*;

const TRANSITION: PropType = PropType::Enum(&[
    "AFTER_1_DAY",
    "AFTER_7_DAYS",
    "AFTER_14_DAYS",
    "AFTER_30_DAYS",
    "AFTER_60_DAYS",
    "AFTER_90_DAYS",
    "AFTER_180_DAYS",
    "AFTER_270_DAYS",
    "AFTER_365_DAYS",
]);

/// One lifecycle policy; AWS wants one transition per policy.
const LIFECYCLE_POLICY: PropType = PropType::Object(&[
    prop("transition_to_ia", TRANSITION).doc("Move files not accessed for this long to Infrequent Access."),
    prop("transition_to_archive", TRANSITION).doc("Move files not accessed for this long to Archive."),
    prop("transition_to_primary_storage_class", PropType::Enum(&["AFTER_1_ACCESS"]))
        .doc("Move files back to Standard when accessed."),
]);

pub const FILE_SYSTEM: TypeSchema = TypeSchema {
    kind: "aws.efs.file_system",
    role: Role::Resource,
    doc: "An EFS file system (CreateFileSystem); ready when `available`.",
    properties: &[
        prop("creation_token", PropType::String)
            .required()
            .replaces()
            .doc("Idempotency token, unique in the account; a retried create returns the same file system."),
        prop("encrypted", PropType::Bool).replaces().doc("Encrypt at rest; default false."),
        prop("kms_key_id", PropType::String)
            .replaces()
            .doc("KMS key ARN for encryption (AWS reports the ARN); default aws/elasticfilesystem."),
        prop("performance_mode", PropType::Enum(&["generalPurpose", "maxIO"]))
            .replaces()
            .doc("Default generalPurpose."),
        prop("throughput_mode", PropType::Enum(&["bursting", "provisioned", "elastic"]))
            .doc("Default bursting (UpdateFileSystem)."),
        prop("provisioned_throughput_in_mibps", PropType::Number)
            .doc("Throughput when throughput_mode is provisioned (UpdateFileSystem)."),
        prop("availability_zone_name", PropType::String)
            .replaces()
            .doc("Makes a One Zone file system in this zone; Regional if omitted."),
        prop("lifecycle_policies", PropType::List(&LIFECYCLE_POLICY))
            .doc("Storage class transitions (PutLifecycleConfiguration)."),
        prop(
            "backup_policy",
            PropType::Object(&[prop("enabled", PropType::Bool).required().doc("Automatic daily AWS Backup backups.")]),
        )
        .doc("Automatic backups (PutBackupPolicy)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The file system ID (fs-...)."),
        attr("arn", PropType::String, "The file system ARN."),
        attr("dns_name", PropType::String, "The mount host name, <id>.efs.<region>.amazonaws.com."),
    ],
    taggable: true,
    has_readiness: true,
};
