"""A DynamoDB stream turned off can be turned on again, and the refusals
are AWS's (ValidationException)
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html)."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class StreamsTest(RealisticCase):
    REALISTIC = False

    def test_a_stream_turned_off_turns_on_again(self):
        ddb = self.client("dynamodb")
        ddb.create_table(
            TableName="s",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        )
        with self.assertRaises(ClientError) as e:
            ddb.update_table(TableName="s", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        self.assertEqual(e.exception.response["Error"]["Code"], "ValidationException")
        ddb.update_table(TableName="s", StreamSpecification={"StreamEnabled": False})
        with self.assertRaises(ClientError) as e:
            ddb.update_table(TableName="s", StreamSpecification={"StreamEnabled": False})
        self.assertEqual(e.exception.response["Error"]["Code"], "ValidationException")
        ddb.update_table(TableName="s", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        spec = ddb.describe_table(TableName="s")["Table"]["StreamSpecification"]
        self.assertEqual(spec, {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
