"""WAFv2 in realistic mode: what was just made is not usable at once, and
what is in use cannot go.

- A web ACL or rule group whose rules reference an IP set, regex pattern
  set or rule group made less than a drawn 5–30 AWS s ago is refused with
  WAFUnavailableEntityException (HTTP 400), on CreateWebACL / UpdateWebACL
  (https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html#API_CreateWebACL_Errors,
  https://docs.aws.amazon.com/waf/latest/APIReference/API_UpdateWebACL.html#API_UpdateWebACL_Errors:
  "If you've just created a resource that you're using in this operation,
  you might just need to wait ... for changes to propagate") and on
  CreateRuleGroup / UpdateRuleGroup. Web ACLs get the same window;
  ``entity_available(arn)`` lets other modules (e.g. CloudFront taking a
  WebACLId) ask.
- DeleteWebACL of a web ACL associated with a resource (AssociateWebACL)
  fails with WAFAssociatedItemException
  (https://docs.aws.amazon.com/waf/latest/APIReference/API_DeleteWebACL.html:
  "Before deleting any web ACL, first disassociate it from all resources").
  The default wafv2.py covers a CloudFront distribution's WebACLId.
- DeleteRuleGroup of a rule group a web ACL references, and DeleteIPSet /
  DeleteRegexPatternSet of one a rule group references, fail with
  WAFAssociatedItemException
  (https://docs.aws.amazon.com/waf/latest/APIReference/API_DeleteRuleGroup.html#API_DeleteRuleGroup_Errors,
  https://docs.aws.amazon.com/waf/latest/APIReference/API_DeleteIPSet.html#API_DeleteIPSet_Errors).
  The default wafv2.py covers an IP set a web ACL references.
- A stale LockToken on Update/Delete of a web ACL, IP set, rule group or
  regex pattern set fails with WAFOptimisticLockException
  (https://docs.aws.amazon.com/waf/latest/APIReference/API_UpdateWebACL.html#API_UpdateWebACL_Errors):
  moto 5.2 already does this; nothing is added.
"""

import inspect
import json
import threading

from moto.wafv2 import models, responses
from moto.wafv2.exceptions import WAFv2ClientError

from .. import wafv2 as default
from . import clock

# AWS seconds before a new entity can be referenced.
PROPAGATION = (5, 30)

_lock = threading.Lock()
_fresh = {}  # ARN -> clock.Phase of its propagation


class WAFUnavailableEntityException(WAFv2ClientError):
    def __init__(self):
        super().__init__(
            "WAFUnavailableEntityException",
            "AWS WAF couldn’t retrieve a resource that you specified for this operation. "
            "If you've just created a resource that you're using in this operation, you might just need "
            "to wait a few minutes. It can take from a few seconds to a number of minutes for changes to "
            "propagate. Verify the resources that you are specifying in your request parameters and then "
            "retry the operation.",
        )


def entity_available(arn):
    """Whether the WAF entity of that ARN has propagated (unknown ARNs have)."""
    with _lock:
        phase = _fresh.get(arn)
        if phase is not None and phase.done():
            del _fresh[arn]
            phase = None
    return phase is None


def _strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _refuse_fresh_references(method):
    """The rules of the request may reference only entities that have propagated."""
    original = getattr(responses.WAFV2Response, method)

    def wrapped(self):
        rules = json.loads(self.body or "{}").get("Rules")
        if not all(entity_available(s) for s in _strings(rules)):
            raise WAFUnavailableEntityException()
        return original(self)

    setattr(responses.WAFV2Response, method, wrapped)


def _born_fresh(method):
    """A created entity starts its propagation window."""
    original = getattr(models.WAFV2Backend, method)

    def wrapped(self, *args, **kwargs):
        entity = original(self, *args, **kwargs)
        with _lock:
            _fresh[entity.arn] = clock.Phase(f"wafv2:{entity.arn}:propagate", *PROPAGATION)
        return entity

    setattr(models.WAFV2Backend, method, wrapped)


def _referenced(backend, arn):
    """Whether a web ACL's or rule group's rule mentions ``arn``."""
    holders = list(backend.wacls.values()) + list(backend.rule_groups.values())
    return any(default._mentions(rule.statement, arn) for holder in holders for rule in holder.rules)


def _refuse_delete_while_referenced(method, make_arn):
    original = getattr(models.WAFV2Backend, method)
    signature = inspect.signature(original)

    def wrapped(self, *args, **kwargs):
        a = signature.bind(self, *args, **kwargs).arguments
        ident = a["id"] if "id" in a else a["_id"]
        arn = make_arn(
            name=a["name"], account_id=self.account_id, region_name=self.region_name, _id=ident, scope=a["scope"]
        )
        if _referenced(self, arn):
            raise default.WAFAssociatedItemException()
        return original(self, *args, **kwargs)

    setattr(models.WAFV2Backend, method, wrapped)


def _refuse_deleting_associated_web_acl():
    original = models.WAFV2Backend.delete_web_acl

    def delete_web_acl(self, name, scope, _id, lock_token):
        arn = models.make_arn_for_wacl(
            name=name, account_id=self.account_id, region_name=self.region_name, _id=_id, scope=scope
        )
        acl = self.wacls.get(arn)
        if acl is not None and acl.associated_resources:
            raise default.WAFAssociatedItemException()
        return original(self, name, scope, _id, lock_token)

    models.WAFV2Backend.delete_web_acl = delete_web_acl


def apply():
    for method in ("create_ip_set", "create_regex_pattern_set", "create_rule_group", "create_web_acl"):
        _born_fresh(method)
    for method in ("create_web_acl", "update_web_acl", "create_rule_group", "update_rule_group"):
        _refuse_fresh_references(method)
    _refuse_deleting_associated_web_acl()
    _refuse_delete_while_referenced("delete_rule_group", models.make_arn_for_rule_group)
    _refuse_delete_while_referenced("delete_ip_set", models.make_arn_for_ip_set)
    _refuse_delete_while_referenced("delete_regex_pattern_set", models.make_arn_for_regex_pattern_set)
