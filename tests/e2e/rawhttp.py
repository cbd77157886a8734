"""A small, strict HTTP/1.1 client over raw sockets for the end-to-end tests.

http.client hides exactly what these tests look at (framing, interim responses, whether
the server closed the connection, truncated bodies), so requests are written as bytes and
responses are read and framed here (RFC 9112 §6.3).
"""

import json
import re
import socket
import time

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DEFAULT_HOST = "gateway.test"


def header_value(headers, name):
    """The value of the first header `name` (any case) in [(name, value)], or None."""
    name = name.lower()
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


class IncompleteResponse(Exception):
    """The connection ended (or timed out) before a complete response arrived."""

    def __init__(self, message, response=None):
        super().__init__(message)
        self.response = response


class Response:
    def __init__(self):
        self.version = ""
        self.status = None
        self.reason = ""
        self.headers = []        # [(name, value)] in order, duplicates kept
        self.body = b""
        self.complete = False    # body framing satisfied
        self.interim = []        # statuses of 1xx responses seen before this one
        self.trailers = []

    def header(self, name):
        return header_value(self.headers, name)

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def has_header(self, name):
        return self.header(name) is not None

    def connection_tokens(self):
        tokens = []
        for v in self.header_all("Connection"):
            tokens += [t.strip().lower() for t in v.split(",") if t.strip()]
        return tokens

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<Response %s %s headers=%r body=%r%s>" % (
            self.status, self.reason, self.headers, self.body[:300],
            "" if self.complete else " INCOMPLETE")


def build_request(method="GET", target="/", headers=None, body=None, host=DEFAULT_HOST,
                  version="HTTP/1.1"):
    """Request bytes. `headers` is a list of (name, value) or a dict; Host and
    Content-Length are added unless given (host=None: no Host)."""
    if isinstance(headers, dict):
        headers = list(headers.items())
    headers = list(headers or [])
    names = {k.lower() for k, _ in headers}
    out = ["%s %s %s\r\n" % (method, target, version)]
    if host is not None and "host" not in names:
        out.append("Host: %s\r\n" % host)
    for k, v in headers:
        out.append("%s: %s\r\n" % (k, v))
    if isinstance(body, str):
        body = body.encode()
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        out.append("Content-Length: %d\r\n" % len(body))
    out.append("\r\n")
    return "".join(out).encode("latin-1") + (body or b"")


def chunked(pieces, final=b"0\r\n\r\n"):
    """Encodes byte pieces with the chunked transfer coding."""
    out = b""
    for p in pieces:
        if isinstance(p, str):
            p = p.encode()
        out += b"%x\r\n" % len(p) + p + b"\r\n"
    return out + final


