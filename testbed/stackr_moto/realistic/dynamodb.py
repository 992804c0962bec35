"""DynamoDB tables at AWS's pace (realistic mode).

moto makes a table ``ACTIVE`` at once, creates and deletes indexes before
UpdateTable returns and forgets a table the instant it is deleted. AWS
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html,
TableStatus and IndexStatus):

- A new table is ``CREATING``, with its global secondary indexes, for a
  drawn 5-30 AWS seconds, then ``ACTIVE``.
  https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
- UpdateTable puts the table in ``UPDATING`` for a drawn 5-30 AWS seconds;
  an index it creates is ``CREATING`` (backfilling) for a drawn 1-5 AWS
  minutes, the table ``ACTIVE`` again meanwhile. AWS takes one index
  creation or deletion per call and refuses UpdateTable while the table
  is not ``ACTIVE`` or an index is being built: ``ResourceInUseException``
  (HTTP 400, "Attempt to change a resource which is still in use").
  https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
- UpdateTimeToLive is refused the same way while the table is not
  ``ACTIVE`` (its errors list ResourceInUseException).
  https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html
- DeleteTable is refused with ``ResourceInUseException`` while the table
  is ``CREATING`` or ``UPDATING`` ("tried to delete a table currently in
  the CREATING state"); accepted, the table is listed ``DELETING`` for a
  drawn 5-20 AWS seconds, its name still taken (CreateTable answers
  ``ResourceInUseException``), then DescribeTable answers
  ``ResourceNotFoundException``.
  https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteTable.html
"""

import threading

from moto.dynamodb.exceptions import ResourceInUseException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

from . import clock
from .._util import wrap_method as _wrap

# Drawn durations, in AWS seconds.
CREATING = (5, 30)
UPDATING = (5, 30)
INDEX_CREATING = (60, 300)
DELETING = (5, 20)

_lock = threading.RLock()


def _phase(key, span):
    return clock.Phase(key, *span)


def _table_phase(table):
    """``CREATING`` / ``UPDATING`` / ``DELETING`` while that phase lasts, else None."""
    return clock.current(table)


def _building(table):
    """Names of the indexes still being built."""
    phases = table.__dict__.get("_stackr_index_phases", {})
    return sorted(name for name, phase in phases.items() if not phase.done())


def _start(table, status, span):
    return clock.begin(table, f"dynamodb:{table.table_arn}", status, span)


def _deleting(backend):
    """Tables deleted and still ``DELETING``: name -> (description, Phase)."""
    if not hasattr(backend, "_stackr_deleting"):
        backend._stackr_deleting = {}
    gone = [name for name, (_, phase) in backend._stackr_deleting.items() if phase.done()]
    for name in gone:
        backend._stackr_deleting.pop(name)
    return backend._stackr_deleting


def _in_use(table, what):
    status = _table_phase(table)
    if status == "CREATING":
        raise ResourceInUseException(f"Attempt to change a resource which is still in use: Table is being created: {table.name}")
    if status == "UPDATING":
        raise ResourceInUseException(f"Attempt to change a resource which is still in use: Table is being updated: {table.name}")
    building = _building(table)
    if building and what == "update":
        raise ResourceInUseException(
            f"Attempt to change a resource which is still in use: Index is being created: {', '.join(building)}"
        )


def apply():
    @_wrap(Table, "describe")
    def describe(original, self, base_key="TableDescription"):
        out = original(self, base_key)
        body = out.get(base_key, {})
        status = _table_phase(self)
        if status:
            body["TableStatus"] = status
        building = set(_building(self))
        for index in body.get("GlobalSecondaryIndexes", []):
            if status == "CREATING" or index.get("IndexName") in building:
                index["IndexStatus"] = "CREATING"
                if index.get("IndexName") in building:
                    index["Backfilling"] = True
        return out

    @_wrap(DynamoDBBackend, "create_table")
    def create_table(original, self, name, **kwargs):
        with _lock:
            if name in _deleting(self):
                raise ResourceInUseException(f"Table already exists: {name}")
            table = original(self, name, **kwargs)
            _start(table, "CREATING", CREATING)
            return table

    @_wrap(DynamoDBBackend, "update_table")
    def update_table(original, self, name, *args, **kwargs):
        with _lock:
            table = self.get_table(name)
            _in_use(table, "update")
            before = {i.name for i in table.global_indexes}
            out = original(self, name, *args, **kwargs)
            _start(table, "UPDATING", UPDATING)
            made = {i.name for i in table.global_indexes} - before
            phases = table.__dict__.setdefault("_stackr_index_phases", {})
            for index in made:
                phases[index] = _phase(f"dynamodb:{table.table_arn}:index:{index}", INDEX_CREATING)
            return out

    @_wrap(DynamoDBBackend, "update_time_to_live")
    def update_time_to_live(original, self, table_name, ttl_spec):
        with _lock:
            _in_use(self.get_table(table_name), "ttl")
            return original(self, table_name, ttl_spec)

    @_wrap(DynamoDBBackend, "delete_table")
    def delete_table(original, self, name):
        with _lock:
            if name in _deleting(self):
                raise ResourceInUseException(f"Attempt to change a resource which is still in use: Table is being deleted: {name}")
            table = self.get_table(name)
            status = {"CREATING": "created", "UPDATING": "updated"}.get(_table_phase(table))
            if status:
                raise ResourceInUseException(
                    f"Attempt to change a resource which is still in use: Table is being {status}: {name}"
                )
            table = original(self, name)
            phase = _start(table, "DELETING", DELETING)
            _deleting(self)[name] = (table.describe(base_key="Table"), phase)
            return table

    @_wrap(DynamoDBBackend, "describe_table")
    def describe_table(original, self, name):
        with _lock:
            deleting = _deleting(self).get(name)
        if deleting is not None:
            return deleting[0]
        return original(self, name)
