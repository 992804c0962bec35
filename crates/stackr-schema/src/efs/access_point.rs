use crate::prelude::*;

const POSIX_USER: PropType = PropType::Object(&[
    prop("uid", PropType::Int).required().doc("User ID for every file operation."),
    prop("gid", PropType::Int).required().doc("Group ID for every file operation."),
    prop("secondary_gids", PropType::List(&PropType::Int)).doc("Additional group IDs."),
]);

const CREATION_INFO: PropType = PropType::Object(&[
    prop("owner_uid", PropType::Int).required().doc("Owner of the created directory."),
    prop("owner_gid", PropType::Int).required().doc("Group of the created directory."),
    prop("permissions", PropType::String).required().doc("Octal mode of the created directory, e.g. \"755\"."),
]);

const ROOT_DIRECTORY: PropType = PropType::Object(&[
    prop("path", PropType::String).doc("Directory exposed as the root, e.g. /wordpress; default /."),
    prop("creation_info", CREATION_INFO).doc("Create the directory with this owner and mode if missing."),
]);

pub const ACCESS_POINT: TypeSchema = TypeSchema {
    kind: "aws.efs.access_point",
    role: Role::Resource,
    doc: "An EFS access point (CreateAccessPoint); AWS cannot change one, only its tags.",
    properties: &[
        prop("file_system_id", PropType::String).required().replaces().doc("The file system."),
        prop("posix_user", POSIX_USER).replaces().doc("Identity forced on every request through the access point."),
        prop("root_directory", ROOT_DIRECTORY).replaces().doc("Directory clients see as the root."),
    ],
    attributes: &[
        attr("id", PropType::String, "The access point ID (fsap-...)."),
        attr("arn", PropType::String, "The access point ARN."),
    ],
    taggable: true,
    has_readiness: false,
};
