use crate::prelude::*;

const VPC_CONFIG: PropType = PropType::Object(&[
    prop("subnet_ids", STRINGS).unordered().doc("Subnets the function's network interfaces are placed in."),
    prop("security_group_ids", STRINGS).unordered().doc("Security groups of those interfaces."),
]);

pub const FUNCTION: TypeSchema = TypeSchema {
    kind: "aws.lambda.function",
    role: Role::Resource,
    doc: "A Lambda function (CreateFunction; GetFunction to read; UpdateFunctionCode for the code and \
          architectures, UpdateFunctionConfiguration for the rest, one after the other once the previous \
          change is no longer InProgress; TagResource, UntagResource; DeleteFunction). Ready once its State \
          is Active (Pending for seconds, minutes with a VPC configuration) and its last update is no longer \
          InProgress; Failed with its StateReasonCode. A role made seconds before is not yet assumable by \
          Lambda: that refusal is retried for two minutes. AWS does not report where a zip came from, so the \
          S3 location is recorded in `stackr:code-*` tags on the function next to the CodeSha256 it produced: \
          code changed outside stackr shows as drift of `s3_key`. Deletion of a function in a VPC waits until \
          its network interfaces are released.",
    properties: &[
        prop("function_name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .text(1, 64, "A-Za-z0-9_-")
            .doc("The function's name."),
        prop("role", PropType::String).required().doc("ARN of the execution role Lambda assumes."),
        prop("package_type", PropType::Enum(&["Zip", "Image"]))
            .replaces()
            .doc("Zip (code from S3, the default) or Image (a container image in ECR)."),
        prop("s3_bucket", PropType::String).doc("Bucket of the deployment package (Zip), in the function's region."),
        prop("s3_key", PropType::String).doc("Key of the deployment package (Zip); at most 190 characters."),
        prop("s3_object_version", PropType::String).doc("Version of the package object, for a versioned bucket."),
        prop("image_uri", PropType::String).doc("URI of the container image in ECR (Image)."),
        prop("runtime", PropType::String).doc("Runtime identifier (python3.12, nodejs20.x...); Zip only."),
        prop("handler", PropType::String).doc("Entry point, e.g. app.handler; Zip only."),
        prop("memory_size", PropType::Int).range(128.0, 10240.0).doc("Memory in MB, 128 to 10240 (default 128)."),
        prop("timeout", PropType::Int).range(1.0, 900.0).doc("Seconds a run may last, 1 to 900 (default 3)."),
        prop("environment", STRING_MAP).doc("Environment variables."),
        prop("vpc_config", VPC_CONFIG).doc("Network placement in a VPC; interfaces take minutes to make and release."),
        prop("architectures", PropType::List(&PropType::Enum(&["x86_64", "arm64"])))
            .doc("One instruction set architecture (default [x86_64]); changed with the code."),
        prop("description", PropType::String).doc("Description."),
        prop("layers", STRINGS).doc("Layer version ARNs, in order."),
    ],
    attributes: &[
        attr("id", PropType::String, "The function name."),
        attr("arn", PropType::String, "The function ARN."),
        attr("qualified_arn", PropType::String, "The ARN of the version last deployed (`$LATEST`)."),
        attr("version", PropType::String, "The version last deployed (`$LATEST`)."),
        attr("invoke_arn", PropType::String, "The ARN API Gateway invokes the function with."),
    ],
    taggable: true,
    has_readiness: true,
};
