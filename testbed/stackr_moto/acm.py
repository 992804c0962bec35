"""ACM, closer to AWS.

- DNS validation: moto issues every requested certificate a fixed time
  (MOTO_ACM_VALIDATION_WAIT, 60 s by default) after the request, whether
  or not its validation records exist. AWS issues a DNS-validated
  certificate once every name's CNAME record (DomainValidationOptions
  ResourceRecord) resolves. Here a pending certificate becomes ISSUED when
  each of its validation records exists, with its value, in a Route 53
  hosted zone of the same account (the local stand-in for public DNS).
  Setting MOTO_ACM_VALIDATION_WAIT explicitly keeps moto's timer as well.
- UpdateCertificateOptions (missing in moto): sets the certificate's
  Options (CertificateTransparencyLoggingPreference); an unknown ARN is
  ResourceNotFoundException, as DescribeCertificate's.
- RequestCertificate's ``KeyAlgorithm`` (RSA_2048 by default, or
  EC_prime256v1, EC_secp384r1, ...) is the one DescribeCertificate reports;
  moto always made and reported an RSA 2048 key, so a certificate asked
  for with an EC key looked changed on every read.
  https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html
"""

import os

from ._util import add_method, wrap_method


def _fqdn(name):
    return (name or "").rstrip(".").lower()


def _records_exist(cert):
    """Whether every validation record of ``cert`` is in a hosted zone of its account."""
    from moto.route53.models import route53_backends

    account_id = cert.arn.split(":")[4]
    wanted = {}
    for option in cert.describe()["Certificate"].get("DomainValidationOptions", []):
        record = option.get("ResourceRecord")
        if record:
            wanted[_fqdn(record["Name"])] = _fqdn(record["Value"])
    if not wanted:
        return False
    have = {}
    for zone in route53_backends[account_id]["aws"].zones.values():
        for rrset in zone.rrsets:
            if rrset.type == "CNAME":
                have.setdefault(_fqdn(rrset.name), set()).update(_fqdn(v) for v in rrset.records)
    return all(value in have.get(name, ()) for name, value in wanted.items())


def apply():
    from moto.acm.models import CertBundle
    from moto.acm.responses import AWSCertificateManagerResponse
    from moto.core.responses import EmptyResult
    from moto.core.utils import utcnow

    timer = "MOTO_ACM_VALIDATION_WAIT" in os.environ
    moto_check = CertBundle.check

    def check(self):
        if timer:
            moto_check(self)
        if self._not_valid_after(self._cert) <= utcnow():
            self.status = "EXPIRED"
            return
        if self.type == "AMAZON_ISSUED" and self.status == "PENDING_VALIDATION" and _records_exist(self):
            self.status = "ISSUED"

    CertBundle.check = check

    @add_method(AWSCertificateManagerResponse, "update_certificate_options")
    def update_certificate_options(self):
        arn = self._get_param("CertificateArn")
        options = self._get_param("Options") or {}
        cert = self.acm_backend.get_certificate(arn)
        cert.cert_options.update(options)
        return EmptyResult()

    @wrap_method(AWSCertificateManagerResponse, "request_certificate")
    def request_certificate(original, self):
        out = original(self)
        algorithm = self._get_param("KeyAlgorithm")
        if algorithm:
            cert = self.acm_backend.get_certificate(out.result["CertificateArn"])
            cert.stackr_key_algorithm = algorithm
        return out

    @wrap_method(CertBundle, "describe")
    def describe(original, self):
        out = original(self)
        algorithm = getattr(self, "stackr_key_algorithm", None)
        if algorithm:
            out["Certificate"]["KeyAlgorithm"] = algorithm
        return out
