"""Request smuggling and parser differentials (issue 9, part 4): every vector of the corpus in
tests/data/smuggling/*.json is sent as raw bytes, once straight to a gateway and once through
the router's L7 edge in front of it, to a recording backend that parses what it receives with
its own strict HTTP/1.1 reader.

A vector passes when
- the client gets the statuses the corpus expects, in order (gateway refusals are the spec's
  JSON error bodies, §4.6; backend answers carry X-Recorded: <n>);
- every request the backend parsed was answered to the client, in order, and nothing else:
  the backend never saw a request boundary different from the gateway's;
- what the backend received is unambiguous: one framing (a single Content-Length or
  Transfer-Encoding: chunked, never both), CRLF line ends, no framing look-alikes; and the
  method, target and body are those the corpus names.

Vector format: {"name", "family", "raw" (the bytes, latin-1), "expect" (one entry per response:
a status or a list of acceptable ones), "methods" (optional: the method of each
response, when one is HEAD), "backend" (optional: the requests the backend must see:
method, path or target, body, "absent" header names, "absent_trailers"), "note"}."""

import glob
import json
import os
import re
import socket
import threading
import time

import pytest

import rawhttp
from backends import RawBackend
from harness import TIME_SCALE, Gateway, wait_until
from routerlib import STATUS_PATH, Router
from snapshots import api, snapshot

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "data", "smuggling")
TCHAR = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
LOOKALIKES = {"content_length", "transfer_encoding", "content length", "transfer encoding"}


def load_corpus():
    out = []
    for path in sorted(glob.glob(os.path.join(CORPUS, "*.json"))):
        with open(path) as f:
            out += json.load(f)
    names = [v["name"] for v in out]
    assert len(names) == len(set(names)), "duplicate vector names"
    return out


VECTORS = load_corpus()


# ---- the recording backend ----------------------------------------------------------------

