"""The command line of ``python -m stackr_faults`` (see the package docstring).

``main(argv)`` parses the arguments (exit status 2 with a message on a bad
one, e.g. an upstream that is not on 127.0.0.1), starts the server, prints
``stackr-faults listening on http://127.0.0.1:PORT`` once it accepts
connections, and serves until killed, or until standard input reaches end
of file with ``--watch-stdin``.
"""

import argparse
import os
import sys
import threading
from urllib.parse import urlsplit

from .policy import KINDS, Policy, parse_kinds
from .server import ProxyServer
from .stats import FaultLog, Stats


def _upstream_port(value):
    """The port of ``http://127.0.0.1:PORT``; anything else is refused."""
    try:
        split = urlsplit(value)
        port = split.port
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"invalid upstream {value!r}: {e}") from None
    if split.scheme != "http" or split.hostname != "127.0.0.1" or port is None or split.path not in ("", "/"):
        raise argparse.ArgumentTypeError(f"the upstream must be http://127.0.0.1:PORT, not {value!r}")
    return port


def _rate(value):
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError(f"the fault rate is between 0 and 1, not {value}")
    return rate


def _millis(value):
    try:
        millis = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not millis >= 0:
        raise argparse.ArgumentTypeError(f"milliseconds are at least 0, not {value}")
    return millis


def _kinds(value):
    try:
        return parse_kinds(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _port(value):
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port: {value}")
    return port


def parse_args(argv):
    """The parsed arguments (argparse exits with status 2 on a bad one)."""
    parser = argparse.ArgumentParser(
        prog="python -m stackr_faults",
        description="A fault-injecting HTTP proxy between the AWS SDK and the local AWS, on 127.0.0.1.",
    )
    parser.add_argument("--upstream", required=True, type=_upstream_port, help="http://127.0.0.1:PORT of the local AWS")
    parser.add_argument("--port", type=_port, default=0, help="port to listen on (0: a free one)")
    parser.add_argument("--latency-ms", type=_millis, default=0.0, help="delay of each call, in ms")
    parser.add_argument("--jitter-ms", type=_millis, default=0.0, help="uniform +/- jitter of the delay, in ms")
    parser.add_argument("--fault-rate", type=_rate, default=0.0, help="probability (0..1) that a call gets a fault")
    parser.add_argument("--kinds", type=_kinds, default=KINDS, help="fault kinds to mix: " + ",".join(KINDS))
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault decisions")
    parser.add_argument("--log", metavar="FILE", help="append one JSON line per injected fault")
    parser.add_argument("--log-all", action="store_true", help="also log one line per call")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when standard input closes")
    return parser.parse_args(argv)


def _exit_on_stdin_eof():
    try:
        sys.stdin.buffer.read()
    finally:
        os._exit(0)


def main(argv=None):
    """Runs the proxy; returns only on a start-up error."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.watch_stdin:
        threading.Thread(target=_exit_on_stdin_eof, name="watch-stdin", daemon=True).start()
    policy = Policy(args.fault_rate, args.kinds, args.latency_ms, args.jitter_ms, args.seed)
    try:
        log = FaultLog(args.log, args.log_all) if args.log else None
        server = ProxyServer(args.port, args.upstream, policy, Stats(), log)
    except OSError as e:
        sys.stderr.write(f"stackr-faults: {e}\n")
        return 1
    port = server.server_address[1]
    sys.stdout.write(f"stackr-faults listening on http://127.0.0.1:{port}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
