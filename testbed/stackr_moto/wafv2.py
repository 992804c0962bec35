"""WAFv2 as AWS documents it, where moto 5.2 differs.

- DeleteIPSet of an IP set that a web ACL's rule references (at any depth
  of its statement) fails with WAFAssociatedItemException (HTTP 400), as
  in AWS; moto deleted it.
- DeleteWebACL of a web ACL that a CloudFront distribution uses
  (DistributionConfig.WebACLId, by ARN or id) fails with
  WAFAssociatedItemException; moto deleted it.
- UpdateWebACL with ``Rules: []`` removes every rule (the call replaces
  the definition); moto kept the old rules when the list was empty.
- CreateIPSet / CreateWebACL of scope CLOUDFRONT in a region other than
  us-east-1 fail with WAFInvalidParameterException; moto accepted them.
- The Resource Groups Tagging API (GetResources) lists WAFv2 web ACLs, IP
  sets, rule groups and regex pattern sets with their tags, as AWS does
  (resource types ``wafv2:regional/...`` in their region, ``wafv2:global/...``
  of scope CLOUDFRONT in us-east-1); moto's Tagging API left WAFv2 out.
"""

import json

from moto.core.exceptions import JsonRESTError
from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource
from moto.resourcegroupstaggingapi import models as tagging
from moto.wafv2 import models, responses


class WAFAssociatedItemException(JsonRESTError):
    code = 400

    def __init__(self):
        super().__init__(
            "WAFAssociatedItemException",
            "AWS WAF couldn’t perform the operation because your resource is being used by another resource or it’s associated with another resource.",
        )


class WAFInvalidParameterException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("WAFInvalidParameterException", message)


def _mentions(value, arn):
    """Whether ``arn`` appears anywhere in a rule's statement structure."""
    if isinstance(value, dict):
        return any(_mentions(v, arn) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, arn) for v in value)
    return value == arn


class _TaggedWAFV2:
    """One region's WAFv2 backend as the Tagging API walks it."""

    def __init__(self, backend):
        self.backend = backend

    def _resources(self):
        b = self.backend
        for items in (b.wacls, b.ip_sets, b.rule_groups, b.regex_pattern_sets):
            yield from items

    def iter_tagged_resources(self):
        for arn in self._resources():
            # arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID
            scope, kind = arn.split(":", 5)[5].split("/")[:2]
            tags = self.backend.tagging_service.get_tag_dict_for_resource(arn)
            yield TaggedResource(arn=arn, tags=tags, resource_type=f"wafv2:{scope}/{kind}")

    def owns_arn(self, arn):
        return any(arn == a for a in self._resources())


def _list_wafv2_in_tagging_api():
    if issubclass(models.WAFV2Backend, TaggableResourcesMixin):
        raise RuntimeError("stackr_moto: moto's Tagging API covers WAFv2; drop the patch")
    original = tagging.iter_taggable_backends

    def iter_taggable_backends(account_id, region_name):
        yield from original(account_id, region_name)
        if account_id in models.wafv2_backends:
            regions = models.wafv2_backends[account_id]
            # moto keeps scope CLOUDFRONT in a "global" backend; AWS lists it in us-east-1.
            names = [region_name] + ([models.GLOBAL_REGION] if region_name == "us-east-1" else [])
            for name in names:
                if name in regions:
                    yield _TaggedWAFV2(regions[name])

    tagging.iter_taggable_backends = iter_taggable_backends


def apply():
    _list_wafv2_in_tagging_api()
    backend = models.WAFV2Backend
    response = responses.WAFV2Response

    original_delete_ip_set = backend.delete_ip_set

    def delete_ip_set(self, name, scope, _id, lock_token):
        arn = models.make_arn_for_ip_set(
            name=name, account_id=self.account_id, region_name=self.region_name, _id=_id, scope=scope
        )
        for acl in self.wacls.values():
            if any(_mentions(rule.statement, arn) for rule in acl.rules):
                raise WAFAssociatedItemException()
        return original_delete_ip_set(self, name, scope, _id, lock_token)

    backend.delete_ip_set = delete_ip_set

    original_delete_web_acl = backend.delete_web_acl

    def delete_web_acl(self, name, scope, _id, lock_token):
        arn = models.make_arn_for_wacl(
            name=name, account_id=self.account_id, region_name=self.region_name, _id=_id, scope=scope
        )
        from moto.cloudfront.models import cloudfront_backends

        for dist in cloudfront_backends[self.account_id]["aws"].distributions.values():
            if getattr(dist.distribution_config, "WebACLId", "") in (arn, _id):
                raise WAFAssociatedItemException()
        return original_delete_web_acl(self, name, scope, _id, lock_token)

    backend.delete_web_acl = delete_web_acl

    original_update_web_acl = backend.update_web_acl

    def update_web_acl(self, name, _id, default_action, rules, *args, **kwargs):
        token = original_update_web_acl(self, name, _id, default_action, rules, *args, **kwargs)
        if rules is not None and len(rules) == 0:
            self.get_web_acl(None, name, _id).rules = []
        return token

    backend.update_web_acl = update_web_acl

    def refuse_cloudfront_outside_us_east_1(method):
        original = getattr(response, method)

        def wrapped(self):
            body = json.loads(self.body or "{}")
            if body.get("Scope") == "CLOUDFRONT" and self.region != "us-east-1":
                raise WAFInvalidParameterException(
                    "Error reason: The scope is not valid., field: SCOPE_VALUE, parameter: CLOUDFRONT"
                )
            return original(self)

        setattr(response, method, wrapped)

    refuse_cloudfront_outside_us_east_1("create_ip_set")
    refuse_cloudfront_outside_us_east_1("create_web_acl")
