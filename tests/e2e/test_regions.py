"""Issue 5's multi-region scenarios with real processes: `meridian manage` as the primary,
two regions of two feed-mode units each (West US on 127.0.0.1, East Asia on 127.0.0.2),
real echo backends. A policy change reaches every unit (the delay is printed); the primary
is killed with SIGKILL and the regions keep serving, a restarted unit serves from its
last-known-good, a new unit seeds from a peer, the primary comes back and the regions
resync — with no failed request in the whole sequence."""

import os
import threading
import time

import pytest

import manage_harness
from harness import TIME_SCALE, wait_until
from manage_harness import Manage
from regions_harness import ManagedRegions

POLICY = """<policies>
  <inbound>
    <base />
    <choose>
      <when condition="@(context.Deployment.Region.Equals(&quot;East Asia&quot;, StringComparison.OrdinalIgnoreCase))">
        <set-backend-service base-url="%(asia)s" />
      </when>
    </choose>
  </inbound>
  <backend><forward-request /></backend>
  <outbound>
    <set-header name="X-Policy-Version" exists-action="override"><value>%(version)d</value></set-header>
    <set-header name="X-Region" exists-action="override"><value>@(context.Deployment.Region)</value></set-header>
  </outbound>
</policies>"""


class Service(ManagedRegions):
    """manage + two regions + backends; restart of manage on the same port."""

    def __init__(self, meridian_bin, tmp_path, backends):
        super().__init__(meridian_bin, tmp_path)
        self.us = backends.echo("contoso-us")
        self.asia = backends.echo("contoso-asia")
        self.manage = Manage(meridian_bin, tmp_path / "data").start()
        self.port = self.manage.port
        r = self.manage.put("/locations/eastasia", {"displayName": "East Asia", "units": 2})
        assert r.status == 201, r
        # Not about keys: the API needs none (docs/subscriptions.md).
        self.manage.create_proxy_api("echo", "", self.us.url(), subscriptionRequired=False)
        self.version = 0
        self.set_policy(1)

    def set_policy(self, version):
        r = self.manage.put("/apis/echo/policies/policy",
                            {"value": POLICY % {"asia": self.asia.url(), "version": version},
                             "format": "rawxml"})
        assert r.status in (200, 201), r
        self.version = version
        return r.revision if r.revision is not None else self.manage.revision()

    def region(self, name, slug, ip, units=2, state=None, seed_from=None, tag=""):
        return super().region(name, slug, ip, state_dir=str(self.tmp / (state or "state-" + slug)),
                              units=units, seed_from=seed_from, name="%s%s" % (slug, tag))

    def restart_manage(self):
        """A new manage on the same data and port (the units' --config-url)."""
        saved = manage_harness.free_port
        manage_harness.free_port = lambda: self.port
        try:
            self.manage = Manage(self.bin, self.tmp / "data").start()
        finally:
            manage_harness.free_port = saved


@pytest.fixture
def service(meridian_bin, tmp_path, backends):
    s = Service(meridian_bin, tmp_path, backends)
    yield s
    problems = s.finish()
    assert not problems, "\n".join(problems)


def wait_all(gateways, revision, timeout=None):
    for gw in gateways:
        for k in range(gw.unit_count):
            gw._wait(lambda: (gw.revision(k) or -1) >= revision, timeout or 15 * TIME_SCALE,
                     "%s unit %d at revision %d" % (gw.name, k, revision))


def check_region(gw, backend, region, version):
    for _ in range(4):  # new connections: the kernel spreads them over the units
        r = gw.request("GET", "/hello")
        assert r.status == 200, r
        assert r.json()["backend"] == backend
        assert r.header("X-Region") == region
        assert r.header("X-Policy-Version") == str(version)


@pytest.mark.timeout_s(120)
def test_policy_change_reaches_every_unit_of_every_region(service):
    west = service.region("West US", "westus", "127.0.0.1")
    asia = service.region("eastasia", "eastasia", "127.0.0.2")  # the slug works as --region
    wait_all([west, asia], service.manage.revision())
    check_region(west, "contoso-us", "West US", 1)
    check_region(asia, "contoso-asia", "East Asia", 1)

    delays = []
    for version in range(2, 7):
        start = time.monotonic()
        rev = service.set_policy(version)
        wait_all([west, asia], rev)
        delays.append((time.monotonic() - start) * 1000)
    print("policy change → served by all 4 units of 2 regions: %s ms (includes the test's "
          "/metrics polling)" % ", ".join("%.0f" % d for d in delays))
    check_region(west, "contoso-us", "West US", 6)
    check_region(asia, "contoso-asia", "East Asia", 6)
    for gw in (west, asia):
        assert [gw.source(k) for k in range(2)] == ["feed", "feed"]

    # The management plane sees every unit through the heartbeats.
    def healthy():
        props = service.manage.get("/locations/eastasia").json()["properties"]
        st = props["status"]
        is_current = all(u["source"] == "feed" and u["revision"] == rev for u in st["units"])
        return st if st["unitsUp"] == 2 and st["health"] == "ok" and is_current else None
    st = wait_until(healthy, 15 * TIME_SCALE,
                    message="East Asia healthy, 2 units up at revision %d from the feed" % rev)
    assert sorted(u["unit"] for u in st["units"]) == [0, 1]


