"""Realistic mode: AWS's pace and AWS's refusals, at a chosen speed.

By default the local AWS makes every resource ready the instant it exists
and refuses nothing for being early. In realistic mode
(``python -m stackr_moto --realistic [--time-scale N] [--seed S]``, or the
environment variables ``STACKR_MOTO_REALISTIC=1``,
``STACKR_MOTO_TIME_SCALE=N``, ``STACKR_MOTO_SEED=S``) each resource goes
through the states the AWS API reference documents, for about AWS's usual
duration divided by N (default 60: a 10-minute Aurora create takes 10 s),
and each operation is refused with AWS's own error code, in its protocol's
shape, while AWS would refuse it.

Everything the default mode fills in (the service modules one level up) is
kept; the modules of this package add the timing on top, one per service,
each listing in its docstring what it models and the AWS page it follows.
Durations are drawn from the ranges of ``shared/aws-timings.md`` with a
seeded generator, so a run with the same seed and the same calls sees the
same durations.

``apply()`` runs each module's ``apply()`` in name order, after the default
patches.
"""

import importlib
import pkgutil

from . import clock


def apply():
    """Applies every realistic module's patches (only when the mode is on)."""
    if not clock.enabled():
        return []
    applied = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "clock":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.apply()
        applied.append(info.name)
    return applied
