"""Helpers of the router's end-to-end tests: a region server that can be killed and brought
back on the same address, the `meridian router` process, and a small DNS client built with
struct (RFC 1035 §4, EDNS Client Subnet RFC 7871)."""

import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import SANITIZER_MARKERS, TIME_SCALE, free_port, wait_until

STATUS_PATH = "/status-0123456789abcdef"


class _RegionHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.server.region.track(self.connection)

    def do_GET(self):
        region = self.server.region
        length = int(self.headers.get("Content-Length") or 0)
        received = self.rfile.read(length) if length else b""
        if self.path != STATUS_PATH and region.cut_mid_body:
            return self._die_mid_body(*region.cut_mid_body)
        if self.path != STATUS_PATH and region.event_stream:
            return self._event_stream(region.event_stream)
        if self.path == STATUS_PATH:
            body = b""
            status = region.status_code
        else:
            status = 200
            body = json.dumps({"region": region.name,
                               "xff": self.headers.get("X-Forwarded-For"),
                               "host": self.headers.get("Host"),
                               "proto": self.headers.get("X-Forwarded-Proto"),
                               "cookie": self.headers.get("Cookie"),
                               "path": self.path,
                               "body": received.decode("latin-1")}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in region.extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _die_mid_body(self, total, sent):
        # A region dying mid-response: the head promises `total` bytes, `sent` of them
        # arrive, then the connection is reset (SO_LINGER 0), as when the process is killed.
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        self.wfile.write(b"w" * sent)
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _event_stream(self, released):
        # An event stream: the first event, then the rest only once the test has read it
        # through the edge (released is a threading.Event), or after 5 s.
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", "21")
        self.end_headers()
        self.wfile.write(b"data: first\n\n")
        self.wfile.flush()
        self.server.region.event_released = released.wait(5)
        self.wfile.write(b"data: \n\n")

    do_DELETE = do_GET
    do_PUT = do_GET
    do_POST = do_GET


class _RegionHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A killed region resets its connections mid-write, and probes close right after
        # the status line: expected here, not a test failure.
        pass


class RegionServer:
    """An HTTP server standing in for one region's gateway on ADDRESS:port: answers the
    status path (status_code, 200 by default) and echoes {"region", "xff", ...} otherwise.
    kill() closes the listener and every connection (a dead region: connections refused
    and reset); start() brings it back on the same address."""

    def __init__(self, name, address, port=None, tls=None):
        """tls: an ssl.SSLContext (server side) to speak HTTPS instead of HTTP."""
        self.name = name
        self.tls = tls
        self.address = address
        self.port = port or free_port()
        self.status_code = 200
        self.cut_mid_body = None   # (total, sent): every answer dies after `sent` body bytes
        self.event_stream = None   # a threading.Event: answer with an event stream (above)
        self.event_released = None
        self.extra_headers = []    # [(name, value)] added to every echo answer
        self._socks = []
        self._lock = threading.Lock()
        self.server = None
        self.start()

    def track(self, sock):
        with self._lock:
            self._socks.append(sock)

    def start(self):
        deadline = time.monotonic() + 10
        while True:
            try:
                self.server = _RegionHTTPServer((self.address, self.port), _RegionHandler)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.server.region = self
        if self.tls:
            # Handshakes run in the handler threads, not in the accept loop.
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True,
                                                      do_handshake_on_connect=False)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def kill(self):
        self.server.shutdown()
        self.server.server_close()
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


