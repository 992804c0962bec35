"""Realistic DynamoDB: tables are CREATING, UPDATING and DELETING for AWS's
time, new indexes backfill, and what AWS refuses meanwhile is refused with
ResourceInUseException."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase

KEYS = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "s", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}
PLAIN = dict(KEYS, AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
INDEX = {"IndexName": "by-s", "KeySchema": [{"AttributeName": "s", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}


class TableStates(RealisticCase):
    # CREATING lasts 5-30 AWS s, an index 1-5 AWS min: at 30x, 0.2-1 s and 2-10 s.
    SCALE = 30

    def setUp(self):
        super().setUp()
        self.ddb = self.client("dynamodb")

    def status(self, name):
        try:
            return self.ddb.describe_table(TableName=name)["Table"]["TableStatus"]
        except ClientError as e:
            if e.response["Error"]["Code"] == "ResourceNotFoundException":
                return "gone"
            raise

    def indexes(self, name):
        return {i["IndexName"]: i["IndexStatus"] for i in self.ddb.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])}

    def test_creating_updating_deleting_and_refusals_meanwhile(self):
        made = self.ddb.create_table(TableName="t", GlobalSecondaryIndexes=[INDEX], **KEYS)
        self.assertEqual(made["TableDescription"]["TableStatus"], "CREATING")
        self.assertEqual(self.indexes("t"), {"by-s": "CREATING"})
        self.assertRefused("ResourceInUseException", self.ddb.delete_table, TableName="t")
        self.assertRefused("ResourceInUseException", self.ddb.update_table, TableName="t", BillingMode="PAY_PER_REQUEST")
        spec = {"Enabled": True, "AttributeName": "expires"}
        self.assertRefused("ResourceInUseException", self.ddb.update_time_to_live, TableName="t", TimeToLiveSpecification=spec)
        self.wait_until(lambda: self.status("t") == "ACTIVE", what="table active")
        self.assertEqual(self.indexes("t"), {"by-s": "ACTIVE"})

        self.ddb.update_table(TableName="t", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-s"}}])
        self.assertEqual(self.status("t"), "UPDATING")
        self.wait_until(lambda: self.status("t") == "ACTIVE", what="update done")
        self.ddb.update_table(
            TableName="t", AttributeDefinitions=KEYS["AttributeDefinitions"], GlobalSecondaryIndexUpdates=[{"Create": INDEX}]
        )
        self.wait_until(lambda: self.status("t") == "ACTIVE", what="table active again")
        self.assertEqual(self.indexes("t"), {"by-s": "CREATING"}, "the index backfills after the table is ACTIVE")
        self.assertRefused("ResourceInUseException", self.ddb.update_table, TableName="t", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-s"}}])
        self.wait_until(lambda: self.indexes("t") == {"by-s": "ACTIVE"}, what="index built")

        gone = self.ddb.delete_table(TableName="t")
        self.assertEqual(gone["TableDescription"]["TableStatus"], "DELETING")
        self.assertEqual(self.status("t"), "DELETING")
        self.assertRefused("ResourceInUseException", self.ddb.create_table, TableName="t", **PLAIN)
        self.wait_until(lambda: self.status("t") == "gone", what="table gone")
        self.ddb.create_table(TableName="t", **PLAIN)
