"""`meridian up` (docs/up.md): the whole multi-region service on one machine — management
plane, demo backends, a supervised gateway per location on 127.0.R.1 — started from the
embedded default service, watched and stopped. Loopback only; every process started is
killed at the end."""

import http.client
import json
import os
import signal
import subprocess
import threading
import time

import pytest

import rawhttp
from harness import SANITIZER_MARKERS, TIME_SCALE, children, descendants, free_port_block, wait_until

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SVC = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/meridian/"
       "providers/Microsoft.ApiManagement/service/meridian")
API_VERSION = "?api-version=2022-08-01"


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def finish_slow_posts(conns, backend):
    """Sends the rest of each body of Up.slow_posts: each request must be answered 200 by
    `backend`, which received all 10 bytes."""
    for c in conns:
        c.send(b"world")
    for c in conns:
        resp = c.read_response("POST")
        assert resp.status == 200, resp
        assert resp.json()["backend"] == backend
        assert resp.json()["bodyBytes"] == 10
        c.close()


class Up:
    def __init__(self, binary, tmp_path, args=()):
        # P..P+3 on 127.0.0.1 (manage, backends); P+10 and P+20.. on 127.0.R.1.
        self.base = free_port_block(30)
        self.binary = binary
        self.state = str(tmp_path / "up-state")
        self.lines = []
        self.err_lines = []
        self.proc = subprocess.Popen(
            [binary, "up", "--state-dir", self.state, "--base-port", str(self.base), *args],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True)
        self.pid = self.proc.pid
        self.known_pids = set()
        self.readers = []
        for stream, sink in ((self.proc.stdout, self.lines), (self.proc.stderr, self.err_lines)):
            t = threading.Thread(target=self._read, args=(stream, sink), daemon=True)
            t.start()
            self.readers.append(t)

    @staticmethod
    def _read(stream, sink):
        for line in iter(stream.readline, b""):
            sink.append(line.decode("utf-8", "replace"))

    def _drain(self):
        # Once up has exited, its output is complete only when the readers reached EOF.
        if self.proc.poll() is not None:
            for t in self.readers:
                t.join(5)

    def stdout(self):
        self._drain()
        return "".join(self.lines)

    def stderr(self):
        self._drain()
        return "".join(self.err_lines)

    def wait_ready(self, timeout=40):
        wait_until(lambda: "Meridian is up" in self.stdout() or self.proc.poll() is not None,
                   timeout * TIME_SCALE, message="the endpoint table")
        assert self.proc.poll() is None, "meridian up exited: %s\n%s" % (self.stdout(),
                                                                         self.stderr())
        self.remember_pids()

    def remember_pids(self):
        self.known_pids |= set(descendants(self.pid))

    def listen(self, octet):
        return "127.0.%d.1" % octet, self.base + 10

    def get(self, octet, target="/echo/hello", timeout=5):
        host, port = self.listen(octet)
        with rawhttp.Conn(port, host=host, timeout=timeout) as c:
            c.send("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
                   % (target, host, port))
            return c.read_response()

    def slow_posts(self, octet, count):
        """`count` POSTs to location `octet` with half their 10-byte body sent: requests in
        flight, finished by finish_slow_posts."""
        host, port = self.listen(octet)
        conns = []
        for _ in range(count):
            c = rawhttp.Conn(port, host=host, timeout=30)
            c.send("POST /echo/slow HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: 10\r\n"
                   "Connection: close\r\n\r\nhello" % (host, port))
            conns.append(c)
        return conns

    def backend_of(self, octet):
        r = self.get(octet)
        assert r.status == 200, r
        return r.json()["backend"]

    def via_edge(self, client_octet, target="/echo/hello"):
        """GET through the global endpoint from 127.0.R.2: a client "in" location R."""
        c = http.client.HTTPConnection("127.0.0.1", self.base + 9, timeout=5,
                                       source_address=("127.0.%d.2" % client_octet, 0))
        try:
            c.request("GET", target)
            r = c.getresponse()
            body = r.read()
            assert r.status == 200, (r.status, body)
            return json.loads(body)["backend"]
        finally:
            c.close()

    def token(self):
        with open(os.path.join(self.state, "manage", "admin-key.json")) as f:
            return json.load(f)["token"]

    def mgmt(self, method, path, body=None):
        payload = json.dumps(body).encode() if body is not None else b""
        with rawhttp.Conn(self.base, timeout=10) as c:
            c.send(("%s %s%s%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
                    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                    "Content-Length: %d\r\nIf-Match: *\r\n\r\n"
                    % (method, SVC, path, API_VERSION, self.base, self.token(),
                       len(payload))).encode() + payload)
            return c.read_response(method)

    def cli(self, *args):
        """A management command against this service, as a user would type it."""
        env = dict(os.environ, MERIDIAN_ENDPOINT="http://127.0.0.1:%d" % self.base,
                   MERIDIAN_KEY_FILE=os.path.join(self.state, "manage", "admin-key.json"))
        return subprocess.run([self.binary, *args], env=env, capture_output=True, text=True,
                              timeout=30)

    def gateway_pid(self, name):
        for pid in children(self.pid):
            argv = cmdline(pid)
            if b"gateway" in argv and name.encode() in argv:
                return pid
        return None

    def stop(self, sig=signal.SIGTERM, timeout=40):
        self.remember_pids()
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout * TIME_SCALE)
        return code

    def finish(self):
        self.remember_pids()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for pid in self.known_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        text = self.stderr()
        for marker in SANITIZER_MARKERS:
            assert marker not in text, "sanitizer report:\n" + text


