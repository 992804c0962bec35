"""Route 53 record sets as AWS checks them (default mode; realistic mode
adds the changes' PENDING -> INSYNC on top, ``realistic/route53.py``).

A change batch is checked whole, in order, against the zone's record
sets (name, type and set identifier), and refused as a whole with
``InvalidChangeBatch`` (HTTP 400) listing every failed change, AWS's
wording:
CREATE of a record set that exists: "Tried to create resource record set
[name='www.example.com.', type='A'] but it already exists";
DELETE of one that does not: "... but it was not found";
DELETE with other values (TTL, records or alias target) than the
current ones: "... but the values provided do not match the current
values". moto looked only at its journal of past changes, so it accepted
a CREATE over an existing record set with other values (making a
duplicate), refused re-creating a deleted one, accepted deleting a record
set twice, and refused a mismatched DELETE as ``InvalidInput``.
https://docs.aws.amazon.com/Route53/latest/APIReference/API_Change.html
(CREATE "creates a resource record set that has the specified values";
DELETE "deletes an existing resource record set that has the specified
values"; "To delete a resource record set, you must specify all the same
values that you specified when you created it", ChangeResourceRecordSets).

"""

from moto.route53 import models
from moto.route53.exceptions import InvalidInput, Route53ClientError


class InvalidChangeBatch(Route53ClientError):
    """AWS lists every failed change of the batch, in brackets."""

    def __init__(self, messages):
        super().__init__("InvalidChangeBatch", "[" + ", ".join(messages) + "]")


def name_key(name):
    """Route 53 compares names in lower case, without the final dot, ``\\052`` as ``*``."""
    return (name or "").rstrip(".").lower().replace("\\052", "*")


def record_key(rrset):
    """A record set's identity: name, type and set identifier."""
    return (name_key(rrset.get("Name")), rrset.get("Type"), rrset.get("SetIdentifier"))


def _ttl(value):
    return None if value is None else int(value)


def _alias(alias):
    if not alias:
        return None
    health = str(alias.get("EvaluateTargetHealth", False)).lower() == "true"
    return (name_key(alias.get("DNSName")), alias.get("HostedZoneId"), health)


def _values_asked(rrset):
    """The values a change names: (TTL, sorted record values, alias)."""
    records = sorted(r["Value"] if isinstance(r, dict) else r for r in rrset.get("ResourceRecords") or [])
    return (_ttl(rrset.get("TTL")), records, _alias(rrset.get("AliasTarget")))


def _values_live(rrset):
    """The values of one of moto's record sets, as ``_values_asked`` gives them."""
    return (_ttl(rrset.ttl), sorted(rrset.records or []), _alias(rrset.alias_target))


def _has_values(rrset):
    return bool(rrset.get("AliasTarget")) or ("TTL" in rrset and rrset.get("ResourceRecords"))


def _describe(key):
    name, kind, set_id = key
    described = f"[name='{name}.', type='{kind}'"
    if set_id is not None:
        described += f", set-identifier='{set_id}'"
    return described + "]"


def _check_batch(zone, changes):
    """Refuses the batch as AWS would: each change against the record sets
    as the changes before it in the batch leave them."""
    live = {(name_key(r.name), r.type, r.set_identifier): _values_live(r) for r in zone.rrsets}
    failed = []
    for change in changes:
        action, rrset = change.get("Action"), change.get("ResourceRecordSet") or {}
        key = record_key(rrset)
        if action == "CREATE":
            if key in live:
                failed.append(f"Tried to create resource record set {_describe(key)} but it already exists")
            live[key] = _values_asked(rrset)
        elif action == "UPSERT":
            live[key] = _values_asked(rrset)
        elif action == "DELETE":
            if not _has_values(rrset):
                # moto's own wording for a DELETE without values.
                raise InvalidInput(
                    "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], "
                    "or TrafficPolicyInstanceId], but found none in Change with [Action=DELETE, "
                    f"Name={rrset.get('Name')}, Type={rrset.get('Type')}, "
                    f"SetIdentifier={rrset.get('SetIdentifier', 'null')}]"
                )
            if key not in live:
                failed.append(f"Tried to delete resource record set {_describe(key)} but it was not found")
            elif live[key] != _values_asked(rrset):
                failed.append(
                    f"Tried to delete resource record set {_describe(key)} "
                    "but the values provided do not match the current values"
                )
            live.pop(key, None)
    if failed:
        raise InvalidChangeBatch(failed)


def apply():
    moto_change = models.Route53Backend.change_resource_record_sets

    def change_resource_record_sets(self, zoneid, change_list):
        zone = self.get_hosted_zone(zoneid)
        _check_batch(zone, change_list)
        return moto_change(self, zoneid, change_list)

    models.Route53Backend.change_resource_record_sets = change_resource_record_sets

    # moto's own checks look at its journal of past changes, not at the
    # zone: _check_batch has checked the batch against the zone, so they
    # would only refuse what AWS accepts (re-creating a deleted record set,
    # deleting with the values listed in another order).
    models.ChangeList.__contains__ = lambda self, item: False
    models.ChangeList.has_insert_or_update = lambda self, rrset: True
