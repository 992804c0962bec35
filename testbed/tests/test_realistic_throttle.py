"""Realistic request rates: Route 53 throttles an account beyond five
requests per AWS second, and only that account."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError

from .realistic_base import RealisticCase


class Route53Rate(RealisticCase):
    # 1x: five requests per wall second, so that a burst exceeds it.
    SCALE = 1

    def burst(self, n, warm=True):
        r53 = self.client("route53")
        if warm:
            # An account's first call sets up its backend, slowly enough to
            # refill the bucket: once first, then a full bucket.
            r53.list_hosted_zones()
            time.sleep(1.1)
        def one(_):
            try:
                r53.list_hosted_zones()
                return "ok"
            except ClientError as e:
                self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 400)
                self.assertEqual(e.response["Error"]["Message"], "Rate exceeded")
                return e.response["Error"]["Code"]

        # At once, as many callers as calls: faster than any refill.
        with ThreadPoolExecutor(n) as pool:
            return list(pool.map(one, range(n)))

    def test_a_burst_beyond_five_a_second_is_throttled_then_allowed_again(self):
        codes = self.burst(20)
        self.assertGreaterEqual(codes.count("ok"), 5, "a full bucket takes five at once")
        self.assertIn("Throttling", codes)
        time.sleep(1.0)
        self.assertEqual(self.burst(5, warm=False), ["ok"] * 5, "refilled at five a second")

    def test_each_account_has_its_own_rate(self):
        self.assertIn("Throttling", self.burst(20))
        self.account = str(uuid.uuid4().int)[:12]
        self.assertEqual(self.burst(3), ["ok"] * 3)

    def test_other_services_are_not_throttled_here(self):
        iam = self.client("iam")
        for _ in range(20):
            iam.list_roles()
