"""Starts moto's server with stackr's additions; arguments are moto's own,
plus realistic mode (see ``stackr_moto.realistic``)::

    python -m stackr_moto [--realistic [--time-scale N] [--seed S] [--typical-durations]] [moto's arguments]

With STACKR_MOTO_WATCH_STDIN=1 the server exits when its standard input
closes, i.e. when the process that started it is gone, however it ended.
"""

import os
import sys
import threading


def _watch_parent():
    try:
        sys.stdin.buffer.read()
    finally:
        log = os.environ.get("STACKR_MOTO_LOG")
        if log:
            try:
                os.unlink(log)
            except OSError:
                pass
        os._exit(0)


if os.environ.get("STACKR_MOTO_WATCH_STDIN") == "1":
    threading.Thread(target=_watch_parent, daemon=True).start()


def _realistic_flags(argv):
    """Takes ``--realistic``, ``--time-scale N``, ``--seed S`` and
    ``--typical-durations`` out of
    ``argv`` into the environment that ``stackr_moto.realistic.clock`` reads."""
    rest, i = [], 0
    while i < len(argv):
        arg = argv[i]
        name, _, inline = arg.partition("=")
        if arg == "--realistic":
            os.environ["STACKR_MOTO_REALISTIC"] = "1"
        elif arg == "--typical-durations":
            os.environ["STACKR_MOTO_DURATIONS"] = "typical"
        elif name in ("--time-scale", "--seed"):
            if inline:
                value = inline
            elif i + 1 < len(argv):
                i += 1
                value = argv[i]
            else:
                sys.exit(f"stackr_moto: {name} needs a value")
            if name == "--time-scale":
                try:
                    if float(value) <= 0:
                        raise ValueError
                except ValueError:
                    sys.exit(f"stackr_moto: --time-scale must be a positive number, not {value!r}")
                os.environ["STACKR_MOTO_TIME_SCALE"] = value
            else:
                os.environ["STACKR_MOTO_SEED"] = value
        else:
            rest.append(arg)
        i += 1
    return rest


args = _realistic_flags(sys.argv[1:])

import moto  # noqa: E402
from moto.server import main  # noqa: E402

import stackr_moto  # noqa: E402

from stackr_moto.realistic import clock  # noqa: E402

applied = stackr_moto.apply()
mode = f"realistic, {clock.scale():g}x AWS's pace" if clock.enabled() else "instant"
sys.stderr.write("stackr-testkit: moto %s with stackr_moto (%s; %s)\n" % (moto.__version__, ", ".join(applied) or "no patches", mode))
sys.stderr.flush()
main(args)
