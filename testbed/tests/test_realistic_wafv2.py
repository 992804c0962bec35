"""Realistic WAFv2: entities just made are unavailable for 5–30 AWS s, what
is associated or referenced cannot be deleted, stale lock tokens fail."""

import time

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase

VIS = {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "m"}


def ip_rule(arn, priority=1):
    return {
        "Name": f"ips-{priority}",
        "Priority": priority,
        "Action": {"Block": {}},
        "Statement": {"IPSetReferenceStatement": {"ARN": arn}},
        "VisibilityConfig": VIS,
    }


def group_rule(arn, priority=2):
    return {
        "Name": f"group-{priority}",
        "Priority": priority,
        "OverrideAction": {"None": {}},
        "Statement": {"RuleGroupReferenceStatement": {"ARN": arn}},
        "VisibilityConfig": VIS,
    }


class WafCase(RealisticCase):
    SCALE = 20  # the propagation window is 0.25–1.5 s

    def setUp(self):
        super().setUp()
        self.waf = self.client("wafv2")

    def ip_set(self, name="office"):
        return self.waf.create_ip_set(
            Name=name, Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=["10.0.0.0/24"]
        )["Summary"]

    def web_acl(self, name="site", rules=()):
        return self.waf.create_web_acl(
            Name=name, Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VIS, Rules=list(rules)
        )["Summary"]

    def rule_group(self, name="group", rules=()):
        return self.waf.create_rule_group(
            Name=name, Scope="REGIONAL", Capacity=10, VisibilityConfig=VIS, Rules=list(rules)
        )["Summary"]

    def until_available(self, call):
        """Retries ``call`` while WAF says an entity it names is unavailable."""

        def attempt():
            try:
                return call()
            except ClientError as e:
                if e.response["Error"]["Code"] == "WAFUnavailableEntityException":
                    return None
                raise

        return self.wait_until(attempt, timeout=5, pause=0.02, what="the entity to propagate")


class UnavailableEntityTest(WafCase):
    def test_a_web_acl_on_a_new_ip_set_is_refused_then_accepted(self):
        ips = self.ip_set()
        started = time.monotonic()
        self.assertRefused("WAFUnavailableEntityException", self.web_acl, rules=[ip_rule(ips["ARN"])])
        acl = self.until_available(lambda: self.web_acl(rules=[ip_rule(ips["ARN"])]))
        self.assertLessEqual(self.aws_seconds(time.monotonic() - started), 30 + 3)
        rules = self.waf.get_web_acl(Name="site", Scope="REGIONAL", Id=acl["Id"])["WebACL"]["Rules"]
        self.assertEqual(rules[0]["Statement"]["IPSetReferenceStatement"]["ARN"], ips["ARN"])

    def test_an_update_naming_a_new_rule_group_is_refused_then_accepted(self):
        acl = self.web_acl()
        group = self.rule_group()

        def update():
            token = self.waf.get_web_acl(Name="site", Scope="REGIONAL", Id=acl["Id"])["LockToken"]
            return self.waf.update_web_acl(
                Name="site",
                Scope="REGIONAL",
                Id=acl["Id"],
                DefaultAction={"Allow": {}},
                VisibilityConfig=VIS,
                Rules=[group_rule(group["ARN"])],
                LockToken=token,
            )

        self.assertRefused("WAFUnavailableEntityException", update)
        self.until_available(update)

    def test_a_rule_group_on_a_new_ip_set_is_refused_then_accepted(self):
        ips = self.ip_set()
        self.assertRefused("WAFUnavailableEntityException", self.rule_group, rules=[ip_rule(ips["ARN"])])
        self.until_available(lambda: self.rule_group(rules=[ip_rule(ips["ARN"])]))


