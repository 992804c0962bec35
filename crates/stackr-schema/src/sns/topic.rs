use crate::prelude::*;

pub const TOPIC: TypeSchema = TypeSchema {
    kind: "aws.sns.topic",
    role: Role::Resource,
    doc: "An SNS topic, standard or FIFO (CreateTopic; read with GetTopicAttributes and \
          ListTagsForResource; changed with SetTopicAttributes, TagResource, UntagResource; DeleteTopic). \
          The id is the topic ARN.",
    properties: &[
        prop("name", PropType::String).unique(Unique::Region).required().replaces().text(1, 256, "A-Za-z0-9_.-").doc(
            "Topic name: 1 to 256 letters, digits, hyphens, underscores; a FIFO topic's ends in `.fifo` \
             (and only a FIFO topic's).",
        ),
        prop("fifo_topic", PropType::Bool).replaces().doc("A FIFO topic (ordered, deduplicated); default false."),
        prop("content_based_deduplication", PropType::Bool)
            .doc("FIFO only: deduplicate on a SHA-256 of the body when no deduplication id is sent."),
        prop("display_name", PropType::String)
            .text(0, 100, "")
            .doc("Sender name of SMS and email notifications (up to 100 characters)."),
        prop("kms_master_key_id", PropType::String).doc("KMS key (id, ARN or alias) for server-side encryption."),
        prop("policy", PropType::Json)
            .policy()
            .doc("The topic's access policy (an IAM policy document), compared as a document."),
        prop("delivery_policy", PropType::Json).doc("Retry policy of HTTP/S deliveries (a JSON document)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The topic ARN."),
        attr("arn", PropType::String, "The topic ARN."),
        attr("name", PropType::String, "The topic name."),
    ],
    taggable: true,
    has_readiness: false,
};
