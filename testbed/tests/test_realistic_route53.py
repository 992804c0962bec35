"""Realistic Route 53: changes PENDING then INSYNC; AWS's refusals of a
change batch (InvalidChangeBatch) checked against the zone's record sets."""

import time
import uuid

from .realistic_base import RealisticCase


class Route53Case(RealisticCase):
    # 60x: a change is INSYNC after 0.5-1 s, long enough to see it PENDING.
    SCALE = 60

    def setUp(self):
        super().setUp()
        self.r53 = self.client("route53")
        zone = self.r53.create_hosted_zone(Name="example.com", CallerReference=str(uuid.uuid4()))
        self.zone = zone["HostedZone"]["Id"]

    def change(self, *changes):
        return self.r53.change_resource_record_sets(HostedZoneId=self.zone, ChangeBatch={"Changes": list(changes)})

    def status(self, change_id):
        return self.r53.get_change(Id=change_id)["ChangeInfo"]["Status"]

    def records(self):
        out = self.r53.list_resource_record_sets(HostedZoneId=self.zone)["ResourceRecordSets"]
        return {(r["Name"], r["Type"], r.get("SetIdentifier")): r for r in out if r["Type"] in ("A", "CNAME", "TXT")}


def a_record(action, name="www.example.com", values=("192.0.2.1",), ttl=300, **extra):
    rrset = {"Name": name, "Type": "A", "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values], **extra}
    return {"Action": action, "ResourceRecordSet": rrset}


class ChangeStatus(Route53Case):
    def test_a_change_is_pending_then_insync(self):
        start = time.monotonic()
        info = self.change(a_record("CREATE"))["ChangeInfo"]
        self.assertEqual(info["Status"], "PENDING")
        self.assertTrue(info["Id"].startswith("/change/"))
        # The API shows the record at once; only its propagation takes time.
        self.assertIn(("www.example.com.", "A", None), self.records())
        self.assertEqual(self.status(info["Id"]), "PENDING")
        seen = [self.status(info["Id"])]
        self.wait_until(lambda: seen.append(self.status(info["Id"])) or seen[-1] == "INSYNC", timeout=10)
        self.assertEqual(seen[0], "PENDING")
        self.assertEqual(seen[-1], "INSYNC")
        # 30-60 AWS seconds.
        self.assertGreaterEqual(self.aws_seconds(time.monotonic() - start), 30)
        self.assertEqual(self.status(info["Id"]), "INSYNC")

    def test_every_change_has_its_own_id_and_an_unknown_one_is_refused(self):
        first = self.change(a_record("CREATE"))["ChangeInfo"]["Id"]
        second = self.change(a_record("UPSERT", values=("192.0.2.2",)))["ChangeInfo"]["Id"]
        self.assertNotEqual(first, second)
        self.assertRefused("NoSuchChange", self.r53.get_change, Id="CNOSUCHCHANGE")

    def test_a_zone_create_is_a_change_too(self):
        info = self.r53.create_hosted_zone(Name="example.org", CallerReference=str(uuid.uuid4()))["ChangeInfo"]
        self.assertEqual(info["Status"], "PENDING")
        self.wait_until(lambda: self.status(info["Id"]) == "INSYNC", timeout=10)


class Refusals(Route53Case):
    def test_create_of_an_existing_record_set_is_refused(self):
        self.change(a_record("CREATE"))
        err = self.assertRefused("InvalidChangeBatch", self.change, a_record("CREATE", values=("192.0.2.9",)))
        self.assertEqual(err.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertIn(
            "Tried to create resource record set [name='www.example.com.', type='A'] but it already exists",
            err.response["Error"]["Message"],
        )
        # The same name in another case, with a trailing dot, is the same record set.
        self.assertRefused("InvalidChangeBatch", self.change, a_record("CREATE", name="WWW.Example.com."))
        # UPSERT is how an existing record set is changed.
        self.change(a_record("UPSERT", values=("192.0.2.9",)))
        values = self.records()[("www.example.com.", "A", None)]["ResourceRecords"]
        self.assertEqual(values, [{"Value": "192.0.2.9"}])

    def test_a_deleted_record_set_can_be_created_again(self):
        self.change(a_record("CREATE"))
        self.change(a_record("DELETE"))
        self.change(a_record("CREATE"))
        self.assertIn(("www.example.com.", "A", None), self.records())

    def test_delete_needs_the_record_set_with_its_current_values(self):
        err = self.assertRefused("InvalidChangeBatch", self.change, a_record("DELETE"))
        self.assertIn("[name='www.example.com.', type='A'] but it was not found", err.response["Error"]["Message"])
        self.change(a_record("CREATE", values=("192.0.2.1", "192.0.2.2")))
        err = self.assertRefused("InvalidChangeBatch", self.change, a_record("DELETE", values=("192.0.2.1",)))
        self.assertIn("the values provided do not match the current values", err.response["Error"]["Message"])
        other_ttl = a_record("DELETE", values=("192.0.2.1", "192.0.2.2"), ttl=60)
        self.assertRefused("InvalidChangeBatch", self.change, other_ttl)
        # Values are a set: their order does not matter.
        self.change(a_record("DELETE", values=("192.0.2.2", "192.0.2.1")))
        self.assertNotIn(("www.example.com.", "A", None), self.records())
        self.assertRefused("InvalidChangeBatch", self.change, a_record("DELETE", values=("192.0.2.2", "192.0.2.1")))

    def test_set_identifiers_tell_record_sets_apart(self):
        self.change(a_record("CREATE", SetIdentifier="blue", Weight=1))
        self.change(a_record("CREATE", SetIdentifier="green", Weight=1))
        err = self.assertRefused("InvalidChangeBatch", self.change, a_record("CREATE", SetIdentifier="blue", Weight=5))
        self.assertIn("set-identifier='blue'", err.response["Error"]["Message"])

    def test_a_batch_is_checked_in_order_and_applied_whole_or_not_at_all(self):
        self.change(a_record("CREATE"))
        # Delete then create the same record set in one batch: fine.
        self.change(a_record("DELETE"), a_record("CREATE", values=("192.0.2.5",)))
        # One bad change refuses the batch, and every failure is listed.
        err = self.assertRefused(
            "InvalidChangeBatch",
            self.change,
            a_record("CREATE", name="api.example.com"),
            a_record("CREATE", values=("192.0.2.6",)),
            a_record("DELETE", name="old.example.com"),
        )
        message = err.response["Error"]["Message"]
        self.assertIn("[name='www.example.com.', type='A'] but it already exists", message)
        self.assertIn("[name='old.example.com.', type='A'] but it was not found", message)
        self.assertNotIn(("api.example.com.", "A", None), self.records())
