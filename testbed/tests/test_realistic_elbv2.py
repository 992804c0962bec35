"""Realistic ELBv2: load balancers provision at AWS's pace, and what AWS
refuses (no internet gateway, target group in use, certificate not yet
usable) is refused with its codes."""

import datetime

from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .realistic_base import RealisticCase


def self_signed(domain):
    """A certificate and its key (PEM) for ImportCertificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), pem_key


class Elbv2Case(RealisticCase):
    def setUp(self):
        super().setUp()
        self.ec2 = self.client("ec2")
        self.elbv2 = self.client("elbv2")

    def network(self, igw=True):
        """A VPC with two subnets and, if ``igw``, an attached internet gateway."""
        self.vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.subnets = [
            self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{self.REGION}{z}")[
                "Subnet"
            ]["SubnetId"]
            for i, z in enumerate("ac")
        ]
        self.igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        if igw:
            self.ec2.attach_internet_gateway(InternetGatewayId=self.igw, VpcId=self.vpc)

    def load_balancer(self, name="web", **kwargs):
        lbs = self.elbv2.create_load_balancer(Name=name, Subnets=self.subnets, **kwargs)["LoadBalancers"]
        return lbs[0]["LoadBalancerArn"]

    def state(self, arn):
        return self.elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"]

    def target_group(self, name="web"):
        groups = self.elbv2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=self.vpc, TargetType="ip")
        return groups["TargetGroups"][0]["TargetGroupArn"]

    def accepted(self, code, fn, **kwargs):
        """``fn(**kwargs)``'s answer, or None while refused with ``code``."""
        try:
            return fn(**kwargs)
        except ClientError as e:
            if e.response["Error"]["Code"] != code:
                raise
            return None


class LoadBalancerTest(Elbv2Case):
    # Provisioning takes 2-4 AWS minutes: 0.2-0.4 s at 600x.
    SCALE = 600

    def test_load_balancer_is_provisioning_then_active(self):
        self.network()
        created = self.elbv2.create_load_balancer(Name="web", Subnets=self.subnets)["LoadBalancers"][0]
        self.assertEqual(created["State"]["Code"], "provisioning")
        arn = created["LoadBalancerArn"]
        seen = []

        def active():
            state = self.state(arn)
            if not seen or seen[-1] != state:
                seen.append(state)
            return state == "active"

        self.wait_until(active, pause=0.02, what="load balancer active")
        self.assertEqual(seen, ["provisioning", "active"])
        # A listing of every load balancer shows the same.
        listed = self.elbv2.describe_load_balancers()["LoadBalancers"]
        self.assertEqual([lb["State"]["Code"] for lb in listed], ["active"])

    def test_internet_facing_load_balancer_needs_an_internet_gateway(self):
        self.network(igw=False)
        err = self.assertRefused("InvalidSubnet", self.load_balancer, Scheme="internet-facing")
        self.assertEqual(err.response["Error"]["Message"], f"VPC {self.vpc} has no internet gateway")
        self.assertEqual(err.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        # Scheme omitted is internet-facing; an internal one needs no gateway.
        self.assertRefused("InvalidSubnet", self.load_balancer)
        self.load_balancer(name="inside", Scheme="internal")
        self.ec2.attach_internet_gateway(InternetGatewayId=self.igw, VpcId=self.vpc)
        self.load_balancer(Scheme="internet-facing")

    def test_target_group_in_use_by_a_listener_or_rule_cannot_go(self):
        self.network()
        lb = self.load_balancer()
        default, routed = self.target_group("default"), self.target_group("routed")
        listener = self.elbv2.create_listener(
            LoadBalancerArn=lb,
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": default}],
        )["Listeners"][0]["ListenerArn"]
        rule = self.elbv2.create_rule(
            ListenerArn=listener,
            Priority=10,
            Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
            Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": routed}]}}],
        )["Rules"][0]["RuleArn"]
        self.assertRefused("ResourceInUse", self.elbv2.delete_target_group, TargetGroupArn=default)
        self.assertRefused("ResourceInUse", self.elbv2.delete_target_group, TargetGroupArn=routed)
        self.elbv2.delete_rule(RuleArn=rule)
        self.elbv2.delete_target_group(TargetGroupArn=routed)
        self.elbv2.delete_listener(ListenerArn=listener)
        self.elbv2.delete_target_group(TargetGroupArn=default)


class CertificateTest(Elbv2Case):
    # A just-issued certificate reaches ELB within 15-60 AWS s: 0.25-1 s at 60x.
    SCALE = 60

    def setUp(self):
        super().setUp()
        self.acm = self.client("acm")
        self.network()
        self.lb = self.load_balancer()
        self.tg = self.target_group()

    def imported(self, domain):
        cert, key = self_signed(domain)
        return self.acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]

    def https(self, certificate, port=443):
        return self.elbv2.create_listener(
            LoadBalancerArn=self.lb,
            Protocol="HTTPS",
            Port=port,
            Certificates=[{"CertificateArn": certificate}],
            DefaultActions=[{"Type": "forward", "TargetGroupArn": self.tg}],
        )["Listeners"][0]["ListenerArn"]

    def test_just_issued_certificate_is_not_found_for_a_while(self):
        arn = self.imported("www.example.com")
        self.assertEqual(self.acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"], "ISSUED")
        err = self.assertRefused("CertificateNotFound", self.https, arn)
        self.assertEqual(err.response["Error"]["Message"], f"Certificate '{arn}' not found")
        self.assertEqual(err.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        listener = self.wait_until(lambda: self.accepted("CertificateNotFound", self.https, certificate=arn))
        self.assertEqual(self.elbv2.describe_listeners(ListenerArns=[listener])["Listeners"][0]["Port"], 443)

    def test_modified_and_added_certificates_wait_too(self):
        first = self.imported("www.example.com")
        listener = self.wait_until(lambda: self.accepted("CertificateNotFound", self.https, certificate=first))
        second = self.imported("api.example.com")
        modify, add = self.elbv2.modify_listener, self.elbv2.add_listener_certificates
        certificates = [{"CertificateArn": second}]
        self.assertRefused("CertificateNotFound", modify, ListenerArn=listener, Certificates=certificates)
        self.assertRefused("CertificateNotFound", add, ListenerArn=listener, Certificates=certificates)
        self.wait_until(
            lambda: self.accepted("CertificateNotFound", modify, ListenerArn=listener, Certificates=certificates)
        )
        self.elbv2.add_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": first}])

    def test_certificate_not_issued_or_unknown_is_not_found(self):
        pending = self.acm.request_certificate(DomainName="www.example.com", ValidationMethod="DNS")["CertificateArn"]
        self.assertEqual(
            self.acm.describe_certificate(CertificateArn=pending)["Certificate"]["Status"], "PENDING_VALIDATION"
        )
        self.assertRefused("CertificateNotFound", self.https, pending)
        unknown = pending.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
        self.assertRefused("CertificateNotFound", self.https, unknown)
        # Still refused later: validation never happened.
        issued = self.imported("other.example.com")
        self.wait_until(lambda: self.accepted("CertificateNotFound", self.https, certificate=issued))
        self.assertRefused("CertificateNotFound", self.https, pending, port=8443)
