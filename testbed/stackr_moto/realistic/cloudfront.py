"""CloudFront at AWS's pace (realistic mode).

- Deployment takes time: after CreateDistribution(WithTags) and after every
  UpdateDistribution (disabling included) the distribution is
  ``InProgress`` for a drawn 3-15 AWS minutes, then ``Deployed``, as
  GetDistribution, ListDistributions and the create/update answers show.
  This replaces the default mode's "Deployed from the second read after"
  (moto's state manager), so reading faster does not deploy faster.
  https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Distribution.html
  (Status: "When the status is Deployed, the distribution's information is
  fully propagated to all CloudFront edge locations")
- DeleteDistribution keeps the default mode's rules (If-Match is the
  current ETag, else ``PreconditionFailed``; refused with
  ``DistributionNotDisabled``, HTTP 409, while enabled or not yet
  ``Deployed``), now on this clock. Once it succeeds the distribution is
  gone: GetDistribution answers ``NoSuchDistribution``, as the documented
  procedure's last step expects.
  https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DeleteDistribution.html
- CreateDistribution(WithTags) and UpdateDistribution are refused with
  ``InvalidViewerCertificate`` (HTTP 400) when the ViewerCertificate's
  ACMCertificateArn names a certificate that does not exist in the
  account, is not in us-east-1, or is not ``ISSUED`` (a certificate still
  ``PENDING_VALIDATION`` included), or that does not cover every alias
  (CNAME) of the distribution; moto accepted any ARN.
  https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistribution.html
  https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_UpdateDistribution.html
  https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html
  ("If the distribution uses Aliases ... the certificate must be in the US
  East (N. Virginia) Region (us-east-1)")
"""

from moto.acm.exceptions import CertificateNotFound
from moto.acm.models import acm_backends
from moto.cloudfront import models
from moto.cloudfront.exceptions import CloudFrontException

from . import clock

# AWS seconds a distribution is InProgress after a create or an update.
DEPLOY = (180, 900)


class InvalidViewerCertificate(CloudFrontException):
    def __init__(self, detail):
        super().__init__(
            "InvalidViewerCertificate",
            "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, "
            f"or doesn't include a valid certificate chain. ({detail})",
        )


def _aliases(config):
    items = (config.get("Aliases") or {}).get("Items") or []
    if isinstance(items, dict):  # the XML's <CNAME> elements, unflattened
        items = items.get("CNAME") or []
    if isinstance(items, str):
        items = [items]
    return [a.rstrip(".").lower() for a in items]


def _covers(names, alias):
    """Whether a certificate for ``names`` serves ``alias`` (a wildcard
    covers one label)."""
    for name in names:
        if name == alias:
            return True
        if name.startswith("*.") and "." in alias and alias.split(".", 1)[1] == name[2:]:
            return True
    return False


def _check_viewer_certificate(account, config):
    """Refuses a configuration whose ACM certificate CloudFront cannot use."""
    viewer = (config or {}).get("ViewerCertificate") or {}
    arn = viewer.get("ACMCertificateArn") if isinstance(viewer, dict) else None
    if not arn:
        return
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "acm" or parts[4] != account:
        raise InvalidViewerCertificate(f"{arn} is not a certificate of account {account}")
    if parts[3] != "us-east-1":
        raise InvalidViewerCertificate(f"{arn} is not in us-east-1")
    try:
        # get_certificate brings the status up to date (validation).
        cert = acm_backends[account]["us-east-1"].get_certificate(arn)
    except CertificateNotFound:
        raise InvalidViewerCertificate(f"{arn} does not exist")
    if cert.status != "ISSUED":
        raise InvalidViewerCertificate(f"{arn} is {cert.status}, not ISSUED")
    names = {n.rstrip(".").lower() for n in [cert.common_name, *cert.sans] if n}
    uncovered = [a for a in _aliases(config) if not _covers(names, a)]
    if uncovered:
        raise InvalidViewerCertificate(f"{arn} does not cover {', '.join(uncovered)}")


def _deploy(dist):
    """Starts a deployment: InProgress for a drawn while from now."""
    dist._deployments = getattr(dist, "_deployments", 0) + 1
    dist._deploy = clock.Phase(f"cloudfront-deploy:{dist.id}:{dist._deployments}", *DEPLOY)


def _status(dist):
    phase = getattr(dist, "_deploy", None)
    return "InProgress" if phase is not None and not phase.done() else "Deployed"


def apply():
    backend = models.CloudFrontBackend
    # Replaces moto's state-managed status (and the default mode's "two
    # reads" progression of it) with the deployment's clock.
    models.Distribution.status = property(_status)

    moto_create = backend.create_distribution_with_tags

    def create_distribution_with_tags(self, distribution_config, tags):
        _check_viewer_certificate(self.account_id, distribution_config)
        dist, location, etag = moto_create(self, distribution_config, tags)
        _deploy(dist)
        return dist, location, etag

    backend.create_distribution_with_tags = create_distribution_with_tags

    moto_update = backend.update_distribution

    def update_distribution(self, dist_config, _id, if_match):
        if _id in self.distributions:
            _check_viewer_certificate(self.account_id, dist_config)
        dist, location, etag = moto_update(self, dist_config, _id, if_match)
        _deploy(dist)
        return dist, location, etag

    backend.update_distribution = update_distribution
