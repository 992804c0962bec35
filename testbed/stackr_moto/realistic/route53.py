"""Route 53 at AWS's pace (realistic mode).

- Changes propagate: every answer that carries a ChangeInfo
  (ChangeResourceRecordSets, CreateHostedZone, DeleteHostedZone,
  Associate/DisassociateVPCWithHostedZone) gives a change of its own, with
  Status ``PENDING``; GetChange shows it ``PENDING``, then ``INSYNC`` once
  a drawn 30-60 AWS seconds have passed. A change id this server never gave
  is ``NoSuchChange`` (HTTP 404). moto answered ``INSYNC`` at once, with
  the same id for every change, and for any id.
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeInfo.html
- A change batch is checked whole, in order, against the zone's record
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

``synced_at(account, name, value)`` tells ACM since when a CNAME record
has been served everywhere (its change INSYNC): ACM validates only then.
"""

import random
import string
import threading

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.route53 import models, responses
from moto.route53.exceptions import InvalidInput, Route53ClientError

from . import clock

# How long a change takes to reach every Route 53 name server (AWS s).
INSYNC = (30, 60)

_lock = threading.Lock()
# change id -> _Change
_changes = {}
# (account, zone id, record key) -> the _Change that last wrote that record set
_writers = {}


class NoSuchChange(Route53ClientError):
    def __init__(self, change_id):
        super().__init__("NoSuchChange", f"A change with the specified change ID does not exist: {change_id}")


class InvalidChangeBatch(Route53ClientError):
    """AWS lists every failed change of the batch, in brackets."""

    def __init__(self, messages):
        super().__init__("InvalidChangeBatch", "[" + ", ".join(messages) + "]")


class _Change:
    def __init__(self, account, comment=None):
        self.id = "C" + "".join(random.choices(string.ascii_uppercase + string.digits, k=20))
        self.account = account
        self.comment = comment
        self.submitted = utcnow()
        self.phase = clock.Phase(f"route53-change:{self.id}", *INSYNC)

    def info(self):
        info = {
            "Id": f"/change/{self.id}",
            "Status": "INSYNC" if self.phase.done() else "PENDING",
            "SubmittedAt": self.submitted,
        }
        if self.comment:
            info["Comment"] = self.comment
        return info


def _new_change(account, comment=None):
    change = _Change(account, comment)
    with _lock:
        _changes[change.id] = change
    return change


# --- record sets as Route 53 compares them -----------------------------------


def _name(name):
    """Route 53 compares names in lower case, without the final dot, ``\\052`` as ``*``."""
    return (name or "").rstrip(".").lower().replace("\\052", "*")


def _key(rrset):
    """A record set's identity: name, type and set identifier."""
    return (_name(rrset.get("Name")), rrset.get("Type"), rrset.get("SetIdentifier"))


def _ttl(value):
    return None if value is None else int(value)


def _alias(alias):
    if not alias:
        return None
    health = str(alias.get("EvaluateTargetHealth", False)).lower() == "true"
    return (_name(alias.get("DNSName")), alias.get("HostedZoneId"), health)


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
    live = {(_name(r.name), r.type, r.set_identifier): _values_live(r) for r in zone.rrsets}
    failed = []
    for change in changes:
        action, rrset = change.get("Action"), change.get("ResourceRecordSet") or {}
        key = _key(rrset)
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


# --- who wrote what, for ACM -------------------------------------------------


def _note_writes(account, zone_id, changes, change):
    with _lock:
        for item in changes:
            key = (account, zone_id, _key(item.get("ResourceRecordSet") or {}))
            if item.get("Action") == "DELETE":
                _writers.pop(key, None)
            else:
                _writers[key] = change


def synced_at(account, name, value):
    """When (``clock.now()`` time) a CNAME ``name`` → ``value`` of a hosted
    zone of ``account`` became INSYNC (possibly in the future); ``None``
    when there is no such record. A record not written through this server's
    API counts as in sync since ever."""
    name, value = _name(name), _name(value)
    backend = models.route53_backends[account]["aws"]
    best = None
    for zone in list(backend.zones.values()):
        for rrset in list(zone.rrsets):
            if rrset.type != "CNAME" or _name(rrset.name) != name:
                continue
            if value not in {_name(v) for v in rrset.records or []}:
                continue
            with _lock:
                change = _writers.get((account, zone.id, (name, "CNAME", rrset.set_identifier)))
            at = change.phase.ends if change else 0.0
            best = at if best is None else min(best, at)
    return best


# --- the patches -------------------------------------------------------------


def _answers_with_new_change(moto_method):
    """Wraps a response method whose answer has a ChangeInfo: the answer
    gets a change of its own, PENDING until it is INSYNC."""

    def method(self):
        result = moto_method(self)
        info = result.result.get("ChangeInfo")
        if info is not None:
            change = _new_change(self.current_account, info.get("Comment"))
            result.result["ChangeInfo"] = change.info()
        return result

    method.__name__ = moto_method.__name__
    return method


def _patch_change_resource_record_sets():
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

    moto_response = responses.Route53.change_resource_record_sets

    def respond(self):
        zone_id = self.backend.get_hosted_zone(self._get_param("HostedZoneId")).id
        result = moto_response(self)
        change = _new_change(self.current_account, self._get_param("ChangeBatch.Comment"))
        _note_writes(self.current_account, zone_id, self._get_param("ChangeBatch.Changes") or [], change)
        result.result["ChangeInfo"] = change.info()
        return result

    responses.Route53.change_resource_record_sets = respond


def _patch_get_change():
    def get_change(self):
        change_id = (self._get_param("Id") or "").rsplit("/", 1)[-1]
        with _lock:
            change = _changes.get(change_id)
        if change is None or change.account != self.current_account:
            raise NoSuchChange(change_id)
        return ActionResult({"ChangeInfo": change.info()})

    responses.Route53.get_change = get_change


def apply():
    _patch_change_resource_record_sets()
    for name in (
        "create_hosted_zone",
        "delete_hosted_zone",
        "associate_vpc_with_hosted_zone",
        "disassociate_vpc_from_hosted_zone",
    ):
        setattr(responses.Route53, name, _answers_with_new_change(getattr(responses.Route53, name)))
    _patch_get_change()
