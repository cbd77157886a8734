"""Feed-mode gateway units for the multi-region tests (docs/regions.md): a `Gateway` whose
configuration comes from a feed (`--config-url`), on any loopback address, and a small fake
feed (the REGIONS-CONTRACT wire format) whose answers a test can corrupt on purpose."""

import base64
import hashlib
import hmac
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import rawhttp
from harness import TIME_SCALE, Gateway, finish_gateways


def sign(token, body):
    """X-Meridian-Signature: hmac-sha256=base64(HMAC-SHA256(token bytes, body bytes))."""
    mac = hmac.new(token.encode(), body, hashlib.sha256).digest()
    return "hmac-sha256=" + base64.b64encode(mac).decode()


def slug(name):
    return "".join(c for c in name.lower() if c.isascii() and c.isalnum())


class FeedGateway(Gateway):
    """`meridian gateway` in feed mode, listening on `ip` (127.0.0.1, 127.0.0.2...)."""

    def __init__(self, binary, workdir, *, config_url, token_file, state_dir, region,
                 ip="127.0.0.1", seed_from=None, name="gw", units=None, extra_args=(), **kw):
        super().__init__(binary, workdir, None, name=name, units=units, region=region,
                         extra_args=extra_args, **kw)
        self.ip = ip
        self.config_url = config_url
        self.token_file = token_file
        self.state_dir = state_dir
        self.seed_from = seed_from

    def args(self):
        a = [self.binary, "gateway", "--region", self.region, "--config-url", self.config_url,
             "--token-file", self.token_file, "--listen", "%s:%d" % (self.ip, self.port)]
        if self.state_dir:
            a += ["--state-dir", self.state_dir]
        if self.seed_from:
            a += ["--seed-from", self.seed_from]
        if self.admin_port:
            a += ["--admin", "%s:%d" % (self.ip, self.admin_port)]
        if self.units is not None:
            a += ["--units", str(self.units)]
        a += ["--access-log", self.access_log_arg or "off"]
        if self.drain_timeout is not None:
            a += ["--drain-timeout", str(self.drain_timeout)]
        return a + self.extra_args

    def start(self, wait="ok", timeout=None):
        """wait="metrics": until every unit answers /metrics (a unit in feed mode may have no
        configuration yet, and answer 503); otherwise as Gateway.start."""
        if wait != "metrics":
            return super().start(wait, timeout)
        super().start(None)
        self.wait_metric_ready(timeout)
        return self

    def admin_addr(self, unit=0):
        return "%s:%d" % (self.ip, self.admin_port + unit)

    def request(self, method="GET", target="/", headers=None, body=None, host=rawhttp.DEFAULT_HOST,
                timeout=None, **kw):
        with rawhttp.Conn(self.port, host=self.ip, timeout=timeout or 10 * TIME_SCALE) as c:
            return c.request(method, target, headers, body, host, **kw)

    def metrics_text(self, unit=0):
        with rawhttp.Conn(self.admin_port + unit, host=self.ip, timeout=5 * TIME_SCALE) as c:
            r = c.request("GET", "/metrics")
        return r.body.decode() if r.status == 200 else None

    def admin_request(self, target, unit=0, headers=None):
        with rawhttp.Conn(self.admin_port + unit, host=self.ip, timeout=5 * TIME_SCALE) as c:
            return c.request("GET", target, headers)

    def revision(self, unit=0):
        v = self.metric("meridian_config_revision", at_unit=unit)
        return int(v[0]) if v else None

    def source(self, unit=0):
        for name in ("feed", "last-known-good", "peer", "none"):
            if self.metric("meridian_config_source", at_unit=unit, source=name) == [1]:
                return name
        return None

    def wait_metric_ready(self, timeout=None):
        """Every unit answers /metrics (the status may still be 503: no configuration)."""
        timeout = timeout or 20 * TIME_SCALE
        for k in range(self.unit_count):
            self._wait(lambda: self.metrics_text(k) is not None, timeout, "metrics of unit %d" % k)


