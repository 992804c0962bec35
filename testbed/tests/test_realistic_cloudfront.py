"""Realistic CloudFront: InProgress → Deployed over minutes after each
create and update; delete only when disabled and Deployed; no viewer
certificate that ACM has not issued (in us-east-1, for the aliases)."""

import time
import uuid

from .realistic_base import RealisticCase


def distribution_config(enabled=True, certificate=None, aliases=()):
    config = {
        "CallerReference": str(uuid.uuid4()),
        "Comment": "",
        "Enabled": enabled,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "web",
                    "DomainName": "origin.example.com",
                    "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "web",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
    }
    if aliases:
        config["Aliases"] = {"Quantity": len(aliases), "Items": list(aliases)}
    if certificate:
        config["ViewerCertificate"] = {
            "ACMCertificateArn": certificate,
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        }
    return config


class CloudFrontCase(RealisticCase):
    """Helpers shared with the ACM tests: distributions, issued certificates."""

    def setUp(self):
        super().setUp()
        self.cf = self.client("cloudfront", region="us-east-1")

    def create(self, **kwargs):
        return self.cf.create_distribution(DistributionConfig=distribution_config(**kwargs))

    def status(self, dist_id):
        return self.cf.get_distribution(Id=dist_id)["Distribution"]["Status"]

    def listed_status(self, dist_id):
        items = self.cf.list_distributions()["DistributionList"].get("Items", [])
        return next(d["Status"] for d in items if d["Id"] == dist_id)

    def wait_deployed(self, dist_id):
        """Polls GetDistribution until Deployed; returns the statuses seen."""
        seen = []
        self.wait_until(lambda: seen.append(self.status(dist_id)) or seen[-1] == "Deployed", timeout=15)
        return seen

    def set_enabled(self, dist_id, enabled):
        out = self.cf.get_distribution_config(Id=dist_id)
        config = out["DistributionConfig"]
        config["Enabled"] = enabled
        return self.cf.update_distribution(Id=dist_id, DistributionConfig=config, IfMatch=out["ETag"])

    def request_certificate(self, domain, region="us-east-1", sans=None):
        acm = self.client("acm", region=region)
        kwargs = {"SubjectAlternativeNames": sans} if sans else {}
        arn = acm.request_certificate(DomainName=domain, ValidationMethod="DNS", **kwargs)["CertificateArn"]
        return acm, arn

    def validation_records(self, acm, arn):
        """The certificate's validation CNAMEs, once ACM publishes them."""

        def published():
            options = acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainValidationOptions"]
            return all("ResourceRecord" in o for o in options) and options

        return [o["ResourceRecord"] for o in self.wait_until(published, timeout=10)]

    def write_records(self, zone_name, records):
        """Creates the CNAMEs in a new zone; returns the change id."""
        r53 = self.client("route53")
        zone = r53.create_hosted_zone(Name=zone_name, CallerReference=str(uuid.uuid4()))["HostedZone"]["Id"]
        unique = {r["Name"]: r for r in records}.values()
        changes = [
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": r["Name"],
                    "Type": "CNAME",
                    "TTL": 300,
                    "ResourceRecords": [{"Value": r["Value"]}],
                },
            }
            for r in unique
        ]
        out = r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
        return out["ChangeInfo"]["Id"]

    def issued_certificate(self, domain, region="us-east-1", sans=None):
        acm, arn = self.request_certificate(domain, region, sans)
        zone = domain.split(".", 1)[1] if domain.count(".") > 1 else domain
        self.write_records(zone, self.validation_records(acm, arn))
        cert = lambda: acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"  # noqa: E731
        self.wait_until(cert, timeout=15, what="the certificate ISSUED")
        return arn


