"""Backends for the end-to-end tests: small servers on 127.0.0.1 ephemeral ports, each in
its own threads, recording what the gateway sent them.

- EchoBackend: http.server.ThreadingHTTPServer (HTTP/1.1, keep-alive) answering with a
  JSON description of the request; counts TCP connections.
- RawBackend: a socket server calling handler(conn, backend) per connection, for
  misbehaviour that a real HTTP server library would not produce. Ready-made handlers
  below: chunked, big streaming/sink, slow, close-mid-response, never-answer, reset,
  closes-idle-keep-alive, scripted bytes, barrier.
- BlackholeBackend: a listener whose accept queue is full, so a connect() hangs.
"""

import functools
import hashlib
import json
import random
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from harness import free_port
from rawhttp import header_value

# ---- the pattern streamed by big transfers -------------------------------------------
# A pseudo-random block whose length is not a power of two, repeated: a lost, duplicated or
# reordered buffer changes the SHA-256 of the stream.
PATTERN_PERIOD = 1048583
_PATTERN = random.Random(20240601).randbytes(PATTERN_PERIOD)
_PATTERN2 = memoryview(_PATTERN * 2)
PATTERN_PIECE = 1 << 19  # must stay <= PATTERN_PERIOD


def pattern_pieces(size, piece=PATTERN_PIECE, offset=0):
    """Yields memoryviews covering bytes [offset, offset+size) of the infinite pattern."""
    assert piece <= PATTERN_PERIOD
    pos = offset
    end = offset + size
    while pos < end:
        n = min(piece, end - pos)
        start = pos % PATTERN_PERIOD
        yield _PATTERN2[start:start + n]
        pos += n


@functools.lru_cache(maxsize=8)
def pattern_sha256(size):
    h = hashlib.sha256()
    for p in pattern_pieces(size, piece=PATTERN_PERIOD):
        h.update(p)
    return h.hexdigest()


# ---- the backend side of a raw connection ----------------------------------------------

class RawRequest:
    def __init__(self, method, target, version, headers):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = b""
        url = urlsplit(target)
        self.path = url.path
        self.query = parse_qs(url.query)

    def header(self, name):
        return header_value(self.headers, name)

    def q(self, name, default=None):
        return self.query.get(name, [default])[0]