class Conn:
    """One client connection with a read buffer."""

    def __init__(self, port, host="127.0.0.1", timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False
        self.timeout = timeout

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def request(self, method="GET", target="/", headers=None, body=None, host=DEFAULT_HOST,
                version="HTTP/1.1", allow_incomplete=False):
        self.send(build_request(method, target, headers, body, host, version))
        return self.read_response(method, allow_incomplete=allow_incomplete)

    # ---- reading ----

    def _fill(self, n=262144):
        if self.eof:
            return False
        try:
            data = self.sock.recv(n)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def read_until(self, delim, limit=1 << 20):
        start = 0
        while True:
            i = self.buf.find(delim, start)
            if i >= 0:
                out = bytes(self.buf[:i + len(delim)])
                del self.buf[:i + len(delim)]
                return out
            start = max(0, len(self.buf) - len(delim) + 1)
            if len(self.buf) > limit:
                raise IncompleteResponse("no %r within %d bytes" % (delim, limit))
            if not self._fill():
                raise IncompleteResponse("connection closed while waiting for %r (have %r)"
                                         % (delim, bytes(self.buf[:200])))

    def read_exact(self, n):
        while len(self.buf) < n:
            if not self._fill(max(65536, min(n - len(self.buf), 1 << 20))):
                raise IncompleteResponse("connection closed with %d of %d bytes" % (len(self.buf), n))
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_to_eof(self, limit=64 << 20):
        while self._fill():
            if len(self.buf) > limit:
                raise AssertionError("more than %d bytes before EOF" % limit)
        out = bytes(self.buf)
        self.buf.clear()
        return out

    def read_head(self):
        """Reads one response head (status line + fields), skipping nothing."""
        head = self.read_until(b"\r\n\r\n", limit=256 << 10)
        lines = head[:-4].split(b"\r\n")
        r = Response()
        m = re.match(rb"^(HTTP/\d\.\d) (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise AssertionError("bad status line %r" % lines[0])
        r.version = m.group(1).decode()
        r.status = int(m.group(2))
        r.reason = (m.group(3) or b"").decode("latin-1")
        for line in lines[1:]:
            if b":" not in line or line[:1] in (b" ", b"\t"):
                raise AssertionError("bad response header line %r" % line)
            k, v = line.split(b":", 1)
            if k != k.strip():
                raise AssertionError("whitespace around header name %r" % line)
            r.headers.append((k.decode("latin-1"), v.strip(b" \t").decode("latin-1")))
        return r

    def read_response_head(self, method="GET"):
        """Reads interim 1xx responses and the final head; returns it with .interim set."""
        interim = []
        while True:
            r = self.read_head()
            if 100 <= r.status < 200 and r.status != 101:
                interim.append(r.status)
                continue
            r.interim = interim
            r.method = method
            return r

    def body_framing(self, r):
        """('none'|'chunked'|'length'|'close', length)"""
        if r.method == "HEAD" or r.status in (204, 304) or 100 <= r.status < 200:
            return "none", 0
        te = r.header_all("Transfer-Encoding")
        if te:
            codings = [c.strip().lower() for v in te for c in v.split(",")]
            if codings[-1] == "chunked":
                return "chunked", None
            return "close", None
        cls = r.header_all("Content-Length")
        if cls:
            values = {c.strip() for v in cls for c in v.split(",")}
            if len(values) != 1 or not next(iter(values)).isdigit():
                raise AssertionError("bad Content-Length in response: %r" % cls)
            return "length", int(next(iter(values)))
        return "close", None

    def iter_body(self, r, chunk=1 << 20):
        """Yields body bytes as they arrive (bounded memory); sets r.complete at the end.
        A premature EOF ends the iteration with r.complete False."""
        kind, length = self.body_framing(r)
        r.complete = False
        if kind == "none":
            r.complete = True
            return
        if kind == "length":
            r.complete = yield from self._iter_exact(length, chunk)
            return
        if kind == "close":
            while True:
                if self.buf:
                    piece = bytes(self.buf)
                    self.buf.clear()
                    yield piece
                if not self._fill(chunk):
                    r.complete = True  # close-delimited: EOF is the end (cannot tell truncation)
                    return
        # chunked (RFC 9112 §7.1)
        try:
            while True:
                line = self.read_until(b"\r\n", limit=8192)
                size_text = line[:-2].split(b";", 1)[0].strip()
                size = int(size_text, 16)
                if size == 0:
                    while True:
                        t = self.read_until(b"\r\n", limit=65536)
                        if t == b"\r\n":
                            r.complete = True
                            return
                        k, _, v = t[:-2].partition(b":")
                        r.trailers.append((k.decode("latin-1"), v.strip().decode("latin-1")))
                if not (yield from self._iter_exact(size, chunk)):
                    return
                if self.read_exact(2) != b"\r\n":
                    raise AssertionError("chunk data not followed by CRLF")
        except IncompleteResponse:
            return

    def _iter_exact(self, size, chunk):
        """Yields the next `size` bytes as they arrive (reads of at most `chunk`); returns
        True when all came, False at a premature EOF."""
        remaining = size
        while remaining > 0:
            if not self.buf and not self._fill(min(chunk, remaining)):
                return False
            take = min(remaining, len(self.buf))
            piece = bytes(self.buf[:take])
            del self.buf[:take]
            remaining -= take
            yield piece
        return True

    def read_response(self, method="GET", allow_incomplete=False, body_limit=64 << 20):
        r = self.read_response_head(method)
        parts = []
        total = 0
        for piece in self.iter_body(r):
            total += len(piece)
            if total > body_limit:
                raise AssertionError("response body over %d bytes" % body_limit)
            parts.append(piece)
        r.body = b"".join(parts)
        if not r.complete and not allow_incomplete:
            raise IncompleteResponse("response body truncated: %r" % r, r)
        return r

    def wait_closed(self, timeout=5.0):
        """True when the peer closed (EOF or reset) within `timeout`; bytes received meanwhile
        are kept in self.buf."""
        deadline = time.monotonic() + timeout
        try:
            while not self.eof:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.sock.settimeout(left)
                self._fill()
        except socket.timeout:
            return False
        finally:
            self.sock.settimeout(self.timeout)
        return True


def request(port, method="GET", target="/", headers=None, body=None, host=DEFAULT_HOST,
            timeout=10.0, allow_incomplete=False, version="HTTP/1.1"):
    """One request on a fresh connection."""
    with Conn(port, timeout=timeout) as c:
        return c.request(method, target, headers, body, host, version,
                         allow_incomplete=allow_incomplete)


def raw_exchange(port, data, timeout=10.0):
    """Sends exact bytes, reads one response; returns (response, closed_afterwards)."""
    with Conn(port, timeout=timeout) as c:
        c.send(data)
        r = c.read_response("GET", allow_incomplete=True)
        closed = c.wait_closed(timeout=5.0)
        return r, closed


def assert_error_body(r, status, message=None, activity_id=None):
    """Spec apim-gateway.md §4.6: gateway errors are application/json
    {"statusCode": N, "message": "..."}; 500s add "activityId" (a GUID)."""
    assert r.status == status, "expected %d, got %r" % (status, r)
    ctype = (r.header("Content-Type") or "").lower()
    assert ctype.split(";")[0].strip() == "application/json", "Content-Type %r in %r" % (ctype, r)
    try:
        doc = r.json()
    except ValueError as e:
        raise AssertionError("error body is not JSON: %r (%s)" % (r.body, e))
    assert isinstance(doc, dict), doc
    assert doc.get("statusCode") == status and type(doc.get("statusCode")) is int, doc
    assert isinstance(doc.get("message"), str) and doc["message"], doc
    if message is not None:
        assert doc["message"] == message, doc
    if activity_id is None:
        activity_id = status == 500
    if activity_id:
        assert isinstance(doc.get("activityId"), str) and GUID_RE.match(doc["activityId"]), doc
    return doc
