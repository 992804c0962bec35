"""ACM at AWS's pace (realistic mode).

- Validation records are published a few seconds after the request:
  DescribeCertificate lists DomainValidationOptions without their
  ResourceRecord for a drawn 2-10 AWS seconds ("If you have just created a
  certificate using the RequestCertificate action, there is a delay of
  several seconds before you can retrieve information about it").
  https://docs.aws.amazon.com/acm/latest/APIReference/API_DescribeCertificate.html
- DNS validation takes time: a certificate stays ``PENDING_VALIDATION``
  until each validation CNAME exists in a hosted zone of the account (the
  default mode's rule) *and* the Route 53 change that wrote it is
  ``INSYNC`` (see ``realistic.route53``), and then for a drawn 1-5 AWS
  minutes more (from the request, if the records were there first); then
  ``ISSUED``. The default mode issued it as soon as the records existed.
  https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html
  (Status), https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
- InUseBy lists the ARNs of what uses the certificate: the CloudFront
  distributions whose ViewerCertificate names it, the load balancers
  (ELBv2) with an HTTPS/TLS listener holding it, and, as moto records
  them, classic load balancers. A user that lets go of the certificate
  (listener or distribution deleted, certificate replaced) stays listed for
  a drawn 1-5 AWS minutes: AWS releases the association asynchronously.
  moto listed the listeners that were created with the certificate, forever.
  https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html
  (InUseBy: "A list of ARNs for the Amazon Web Services resources that are
  using the certificate")
- DeleteCertificate is refused with ``ResourceInUseException`` (HTTP 400)
  while InUseBy is not empty; moto deleted it.
  https://docs.aws.amazon.com/acm/latest/APIReference/API_DeleteCertificate.html
  ("You cannot delete an ACM certificate that is being used by another AWS
  service. To delete a certificate that is in use, the certificate
  association must first be removed.")
"""

import threading

from moto.acm.exceptions import AWSError
from moto.acm.models import AWSCertificateManagerBackend, CertBundle
from moto.core.utils import utcnow

from . import clock, route53

# AWS seconds before the validation records of a new request are listed.
PUBLISH = (2, 10)
# AWS seconds between the validation records being INSYNC and ISSUED.
VALIDATION = (60, 300)
# AWS seconds a user stays in InUseBy after it let go of the certificate.
RELEASE = (60, 300)


class ResourceInUseException(AWSError):
    TYPE = "ResourceInUseException"


def _arn_parts(arn):
    """(account, region) of an ARN."""
    parts = (arn or "").split(":")
    return (parts[4], parts[3]) if len(parts) > 5 else ("", "")


def _name(name):
    return (name or "").rstrip(".").lower()


def _created(cert):
    """The moment of the request, on ``clock.now()``'s scale."""
    return clock.now() - (utcnow() - cert.created_at).total_seconds()


# --- who uses a certificate --------------------------------------------------


def _cloudfront_users(account):
    """{certificate ARN: {distribution ARN}} of the account's distributions."""
    from moto.cloudfront.models import cloudfront_backends

    users = {}
    for dist in list(cloudfront_backends[account]["aws"].distributions.values()):
        arn = getattr(dist.distribution_config.ViewerCertificate, "acm_certificate_arn", "")
        if arn:
            users.setdefault(arn, set()).add(dist.arn)
    return users


def _elbv2_users(account, region):
    """{certificate ARN: {load balancer ARN}} of the region's listeners."""
    from moto.elbv2.models import elbv2_backends

    users = {}
    for lb in list(elbv2_backends[account][region].load_balancers.values()):
        for listener in list(lb.listeners.values()):
            for arn in list(listener.certificates or []):
                users.setdefault(arn, set()).add(lb.arn)
    return users


def _live_users(account, region):
    """{certificate ARN: {user ARN}} now, for certificates of ``region``.
    CloudFront uses certificates of us-east-1 only."""
    users = _elbv2_users(account, region)
    if region == "us-east-1":
        for arn, dists in _cloudfront_users(account).items():
            users.setdefault(arn, set()).update(dists)
    return users


