"""What the proxy counted and what it logs.

``Stats`` counts proxied calls and injected faults, in total, per kind and
per ``service:Operation``; ``snapshot()`` is the JSON of
``GET /__stackr_faults__/stats``. ``FaultLog`` appends one JSON line per
event to a file (flushed at once, so a test reads it while the proxy
runs): ``event`` is ``"fault"`` for an injected fault and ``"request"`` for
each call when every call is logged. Both are safe to use from many threads.
"""

import datetime
import json
import threading

from .policy import KINDS


class Stats:
    """Counters of calls and faults."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        """Zeroes every counter."""
        with self._lock:
            self._requests = 0
            self._faults = {kind: 0 for kind in KINDS}
            self._by_operation = {}

    def record(self, call, kind):
        """Counts one proxied call, and its fault when ``kind`` is not None."""
        key = f"{call.service}:{call.operation}"
        with self._lock:
            self._requests += 1
            entry = self._by_operation.setdefault(key, {"requests": 0, "faults": 0})
            entry["requests"] += 1
            if kind is not None:
                self._faults[kind] += 1
                entry["faults"] += 1

    def snapshot(self):
        """The counters as a JSON-ready dict."""
        with self._lock:
            return {
                "requests": self._requests,
                "faults": dict(self._faults),
                "by_operation": {k: dict(v) for k, v in sorted(self._by_operation.items())},
            }


class FaultLog:
    """JSON lines appended to a file; ``everything`` also logs calls without a fault."""

    def __init__(self, path, everything=False):
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="utf-8")
        self.everything = everything

    def fault(self, call, kind, method, path, status):
        """One line for an injected fault (status: what moto answered for ``lost``, None for ``reset``)."""
        self._write("fault", call, kind, method, path, status, None)

    def request(self, call, kind, method, path, status, millis):
        """One line for a proxied call, when every call is logged."""
        if self.everything:
            self._write("request", call, kind, method, path, status, millis)

    def _write(self, event, call, kind, method, path, status, millis):
        line = {
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
            "event": event,
            "kind": kind,
            "service": call.service,
            "operation": call.operation,
            "method": method,
            "path": path,
            "status": status,
        }
        if millis is not None:
            line["ms"] = round(millis, 1)
        text = json.dumps(line, separators=(",", ":")) + "\n"
        with self._lock:
            self._file.write(text)
            self._file.flush()
