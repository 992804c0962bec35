"""Route 53 hosted zones as AWS has them (stackr_moto.route53_zones): a
CreateHostedZone retried with its CallerReference makes no second zone."""

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class HostedZones(RealisticCase):
    REALISTIC = False

    def test_a_caller_reference_makes_one_zone(self):
        r53 = self.client("route53")
        first = r53.create_hosted_zone(Name="example.com", CallerReference="ref-1")
        with self.assertRaises(ClientError) as e:
            r53.create_hosted_zone(Name="example.com", CallerReference="ref-1")
        self.assertEqual(e.exception.response["Error"]["Code"], "HostedZoneAlreadyExists")
        self.assertEqual(e.exception.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        zones = r53.list_hosted_zones_by_name(DNSName="example.com")["HostedZones"]
        self.assertEqual([z["Id"] for z in zones], [first["HostedZone"]["Id"]])
        r53.create_hosted_zone(Name="example.com", CallerReference="ref-2")
        self.assertEqual(len(r53.list_hosted_zones_by_name(DNSName="example.com")["HostedZones"]), 2)