class _Uses:
    """What used each certificate when last looked at, and until when the
    users that let go of one still hold it."""

    def __init__(self):
        self.lock = threading.RLock()
        self.known = {}  # certificate ARN -> {user ARN}
        self.until = {}  # (certificate ARN, user ARN) -> clock.now() time

    def look(self, account, region):
        """Compares the users now with the last look: a user gone since then
        starts its release; one back ends it."""
        live = _live_users(account, region)
        now = clock.now()
        with self.lock:
            certs = set(live) | {c for c in self.known if _arn_parts(c) == (account, region)}
            for cert in certs:
                users = live.get(cert, set())
                for user in self.known.get(cert, set()) - users:
                    release = clock.aws_seconds(*RELEASE, key=f"acm-release:{cert}:{user}")
                    self.until[(cert, user)] = now + clock.wall(release)
                for user in users:
                    self.until.pop((cert, user), None)
                self.known[cert] = users
        return live

    def of(self, cert_arn):
        """The ARNs that use the certificate, or let go of it too recently."""
        account, region = _arn_parts(cert_arn)
        users = set(self.look(account, region).get(cert_arn, set()))
        now = clock.now()
        with self.lock:
            users |= {u for (c, u), t in self.until.items() if c == cert_arn and t > now}
        return users

    def forget(self, cert_arn):
        with self.lock:
            self.known.pop(cert_arn, None)
            for pair in [p for p in self.until if p[0] == cert_arn]:
                del self.until[pair]


_uses = _Uses()


def _watching(method, where):
    """Wraps a backend method that may detach certificates: looks at the
    users before and after, so that a release starts when it happened, not
    at ACM's next read. ``where(backend)`` is (account, region)."""

    def wrapped(self, *args, **kwargs):
        account, region = where(self)
        _uses.look(account, region)
        try:
            return method(self, *args, **kwargs)
        finally:
            _uses.look(account, region)

    wrapped.__name__ = method.__name__
    return wrapped


def _watch_users():
    from moto.cloudfront.models import CloudFrontBackend
    from moto.elbv2.models import ELBv2Backend

    def cloudfront(backend):
        return backend.account_id, "us-east-1"

    def elbv2(backend):
        return backend.account_id, backend.region_name

    for name in ("update_distribution", "delete_distribution"):
        setattr(CloudFrontBackend, name, _watching(getattr(CloudFrontBackend, name), cloudfront))
    for name in ("modify_listener", "remove_listener_certificates", "delete_listener", "delete_load_balancer"):
        setattr(ELBv2Backend, name, _watching(getattr(ELBv2Backend, name), elbv2))


# --- validation --------------------------------------------------------------


def _published(cert):
    wait = clock.aws_seconds(*PUBLISH, key=f"acm-publish:{cert.arn}")
    return clock.now() >= _created(cert) + clock.wall(wait)


def _validated(cert, records):
    """Whether every validation record has been INSYNC, and the drawn
    validation time has passed since the later of that and the request."""
    if not records:
        return False
    account = _arn_parts(cert.arn)[0]
    since = _created(cert)
    for name, value in records.items():
        at = route53.synced_at(account, name, value)
        if at is None:
            return False
        since = max(since, at)
    wait = clock.aws_seconds(*VALIDATION, key=f"acm-validation:{cert.arn}")
    return clock.now() >= since + clock.wall(wait)


def _users(cert):
    """InUseBy: moto's list keeps classic ELB users (as moto records them)
    and ELBv2 listeners (dropped: recomputed from the live listeners, as
    load balancers), plus the users now and the ones still letting go."""
    classic = {u for u in cert.in_use_by if ":listener/" not in u}
    return classic | _uses.of(cert.arn)


def apply():
    moto_describe = CertBundle.describe
    inner_check = CertBundle.check

    def records_of(cert):
        options = moto_describe(cert)["Certificate"].get("DomainValidationOptions", [])
        records = [o["ResourceRecord"] for o in options if o.get("ResourceRecord")]
        return {_name(r["Name"]): r["Value"] for r in records}

    def check(self):
        was_pending = self.status == "PENDING_VALIDATION"
        inner_check(self)
        # The default check issues the certificate as soon as its records
        # exist; AWS waits until they are served everywhere, and then some.
        if was_pending and self.status == "ISSUED" and not _validated(self, records_of(self)):
            self.status = "PENDING_VALIDATION"

    def describe(self):
        result = moto_describe(self)
        detail = result["Certificate"]
        detail["InUseBy"] = sorted(_users(self))
        if self.type == "AMAZON_ISSUED" and not _published(self):
            for option in detail.get("DomainValidationOptions", []):
                option.pop("ResourceRecord", None)
        return result

    CertBundle.check = check
    CertBundle.describe = describe

    moto_delete = AWSCertificateManagerBackend.delete_certificate

    def delete_certificate(self, arn):
        cert = self._certificates.get(arn)
        if cert is not None:
            if _users(cert):
                raise ResourceInUseException(f"Certificate {arn} in account {self.account_id} is in use.")
        moto_delete(self, arn)
        _uses.forget(arn)

    AWSCertificateManagerBackend.delete_certificate = delete_certificate
    _watch_users()