class BackendConn:
    def __init__(self, sock, backend):
        self.sock = sock
        self.backend = backend
        self.buf = bytearray()

    def _fill(self):
        try:
            data = self.sock.recv(1 << 20)
        except OSError:
            data = b""
        if not data:
            return False
        self.buf += data
        return True

    def read_until(self, delim, limit=1 << 20):
        while True:
            i = self.buf.find(delim)
            if i >= 0:
                out = bytes(self.buf[:i + len(delim)])
                del self.buf[:i + len(delim)]
                return out
            if len(self.buf) > limit or not self._fill():
                return None

    def read_exact(self, n):
        while len(self.buf) < n:
            if not self._fill():
                return None
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_request(self, read_body=True):
        """Reads one request head (and, if read_body, its body). None at EOF."""
        head = self.read_until(b"\r\n\r\n", limit=1 << 20)
        if head is None:
            return None
        lines = head[:-4].decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k, v.strip()))
        req = RawRequest(method, target, version, headers)
        self.backend.record(req)
        if read_body:
            parts = []
            for piece in self.iter_body(req):
                parts.append(piece)
            req.body = b"".join(parts)
        return req

    def iter_body(self, req, chunk=1 << 20):
        te = (req.header("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            while True:
                line = self.read_until(b"\r\n", limit=8192)
                if line is None:
                    raise ConnectionError("EOF in chunk size")
                size = int(line[:-2].split(b";")[0].strip(), 16)
                if size == 0:
                    while True:
                        t = self.read_until(b"\r\n", limit=65536)
                        if t is None:
                            raise ConnectionError("EOF in trailers")
                        if t == b"\r\n":
                            return
                yield from self._iter_exact(size, chunk, "chunk data")
                if self.read_exact(2) != b"\r\n":
                    raise ConnectionError("chunk without CRLF")
            return
        yield from self._iter_exact(int(req.header("Content-Length") or 0), chunk, "body")

    def _iter_exact(self, size, chunk, what):
        """Yields the next `size` bytes in pieces of at most `chunk`; ConnectionError when
        the peer closes first."""
        remaining = size
        while remaining:
            if not self.buf and not self._fill():
                raise ConnectionError("EOF in %s" % what)
            take = min(remaining, len(self.buf), chunk)
            piece = bytes(self.buf[:take])
            del self.buf[:take]
            remaining -= take
            yield piece

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def respond(self, status=200, body=b"", headers=(), reason="OK", close=False):
        if isinstance(body, str):
            body = body.encode()
        head = "HTTP/1.1 %d %s\r\n" % (status, reason)
        for k, v in headers:
            head += "%s: %s\r\n" % (k, v)
        head += "Content-Length: %d\r\n" % len(body)
        if close:
            head += "Connection: close\r\n"
        self.send(head.encode("latin-1") + b"\r\n" + body)

    def reset(self):
        """Closes with a TCP RST (SO_LINGER 0)."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.sock.close()
        except OSError:
            pass


# ---- servers -------------------------------------------------------------------------

class _Recorder:
    def __init__(self, name):
        self.name = name
        self.lock = threading.Lock()
        self.requests = []
        self.connections = 0
        self.stopping = threading.Event()

    def record(self, req):
        with self.lock:
            self.requests.append(req)

    def new_connection(self):
        with self.lock:
            self.connections += 1
            return self.connections

    def paths(self):
        with self.lock:
            return [r.path if hasattr(r, "path") else r["path"] for r in self.requests]

    def url(self, base=""):
        return "http://127.0.0.1:%d%s" % (self.port, base)

    def origin(self):
        return "127.0.0.1:%d" % self.port


class _EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "EchoBackend"
    # Head and body are separate writes: without TCP_NODELAY every response waits ~40 ms
    # for a delayed ACK (Nagle).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.conn_id = self.server.backend.new_connection()
        self.server.backend.track(self.connection)

    def _read_body(self):
        h = hashlib.sha256()
        n = 0
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            while True:
                line = self.rfile.readline(8192)
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                n += self._hash_exactly(h, size, "chunk")
                self.rfile.readline(8)
        else:
            n += self._hash_exactly(h, int(self.headers.get("Content-Length") or 0), "body")
        return n, h.hexdigest(), h

    def _hash_exactly(self, h, size, what):
        """Reads the next `size` body bytes into the hash h; returns size."""
        remaining = size
        while remaining:
            data = self.rfile.read(min(remaining, 1 << 20))
            if not data:
                raise ConnectionError("EOF in %s" % what)
            h.update(data)
            remaining -= len(data)
        return size

    def _handle(self):
        be = self.server.backend
        body_len, sha, _ = self._read_body()
        url = urlsplit(self.path)
        q = parse_qs(url.query)
        rec = {
            "backend": be.name,
            "method": self.command,
            "target": self.path,
            "path": url.path,
            "query": url.query,
            "version": self.request_version,
            "headers": [[k, v] for k, v in self.headers.items()],
            "bodyLength": body_len,
            "bodySha256": sha,
            "connection": self.conn_id,
        }
        be.record(rec)
        delay = float(q.get("_delay", ["0"])[0])
        if delay:
            be.stopping.wait(delay)
        status = int(q.get("_status", ["200"])[0])
        with be.lock:
            if be.fail_remaining > 0:
                be.fail_remaining -= 1
                status = be.fail_status
        payload = json.dumps(rec).encode()
        self.send_response(status)
        self.send_header("X-Backend", be.name)
        if status in (204, 304):
            self.end_headers()
            return
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if q.get("_close"):
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_TRACE = _handle


class _EchoServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # A gateway aborting an upstream request mid-body is expected in several tests;
        # what the backend saw is asserted through the recorded requests instead.
        self.backend.handler_errors += 1


class EchoBackend(_Recorder):
    """Answers every request with JSON: backend, method, target, path, query, headers
    ([[name, value]] in order), bodyLength, bodySha256, connection (1-based TCP connection
    number). Query parameters _status=N, _delay=SECONDS and _close=1 shape the answer;
    fail_next(n, status) makes the next n answers `status` (a backend that recovers)."""

    def __init__(self, name="echo"):
        super().__init__(name)
        self._socks = []
        self.handler_errors = 0
        self.fail_remaining = 0
        self.fail_status = 503
        self.server = _EchoServer(("127.0.0.1", 0), _EchoHandler)
        self.server.backend = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="echo-%s" % name, daemon=True)
        self.thread.start()

    def track(self, sock):
        with self.lock:
            self._socks.append(sock)

    def fail_next(self, count, status=503):
        """The next `count` requests are answered with `status` (then normal answers)."""
        with self.lock:
            self.fail_remaining = count
            self.fail_status = status

    def stop(self):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            socks = list(self._socks)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class RawBackend(_Recorder):
    """Calls handler(conn: BackendConn, backend) in a new thread per accepted connection."""

    def __init__(self, handler, name="raw", backlog=256):
        super().__init__(name)
        self.handler = handler
        self.errors = []
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(backlog)
        self.port = self.listener.getsockname()[1]
        self._socks = []
        self.counters = {}
        self.thread = threading.Thread(target=self._accept_loop, name="raw-%s" % name, daemon=True)
        self.thread.start()

    def add(self, key, n=1):
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + n

    def get(self, key):
        with self.lock:
            return self.counters.get(key, 0)

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.new_connection()
            with self.lock:
                self._socks.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock):
        conn = BackendConn(sock, self)
        try:
            self.handler(conn, self)
        except (OSError, ConnectionError):
            pass
        except Exception as e:  # a broken test backend must not go unnoticed
            self.errors.append(repr(e))
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def stop(self):
        self.stopping.set()
        try:
            self.listener.close()
        except OSError:
            pass
        with self.lock:
            socks = list(self._socks)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class BlackholeBackend:
    """A listener with backlog 0 whose accept queue is filled by our own connections and
    never accepted: Linux then drops further SYNs, so a connect() to it hangs until the
    connecting side gives up (connect timeout tests)."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        self.port = self.listener.getsockname()[1]
        self.fillers = []
        for _ in range(8):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            self.fillers.append(s)
        time.sleep(0.2)

    def connect_hangs(self, timeout=1.0):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(("127.0.0.1", self.port))
            return False
        except socket.timeout:
            return True
        except OSError:
            return False
        finally:
            s.close()

    def url(self, base=""):
        return "http://127.0.0.1:%d%s" % (self.port, base)

    def stop(self):
        for s in self.fillers:
            s.close()
        self.listener.close()


# ---- handlers for RawBackend -------------------------------------------------------------

def _keep_serving(conn, backend, answer):
    """Loop: read a request (with body), call answer(conn, req); stop at EOF or when
    answer returns False."""
    while not backend.stopping.is_set():
        req = conn.read_request()
        if req is None:
            return
        if answer(conn, req) is False:
            return


def chunked_handler(pieces, extensions=False, trailers=False):
    """Answers with Transfer-Encoding: chunked, one chunk per piece (optionally with chunk
    extensions and a trailer section the gateway must cope with)."""
    def answer(conn, req):
        out = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
        if trailers:
            out += b"Trailer: X-Checksum\r\n"
        out += b"\r\n"
        if req.method != "HEAD":
            for i, p in enumerate(pieces):
                ext = b";ext%d=\"v\"" % i if extensions else b""
                out += b"%x%s\r\n%s\r\n" % (len(p), ext, p)
            out += b"0\r\n"
            if trailers:
                out += b"X-Checksum: abc\r\n"
            out += b"\r\n"
        conn.send(out)
    return lambda conn, be: _keep_serving(conn, be, answer)


def scripted_handler(response, keep_alive=True):
    """Answers every request with `response` (bytes, or a function req -> bytes)."""
    def answer(conn, req):
        data = response(req) if callable(response) else response
        conn.send(data)
        return keep_alive
    return lambda conn, be: _keep_serving(conn, be, answer)


def slow_handler(delay=0.0, pieces=(b"slow",), interval=0.0):
    """Waits `delay`, sends the head, then each piece `interval` apart (Content-Length)."""
    body_len = sum(len(p) for p in pieces)

    def answer(conn, req):
        if conn.backend.stopping.wait(delay):
            return False
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % body_len)
        for p in pieces:
            if interval and conn.backend.stopping.wait(interval):
                return False
            conn.send(p)
        conn.backend.add("answered")
    return lambda conn, be: _keep_serving(conn, be, answer)


def close_mid_response_handler(chunked=False, declared=1000000, sent=1000):
    """Sends a head promising more than it delivers, then closes."""
    def handler(conn, backend):
        req = conn.read_request()
        if req is None:
            return
        if chunked:
            conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % sent + b"x" * sent + b"\r\n")
        else:
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % declared + b"x" * sent)
        time.sleep(0.1)
        conn.sock.shutdown(socket.SHUT_RDWR)
    return handler