class Deployment(CloudFrontCase):
    def test_a_new_distribution_is_in_progress_then_deployed(self):
        start = time.monotonic()
        out = self.create()
        dist_id = out["Distribution"]["Id"]
        self.assertEqual(out["Distribution"]["Status"], "InProgress")
        self.assertEqual(self.status(dist_id), "InProgress")
        self.assertEqual(self.listed_status(dist_id), "InProgress")
        seen = self.wait_deployed(dist_id)
        self.assertEqual((seen[0], seen[-1]), ("InProgress", "Deployed"))
        # 3-15 AWS minutes, however often it is read.
        self.assertGreaterEqual(self.aws_seconds(time.monotonic() - start), 180)
        self.assertEqual(self.listed_status(dist_id), "Deployed")

    def test_an_update_and_a_disable_deploy_again(self):
        dist_id = self.create()["Distribution"]["Id"]
        self.wait_deployed(dist_id)
        out = self.cf.get_distribution_config(Id=dist_id)
        config = out["DistributionConfig"]
        config["Comment"] = "changed"
        updated = self.cf.update_distribution(Id=dist_id, DistributionConfig=config, IfMatch=out["ETag"])
        self.assertEqual(updated["Distribution"]["Status"], "InProgress")
        self.assertEqual(self.wait_deployed(dist_id)[0], "InProgress")
        disabled = self.set_enabled(dist_id, False)
        self.assertEqual(disabled["Distribution"]["Status"], "InProgress")
        seen = self.wait_deployed(dist_id)
        self.assertEqual((seen[0], seen[-1]), ("InProgress", "Deployed"))


class Delete(CloudFrontCase):
    def test_delete_needs_a_disabled_and_deployed_distribution(self):
        dist_id = self.create()["Distribution"]["Id"]
        self.wait_deployed(dist_id)
        etag = self.cf.get_distribution(Id=dist_id)["ETag"]
        err = self.assertRefused("DistributionNotDisabled", self.cf.delete_distribution, Id=dist_id, IfMatch=etag)
        self.assertEqual(err.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        etag = self.set_enabled(dist_id, False)["ETag"]
        # Disabled, but the disable is still deploying.
        self.assertRefused("DistributionNotDisabled", self.cf.delete_distribution, Id=dist_id, IfMatch=etag)
        self.wait_deployed(dist_id)
        self.assertRefused("PreconditionFailed", self.cf.delete_distribution, Id=dist_id, IfMatch="STALE")
        self.cf.delete_distribution(Id=dist_id, IfMatch=self.cf.get_distribution(Id=dist_id)["ETag"])
        # Gone at once, as the documented procedure expects.
        self.assertRefused("NoSuchDistribution", self.cf.get_distribution, Id=dist_id)


class ViewerCertificate(CloudFrontCase):
    def test_a_certificate_not_yet_issued_is_refused(self):
        acm, arn = self.request_certificate("www.example.com")
        records = self.validation_records(acm, arn)
        err = self.assertRefused("InvalidViewerCertificate", self.create, certificate=arn, aliases=["www.example.com"])
        self.assertEqual(err.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.write_records("example.com", records)
        # Still refused while ACM validates.
        self.assertRefused("InvalidViewerCertificate", self.create, certificate=arn, aliases=["www.example.com"])
        self.wait_until(
            lambda: acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED", timeout=15
        )
        out = self.create(certificate=arn, aliases=["www.example.com"])
        self.assertEqual(out["Distribution"]["Status"], "InProgress")

    def test_a_missing_or_foreign_region_certificate_is_refused(self):
        missing = f"arn:aws:acm:us-east-1:{self.account}:certificate/{uuid.uuid4()}"
        self.assertRefused("InvalidViewerCertificate", self.create, certificate=missing)
        elsewhere = self.issued_certificate("www.example.net", region=self.REGION)
        self.assertRefused("InvalidViewerCertificate", self.create, certificate=elsewhere)

    def test_the_certificate_must_cover_the_aliases(self):
        arn = self.issued_certificate("www.example.org", sans=["*.cdn.example.org"])
        self.assertRefused("InvalidViewerCertificate", self.create, certificate=arn, aliases=["example.org"])
        self.assertRefused("InvalidViewerCertificate", self.create, certificate=arn, aliases=["a.b.cdn.example.org"])
        self.create(certificate=arn, aliases=["www.example.org", "img.cdn.example.org"])

    def test_an_update_to_a_certificate_not_yet_issued_is_refused(self):
        dist_id = self.create()["Distribution"]["Id"]
        _, arn = self.request_certificate("static.example.com")
        out = self.cf.get_distribution_config(Id=dist_id)
        config = out["DistributionConfig"]
        config["ViewerCertificate"] = {"ACMCertificateArn": arn, "SSLSupportMethod": "sni-only"}
        self.assertRefused(
            "InvalidViewerCertificate",
            self.cf.update_distribution,
            Id=dist_id,
            DistributionConfig=config,
            IfMatch=out["ETag"],
        )