class Recording:
    """What the backend parsed: complete requests (dicts), and violations of strict framing."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.violations = []
        self.seq = 0

    def reset(self):
        with self.lock:
            self.requests, self.violations = [], []

    def add(self, req):
        with self.lock:
            self.seq += 1
            req["seq"] = self.seq
            self.requests.append(req)
            return self.seq

    def violation(self, text):
        with self.lock:
            self.violations.append(text)


def strict_head(head, rec):
    """Parses a request head strictly; returns (method, target, headers) or None."""
    if b"\n" in head[:-4].replace(b"\r\n", b"") or b"\r" in head[:-4].replace(b"\r\n", b""):
        rec.violation("bare CR or LF in head %r" % head[:200])
        return None
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or parts[2] != b"HTTP/1.1" or not parts[1].startswith(b"/"):
        rec.violation("request line %r" % lines[0])
        return None
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not TCHAR.match(name):
            rec.violation("field line %r" % line)
            return None
        if any(b < 0x20 and b != 0x09 for b in value) or b"\x7f" in value:
            rec.violation("control byte in %r" % line)
            return None
        headers.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
    return parts[0].decode(), parts[1].decode("latin-1"), headers


def read_chunked(conn, rec):
    """(body, trailers) or None at EOF; a framing error is a violation."""
    body, trailers = b"", []
    while True:
        line = conn.read_until(b"\r\n", limit=4096)
        if line is None:
            return None
        size_text = line[:-2]
        if not re.match(rb"^[0-9A-Fa-f]+$", size_text):
            rec.violation("chunk size line %r (the gateway re-frames: no extensions)" % line)
            return None
        size = int(size_text, 16)
        if size == 0:
            while True:
                t = conn.read_until(b"\r\n", limit=16384)
                if t is None:
                    return None
                if t == b"\r\n":
                    return body, trailers
                name, _, value = t[:-2].partition(b":")
                trailers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
        data = conn.read_exact(size)
        if data is None:
            return None
        body += data
        end = conn.read_exact(2)
        if end is None:
            return None
        if end != b"\r\n":
            rec.violation("chunk data not followed by CRLF: %r" % end)
            return None


def recording_handler(rec):
    def handler(conn, backend):
        while not backend.stopping.is_set():
            head = conn.read_until(b"\r\n\r\n", limit=1 << 20)
            if head is None:
                if conn.buf:
                    rec.violation("unparsed bytes at EOF: %r" % bytes(conn.buf[:200]))
                return
            parsed = strict_head(head, rec)
            if parsed is None:
                return
            method, target, headers = parsed
            names = [k.lower() for k, _ in headers]
            for n in names:
                if n in LOOKALIKES:
                    rec.violation("framing look-alike field %r forwarded" % n)
            cls = [v for k, v in headers if k.lower() == "content-length"]
            tes = [v for k, v in headers if k.lower() == "transfer-encoding"]
            if (cls and tes) or len(cls) > 1 or len(tes) > 1:
                rec.violation("ambiguous framing: CL %r TE %r" % (cls, tes))
                return
            trailers = []
            if tes:
                if tes[0] != "chunked":
                    rec.violation("Transfer-Encoding %r" % tes[0])
                    return
                got = read_chunked(conn, rec)
                if got is None:
                    return  # the gateway gave up on this request: never complete here
                body, trailers = got
            elif cls:
                if not cls[0].isdigit():
                    rec.violation("Content-Length %r" % cls[0])
                    return
                body = conn.read_exact(int(cls[0]))
                if body is None:
                    return
            else:
                body = b""
            seq = rec.add({"method": method, "target": target, "headers": headers,
                           "body": body.decode("latin-1"), "trailers": trailers})
            payload = json.dumps({"seq": seq, "method": method, "target": target}).encode()
            head_out = ("HTTP/1.1 200 OK\r\nX-Recorded: %d\r\nContent-Type: application/json\r\n"
                        "Content-Length: %d\r\n\r\n" % (seq, len(payload))).encode()
            conn.send(head_out + (b"" if method == "HEAD" else payload))
    return handler


# ---- the system under test ------------------------------------------------------------------

class System:
    def __init__(self, binary, tmp):
        self.rec = Recording()
        self.backend = RawBackend(recording_handler(self.rec), "recording")
        self.gw = Gateway(binary, tmp, snapshot([api("all", "", self.backend.url())]),
                          name="smuggling-gw", access_log="off")
        self.gw.start()
        self.router = Router(binary, tmp, {
            "zone": "tm.meridian.test",
            "latency": [{"subnet": "127.0.0.0/8", "regions": {"West US": 5}}],
            "profiles": [{
                "name": "smuggling", "routingMethod": "Performance", "ttl": 5,
                "monitor": {"protocol": "HTTP", "port": 80, "path": STATUS_PATH,
                            "intervalSeconds": 1, "timeoutSeconds": 0.5, "toleratedFailures": 1},
                "endpoints": [{"name": "gw", "target": "127.0.0.1", "port": self.gw.port,
                               "location": "West US"}],
            }],
        })
        wait_until(lambda: self._online(), 10 * TIME_SCALE, message="gateway Online at the edge")

    def _online(self):
        for p in self.router.status()["profiles"]:
            for e in p["endpoints"]:
                if e["endpointMonitorStatus"] == "Online":
                    return True
        return False

    def port(self, via):
        return self.router.edge_port if via == "edge" else self.gw.port

    def finish(self):
        problems = self.router.finish() + self.gw.finish()
        self.backend.stop()
        problems += ["backend: %s" % e for e in self.backend.errors]
        return problems


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    binary = os.environ.get("MERIDIAN_BIN")
    if not binary:
        pytest.fail("MERIDIAN_BIN is not set (run through `make e2e`)")
    s = System(binary, tmp_path_factory.mktemp("smuggling"))
    yield s
    problems = s.finish()
    assert not problems, "\n".join(problems)


def exchange(port, raw, expected_count, methods=()):
    """Sends the bytes, reads responses until the connection closes or, once
    `expected_count` responses are in, nothing more arrives for a moment."""
    responses = []
    with rawhttp.Conn(port, timeout=5 * TIME_SCALE) as c:
        try:
            c.send(raw)
        except OSError:
            pass  # the peer may refuse and close before all bytes are written
        while True:
            if len(responses) >= expected_count:
                c.sock.settimeout(0.1 * TIME_SCALE)
            try:
                method = methods[len(responses)] if len(responses) < len(methods) else "GET"
                r = c.read_response(method, allow_incomplete=True)
            except (rawhttp.IncompleteResponse, socket.timeout, ConnectionError):
                break
            responses.append(r)
            if not r.complete:
                break
    return responses


def status_ok(got, want):
    return got == want if isinstance(want, int) else got in want


@pytest.mark.parametrize("via", ["gateway", "edge"])
@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector(system, vector, via):
    raw = vector["raw"].encode("latin-1")
    expect = vector["expect"]
    system.rec.reset()
    responses = exchange(system.port(via), raw, len(expect), vector.get("methods", ()))
    time.sleep(0.05)  # a request the backend completed but whose answer was lost shows now
    with system.rec.lock:
        seen = list(system.rec.requests)
        violations = list(system.rec.violations)
    statuses = [r.status for r in responses]
    where = "%s via %s: statuses %s, backend saw %s" % (
        vector["name"], via, statuses, [(q["method"], q["target"], q["body"][:40]) for q in seen])
    assert not violations, "%s; violations %s" % (where, violations)
    assert len(statuses) == len(expect) and all(status_ok(g, w) for g, w in zip(statuses, expect)), where
    # request boundaries: each backend answer the client got is the next request the backend
    # parsed, and the backend parsed nothing that was not answered
    answered = [int(r.header("X-Recorded")) for r in responses if r.header("X-Recorded")]
    assert answered == [q["seq"] for q in seen], where
    for r in responses:
        if not r.header("X-Recorded"):
            assert r.status >= 400, where
            rawhttp.assert_error_body(r, r.status, activity_id=r.status == 500)
    if "backend" in vector:
        want = vector["backend"]
        assert len(seen) == len(want), where
        for q, w in zip(seen, want):
            assert q["method"] == w["method"], where
            if "path" in w:
                assert q["target"].split("?")[0] == w["path"], where
            if "target" in w:
                assert q["target"] == w["target"], where
            assert q["body"] == w["body"], where
            names = {k.lower() for k, _ in q["headers"]}
            for h in w.get("absent", []):
                assert h.lower() not in names, "%s: %s forwarded" % (where, h)
            tnames = {k.lower() for k, _ in q["trailers"]}
            for h in w.get("absent_trailers", []):
                assert h.lower() not in tnames, "%s: trailer %s forwarded" % (where, h)


def test_corpus_size():
    """docs/reliability.md quotes these figures."""
    refused = [v for v in VECTORS if all(not status_ok(200, e) for e in v["expect"][-1:])]
    print("smuggling corpus: %d vectors, %d refused (last answer an error), %d normalised"
          % (len(VECTORS), len(refused), len(VECTORS) - len(refused)))
    assert len(VECTORS) >= 90
