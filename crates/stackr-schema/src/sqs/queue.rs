use crate::prelude::*;

const REDRIVE: PropType = PropType::Object(&[
    prop("dead_letter_target_arn", PropType::String)
        .required()
        .doc("ARN of the dead-letter queue (a FIFO queue's must be FIFO too), e.g. ${dlq.arn}."),
    prop("max_receive_count", PropType::Int)
        .required()
        .range(1.0, 1000.0)
        .doc("Receives before a message moves to the dead-letter queue (1 to 1000)."),
]);

pub const QUEUE: TypeSchema = TypeSchema {
    kind: "aws.sqs.queue",
    role: Role::Resource,
    doc: "An SQS queue, standard or FIFO (CreateQueue; read with GetQueueAttributes and ListQueueTags; \
          changed with SetQueueAttributes, TagQueue, UntagQueue; DeleteQueue). The id is the queue URL. \
          AWS refuses to create a queue with the name of one deleted less than 60 seconds ago \
          (QueueDeletedRecently): a replacement that re-uses a name waits that out. Attribute changes \
          take up to 60 seconds to show in reads (15 minutes for the retention period); an apply waits \
          up to a minute for them, then leaves the rest to the next plan.",
    properties: &[
        prop("name", PropType::String).unique(Unique::Region).required().replaces().text(1, 80, "A-Za-z0-9_.-").doc(
            "Queue name: 1 to 80 letters, digits, hyphens, underscores; a FIFO queue's ends in `.fifo` \
             (and only a FIFO queue's).",
        ),
        prop("fifo_queue", PropType::Bool).replaces().doc("A FIFO queue (exactly-once, ordered); default false."),
        prop("content_based_deduplication", PropType::Bool)
            .doc("FIFO only: deduplicate on a SHA-256 of the body when no deduplication id is sent."),
        prop("visibility_timeout_seconds", PropType::Int).range(0.0, 43200.0).doc("0 to 43200; default 30."),
        prop("message_retention_seconds", PropType::Int)
            .range(60.0, 1209600.0)
            .doc("60 to 1209600 (14 days); default 345600 (4 days)."),
        prop("delay_seconds", PropType::Int).range(0.0, 900.0).doc("0 to 900; default 0."),
        prop("max_message_size", PropType::Int)
            .range(1024.0, 1048576.0)
            .doc("Bytes, 1024 to 262144 (or 1048576 where AWS allows it)."),
        prop("receive_wait_time_seconds", PropType::Int).range(0.0, 20.0).doc("Long polling, 0 to 20; default 0."),
        prop("redrive_policy", REDRIVE).doc("Where messages go after failing `max_receive_count` receives."),
        prop("sqs_managed_sse_enabled", PropType::Bool)
            .doc("Encryption with SQS-owned keys (SSE-SQS); AWS's default for new queues."),
        prop("kms_master_key_id", PropType::String).doc("KMS key (id, ARN or alias) for SSE-KMS, e.g. alias/aws/sqs."),
        prop("kms_data_key_reuse_period_seconds", PropType::Int)
            .range(60.0, 86400.0)
            .doc("SSE-KMS: seconds a data key is reused, 60 to 86400; default 300."),
        prop("policy", PropType::Json)
            .policy()
            .doc("The queue's access policy (an IAM policy document), compared as a document."),
    ],
    attributes: &[
        attr("id", PropType::String, "The queue URL."),
        attr("url", PropType::String, "The queue URL (what SendMessage and ReceiveMessage take)."),
        attr("arn", PropType::String, "The queue ARN (what policies, redrive policies and SNS take)."),
        attr("name", PropType::String, "The queue name."),
    ],
    taggable: true,
    has_readiness: false,
};