class Router:
    """`meridian router` on ephemeral ports: edge, dns and admin on 127.0.0.1."""

    def __init__(self, binary, tmp_path, profiles, extra=(), ports=None):
        """profiles: the profile file's JSON, or None for feed mode (--config-url... in
        extra). ports: (edge, dns, admin) to reuse, e.g. for a restart."""
        source = []
        if profiles is not None:
            self.profiles_path = os.path.join(str(tmp_path), "profiles.json")
            with open(self.profiles_path, "w") as f:
                json.dump(profiles, f, indent=2)
            source = ["--profiles", self.profiles_path]
        self.edge_port, self.dns_port, self.admin_port = ports or (free_port(), free_port(), free_port())
        self.stderr_path = os.path.join(str(tmp_path), "router.stderr")
        self.stderr_file = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [binary, "router"] + source + [
             "--edge", "127.0.0.1:%d" % self.edge_port,
             "--dns", "127.0.0.1:%d" % self.dns_port,
             "--admin", "127.0.0.1:%d" % self.admin_port] + list(extra),
            stdout=subprocess.DEVNULL, stderr=self.stderr_file, start_new_session=True)
        wait_until(self.status, 10 * TIME_SCALE, message="router admin /status")

    def status(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/status" % self.admin_port, timeout=2) as r:
            return json.loads(r.read())

    def a_records(self, name, source, ecs=None):
        """The A records of NAME asked from SOURCE over UDP (with an ECS (address, prefix)),
        and the ECS option of the answer."""
        resp = parse_response(udp_query(self.dns_port, build_query(name, "A", ecs=ecs), source=source))
        assert resp["rcode"] == 0 and resp["aa"]
        return [x["data"] for x in resp["answers"] if x["type"] == "A"], resp.get("ecs")

    def edge_region(self, host, source):
        """The region (RegionServer name) that answers GET /where for Host HOST through the
        edge, for a client bound to SOURCE."""
        c = http.client.HTTPConnection("127.0.0.1", self.edge_port, timeout=5, source_address=(source, 0))
        try:
            c.request("GET", "/where", headers={"Host": host})
            resp = c.getresponse()
            assert resp.status == 200
            return json.loads(resp.read())["region"]
        finally:
            c.close()

    def endpoint_status(self, profile, endpoint):
        for p in self.status()["profiles"]:
            if p["name"] == profile:
                for e in p["endpoints"]:
                    if e["name"] == endpoint:
                        return e["endpointMonitorStatus"]
        raise AssertionError("no endpoint %s/%s" % (profile, endpoint))

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def finish(self):
        """SIGTERM; returns problems (exit code, sanitizer reports)."""
        problems = []
        if self.proc.poll() is not None:
            problems.append("router exited on its own with code %s" % self.proc.returncode)
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(15 * TIME_SCALE)
                if code != 0:
                    problems.append("router: exit code %s after SIGTERM" % code)
            except subprocess.TimeoutExpired:
                problems.append("router did not exit within 15 s of SIGTERM")
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.stderr_file.close()
        text = self.stderr()
        if any(m in text for m in SANITIZER_MARKERS):
            problems.append("sanitizer report:\n" + text[-4000:])
        return problems


# ---- DNS client ---------------------------------------------------------------------------

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "AAAA": 28, "OPT": 41, "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def build_query(name, qtype, qid=0x1234, ecs=None, edns=True, rd=True):
    """ecs = ("127.0.1.0", 24) adds an EDNS Client Subnet option."""
    ar = 1 if edns or ecs else 0
    msg = struct.pack(">HHHHHH", qid, 0x0100 if rd else 0, 1, 0, 0, ar)
    msg += encode_name(name) + struct.pack(">HH", TYPES.get(qtype, qtype) if isinstance(qtype, str) else qtype, 1)
    if ar:
        opts = b""
        if ecs:
            addr, prefix = ecs
            raw = socket.inet_pton(socket.AF_INET6 if ":" in addr else socket.AF_INET, addr)
            raw = raw[:(prefix + 7) // 8]
            data = struct.pack(">HBB", 2 if ":" in addr else 1, prefix, 0) + raw
            opts = struct.pack(">HH", 8, len(data)) + data
        msg += b"\0" + struct.pack(">HHIH", 41, 4096, 0, len(opts)) + opts
    return msg


def _read_name(msg, pos):
    labels, jumped, end = [], False, None
    for _ in range(128):
        n = msg[pos]
        if n == 0:
            pos += 1
            break
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = pos + 2
            pos = ((n & 0x3F) << 8) | msg[pos + 1]
            jumped = True
            continue
        labels.append(msg[pos + 1:pos + 1 + n].decode())
        pos += 1 + n
    return ".".join(labels), (end if jumped else pos)


def parse_response(msg):
    qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", msg[:12])
    r = {"id": qid, "aa": bool(flags & 0x0400), "tc": bool(flags & 0x0200), "qr": bool(flags & 0x8000),
         "rcode": flags & 0xF, "answers": [], "authority": [], "ecs": None, "edns": False}
    pos = 12
    for _ in range(qd):
        _, pos = _read_name(msg, pos)
        pos += 4
    for section, count in (("answers", an), ("authority", ns), ("additional", ar)):
        for _ in range(count):
            name, pos = _read_name(msg, pos)
            rtype, rclass, ttl, rdlen = struct.unpack(">HHIH", msg[pos:pos + 10])
            pos += 10
            rdata = msg[pos:pos + rdlen]
            rec = {"name": name, "type": TYPE_NAMES.get(rtype, rtype), "ttl": ttl}
            if rtype == 1:
                rec["data"] = socket.inet_ntop(socket.AF_INET, rdata)
            elif rtype == 28:
                rec["data"] = socket.inet_ntop(socket.AF_INET6, rdata)
            elif rtype in (2, 5):
                rec["data"] = _read_name(msg, pos)[0]
            elif rtype == 6:
                rec["data"] = _read_name(msg, pos)[0]
                rec["minimum"] = struct.unpack(">I", rdata[-4:])[0]
            elif rtype == 41:
                r["edns"] = True
                r["rcode"] |= (ttl >> 24) << 4
                o = 0
                while o + 4 <= len(rdata):
                    code, olen = struct.unpack(">HH", rdata[o:o + 4])
                    if code == 8:
                        fam, src, scope = struct.unpack(">HBB", rdata[o + 4:o + 8])
                        r["ecs"] = {"family": fam, "source": src, "scope": scope}
                    o += 4 + olen
            pos += rdlen
            if section != "additional":
                r[section].append(rec)
    return r


def udp_query(port, msg, source="127.0.0.1", timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((source, 0))
        s.settimeout(timeout)
        s.sendto(msg, ("127.0.0.1", port))
        data, _ = s.recvfrom(65535)
        return data
    finally:
        s.close()


def tcp_query(port, msgs, timeout=2.0):
    """Several length-prefixed queries on one connection; returns the raw responses."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(b"".join(struct.pack(">H", len(m)) + m for m in msgs))
        out, buf = [], b""
        while len(out) < len(msgs):
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
                n = struct.unpack(">H", buf[:2])[0]
                out.append(buf[2:2 + n])
                buf = buf[2 + n:]
            if len(out) == len(msgs):
                break
            chunk = s.recv(65535)
            if not chunk:
                raise AssertionError("connection closed after %d responses" % len(out))
            buf += chunk
        return out
    finally:
        s.close()
