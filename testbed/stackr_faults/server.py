"""The proxy's HTTP server: forwarding, fault injection and the control endpoint.

``ProxyServer(port, upstream_port, policy, stats, log)`` listens on
127.0.0.1 (one thread per client connection, HTTP/1.1 keep-alive) and
forwards each request to the upstream on 127.0.0.1: method, path and query,
headers except hop-by-hop ones, and the body byte for byte (a chunked body
is forwarded with its exact Content-Length; ``Host`` stays as the client
sent it, so SigV4 signatures still verify). The response's status, headers
and body come back unchanged, with an exact Content-Length. Each client
connection's thread keeps one upstream connection of its own, so calls
run concurrently and a delay in one never holds up another.

For each call, after its body is read, the ``Policy`` decides a fault and a
delay; the delay is slept, then the call is forwarded or faulted (see the
package docstring for the shapes). Requests under ``CONTROL_PREFIX`` are the
control endpoint: never forwarded, faulted, delayed or counted.
"""

import http.client
import json
import socket
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .identify import identify
from .shapes import error_response

CONTROL_PREFIX = "/__stackr_faults__/"

# Headers that describe one connection, not the message (RFC 9110 7.6.1),
# plus those the proxy sets itself.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "expect",
    }
)
_MAX_LINE = 65536
_UPSTREAM_TIMEOUT = 300


class BadRequest(Exception):
    """The client's request cannot be read (answered 400, connection closed)."""


class ProxyServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1 holding the proxy's shared state."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, port, upstream_port, policy, stats, log=None):
        self.upstream_port = upstream_port
        self.policy = policy
        self.stats = stats
        self.log = log
        super().__init__(("127.0.0.1", port), ProxyHandler)


class ProxyHandler(BaseHTTPRequestHandler):
    """One client connection: requests in turn, each forwarded or faulted."""

    protocol_version = "HTTP/1.1"
    server_version = "stackr-faults"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._upstream = None
        self._reset = False

    def finish(self):
        super().finish()
        if self._upstream is not None:
            self._upstream.close()
        if self._reset:
            # rfile and wfile are closed: this is the socket's real close,
            # and with SO_LINGER 0 it sends RST rather than FIN. The server's
            # shutdown_request then finds the socket closed and does nothing.
            self.connection.close()

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        """Silent: the proxy's record is its log file and its stats."""

    def _serve(self):
        started = time.monotonic()
        try:
            body = self._read_body()
        except BadRequest as e:
            self.close_connection = True
            self._send(400, [("Content-Type", "text/plain")], f"stackr-faults: {e}\n".encode())
            return
        if self.path.startswith(CONTROL_PREFIX):
            self._control(body)
            return
        server = self.server
        call = identify(self.command, self.path, self.headers, body)
        kind, unavailable, delay = server.policy.decide()
        server.stats.record(call, kind)
        if delay > 0:
            time.sleep(delay)
        status = None
        if kind in ("throttle", "5xx"):
            status, headers, payload = error_response(call, kind, unavailable)
            self._send(status, headers, payload, head=self.command == "HEAD")
        elif kind == "reset":
            self._reset_connection()
        else:
            response = self._forward(body)
            if response is None:
                return
            status, reason, headers, payload = response
            if kind == "lost":
                self._reset_connection()
            else:
                self._send(status, headers, payload, reason=reason, upstream=True)
        log = server.log
        if log is not None:
            if kind is not None:
                log.fault(call, kind, self.command, self.path, status)
            log.request(call, kind, self.command, self.path, status, (time.monotonic() - started) * 1000)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    # Reading the request.

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise BadRequest(f"invalid Content-Length {length!r}") from None
        if n < 0:
            raise BadRequest(f"invalid Content-Length {length!r}")
        return self._read_exact(n)

    def _read_exact(self, n):
        data = self.rfile.read(n)
        if len(data) != n:
            raise BadRequest(f"the body ended after {len(data)} of {n} bytes")
        return data

    def _read_chunked(self):
        parts = []
        while True:
            line = self.rfile.readline(_MAX_LINE)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadRequest(f"invalid chunk size line {line[:40]!r}") from None
            if size < 0:
                raise BadRequest(f"invalid chunk size {size}")
            if size == 0:
                break
            parts.append(self._read_exact(size))
            if self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n"):
                raise BadRequest("a chunk does not end with CRLF")
        while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
            pass  # trailers: dropped, like every hop-by-hop framing
        return b"".join(parts)

    # Forwarding.

    def _forward(self, body):
        """``(status, reason, headers, body)`` from the upstream, or None after
        answering 502 when it cannot be reached."""
        had_body = body or "Content-Length" in self.headers or "Transfer-Encoding" in self.headers
        for attempt in (1, 2):
            if self._upstream is None:
                self._upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, _UPSTREAM_TIMEOUT)
            conn = self._upstream
            reused = conn.sock is not None
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() not in _HOP_BY_HOP:
                        conn.putheader(name, value)
                if had_body:
                    conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body if body else None)
                response = conn.getresponse()
                payload = response.read()
                headers = response.getheaders()
                if response.will_close:
                    conn.close()
                return response.status, response.reason, headers, payload
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                conn.close()
                self._upstream = None
                # An idle kept-alive connection the upstream closed: nothing
                # was processed, so one retry on a new connection is safe.
                if reused and attempt == 1:
                    continue
                error = e
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                self._upstream = None
                error = e
            break
        sys.stderr.write(f"stackr-faults: upstream 127.0.0.1:{self.server.upstream_port} failed: {error!r}\n")
        self.close_connection = True
        self._send(502, [("Content-Type", "text/plain")], f"stackr-faults: upstream failed: {error}\n".encode())
        return None

    # Answering.

    def _send(self, status, headers, body, reason=None, head=False, upstream=False):
        """Writes a whole response with an exact Content-Length (for HEAD, 1xx,
        204 and 304 from the upstream, its own Content-Length, and no body)."""
        no_body = self.command == "HEAD" or status in (204, 304) or 100 <= status < 200
        self.send_response_only(status, reason)
        length = None
        for name, value in headers:
            lower = name.lower()
            if lower == "content-length" and upstream and no_body:
                length = value
            elif lower not in _HOP_BY_HOP:
                self.send_header(name, value)
        if not no_body or head:
            length = str(len(body))
        if length is not None:
            self.send_header("Content-Length", length)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not no_body and body:
            self.wfile.write(body)

    def _reset_connection(self):
        """Ends the connection with a TCP RST (in ``finish``) and no response."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self._reset = True

    # The control endpoint.

    def _control(self, body):
        server = self.server
        name = self.path[len(CONTROL_PREFIX) :].split("?", 1)[0].strip("/")
        if name == "stats" and self.command == "GET":
            return self._json(200, server.stats.snapshot())
        if name == "config" and self.command in ("GET", "POST"):
            if self.command == "POST":
                try:
                    server.policy.update(json.loads(body.decode("utf-8") or "{}"))
                except (ValueError, UnicodeDecodeError) as e:
                    return self._json(400, {"error": str(e)})
            return self._json(200, server.policy.snapshot())
        if name == "reset-stats" and self.command == "POST":
            server.stats.reset()
            return self._json(200, server.stats.snapshot())
        known = "GET stats, GET|POST config, POST reset-stats"
        return self._json(404, {"error": f"no control {self.command} {name!r}: {known}"})

    def _json(self, status, value):
        self._send(status, [("Content-Type", "application/json")], (json.dumps(value) + "\n").encode())
