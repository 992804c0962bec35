"""API request rates (realistic mode): AWS throttles an account that calls
faster than a service's rate; moto never did.

- Route 53: "five requests per second per AWS account" across its API;
  beyond it, ``Throttling`` ("Rate exceeded", HTTP 400), which callers are
  to retry with backoff.
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests
  https://docs.aws.amazon.com/Route53/latest/APIReference/CommonErrors.html

A token bucket per service and account, in AWS time (``clock``): as many
tokens as the rate allows in one second, refilled at that rate. At a time
scale of 60, Route 53 answers up to 300 calls per wall second, which is
what 5 per AWS second are once the server's time runs 60 times faster.
``throttled()`` counts the refusals, by service.
"""

import threading

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse

from . import clock

# service name (moto's) -> requests per AWS second, per account.
RATES = {"route53": 5.0}

_lock = threading.Lock()
# (service, account) -> [tokens, last refill (monotonic)]
_buckets = {}
_refused = {}


class Throttling(ServiceException):
    def __init__(self):
        super().__init__("Throttling", "Rate exceeded")


def take(service, account):
    """Whether a call of ``account`` to ``service`` may go through now."""
    rate = RATES.get(service)
    if rate is None:
        return True
    now = clock.now()
    with _lock:
        bucket = _buckets.setdefault((service, account), [rate, now])
        bucket[0] = min(rate, bucket[0] + (now - bucket[1]) * clock.scale() * rate)
        bucket[1] = now
        if bucket[0] >= 1.0:
            bucket[0] -= 1.0
            return True
        _refused[service] = _refused.get(service, 0) + 1
        return False


def throttled():
    """Calls refused so far, by service."""
    with _lock:
        return dict(_refused)


def apply():
    original = BaseResponse.call_action
    if getattr(original, "_stackr_throttle", False):
        return

    def call_action(self):
        if not take(self.service_name, getattr(self, "current_account", "")):
            status, headers, body = self.serialized(ActionResult(Throttling()))
            headers, body = self._enrich_response(headers, body)
            return status, headers, body
        return original(self)

    call_action._stackr_throttle = True
    BaseResponse.call_action = call_action