def never_answer_handler():
    """Reads requests and never answers; holds the connection until the backend stops."""
    def handler(conn, backend):
        if conn.read_request() is None:
            return
        backend.add("held")
        backend.stopping.wait(120)
    return handler


def reset_handler():
    """Reads the request, then resets the connection."""
    def handler(conn, backend):
        if conn.read_request() is None:
            return
        conn.reset()
    return handler


def garbage_handler(data=b"THIS IS NOT HTTP\r\n\r\n"):
    def handler(conn, backend):
        if conn.read_request() is None:
            return
        conn.send(data)
        time.sleep(0.1)
    return handler


def closes_idle_handler(mode):
    """A keep-alive backend that drops connections without announcing it (no
    "Connection: close"):
    - "after_response": closes right after each response;
    - "on_next_request": answers the first request on a connection, then reads the
      next one and closes without answering (the classic stale pooled connection)."""
    assert mode in ("after_response", "on_next_request")

    def handler(conn, backend):
        req = conn.read_request()
        if req is None:
            return
        body = json.dumps({"backend": backend.name, "path": req.path, "method": req.method}).encode()
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
                  + (body if req.method != "HEAD" else b""))
        backend.add("answered")
        if mode == "after_response":
            time.sleep(0.05)
            conn.sock.shutdown(socket.SHUT_RDWR)
            return
        req = conn.read_request()
        if req is None:
            return
        backend.add("dropped")
        backend.add("dropped_" + req.method)
        conn.sock.shutdown(socket.SHUT_RDWR)
    return handler


