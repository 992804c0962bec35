"""The realistic mode's clock: AWS durations, scaled and seeded.

- ``enabled()``: whether realistic mode is on (``STACKR_MOTO_REALISTIC=1``).
- ``scale()``: how many times faster than AWS (``STACKR_MOTO_TIME_SCALE``,
  default 60).
- ``aws_seconds(low, high, key)``: a duration in AWS seconds drawn from
  ``[low, high]``; the same ``key`` (e.g. a resource id and what it is
  doing) always draws the same value within a server's life, and the draws
  follow ``STACKR_MOTO_SEED``. With ``STACKR_MOTO_DURATIONS=typical``
  (``--typical-durations``) every duration is its range's middle instead:
  the same for every run whatever the order of the calls, for comparing
  two runs (benchmarks).
- ``wall(aws_s)``: AWS seconds as seconds of this server's time.
- ``Phase``: a state that ends at a moment: ``Phase(key, low, high)``
  started now; ``.done()`` once its drawn duration has passed;
  ``.remaining()`` in wall seconds.

All times are ``time.monotonic()``. Tests may call ``configure()`` to switch
the mode on in-process with a scale and seed of their own.
"""

import os
import random
import threading
import time

DEFAULT_SCALE = 60.0

_lock = threading.Lock()
_config = {}
_draws = {}


def _load():
    if not _config:
        _config["enabled"] = os.environ.get("STACKR_MOTO_REALISTIC", "") not in ("", "0", "false", "no")
        try:
            _config["scale"] = float(os.environ.get("STACKR_MOTO_TIME_SCALE", DEFAULT_SCALE))
        except ValueError:
            _config["scale"] = DEFAULT_SCALE
        if _config["scale"] <= 0:
            _config["scale"] = DEFAULT_SCALE
        _config["seed"] = os.environ.get("STACKR_MOTO_SEED", "0")
        _config["typical"] = os.environ.get("STACKR_MOTO_DURATIONS", "") == "typical"
        _config["rng"] = random.Random(_config["seed"])
    return _config


def configure(enabled=True, scale=DEFAULT_SCALE, seed="0", typical=False):
    """Sets the mode in-process (tests); forgets every earlier draw."""
    with _lock:
        _config.clear()
        _config.update(
            enabled=enabled, scale=float(scale), seed=str(seed), rng=random.Random(str(seed)), typical=typical
        )
        _draws.clear()


def enabled():
    return _load()["enabled"]


def scale():
    return _load()["scale"]


def now():
    return time.monotonic()


def aws_seconds(low, high, key=None):
    """A duration in AWS seconds in [low, high]; stable per key."""
    with _lock:
        config = _load()
        if config.get("typical"):
            return (low + high) / 2.0
        if key is not None and key in _draws:
            return _draws[key]
        value = config["rng"].uniform(low, high) if high > low else float(low)
        if key is not None:
            _draws[key] = value
        return value


def wall(aws_s):
    """AWS seconds as wall seconds at this server's scale."""
    return aws_s / scale()


class Phase:
    """A state lasting a drawn AWS duration from the moment it is made."""

    def __init__(self, key, low, high):
        self.started = now()
        self.aws = aws_seconds(low, high, key)
        self.ends = self.started + wall(self.aws)

    def done(self):
        return now() >= self.ends

    def remaining(self):
        return max(0.0, self.ends - now())


def begin(obj, prefix, state, span):
    """Puts ``obj`` (a moto model) in ``state`` for a duration drawn from
    ``span`` (AWS seconds), keyed ``prefix:state:n`` for the n-th phase of
    the object so that a seed gives the same durations; returns the Phase.
    Callers serialize changes of one object (each module's own lock)."""
    count = obj.__dict__.get("_stackr_phases", 0) + 1
    obj.__dict__["_stackr_phases"] = count
    phase = Phase(f"{prefix}:{state}:{count}", *span)
    obj.__dict__["_stackr_phase"] = (state, phase)
    return phase


def current(obj):
    """The state of ``obj``'s phase while it lasts, else None."""
    phase = obj.__dict__.get("_stackr_phase")
    if phase is None or phase[1].done():
        return None
    return phase[0]
