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
- Record sets are checked as AWS checks them in the default mode too
  (``stackr_moto.route53``: CREATE of an existing record set refused).

``synced_at(account, name, value)`` tells ACM since when a CNAME record
has been served everywhere (its change INSYNC): ACM validates only then.
"""

import random
import string
import threading

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.route53 import models, responses
from moto.route53.exceptions import Route53ClientError

from . import clock
from ..route53 import name_key as _name
from ..route53 import record_key as _key

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