class InUseTest(WafCase):
    def delete_acl(self, acl):
        token = self.waf.get_web_acl(Name=acl["Name"], Scope="REGIONAL", Id=acl["Id"])["LockToken"]
        return self.waf.delete_web_acl(Name=acl["Name"], Scope="REGIONAL", Id=acl["Id"], LockToken=token)

    def delete_ip_set(self, ips):
        token = self.waf.get_ip_set(Name=ips["Name"], Scope="REGIONAL", Id=ips["Id"])["LockToken"]
        return self.waf.delete_ip_set(Name=ips["Name"], Scope="REGIONAL", Id=ips["Id"], LockToken=token)

    def delete_group(self, group):
        token = self.waf.get_rule_group(Name=group["Name"], Scope="REGIONAL", Id=group["Id"])["LockToken"]
        return self.waf.delete_rule_group(Name=group["Name"], Scope="REGIONAL", Id=group["Id"], LockToken=token)

    def test_an_associated_web_acl_cannot_be_deleted(self):
        acl = self.web_acl()
        alb = f"arn:aws:elasticloadbalancing:{self.REGION}:{self.account}:loadbalancer/app/web/0123456789abcdef"
        self.waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=alb)
        self.assertRefused("WAFAssociatedItemException", self.delete_acl, acl)
        self.waf.disassociate_web_acl(ResourceArn=alb)
        self.delete_acl(acl)

    def test_referenced_ip_sets_and_rule_groups_cannot_be_deleted(self):
        ips = self.ip_set()
        group = self.until_available(lambda: self.rule_group(rules=[ip_rule(ips["ARN"])]))
        acl = self.until_available(lambda: self.web_acl(rules=[group_rule(group["ARN"])]))
        self.assertRefused("WAFAssociatedItemException", self.delete_ip_set, ips)  # the rule group's
        self.assertRefused("WAFAssociatedItemException", self.delete_group, group)  # the web ACL's
        self.delete_acl(acl)
        self.delete_group(group)
        self.delete_ip_set(ips)

    def test_an_ip_set_of_a_web_acl_cannot_be_deleted(self):
        """The default mode's refusal still holds in realistic mode."""
        ips = self.ip_set()
        acl = self.until_available(lambda: self.web_acl(rules=[ip_rule(ips["ARN"])]))
        self.assertRefused("WAFAssociatedItemException", self.delete_ip_set, ips)
        self.delete_acl(acl)
        self.delete_ip_set(ips)


class LockTokenTest(WafCase):
    def test_a_stale_lock_token_is_refused(self):
        ips = self.ip_set()
        stale = self.waf.get_ip_set(Name="office", Scope="REGIONAL", Id=ips["Id"])["LockToken"]
        fresh = self.waf.update_ip_set(
            Name="office", Scope="REGIONAL", Id=ips["Id"], Addresses=["10.0.1.0/24"], LockToken=stale
        )["NextLockToken"]
        self.assertRefused(
            "WAFOptimisticLockException",
            self.waf.update_ip_set,
            Name="office",
            Scope="REGIONAL",
            Id=ips["Id"],
            Addresses=["10.0.2.0/24"],
            LockToken=stale,
        )
        self.assertRefused(
            "WAFOptimisticLockException",
            self.waf.delete_ip_set,
            Name="office",
            Scope="REGIONAL",
            Id=ips["Id"],
            LockToken=stale,
        )
        acl = self.web_acl()
        acl_stale = self.waf.get_web_acl(Name="site", Scope="REGIONAL", Id=acl["Id"])["LockToken"]
        self.waf.update_web_acl(
            Name="site",
            Scope="REGIONAL",
            Id=acl["Id"],
            DefaultAction={"Block": {}},
            VisibilityConfig=VIS,
            Rules=[],
            LockToken=acl_stale,
        )
        self.assertRefused(
            "WAFOptimisticLockException",
            self.waf.delete_web_acl,
            Name="site",
            Scope="REGIONAL",
            Id=acl["Id"],
            LockToken=acl_stale,
        )
        self.waf.delete_ip_set(Name="office", Scope="REGIONAL", Id=ips["Id"], LockToken=fresh)
