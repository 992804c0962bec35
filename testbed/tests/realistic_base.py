"""What the realistic-mode tests share: a local AWS of their own, in
realistic mode, and boto3 clients that reach only it.

Each test class starts one server (``python -m stackr_moto --realistic``)
on a free port of 127.0.0.1 at ``SCALE`` times AWS's pace; each test gets
its own moto account (the ``x-moto-account-id`` header), so tests of one
class never see each other's resources.

Run them all with ``python -m unittest discover -s testbed/tests -t testbed``
(scripts/test.sh does) using the venv that holds moto.
"""

import os
import random
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

import boto3
from botocore.config import Config

TESTBED = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """One realistic local AWS, killed by ``stop()``."""

    def __init__(self, scale, seed="1", realistic=True):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, PYTHONPATH=TESTBED, PYTHONUNBUFFERED="1")
        inherited = ("AWS_PROFILE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
        for k in inherited + ("STACKR_MOTO_REALISTIC", "STACKR_MOTO_DURATIONS"):
            env.pop(k, None)
        args = [sys.executable, "-m", "stackr_moto"]
        if realistic:
            args += ["--realistic", "--time-scale", str(scale), "--seed", str(seed)]
        args += ["-H", "127.0.0.1", "-p", str(self.port)]
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("stackr_moto did not start: " + self.proc.stderr.read().decode()[-2000:])
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("stackr_moto did not answer within 60 s")
                time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()


class RealisticCase(unittest.TestCase):
    """A test class with a realistic local AWS of its own.

    ``SCALE``: how many times faster than AWS (600 by default: a 10-minute
    create takes 1 s, so the tests stay quick while every state is still
    seen). ``self.client(service)`` is a boto3 client in this test's own
    account; ``self.wait_until(fn)`` polls until ``fn()`` is truthy.
    """

    SCALE = 600
    SEED = "1"
    # False: the default (instant) mode, for what both modes do.
    REALISTIC = True
    REGION = "ap-northeast-1"

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.SCALE, cls.SEED, realistic=cls.REALISTIC)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.account = "".join(random.choice("0123456789") for _ in range(12))

    def subnets(self, zones=("a", "c")):
        """Subnets of a new VPC, one per zone of the test's region."""
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        return [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{self.REGION}{z}")["Subnet"][
                "SubnetId"
            ]
            for i, z in enumerate(zones, start=1)
        ]

    def client(self, service, region=None):
        c = boto3.client(
            service,
            region_name=region or self.REGION,
            endpoint_url=self.server.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )
        account = self.account

        def add_account(request, **_):
            request.headers["x-moto-account-id"] = account

        c.meta.events.register("before-send", add_account)
        return c

    def aws_seconds(self, wall_seconds):
        """Wall seconds at this class's scale, as AWS seconds."""
        return wall_seconds * self.SCALE

    def wait_until(self, fn, timeout=30.0, pause=0.05, what="the condition"):
        """Polls ``fn`` until it returns something truthy; returns that."""
        deadline = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"{what} not reached within {timeout} s")
            time.sleep(pause)

    def states_until(self, read, final, timeout=20):
        """The distinct states ``read`` gives, in order, until ``final``."""
        seen = []

        def reached():
            state = read()
            if not seen or seen[-1] != state:
                seen.append(state)
            return state == final

        self.wait_until(reached, timeout=timeout, pause=0.02, what=f"state {final}")
        return seen

    def assertRefused(self, code, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` fails with the AWS error ``code``; returns the error."""
        from botocore.exceptions import ClientError

        with self.assertRaises(ClientError) as ctx:
            fn(*args, **kwargs)
        self.assertEqual(ctx.exception.response["Error"]["Code"], code, ctx.exception.response["Error"])
        return ctx.exception