def barrier_handler(parties, timeout=10.0):
    """Each request waits until `parties` requests are in the backend at once: 200 "met"
    when that happened, 503 "alone" on timeout."""
    barrier = threading.Barrier(parties)

    def answer(conn, req):
        try:
            barrier.wait(timeout)
            body, status = b"met", 200
        except threading.BrokenBarrierError:
            body, status = b"alone", 503
        conn.respond(status, body, reason="OK" if status == 200 else "Service Unavailable")
    return lambda conn, be: _keep_serving(conn, be, answer)


def big_handler():
    """Streaming backend, keep-alive:
    GET /big?size=N[&chunked=1][&pause=S]: N pattern bytes (pattern_pieces), with
      Content-Length or chunked; `pause` waits before the body. Progress in
      backend.get("sent").
    POST|PUT /sink[?pause=S]: consumes the request body without storing it (after waiting
      `pause` seconds) and answers {"length": n, "sha256": hex}. Progress in
      backend.get("received")."""
    def handler(conn, backend):
        while not backend.stopping.is_set():
            req = conn.read_request(read_body=False)
            if req is None:
                return
            pause = float(req.q("pause", "0"))
            if req.path.endswith("/big"):
                size = int(req.q("size", "0"))
                is_chunked = req.q("chunked") == "1"
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                head += b"Transfer-Encoding: chunked\r\n\r\n" if is_chunked else b"Content-Length: %d\r\n\r\n" % size
                conn.send(head)
                if pause and backend.stopping.wait(pause):
                    return
                for piece in pattern_pieces(size):
                    if is_chunked:
                        conn.send(b"%x\r\n" % len(piece))
                        conn.sock.sendall(piece)
                        conn.send(b"\r\n")
                    else:
                        conn.sock.sendall(piece)
                    backend.add("sent", len(piece))
                if is_chunked:
                    conn.send(b"0\r\n\r\n")
            elif req.path.endswith("/sink"):
                if pause and backend.stopping.wait(pause):
                    return
                h = hashlib.sha256()
                n = 0
                for piece in conn.iter_body(req):
                    h.update(piece)
                    n += len(piece)
                    backend.add("received", len(piece))
                conn.respond(200, json.dumps({"length": n, "sha256": h.hexdigest()}),
                             headers=[("Content-Type", "application/json")])
            else:
                for _ in conn.iter_body(req):
                    pass
                conn.respond(404, b"no such path")
    return handler


class Backends:
    """Creates backends for one test and stops them all at its end."""

    def __init__(self):
        self.all = []

    def _add(self, b):
        self.all.append(b)
        return b

    def echo(self, name="echo"):
        return self._add(EchoBackend(name))

    def raw(self, handler, name="raw"):
        return self._add(RawBackend(handler, name))

    def big(self):
        return self._add(RawBackend(big_handler(), "big"))

    def blackhole(self):
        return self._add(BlackholeBackend())

    def stop_all(self):
        errors = []
        for b in reversed(self.all):
            b.stop()
            errors += getattr(b, "errors", [])
        self.all = []
        return errors


def closed_port():
    """A 127.0.0.1 port with nothing listening (connection refused)."""
    return free_port()
