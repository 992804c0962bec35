"""A DynamoDB table's class is kept and reported
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableClassSummary.html),
at create and after UpdateTable."""

from .realistic_base import RealisticCase


class TableClassTest(RealisticCase):
    REALISTIC = False

    def test_class_is_reported(self):
        ddb = self.client("dynamodb")
        ddb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            TableClass="STANDARD_INFREQUENT_ACCESS",
        )
        table = ddb.describe_table(TableName="t")["Table"]
        self.assertEqual(table["TableClassSummary"]["TableClass"], "STANDARD_INFREQUENT_ACCESS")
        ddb.update_table(TableName="t", TableClass="STANDARD")
        table = ddb.describe_table(TableName="t")["Table"]
        self.assertEqual(table["TableClassSummary"]["TableClass"], "STANDARD")
