use crate::prelude::*;

pub const SUBSCRIPTION: TypeSchema = TypeSchema {
    kind: "aws.sns.subscription",
    role: Role::Resource,
    doc: "A subscription of an endpoint to an SNS topic (Subscribe with ReturnSubscriptionArn; read with \
          GetSubscriptionAttributes; changed with SetSubscriptionAttributes; Unsubscribe). The id is the \
          subscription ARN. SNS takes no tags on subscriptions: one is identified by its topic, protocol \
          and endpoint (SNS keeps one subscription per triple), found with ListSubscriptionsByTopic. \
          Subscriptions of email, email-json, http and https endpoints wait for the endpoint's owner \
          to confirm (the link in the email, or the HTTP SubscriptionConfirmation message): until then \
          the subscription is not ready (its status reads \"pending confirmation\") and the apply waits for \
          it up to its create timeout (lifecycle.timeouts.create), then fails naming the endpoint to \
          confirm; the subscription is kept and the next apply waits again. SNS deletes subscriptions \
          left unconfirmed for 3 days. SQS, Lambda, Firehose, SMS and application endpoints of the same \
          account are confirmed at once.",
    properties: &[
        prop("topic_arn", PropType::String).required().replaces().doc("The topic, e.g. ${topic.arn}."),
        prop(
            "protocol",
            PropType::Enum(&[
                "sqs",
                "lambda",
                "https",
                "http",
                "email",
                "email-json",
                "sms",
                "application",
                "firehose",
            ]),
        )
        .required()
        .replaces()
        .doc("How messages are delivered."),
        prop("endpoint", PropType::String).required().replaces().doc(
            "Where: a queue or function ARN, an http(s) URL, an email address, a phone number (E.164), a \
             mobile endpoint ARN, a Firehose stream ARN.",
        ),
        prop("raw_message_delivery", PropType::Bool)
            .doc("sqs, http(s), firehose: deliver the message body as is, without SNS's JSON envelope."),
        prop("filter_policy", PropType::Json).doc("Which messages this subscription receives (a JSON filter policy)."),
        prop("filter_policy_scope", PropType::Enum(&["MessageAttributes", "MessageBody"]))
            .doc("What filter_policy matches; default MessageAttributes."),
        prop("redrive_policy", PropType::Json)
            .doc("Dead-letter queue of undeliverable messages: {\"deadLetterTargetArn\": \"<queue ARN>\"}."),
        prop("subscription_role_arn", PropType::String).doc("firehose: the role SNS assumes to write to the stream."),
    ],
    attributes: &[
        attr("id", PropType::String, "The subscription ARN."),
        attr("arn", PropType::String, "The subscription ARN."),
        attr("pending_confirmation", PropType::Bool, "Whether the endpoint's owner has yet to confirm it."),
    ],
    taggable: false,
    has_readiness: true,
};
