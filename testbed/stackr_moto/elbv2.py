"""Elastic Load Balancing v2, refusing what AWS refuses.

- DeleteLoadBalancer of a load balancer whose attribute
  ``deletion_protection.enabled`` is ``true``: ``OperationNotPermitted``
  (HTTP 400), and the load balancer stays. moto deleted it. "You can't
  delete a load balancer if deletion protection is enabled."
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteLoadBalancer.html
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#deletion-protection
"""

from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import ELBv2Backend

from ._util import wrap_method as _wrap


def _delete_load_balancer(original, self, arn, *args, **kwargs):
    lb = self.load_balancers.get(arn)
    if lb is not None and str(lb.attrs.get("deletion_protection.enabled", "false")).lower() == "true":
        raise ELBClientError(
            "OperationNotPermitted",
            f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled",
        )
    return original(self, arn, *args, **kwargs)


def apply():
    _wrap(ELBv2Backend, "delete_load_balancer")(_delete_load_balancer)
