use crate::prelude::*;

const ENCRYPTION: PropType = PropType::Object(&[
    prop("encryption_type", PropType::Enum(&["AES256", "KMS"])).required().doc("AES256 (the default) or KMS."),
    prop("kms_key", PropType::String)
        .doc("For KMS: the key ARN (AWS reports ARNs: give `${key.arn}`); default the aws/ecr key."),
]);

pub const REPOSITORY: TypeSchema = TypeSchema {
    kind: "aws.ecr.repository",
    role: Role::Resource,
    doc: "A private ECR repository (CreateRepository). Its delete refuses a repository that still holds \
          images unless `force_delete` is true.",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .text(2, 256, "a-z0-9._/-")
            .doc("Repository name, unique in the registry: lower case, digits, `._-/`, 2 to 256 characters."),
        prop("image_tag_mutability", PropType::Enum(&["MUTABLE", "IMMUTABLE"]))
            .doc("Whether a tag may be pushed again; default MUTABLE (PutImageTagMutability)."),
        prop("scan_on_push", PropType::Bool)
            .doc("Scan each image when pushed; default false (PutImageScanningConfiguration)."),
        prop("encryption", ENCRYPTION).replaces().doc("Encryption at rest; default AES256."),
        prop("lifecycle_policy", PropType::Json).doc(
            "Lifecycle policy document (rules expiring images), compared as a document; omit to leave \
             the repository's as it is (PutLifecyclePolicy, DeleteLifecyclePolicy).",
        ),
        prop("force_delete", PropType::Bool).local().doc(
            "stackr's own setting: delete the repository with its images; default false, and a delete of a \
             repository holding images is refused (DeleteRepository's force). Read from what was last applied.",
        ),
    ],
    attributes: &[
        attr("id", PropType::String, "The repository name."),
        attr("arn", PropType::String, "The repository ARN."),
        attr("name", PropType::String, "The repository name."),
        attr("repository_url", PropType::String, "<registry>.dkr.ecr.<region>.amazonaws.com/<name>, for docker push."),
        attr("registry_id", PropType::String, "The registry (account) id."),
    ],
    taggable: true,
    has_readiness: false,
};
