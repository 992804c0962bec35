"""DynamoDB tables, as the AWS API reference describes them.

moto 5.2 ignores a table's class: ``CreateTable`` and ``UpdateTable`` take
``TableClass`` (``STANDARD`` or ``STANDARD_INFREQUENT_ACCESS``) and
``DescribeTable`` reports it as ``TableClassSummary.TableClass``
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableClassSummary.html).
moto dropped it, so a table made with the infrequent-access class read as
``STANDARD`` forever after: a difference no apply could repair. This module
keeps the class and reports it.
"""

from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler


def _keep_class(handler, name):
    wanted = handler.body.get("TableClass")
    if wanted:
        handler.dynamodb_backend.get_table(name)._stackr_table_class = wanted


def apply():
    original_create = DynamoHandler.create_table
    original_update = DynamoHandler.update_table
    original_describe = Table.describe

    def create_table(self):
        out = original_create(self)
        _keep_class(self, self.body["TableName"])
        return out

    def update_table(self):
        out = original_update(self)
        _keep_class(self, self.body["TableName"])
        return out

    def describe(self, base_key="TableDescription"):
        out = original_describe(self, base_key)
        wanted = getattr(self, "_stackr_table_class", None)
        if wanted and base_key in out:
            out[base_key]["TableClassSummary"] = {"TableClass": wanted}
        return out

    DynamoHandler.create_table = create_table
    DynamoHandler.update_table = update_table
    Table.describe = describe
