"""Running `meridian manage` for the end-to-end tests: a real process on 127.0.0.1 with an
ephemeral port, a client that signs SharedAccessSignature headers the vendor's way
(docs/manage-api.md, "Authentication"), and a teardown that fails on sanitizer reports."""

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import signal
import subprocess

from harness import SANITIZER_MARKERS, TIME_SCALE, free_port, wait_until

API_VERSION = "2022-08-01"
SUB = "00000000-0000-0000-0000-000000000000"


def sas_header(identifier, key, expiry=None):
    """SharedAccessSignature uid=..&ex=..&sn=base64(HMAC-SHA512(key, uid \\n ex))."""
    if expiry is None:
        expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    ex = expiry.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
    mac = hmac.new(key.encode(), ("%s\n%s" % (identifier, ex)).encode(), hashlib.sha512).digest()
    return "SharedAccessSignature uid=%s&ex=%s&sn=%s" % (identifier, ex,
                                                         base64.b64encode(mac).decode())


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())

    @property
    def revision(self):
        v = self.header("X-Meridian-Revision")
        return int(v) if v is not None else None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


class Manage:
    """One `meridian manage` process and a client for it."""

    def __init__(self, binary, data_dir, service="meridian", extra_args=()):
        self.binary = binary
        self.data_dir = str(data_dir)
        self.service = service
        self.extra_args = list(extra_args)
        self.port = None
        self.proc = None
        self.stderr_path = os.path.join(self.data_dir + "-logs", "stderr")
        os.makedirs(os.path.dirname(self.stderr_path), exist_ok=True)
        self.base = ("/subscriptions/%s/resourceGroups/meridian/providers/"
                     "Microsoft.ApiManagement/service/%s" % (SUB, service))
        self.auth = None
        self.ssl_context = None

    # ---- process ----

    def start(self):
        self.port = free_port()
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "manage", "--listen", "127.0.0.1:%d" % self.port,
             "--data", self.data_dir, "--service", self.service] + self.extra_args,
            stdout=subprocess.DEVNULL, stderr=self._stderr)
        wait_until(lambda: self.proc.poll() is not None or self._port_open(), 10 * TIME_SCALE,
                   message="manage listening")
        assert self.proc.poll() is None, "manage exited: %s" % self.stderr()
        with open(os.path.join(self.data_dir, "admin-key.json")) as f:
            key = json.load(f)
        self.key = key
        self.auth = sas_header(key["identifier"], key["key"])
        return self

    def _port_open(self):
        import socket
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def stop(self, expect_code=0):
        if not self.proc:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=30 * TIME_SCALE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("manage did not stop on SIGTERM")
            assert code == expect_code, "manage exited %s: %s" % (code, self.stderr())
        self.proc = None
        self._stderr.close()
        self.check_sanitizer()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        self._stderr.close()

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def token_file(self, slug):
        """The gateway token file manage writes for location `slug` (its gateways'
        --token-file)."""
        return os.path.join(self.data_dir, "gateway-tokens", slug + ".token")

    def check_sanitizer(self):
        text = self.stderr()
        for marker in SANITIZER_MARKERS:
            assert marker not in text, "sanitizer report in manage stderr:\n%s" % text

    # ---- client ----

    def url(self, rel, **query):
        q = {"api-version": API_VERSION}
        q.update(query)
        q = {k: v for k, v in q.items() if v is not None}
        from urllib.parse import urlencode
        return self.base + rel + ("?" + urlencode(q) if q else "")

    def raw(self, method, target, body=None, headers=None, auth=True, timeout=30):
        if self.ssl_context:  # a manage started with --tls-cert (test_tls.py)
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout * TIME_SCALE,
                                               context=self.ssl_context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout * TIME_SCALE)
        h = {}
        if auth:
            h["Authorization"] = self.auth if auth is True else auth
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        if isinstance(body, str):
            body = body.encode()
        h.update(headers or {})
        try:
            conn.request(method, target, body=body, headers=h)
            r = conn.getresponse()
            data = r.read().decode(errors="replace")
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def call(self, method, rel, body=None, if_match=None, query=None, **kw):
        headers = kw.pop("headers", {}) or {}
        if if_match is not None:
            headers["If-Match"] = if_match
        return self.raw(method, self.url(rel, **(query or {})), body, headers, **kw)

    def get(self, rel, **kw):
        return self.call("GET", rel, **kw)

    def put(self, rel, props=None, body=None, **kw):
        if body is None:
            body = {"properties": props or {}}
        return self.call("PUT", rel, body, **kw)

    def patch(self, rel, props, if_match="*", **kw):
        return self.call("PATCH", rel, {"properties": props}, if_match=if_match, **kw)

    def delete(self, rel, if_match="*", **kw):
        return self.call("DELETE", rel, if_match=if_match, **kw)

    def post(self, rel, **kw):
        return self.call("POST", rel, **kw)

    def create_proxy_api(self, api_id, path, url, op_id="any", **props):
        """An API at `path` in front of `url` with one operation `op_id`, GET /*: what a test
        needs to send requests through the gateways. Both must be created (201)."""
        r = self.put("/apis/%s" % api_id, api_props(path=path, url=url, **props))
        assert r.status == 201, r
        r = self.put("/apis/%s/operations/%s" % (api_id, op_id), op_props("GET", "/*"))
        assert r.status == 201, r

    def revision(self):
        r = self.get("/snapshot")
        assert r.status == 200, r
        return r.json()["revision"]

    def snapshot(self):
        r = self.get("/snapshot")
        assert r.status == 200, r
        return r.body

    def state(self):
        """(revision, snapshot text): what a refused write must leave unchanged."""
        r = self.get("/snapshot")
        assert r.status == 200, r
        return (r.json()["revision"], r.body)


def api_props(path="orders", url="http://127.0.0.1:9001/orders", **extra):
    p = {"displayName": path.title() or "Root", "path": path, "serviceUrl": url,
         "protocols": ["http", "https"]}
    p.update(extra)
    return p


def op_props(method="GET", template="/items/{id}", **extra):
    p = {"displayName": "%s %s" % (method, template), "method": method, "urlTemplate": template}
    p.update(extra)
    return p