@pytest.fixture
def up(meridian_bin, tmp_path):
    u = Up(meridian_bin, tmp_path)
    yield u
    u.finish()


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.timeout_s(90)
def test_up_routes_each_region_to_its_backend_and_sigint_stops_everything(up):
    up.wait_ready()
    out = up.stdout()
    assert "management API   http://127.0.0.1:%d%s" % (up.base, SVC) in out
    assert "admin-key.json" in out
    assert "developer portal http://127.0.0.1:%d/portal" % up.base in out
    assert "dashboard        http://127.0.0.1:%d/dashboard" % up.base in out
    assert "West US          http://127.0.1.1:%d/echo/" % (up.base + 10) in out
    assert "East Asia        http://127.0.2.1:%d/echo/" % (up.base + 10) in out
    # The canonical policy (read from ../shared/conformance as written) picks the backend
    # by context.Deployment.Region.
    assert up.backend_of(1) == "contoso-us"
    assert up.backend_of(2) == "contoso-asia"
    host, port = up.listen(2)
    r = up.get(2, "/status-0123456789abcdef")
    assert r.status == 200
    wait_until(lambda: "[up] East Asia" in up.stdout() and "2/2 units up" in up.stdout(),
               10 * TIME_SCALE, message="a live line per location")

    procs = descendants(up.pid)
    # manage, 3 backends, 2 gateway supervisors with 2 units each
    assert len(procs) >= 1 + 3 + 2 + 4, procs
    assert up.stop(signal.SIGINT) == 0
    wait_until(lambda: not any(alive(p) for p in procs), 10, message="every child gone")
    assert "unexpectedly" not in up.stderr()


