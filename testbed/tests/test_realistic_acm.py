"""Realistic ACM: validation records published after a few seconds; ISSUED
only minutes after the validation records are INSYNC; a certificate in use
(CloudFront, ELBv2) cannot be deleted, until a while after it was let go."""

import time
import uuid

from botocore.exceptions import ClientError

from .test_realistic_cloudfront import CloudFrontCase


class Publish(CloudFrontCase):
    # 4x: the records appear 0.5-2.5 s after the request.
    SCALE = 4

    def test_validation_records_appear_a_few_seconds_after_the_request(self):
        acm, arn = self.request_certificate("www.example.com")
        detail = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        self.assertEqual(detail["Status"], "PENDING_VALIDATION")
        self.assertTrue(detail["DomainValidationOptions"])
        self.assertNotIn("ResourceRecord", detail["DomainValidationOptions"][0])
        start = time.monotonic()
        self.validation_records(acm, arn)
        self.assertLessEqual(self.aws_seconds(time.monotonic() - start), 12)


class Validation(CloudFrontCase):
    # 120x: INSYNC after 0.25-0.5 s, then ISSUED 0.5-2.5 s later.
    SCALE = 120

    def test_issued_minutes_after_the_records_are_insync(self):
        acm, arn = self.request_certificate("www.example.com", sans=["api.example.com"])
        status = lambda: acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]  # noqa: E731
        records = self.validation_records(acm, arn)
        time.sleep(1)  # 2 AWS minutes without records: still pending
        self.assertEqual(status(), "PENDING_VALIDATION")
        change = self.write_records("example.com", records)
        r53 = self.client("route53")
        self.assertEqual(r53.get_change(Id=change)["ChangeInfo"]["Status"], "PENDING")
        self.assertEqual(status(), "PENDING_VALIDATION")
        self.wait_until(lambda: r53.get_change(Id=change)["ChangeInfo"]["Status"] == "INSYNC", timeout=10)
        insync = time.monotonic()
        seen = []
        self.wait_until(lambda: seen.append(status()) or seen[-1] == "ISSUED", timeout=15)
        self.assertEqual((seen[0], seen[-1]), ("PENDING_VALIDATION", "ISSUED"))
        # 1-5 AWS minutes after INSYNC (less the polling's own step).
        self.assertGreaterEqual(self.aws_seconds(time.monotonic() - insync), 50)
        detail = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        self.assertEqual({o["ValidationStatus"] for o in detail["DomainValidationOptions"]}, {"SUCCESS"})

    def test_records_already_in_place_still_take_minutes(self):
        # ACM's record for a name is the same for every certificate of the
        # account: a second certificate finds its records already INSYNC.
        self.issued_certificate("shop.example.org")
        start = time.monotonic()
        acm, arn = self.request_certificate("shop.example.org")
        status = lambda: acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]  # noqa: E731
        self.assertEqual(status(), "PENDING_VALIDATION")
        self.wait_until(lambda: status() == "ISSUED", timeout=15)
        self.assertGreaterEqual(self.aws_seconds(time.monotonic() - start), 55)


class InUse(CloudFrontCase):
    # 300x: a detached certificate stays in use for 0.2-1 s.
    SCALE = 300

    def in_use_by(self, acm, arn):
        return acm.describe_certificate(CertificateArn=arn)["Certificate"]["InUseBy"]

    def assertReleasedLater(self, acm, arn):
        """Refused right after the user let go, accepted a while later."""
        start = time.monotonic()
        self.assertRefused("ResourceInUseException", acm.delete_certificate, CertificateArn=arn)

        def deleted():
            try:
                acm.delete_certificate(CertificateArn=arn)
                return True
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "ResourceInUseException")
                return False

        self.wait_until(deleted, timeout=10, what="the certificate released")
        self.assertGreaterEqual(self.aws_seconds(time.monotonic() - start), 55)
        self.assertRefused("ResourceNotFoundException", acm.describe_certificate, CertificateArn=arn)

    def test_a_distribution_holds_its_certificate(self):
        acm = self.client("acm", region="us-east-1")
        arn = self.issued_certificate("www.example.com")
        self.assertEqual(self.in_use_by(acm, arn), [])
        dist = self.create(certificate=arn, aliases=["www.example.com"])["Distribution"]
        self.assertEqual(self.in_use_by(acm, arn), [dist["ARN"]])
        summary = acm.list_certificates()["CertificateSummaryList"]
        self.assertTrue(next(c for c in summary if c["CertificateArn"] == arn)["InUse"])
        err = self.assertRefused("ResourceInUseException", acm.delete_certificate, CertificateArn=arn)
        self.assertEqual(err.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        # A disabled distribution still holds it.
        self.set_enabled(dist["Id"], False)
        self.wait_deployed(dist["Id"])
        self.assertRefused("ResourceInUseException", acm.delete_certificate, CertificateArn=arn)
        self.cf.delete_distribution(Id=dist["Id"], IfMatch=self.cf.get_distribution(Id=dist["Id"])["ETag"])
        # Let go, but ACM still lists it for a while.
        self.assertEqual(self.in_use_by(acm, arn), [dist["ARN"]])
        self.assertReleasedLater(acm, arn)

    def test_an_https_listener_holds_its_certificate(self):
        acm = self.client("acm")
        arn = self.issued_certificate("app.example.com", region=self.REGION)
        lb_arn, listener_arn = self.https_listener(arn)
        self.assertEqual(self.in_use_by(acm, arn), [lb_arn])
        self.assertRefused("ResourceInUseException", acm.delete_certificate, CertificateArn=arn)
        self.client("elbv2").delete_listener(ListenerArn=listener_arn)
        self.assertEqual(self.in_use_by(acm, arn), [lb_arn])
        self.assertReleasedLater(acm, arn)

    def https_listener(self, certificate):
        """An internal load balancer with an HTTPS listener using ``certificate``."""
        ec2, elbv2 = self.client("ec2"), self.client("elbv2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{self.REGION}{az}")["Subnet"][
                "SubnetId"
            ]
            for i, az in enumerate("ac")
        ]
        lb = elbv2.create_load_balancer(Name=f"lb-{uuid.uuid4().hex[:8]}", Subnets=subnets, Scheme="internal")
        lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
        tg = elbv2.create_target_group(Name=f"tg-{uuid.uuid4().hex[:8]}", Protocol="HTTP", Port=80, VpcId=vpc)
        tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]

        def listener():
            try:
                return elbv2.create_listener(
                    LoadBalancerArn=lb_arn,
                    Protocol="HTTPS",
                    Port=443,
                    Certificates=[{"CertificateArn": certificate}],
                    DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
                )["Listeners"][0]["ListenerArn"]
            except ClientError as e:
                # AWS may not know a just-issued certificate yet.
                if e.response["Error"]["Code"] != "CertificateNotFound":
                    raise
                return None

        return lb_arn, self.wait_until(listener, timeout=10, what="the HTTPS listener")
