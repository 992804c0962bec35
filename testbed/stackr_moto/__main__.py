"""Starts moto's server with stackr's additions; arguments are moto's own.

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

import moto  # noqa: E402
from moto.server import main  # noqa: E402

import stackr_moto  # noqa: E402

applied = stackr_moto.apply()
sys.stderr.write("stackr-testkit: moto %s with stackr_moto (%s)\n" % (moto.__version__, ", ".join(applied) or "no patches"))
sys.stderr.flush()
main(sys.argv[1:])