@pytest.mark.timeout_s(120)
def test_up_add_location_under_load_then_remove_it_without_failing_requests(up):
    up.wait_ready()
    failures, counts = [], {"ok": 0}
    stop = threading.Event()

    def load(octet, expected):
        while not stop.is_set():
            try:
                b = up.backend_of(octet)
                if b != expected:
                    failures.append((octet, b))
                counts["ok"] += 1
            except Exception as e:  # noqa: BLE001 - every failure is reported
                failures.append((octet, repr(e)))

    threads = [threading.Thread(target=load, args=(1, "contoso-us")),
               threading.Thread(target=load, args=(2, "contoso-asia"))]
    for t in threads:
        t.start()
    try:
        r = up.cli("location", "add", "Brazil South", "--units", "2")
        assert r.returncode == 0, r.stderr
        added = time.monotonic()
        wait_until(lambda: up.backend_of(3) == "contoso-other", 10 * TIME_SCALE,
                   message="Brazil South serving on 127.0.3.1")
        # within 2 s of the write (plus the units' start), not a later periodic sweep
        assert time.monotonic() - added < 2.5 * TIME_SCALE, time.monotonic() - added
        wait_until(lambda: 'location "Brazil South" added' in up.stdout(), 5,
                   message="the added line")
        assert len(children(up.gateway_pid("Brazil South"))) == 2, "--units 2"

        # Requests in flight when the location is removed: bodies still being sent.
        slow = up.slow_posts(3, 4)
        time.sleep(0.3)
        r = up.cli("location", "remove", "Brazil South")
        assert r.returncode == 0, r.stderr
        wait_until(lambda: "draining gateway \"Brazil South\"" in up.stderr(), 5 * TIME_SCALE,
                   message="the drain")
        time.sleep(0.5)
        finish_slow_posts(slow, "contoso-other")
        wait_until(lambda: 'location "Brazil South" stopped' in up.stdout(), 20 * TIME_SCALE,
                   message="Brazil South stopped")
        with pytest.raises(OSError):
            up.get(3, timeout=1)
        assert up.gateway_pid("Brazil South") is None
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert failures == [], failures[:10]
    assert counts["ok"] > 20


@pytest.mark.timeout_s(90)
def test_up_restarts_a_killed_unit_and_a_killed_gateway(up):
    up.wait_ready()
    supervisor = up.gateway_pid("West US")
    assert supervisor
    units = children(supervisor)
    assert len(units) == 2, units
    os.kill(units[0], signal.SIGKILL)
    wait_until(lambda: len(children(supervisor)) == 2 and units[0] not in children(supervisor),
               10 * TIME_SCALE, message="the unit restarted by its supervisor")
    assert up.backend_of(1) == "contoso-us"

    os.kill(supervisor, signal.SIGKILL)
    wait_until(lambda: up.gateway_pid("West US") not in (None, supervisor), 10 * TIME_SCALE,
               message="the gateway restarted by meridian up")
    wait_until(lambda: up.backend_of(1) == "contoso-us", 10 * TIME_SCALE,
               message="West US serving again")
    assert 'gateway "West US"' in up.stderr() and "unexpectedly; restarting" in up.stderr()
    assert up.stop(signal.SIGTERM) == 0


def test_up_refuses_a_bad_service_file_before_starting_anything(meridian_bin, tmp_path):
    bad = tmp_path / "service.yaml"
    bad.write_text("locations:\n  - displayName: West US\n    units: 0\n")
    u = Up(meridian_bin, tmp_path, ["-f", str(bad)])
    try:
        assert u.proc.wait(20 * TIME_SCALE) == 1
        assert ("%s:2:5: units must be a whole number from 1 to 64 (at locations[0])" % bad
                in u.stderr()), u.stderr()
        assert not os.path.exists(os.path.join(u.state, "manage", "meridian.db"))
    finally:
        u.finish()


@pytest.mark.timeout_s(90)
def test_up_sigterm_drains_requests_in_flight_then_stops_every_child(up):
    up.wait_ready()
    slow = up.slow_posts(1, 3)
    time.sleep(0.3)
    procs = descendants(up.pid)
    up.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: 'draining gateway "West US"' in up.stderr(), 5 * TIME_SCALE,
               message="the drain")
    time.sleep(0.5)
    # The backends are still up while the gateways drain: in-flight requests complete.
    finish_slow_posts(slow, "contoso-us")
    assert up.proc.wait(30 * TIME_SCALE) == 0
    wait_until(lambda: not any(alive(p) for p in procs), 10, message="every child gone")
    err = up.stderr()
    assert err.index("exited with status 0 after draining") < err.index("manage: SIGTERM"), \
        "the management plane stops after the gateways"


