"""Route 53 record sets in the default (instant) mode: a change batch is
checked against the zone's record sets as AWS checks it (stackr_moto.route53),
so a deleted record set can be made again and an existing one cannot be
created over."""

from .test_realistic_route53 import Route53Case, a_record


class DefaultModeRecords(Route53Case):
    REALISTIC = False

    def test_create_over_an_existing_record_set_is_refused(self):
        self.change(a_record("CREATE"))
        err = self.assertRefused("InvalidChangeBatch", self.change, a_record("CREATE", values=("192.0.2.9",)))
        self.assertIn("but it already exists", err.response["Error"]["Message"])

    def test_a_deleted_record_set_can_be_made_again(self):
        self.change(a_record("CREATE"))
        self.change(a_record("DELETE"))
        self.change(a_record("CREATE", values=("192.0.2.7",)))
        names = [r["Name"] for r in self.r53.list_resource_record_sets(HostedZoneId=self.zone)["ResourceRecordSets"]]
        self.assertIn("www.example.com.", names)

    def test_changes_are_insync_at_once(self):
        info = self.change(a_record("CREATE"))["ChangeInfo"]
        self.assertEqual(self.r53.get_change(Id=info["Id"])["ChangeInfo"]["Status"], "INSYNC")
