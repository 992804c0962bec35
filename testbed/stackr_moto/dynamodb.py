"""DynamoDB tables, as the AWS API reference describes them.

moto 5.2 ignores a table's class: ``CreateTable`` and ``UpdateTable`` take
``TableClass`` (``STANDARD`` or ``STANDARD_INFREQUENT_ACCESS``) and
``DescribeTable`` reports it as ``TableClassSummary.TableClass``
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableClassSummary.html).
moto dropped it, so a table made with the infrequent-access class read as
``STANDARD`` forever after: a difference no apply could repair. This module
keeps the class and reports it.

Streams (UpdateTable ``StreamSpecification``): "You receive a
ValidationException if you try to enable a stream on a table that already
has a stream, or if you try to disable a stream on a table that doesn't
have a stream." A stream turned off can be turned on again (a new stream,
a new label). moto refused that for good (``ResourceInUseException``,
"Cannot enable stream": it never forgets the last stream's label), so a
table's stream could not be turned back on, nor its view type changed.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html

Attribute definitions name only key attributes ("AttributeDefinitions: An
array of attributes that describe the key schema for the table and
indexes", API_CreateTable.html): DynamoDB keeps those of the table's key
and of its current indexes, so an attribute defined only for an index goes
with the index. moto kept every definition ever given, so a table whose
index was deleted read as still defining the attribute: a difference no
apply could repair. This module drops the definitions no key uses
before each answer that shows them.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
"""

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler


def _keep_class(handler, name):
    wanted = handler.body.get("TableClass")
    if wanted:
        handler.dynamodb_backend.get_table(name)._stackr_table_class = wanted


def _prune_definitions(table):
    used = {k["AttributeName"] for k in table.schema}
    for index in list(table.indexes) + list(table.global_indexes):
        used |= {k["AttributeName"] for k in index.schema}
    table.attr = [a for a in table.attr if a["AttributeName"] in used]


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
        _prune_definitions(self.dynamodb_backend.get_table(self.body["TableName"]))
        return out

    def describe(self, base_key="TableDescription"):
        # Also here: the realistic mode drops a deleted index later.
        _prune_definitions(self)
        out = original_describe(self, base_key)
        wanted = getattr(self, "_stackr_table_class", None)
        if wanted and base_key in out:
            out[base_key]["TableClassSummary"] = {"TableClass": wanted}
        return out

    def update_table_streams(self, table, spec):
        enabling = bool(spec.get("StreamEnabled") or spec.get("StreamViewType"))
        enabled = bool((table.stream_specification or {}).get("StreamEnabled"))
        if enabling and enabled:
            raise MockValidationException(f"Table already has an enabled stream: {table.table_arn}")
        if not enabling and not enabled:
            raise MockValidationException(f"Table does not have a stream to disable: {table.table_arn}")
        table.set_stream_specification(spec)

    DynamoDBBackend.update_table_streams = update_table_streams
    DynamoHandler.create_table = create_table
    DynamoHandler.update_table = update_table
    Table.describe = describe