@pytest.mark.timeout_s(90)
def test_up_follows_a_unit_count_change_and_disable_gateway(up):
    up.wait_ready()
    old = up.gateway_pid("East Asia")
    assert len(children(old)) == 2
    r = up.mgmt("PATCH", "/locations/eastasia", {"properties": {"units": 3}})
    assert r.status == 200, r
    # drained, then started again with the new count
    wait_until(lambda: up.gateway_pid("East Asia") not in (None, old)
               and len(children(up.gateway_pid("East Asia"))) == 3, 10 * TIME_SCALE,
               message="East Asia with 3 units")
    assert b"3" in cmdline(up.gateway_pid("East Asia"))
    wait_until(lambda: up.backend_of(2) == "contoso-asia", 10 * TIME_SCALE,
               message="East Asia serving with 3 units")
    wait_until(lambda: "3/3 units up" in up.stdout(), 10 * TIME_SCALE, message="the live line")

    # spec §5.3: disabling the gateway does not stop its units; their status endpoint
    # answers 503 and the global endpoint sends the location's clients elsewhere
    running = up.gateway_pid("East Asia")
    units = sorted(children(running))
    wait_until(lambda: up.via_edge(2) == "contoso-asia", 10 * TIME_SCALE, message="the edge")
    r = up.mgmt("PATCH", "/locations/eastasia", {"properties": {"disableGateway": True}})
    assert r.status == 200, r
    wait_until(lambda: up.get(2, target="/status-0123456789abcdef").status == 503,
               10 * TIME_SCALE, message="East Asia's status endpoint answering 503")
    assert up.backend_of(2) == "contoso-asia", "what still reaches East Asia is served"
    def edge_backend(octet):
        try:
            return up.via_edge(octet)
        except AssertionError:
            return None
    wait_until(lambda: edge_backend(2) not in (None, "contoso-asia"), 10 * TIME_SCALE,
               message="East Asia's clients sent to another location")
    assert up.via_edge(2) == "contoso-us"
    assert up.gateway_pid("East Asia") == running and sorted(children(running)) == units, \
        "the disabled location's gateway and units keep running"
    assert up.backend_of(1) == "contoso-us", "the other locations are untouched"
    r = up.mgmt("PATCH", "/locations/eastasia", {"properties": {"disableGateway": False}})
    assert r.status == 200, r
    wait_until(lambda: up.get(2, target="/status-0123456789abcdef").status == 200,
               10 * TIME_SCALE, message="East Asia's status endpoint healthy again")
    wait_until(lambda: up.via_edge(2) == "contoso-asia", 10 * TIME_SCALE,
               message="East Asia's clients back")
    assert up.gateway_pid("East Asia") == running


@pytest.mark.timeout_s(90)
def test_up_global_endpoint_sends_each_client_to_its_closest_location(up):
    up.wait_ready()
    assert "global endpoint  http://127.0.0.1:%d/echo/" % (up.base + 9) in up.stdout()
    wait_until(lambda: up.via_edge(1) == "contoso-us", 10 * TIME_SCALE, message="the edge")
    # the router may have started with the first location only and reload with the second
    wait_until(lambda: up.via_edge(2) == "contoso-asia", 10 * TIME_SCALE, message="East Asia in the profile")
    r = up.mgmt("PUT", "/locations/brazilsouth", {"properties": {"displayName": "Brazil South"}})
    assert r.status in (200, 201), r
    # the router follows the built-in profile, which now includes the new location
    wait_until(lambda: up.via_edge(3) == "contoso-other", 15 * TIME_SCALE,
               message="a client of 127.0.3.0/24 sent to Brazil South")
    assert up.via_edge(2) == "contoso-asia"
    r = up.mgmt("GET", "/trafficManagerProfiles/meridian")
    assert r.status == 200, r
    assert [e["target"] for e in r.json()["properties"]["endpoints"]] == \
        ["127.0.1.1", "127.0.2.1", "127.0.3.1"]