class Load:
    """Requests to every region, back to back, on fresh connections, counting failures."""

    def __init__(self, gateways):
        self.gateways = gateways
        self.stop_flag = threading.Event()
        self.ok = 0
        self.failures = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop_flag.is_set():
            for gw in self.gateways:
                try:
                    r = gw.request("GET", "/load", timeout=10 * TIME_SCALE)
                    if r.status == 200:
                        self.ok += 1
                    else:
                        self.failures.append((gw.name, r.status))
                except Exception as e:  # noqa: BLE001 - every failure counts
                    self.failures.append((gw.name, repr(e)))
            time.sleep(0.01)

    def stop(self):
        self.stop_flag.set()
        self.thread.join(30)
        return self.ok, self.failures


def restart_one_unit(gw):
    """SIGTERM one unit process: it drains, the supervisor starts a new one."""
    pids = gw.unit_pids()
    old = pids[0]
    os.kill(old, 15)
    wait_until(lambda: old not in gw.unit_pids() and len(gw.unit_pids()) == gw.unit_count,
               15 * TIME_SCALE, message="unit %d replaced" % old)
    gw.wait_metric_ready()


@pytest.mark.timeout_s(180)
def test_primary_outage_last_known_good_peer_seed_and_resync(service):
    west = service.region("West US", "westus", "127.0.0.1")
    asia = service.region("East Asia", "eastasia", "127.0.0.2")
    wait_all([west, asia], service.manage.revision())
    for gw in (west, asia):
        gw.expect_unit_deaths = True  # units are restarted on purpose below
    load = Load([west, asia])
    time.sleep(0.5)

    # The primary dies.
    service.manage.kill9()
    time.sleep(1.0)
    check_region(west, "contoso-us", "West US", 1)
    check_region(asia, "contoso-asia", "East Asia", 1)

    # One unit of each region restarts while the primary is down: last-known-good.
    # (A unit that started after its sibling persisted the first revision may already be on
    # last-known-good, so the restarted one is recognised by its new log line.)
    for gw in (west, asia):
        before = gw.stderr().count("serving last-known-good revision")
        restart_one_unit(gw)
        wait_until(lambda: gw.stderr().count("serving last-known-good revision") > before,
                   10 * TIME_SCALE, message="%s: the new unit on last-known-good" % gw.name)
        wait_until(lambda: "last-known-good" in [gw.source(k) for k in range(2)] and
                   set(gw.source(k) for k in range(2)) <= {"feed", "last-known-good"},
                   10 * TIME_SCALE, message="%s: units on feed or last-known-good" % gw.name)
    check_region(west, "contoso-us", "West US", 1)
    check_region(asia, "contoso-asia", "East Asia", 1)

    # A new East Asia unit with no last-known-good seeds from a peer.
    seeded = service.region("East Asia", "eastasia", "127.0.0.2", units=None, state="state-new",
                            seed_from=asia.admin_addr(0), tag="-new")
    seeded._wait(lambda: seeded.status_code() == 200, 10 * TIME_SCALE, "seeded unit serving")
    assert seeded.source() == "peer"
    check_region(seeded, "contoso-asia", "East Asia", 1)

    # The primary comes back (same data, same port); a change reaches every unit again.
    service.restart_manage()
    rev = service.set_policy(2)
    wait_all([west, asia, seeded], rev, timeout=20 * TIME_SCALE)
    for gw in (west, asia):
        assert [gw.source(k) for k in range(2)] == ["feed", "feed"]
    assert seeded.source() == "feed"
    ok, failures = load.stop()
    check_region(west, "contoso-us", "West US", 2)
    check_region(asia, "contoso-asia", "East Asia", 2)
    print("outage sequence: %d requests, %d failed" % (ok + len(failures), len(failures)))
    assert ok > 50
    assert failures == [], failures[:10]
