use crate::prelude::*;

pub const DB_PARAMETER_GROUP: TypeSchema = TypeSchema {
    kind: "aws.rds.db_parameter_group",
    role: Role::Resource,
    doc: "Engine settings of a DB instance (CreateDBParameterGroup); an instance uses it through \
          `db_parameter_group_name`.",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .text(1, 255, "A-Za-z0-9-")
            .doc("Group name, lower case (RDS stores it so)."),
        prop("family", PropType::String).required().replaces().doc("Parameter group family, e.g. aurora-mysql8.0."),
        prop("description", PropType::String).required().replaces().doc("Group description (AWS cannot change it)."),
        prop("parameters", STRING_MAP).doc(
            "Parameter name to value, set with ModifyDBParameterGroup (20 a call). The stack owns every \
             parameter set by a user (DescribeDBParameters Source=user): exactly these are kept, so one removed \
             from the stack, or set outside stackr, is drift and goes back to the engine default \
             (ResetDBParameterGroup). The engine's own defaults are never compared.",
        ),
        prop("apply_method", PropType::Map(&PropType::Enum(&["immediate", "pending-reboot"]))).local().doc(
            "How each parameter is applied, by name: `immediate` (default; dynamic parameters only) or \
             `pending-reboot` (static parameters: taken on the instance's next reboot).",
        ),
    ],
    attributes: &[attr("id", PropType::String, "The group name."), attr("arn", PropType::String, "The group ARN.")],
    taggable: true,
    has_readiness: false,
};