def global_policy(value):
    return {"properties": {"format": "rawxml", "value": (
        '<policies><inbound /><backend><forward-request /></backend><outbound>'
        '<set-header name="X-Change" exists-action="override"><value>%s</value></set-header>'
        '</outbound><on-error /></policies>' % value)}}


def manage_pid(up):
    for pid in children(up.pid):
        if b"manage" in cmdline(pid):
            return pid
    return None


@pytest.mark.timeout_s(120)
def test_up_change_reaches_every_location_and_survives_a_management_outage(up):
    up.wait_ready()

    def served_everywhere(value):
        return all(up.get(octet).header("X-Change") == value for octet in (1, 2)
                   for _ in range(4))  # several connections: both units of each location

    r = up.mgmt("PUT", "/policies/policy", global_policy("1"))
    assert r.status in (200, 201), r
    written = time.monotonic()
    wait_until(lambda: served_everywhere("1"), 5 * TIME_SCALE, interval=0.01,
               message="the change served by every location")
    assert time.monotonic() - written < 2 * TIME_SCALE
    # the canonical policy still picks each location's backend under the global one
    assert up.backend_of(1) == "contoso-us" and up.backend_of(2) == "contoso-asia"

    old = manage_pid(up)
    os.kill(old, signal.SIGKILL)
    # every location keeps serving what it has while the management plane is down
    for _ in range(20):
        for octet, backend in ((1, "contoso-us"), (2, "contoso-asia")):
            r = up.get(octet)
            assert r.status == 200 and r.json()["backend"] == backend
            assert r.header("X-Change") == "1"
    wait_until(lambda: manage_pid(up) not in (None, old), 10 * TIME_SCALE,
               message="the management plane restarted by meridian up")
    assert "management plane (pid %d) was killed by signal 9" % old in up.stderr()
    # the units resync with the restarted management plane
    wait_until(lambda: up.mgmt("PUT", "/policies/policy", global_policy("2")).status in (200, 201),
               10 * TIME_SCALE, message="the restarted management plane answering")
    wait_until(lambda: served_everywhere("2"), 15 * TIME_SCALE, interval=0.05,
               message="a change after the outage served by every location")


@pytest.mark.timeout_s(120)
def test_up_units_restarted_while_the_management_plane_is_frozen_serve_last_known_good(up):
    up.wait_ready()
    r = up.mgmt("PUT", "/policies/policy", global_policy("lkg"))
    assert r.status in (200, 201), r
    wait_until(lambda: all(up.get(o).header("X-Change") == "lkg" for o in (1, 2) for _ in range(4)),
               10 * TIME_SCALE, interval=0.02, message="the change everywhere")
    lkg_before = up.stderr().count("serving last-known-good revision")
    manage = manage_pid(up)
    os.kill(manage, signal.SIGSTOP)  # up, but answering nothing: up does not restart it
    try:
        killed = []
        for name in ("West US", "East Asia"):
            units = children(up.gateway_pid(name))
            os.kill(units[0], signal.SIGKILL)
            killed.append((name, units[0]))
        for name, pid in killed:
            wait_until(lambda: len(children(up.gateway_pid(name))) == 2
                       and pid not in children(up.gateway_pid(name)), 10 * TIME_SCALE,
                       message="%s's unit restarted" % name)
        wait_until(lambda: up.stderr().count("serving last-known-good revision") >= lkg_before + 2,
                   10 * TIME_SCALE, message="the restarted units on last-known-good")
        for _ in range(10):
            for octet, backend in ((1, "contoso-us"), (2, "contoso-asia")):
                resp = up.get(octet)
                assert resp.status == 200 and resp.json()["backend"] == backend, resp
                assert resp.header("X-Change") == "lkg"
    finally:
        os.kill(manage, signal.SIGCONT)
    r = up.mgmt("PUT", "/policies/policy", global_policy("after"))
    assert r.status in (200, 201), r
    wait_until(lambda: all(up.get(o).header("X-Change") == "after" for o in (1, 2)
                           for _ in range(4)),
               20 * TIME_SCALE, interval=0.05, message="the regions resynced")
