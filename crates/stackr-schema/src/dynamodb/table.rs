use crate::prelude::*;

const ATTRIBUTE: PropType = PropType::Object(&[
    prop("name", PropType::String).required().doc("Attribute name."),
    prop("type", PropType::Enum(&["S", "N", "B"])).required().doc("S (string), N (number) or B (binary)."),
]);

const GSI: PropType = PropType::Object(&[
    prop("name", PropType::String).required().doc("Index name."),
    prop("hash_key", PropType::String).required().doc("Partition key attribute."),
    prop("range_key", PropType::String).doc("Sort key attribute."),
    prop("projection_type", PropType::Enum(&["ALL", "KEYS_ONLY", "INCLUDE"]))
        .doc("What the index holds (default ALL)."),
    prop("non_key_attributes", STRINGS).doc("Attributes projected with INCLUDE."),
    prop("read_capacity", PropType::Int).at_least(1.0).doc("Read capacity units (PROVISIONED)."),
    prop("write_capacity", PropType::Int).at_least(1.0).doc("Write capacity units (PROVISIONED)."),
]);

const TTL: PropType = PropType::Object(&[
    prop("attribute_name", PropType::String).doc("Attribute holding each item's expiry (epoch seconds)."),
    prop("enabled", PropType::Bool).required().doc("Whether expired items are deleted."),
]);

pub const TABLE: TypeSchema = TypeSchema {
    kind: "aws.dynamodb.table",
    role: Role::Resource,
    doc: "A DynamoDB table (CreateTable; DescribeTable, DescribeTimeToLive, DescribeContinuousBackups, \
          ListTagsOfResource to read; UpdateTable, UpdateTimeToLive, UpdateContinuousBackups, TagResource, \
          UntagResource; DeleteTable). Ready once the table and every index are ACTIVE. AWS refuses changes \
          while the table or an index is not ACTIVE (ResourceInUseException, retried) and takes one index \
          creation or deletion per UpdateTable, each for minutes: index changes are applied one at a time, \
          waiting in between. UpdateTimeToLive may change a table's TTL only once an hour. Deletion goes \
          through DELETING; a table with deletion protection on is refused before the run starts.",
    properties: &[
        prop("name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .text(3, 255, "A-Za-z0-9_.-")
            .doc("The table name."),
        prop("hash_key", PropType::String).required().replaces().doc("Partition key attribute."),
        prop("range_key", PropType::String).replaces().doc("Sort key attribute."),
        prop("attributes", PropType::List(&ATTRIBUTE))
            .required()
            .doc("Key attributes of the table and its indexes, with their types (kept in name order)."),
        prop("billing_mode", PropType::Enum(&["PAY_PER_REQUEST", "PROVISIONED"]))
            .doc("On-demand or provisioned capacity (default PROVISIONED, as AWS)."),
        prop("read_capacity", PropType::Int).at_least(1.0).doc("Read capacity units (PROVISIONED)."),
        prop("write_capacity", PropType::Int).at_least(1.0).doc("Write capacity units (PROVISIONED)."),
        prop("global_secondary_indexes", PropType::List(&GSI))
            .doc("Global secondary indexes (kept in name order); each added or removed one takes minutes."),
        prop("ttl", TTL).doc("Time to live (UpdateTimeToLive; once an hour at most)."),
        prop("point_in_time_recovery", PropType::Bool).doc("Continuous backups (UpdateContinuousBackups)."),
        prop("stream_enabled", PropType::Bool).doc("Whether DynamoDB Streams records changes."),
        prop("stream_view_type", PropType::Enum(&["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]))
            .doc("What each stream record holds."),
        prop("deletion_protection_enabled", PropType::Bool).doc("Refuse DeleteTable while on."),
        prop("table_class", PropType::Enum(&["STANDARD", "STANDARD_INFREQUENT_ACCESS"]))
            .doc("Storage class (default STANDARD)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The table name."),
        attr("arn", PropType::String, "The table ARN."),
        attr("stream_arn", PropType::String, "The latest stream's ARN, when streams are on."),
    ],
    taggable: true,
    has_readiness: true,
};
