"""Route 53 hosted zones as the AWS API reference describes them:

- ``CreateHostedZone`` with a ``CallerReference`` that a hosted zone of the
  account was already made with answers ``HostedZoneAlreadyExists`` (HTTP
  409) instead of making a second zone: the reference "allows failed
  CreateHostedZone requests to be retried without the risk of executing the
  operation twice", and HostedZoneAlreadyExists is returned "when a hosted
  zone has already been created with the specified CallerReference". moto
  made one zone per call whatever the reference.
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html
"""

from moto.route53.exceptions import Route53ClientError
from moto.route53.models import Route53Backend


class HostedZoneAlreadyExists(Route53ClientError):
    """HTTP 409, from the service model."""

    def __init__(self, name, reference):
        super().__init__(
            "HostedZoneAlreadyExists",
            f"A hosted zone has already been created with the specified caller reference {reference} ({name})",
        )


def apply():
    create = Route53Backend.create_hosted_zone

    def create_hosted_zone(self, name, private_zone, caller_reference=None, *args, **kwargs):
        if caller_reference:
            for zone in self.zones.values():
                if zone.caller_reference == caller_reference:
                    raise HostedZoneAlreadyExists(zone.name, caller_reference)
        return create(self, name, private_zone, caller_reference, *args, **kwargs)

    Route53Backend.create_hosted_zone = create_hosted_zone
