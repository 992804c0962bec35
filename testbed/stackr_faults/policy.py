"""Which call gets which fault, and how long each call waits.

``Policy`` holds the run-time configuration (fault rate, kinds, latency,
jitter, seed) behind a lock. ``decide()`` is called once per proxied call,
in arrival order, and returns ``(kind or None, unavailable, delay)``, the
delay in seconds. The fault decisions come from their own
``random.Random(seed)``, so the same seed and the same sequence of calls
give the same faults, whatever the latency and jitter drawn (those use a
second generator). ``unavailable`` alternates the
5xx faults between 500 and 503. ``update(dict)`` validates and applies a
configuration change (``ValueError`` says what is wrong, nothing is
changed then).
"""

import random
import threading

KINDS = ("throttle", "5xx", "reset", "lost")


def parse_kinds(value):
    """A tuple of fault kinds from a list or a comma-separated string."""
    if isinstance(value, str):
        items = [k.strip() for k in value.split(",") if k.strip()]
    elif isinstance(value, list) and all(isinstance(k, str) for k in value):
        items = [k.strip() for k in value]
    else:
        raise ValueError("kinds must be a list of strings or a comma-separated string")
    unknown = [k for k in items if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown fault kind(s) {', '.join(unknown)}: expected some of {', '.join(KINDS)}")
    if not items:
        raise ValueError(f"kinds must name at least one of {', '.join(KINDS)}")
    return tuple(dict.fromkeys(items))


def _number(name, value, upper=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValueError(f"{name} must be a number, not {value!r}")
    if value < 0 or (upper is not None and value > upper):
        bound = f"between 0 and {upper}" if upper is not None else "at least 0"
        raise ValueError(f"{name} must be {bound}, not {value!r}")
    return float(value)


def _seed(value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"seed must be an integer or null, not {value!r}")
    return value


class Policy:
    """The proxy's run-time configuration and its random decisions."""

    def __init__(self, fault_rate=0.0, kinds=KINDS, latency_ms=0.0, jitter_ms=0.0, seed=None):
        self._lock = threading.Lock()
        self.fault_rate = _number("fault_rate", fault_rate, 1)
        self.kinds = parse_kinds(list(kinds))
        self.latency_ms = _number("latency_ms", latency_ms)
        self.jitter_ms = _number("jitter_ms", jitter_ms)
        self._reseed(_seed(seed))

    def _reseed(self, seed):
        self.seed = seed
        self._faults = random.Random(seed)
        self._delays = random.Random(None if seed is None else seed ^ 0x5EED)
        self._server_errors = 0

    def decide(self):
        """``(kind or None, unavailable, delay seconds)`` for the next call."""
        with self._lock:
            kind = None
            unavailable = False
            if self.fault_rate > 0 and self._faults.random() < self.fault_rate:
                kind = self.kinds[self._faults.randrange(len(self.kinds))]
                if kind == "5xx":
                    unavailable = self._server_errors % 2 == 1
                    self._server_errors += 1
            delay = self.latency_ms
            if self.jitter_ms > 0:
                delay += self._delays.uniform(-self.jitter_ms, self.jitter_ms)
            return kind, unavailable, max(0.0, delay) / 1000.0

    def update(self, changes):
        """Applies a JSON object of changes; all or nothing."""
        if not isinstance(changes, dict):
            raise ValueError("the configuration must be a JSON object")
        unknown = sorted(set(changes) - {"fault_rate", "kinds", "latency_ms", "jitter_ms", "seed"})
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)}")
        new = {}
        if "fault_rate" in changes:
            new["fault_rate"] = _number("fault_rate", changes["fault_rate"], 1)
        if "kinds" in changes:
            new["kinds"] = parse_kinds(changes["kinds"])
        if "latency_ms" in changes:
            new["latency_ms"] = _number("latency_ms", changes["latency_ms"])
        if "jitter_ms" in changes:
            new["jitter_ms"] = _number("jitter_ms", changes["jitter_ms"])
        if "seed" in changes:
            seed = _seed(changes["seed"])
        with self._lock:
            for name, value in new.items():
                setattr(self, name, value)
            if "seed" in changes:
                self._reseed(seed)

    def snapshot(self):
        """The configuration as a JSON-ready dict."""
        with self._lock:
            return {
                "fault_rate": self.fault_rate,
                "kinds": list(self.kinds),
                "latency_ms": self.latency_ms,
                "jitter_ms": self.jitter_ms,
                "seed": self.seed,
            }
