"""The realistic mode's switches and clock."""

import os
import subprocess
import sys
import unittest

from .realistic_base import TESTBED, Server

sys.path.insert(0, TESTBED)
from stackr_moto.realistic import clock  # noqa: E402


class ClockTest(unittest.TestCase):
    def tearDown(self):
        clock.configure(enabled=False)

    def test_draws_are_stable_per_key_and_seeded(self):
        clock.configure(scale=60, seed="7")
        a = clock.aws_seconds(60, 180, "nat-1:create")
        self.assertTrue(60 <= a <= 180)
        self.assertEqual(a, clock.aws_seconds(60, 180, "nat-1:create"))
        clock.configure(scale=60, seed="7")
        self.assertEqual(a, clock.aws_seconds(60, 180, "nat-1:create"))

    def test_typical_durations_are_the_middle_of_each_range(self):
        clock.configure(scale=60, typical=True)
        self.assertEqual(clock.aws_seconds(60, 180, "nat-1:create"), 120)
        self.assertEqual(clock.aws_seconds(60, 180, "nat-2:create"), 120)

    def test_scale_divides_aws_time(self):
        clock.configure(scale=60)
        self.assertAlmostEqual(clock.wall(600), 10.0)
        phase = clock.Phase("k", 600, 600)
        self.assertFalse(phase.done())
        self.assertAlmostEqual(phase.aws, 600)
        self.assertTrue(9.5 < phase.remaining() <= 10.0)


class FlagsTest(unittest.TestCase):
    def test_server_says_its_mode(self):
        server = Server(scale=120, seed="3")
        try:
            server.proc.kill()
            server.proc.wait()
            log = server.proc.stderr.read().decode()
        finally:
            server.stop()
        self.assertIn("realistic, 120x AWS's pace", log)

    def test_bad_time_scale_is_refused(self):
        env = dict(os.environ, PYTHONPATH=TESTBED)
        out = subprocess.run(
            [sys.executable, "-m", "stackr_moto", "--realistic", "--time-scale", "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("--time-scale must be a positive number", out.stderr)
