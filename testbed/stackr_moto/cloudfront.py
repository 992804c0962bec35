"""CloudFront as AWS documents it, where moto 5.2 differs.

- UpdateDistribution checks If-Match against the distribution's current
  ETag (PreconditionFailed, HTTP 412, on a stale one) and gives the
  distribution a new ETag; moto accepted any If-Match and kept the ETag.
- After a create or an update the distribution is InProgress for a while,
  then Deployed: InProgress in the call's answer and at the next read,
  Deployed from the read after (moto's state manager, model
  "cloudfront::distribution", "manual" progression after 2 reads, which a
  test may change); moto showed Deployed from the first read, and left an
  updated distribution Deployed.
- DeleteDistribution checks If-Match the same way, and refuses a
  distribution that is enabled or not yet Deployed with
  DistributionNotDisabled (HTTP 409); moto deleted it.
- An S3 origin reads back with its S3OriginConfig (moto never returned it,
  so a distribution with an S3 origin always read as changed).
- A custom origin keeps its IpAddressType (moto dropped it), and a cache
  behaviour created without Compress has it false, AWS's default (moto:
  true).
"""

from moto.cloudfront import models
from moto.cloudfront.exceptions import CloudFrontException
from moto.moto_api import state_manager


class PreconditionFailed(CloudFrontException):
    def __init__(self):
        super().__init__(
            "PreconditionFailed",
            "The precondition given in one or more of the request-header fields evaluated to false.",
        )


class DistributionNotDisabled(CloudFrontException):
    def __init__(self):
        super().__init__(
            "DistributionNotDisabled",
            "The distribution you are trying to delete has not been disabled.",
        )


def _enabled(dist):
    value = getattr(dist.distribution_config, "Enabled", True)
    return str(value).lower() == "true"


def apply():
    state_manager.register_default_transition("cloudfront::distribution", {"progression": "manual", "times": 2})
    backend = models.CloudFrontBackend

    original_update = backend.update_distribution

    def update_distribution(self, dist_config, _id, if_match):
        dist = self.distributions.get(_id)
        if dist is not None and if_match and if_match != dist.etag:
            raise PreconditionFailed()
        dist, location, _ = original_update(self, dist_config, _id, if_match)
        dist.etag = models.random_id()
        dist._status = "InProgress"
        dist._tick = 0
        return dist, location, dist.etag

    backend.update_distribution = update_distribution

    original_delete = backend.delete_distribution

    def delete_distribution(self, distribution_id, if_match):
        dist = self.distributions.get(distribution_id)
        if dist is not None and if_match:
            if if_match != dist.etag:
                raise PreconditionFailed()
            if _enabled(dist) or dist.status != "Deployed":
                raise DistributionNotDisabled()
        return original_delete(self, distribution_id, if_match)

    backend.delete_distribution = delete_distribution

    original_origin_init = models.CustomOriginConfig.__init__

    def custom_origin_init(self, config):
        original_origin_init(self, config)
        self.ip_address_type = config.get("IpAddressType")

    models.CustomOriginConfig.__init__ = custom_origin_init

    original_s3_origin_init = models.Origin.__init__

    def origin_init(self, origin):
        original_s3_origin_init(self, origin)
        # An S3 origin reads back with its S3OriginConfig, whose
        # OriginAccessIdentity is "" when none is used (Origin Access
        # Control, or a public bucket), as AWS returns it:
        # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_S3OriginConfig.html.
        # moto kept the identity but never returned the config.
        if "S3OriginConfig" in origin:
            identity = (origin["S3OriginConfig"] or {}).get("OriginAccessIdentity") or ""
            self.s3_origin_config = {"OriginAccessIdentity": identity}

    models.Origin.__init__ = origin_init

    original_behaviour_init = models.DefaultCacheBehaviour.__init__

    def behaviour_init(self, config):
        original_behaviour_init(self, config)
        if "Compress" not in config:
            self.compress = False

    models.DefaultCacheBehaviour.__init__ = behaviour_init
