"""SQS: SetQueueAttributes changes only the attributes it is given."""

import json

from .realistic_base import RealisticCase


class SetAttributesKeepsTheOthers(RealisticCase):
    """SetQueueAttributes changes only the attributes it is given."""

    REALISTIC = False

    def test_the_policy_outlives_a_change_of_another_attribute(self):
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName="kept-policy")["QueueUrl"]
        policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}]}'
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5"})
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual((json.loads(got["Policy"]), got["VisibilityTimeout"]), (json.loads(policy), "5"))
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertNotIn("Policy", got)
