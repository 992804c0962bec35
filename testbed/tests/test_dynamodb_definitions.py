"""A table defines only its key attributes and its indexes': an attribute
defined for an index goes with the index
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html,
AttributeDefinitions)."""

from .realistic_base import RealisticCase


class DefinitionsTest(RealisticCase):
    REALISTIC = False

    def test_an_index_attribute_goes_with_its_index(self):
        ddb = self.client("dynamodb")
        ddb.create_table(
            TableName="d",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "status", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-status",
                    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
        names = lambda: [a["AttributeName"] for a in ddb.describe_table(TableName="d")["Table"]["AttributeDefinitions"]]
        self.assertEqual(sorted(names()), ["pk", "status"])
        ddb.update_table(TableName="d", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-status"}}])
        self.assertEqual(names(), ["pk"])