class ManagedRegions:
    """A `meridian manage` (self.manage: the subclass starts it) and feed-mode gateways for
    its locations. finish() stops the gateways, then manage, and returns the problems."""

    def __init__(self, binary, workdir):
        self.bin = binary
        self.tmp = workdir
        self.manage = None
        self.gateways = []

    def region(self, display_name, slug, ip, **kw):
        """A gateway for location `slug` (`display_name`: its region) on `ip`, fed by manage
        with the location's token; started, every unit answering /metrics. kw: FeedGateway's
        (no state directory unless given, named after the slug)."""
        kw.setdefault("state_dir", None)
        kw.setdefault("name", slug)
        gw = FeedGateway(self.bin, self.tmp, config_url="http://127.0.0.1:%d" % self.manage.port,
                         token_file=self.manage.token_file(slug), region=display_name, ip=ip,
                         **kw)
        self.gateways.append(gw)
        gw.start(wait="metrics")
        return gw

    def finish(self):
        problems = finish_gateways(self.gateways)
        self.manage.stop()
        return problems


class FakeFeed:
    """GET /gateway/v1/config and POST /gateway/v1/heartbeat as the contract says, from
    snapshots a test publishes. `corrupt_signature` / `force_revision` make it lie."""

    def __init__(self, token, region_slug, port=0):
        self.token = token
        self.region_slug = region_slug
        self.cond = threading.Condition()
        self.body = None          # bytes of the current snapshot
        self.revision = -1
        self.corrupt_signature = False
        self.force_revision = None  # answer with this X-Meridian-Revision regardless
        self.stopped = False
        self.polls = []           # (region, after) of every poll, as it arrives
        self.heartbeats = []      # JSON bodies
        feed = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if feed.stopped:  # kept-alive connections of a stopped feed just close
                    self.close_connection = True
                    return
                u = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                if u.path != "/gateway/v1/config":
                    return self._send(404)
                if self.headers.get("Authorization") != feed.token:
                    return self._send(401)
                if q.get("region") != feed.region_slug:
                    return self._send(403)
                after = int(q["after"])
                feed.polls.append((q.get("region"), after))
                wait = float(q.get("wait", "30"))
                with feed.cond:
                    feed.cond.wait_for(lambda: feed.revision > after or feed.stopped
                                       or feed.force_revision is not None, timeout=wait)
                    if feed.stopped:
                        self.close_connection = True
                        return
                    body, rev = feed.body, feed.revision
                    if feed.force_revision is not None:
                        rev = feed.force_revision
                    elif rev <= after:
                        return self._send(304)
                    sig = sign(feed.token, body)
                    if feed.corrupt_signature:
                        sig = sign(feed.token, body + b" ")
                self._send(200, body, [("Content-Type", "application/json"),
                                       ("X-Meridian-Revision", str(rev)),
                                       ("X-Meridian-Signature", sig)])

            def do_POST(self):
                if feed.stopped:
                    self.close_connection = True
                    return
                n = int(self.headers.get("Content-Length", "0"))
                data = self.rfile.read(n)
                if self.headers.get("Authorization") != feed.token:
                    return self._send(401)
                feed.heartbeats.append(json.loads(data))
                self._send(204)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def publish(self, snapshot):
        body = json.dumps(snapshot, indent=1).encode()
        with self.cond:
            self.body = body
            self.revision = snapshot["revision"]
            self.cond.notify_all()

    def lie(self, corrupt_signature=False, force_revision=None):
        with self.cond:
            self.corrupt_signature = corrupt_signature
            self.force_revision = force_revision
            self.cond.notify_all()

    def stop(self):
        """Stops answering: parked polls and kept-alive connections are closed."""
        with self.cond:
            self.stopped = True
            self.cond.notify_all()
        self.server.shutdown()
        self.server.server_close()


def write_token(path, token):
    with open(path, "w") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)
    return path
