"""kill -9 of every kind of process under load (issue 9, part 2): one gateway unit, every
unit of a region, the router, a backend, the management plane. For each: what the clients
saw (counted), that the system came back, and that nothing acknowledged was lost — every
request a client saw answered 2xx reached the backend (its log is written before it
answers), non-idempotent ones exactly once, and every management write acknowledged before
the kill is there after the restart."""

import json
import os
import signal
import threading
import time

import pytest

import manage_harness
import routerlib
from faultlib import BackendProcess, Load, check_nothing_lost, record_result
from harness import STATUS_PATH, TIME_SCALE, Gateway, descendants, wait_until
from manage_harness import Manage, api_props, op_props
from regions_harness import FeedGateway
from routerlib import Router
from snapshots import api, snapshot


def region_snapshot(backend, region):
    s = snapshot([api("load", "", backend.url())])
    s["regions"] = [{"name": "West US", "primary": True}, {"name": "East Asia"}]
    return s


@pytest.fixture
def procs(tmp_path):
    """Backend processes and routers started by a test, killed at the end."""
    started = {"backends": [], "routers": []}
    yield started
    problems = []
    for r in started["routers"]:
        if r.proc.poll() is None:
            problems += r.finish()
        else:  # killed by the test
            r.stderr_file.close()
    for b in started["backends"]:
        b.stop()
    assert not problems, "\n".join(problems)


def backend(procs, tmp_path, name, **kw):
    b = BackendProcess(tmp_path, name, **kw)
    procs["backends"].append(b)
    return b


def edge_profiles(*regions):
    """A Performance profile over (name, location, port) endpoints; 127.0.0.0/8 is closest
    to the first."""
    return {
        "zone": "tm.meridian.test",
        "latency": [{"subnet": "127.0.0.0/8",
                     "regions": {loc: 5 + 100 * k for k, (_, loc, _) in enumerate(regions)}}],
        "profiles": [{
            "name": "faults", "routingMethod": "Performance", "ttl": 5,
            "monitor": {"protocol": "HTTP", "port": 80, "path": STATUS_PATH, "intervalSeconds": 1,
                        "timeoutSeconds": 0.5, "toleratedFailures": 1},
            "endpoints": [{"name": n, "target": "127.0.0.1", "port": p, "location": loc}
                          for n, loc, p in regions],
        }],
    }


def start_router(procs, binary, tmp_path, profiles, ports=None):
    """A router; with ports=(edge, dns, admin) it takes those (a restart on the same
    addresses)."""
    saved = routerlib.free_port
    if ports:
        it = iter(ports)
        routerlib.free_port = lambda: next(it)
    try:
        r = Router(binary, tmp_path, profiles)
    finally:
        routerlib.free_port = saved
    procs["routers"].append(r)
    return r


def online(router, *names):
    for n in names:
        wait_until(lambda: router.endpoint_status("faults", n) == "Online", 10 * TIME_SCALE,
                   message="%s Online" % n)


# ---- one unit ----------------------------------------------------------------------------

@pytest.mark.timeout_s(60)
def test_kill_one_unit(gateways, procs, tmp_path):
    be = backend(procs, tmp_path, "be")
    gw = gateways(region_snapshot(be, "West US"), units=2, access_log="off")
    gw.expect_unit_deaths = True
    reads = Load(gw.port, threads=3, method="GET")
    writes = Load(gw.port, threads=2, method="POST", keepalive=False)
    try:
        t0 = time.monotonic()
        reads.wait_ok_since(t0, 50)
        writes.wait_ok_since(t0, 20)
        victim = gw.unit_pids()[0]
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        wait_until(lambda: victim not in gw.unit_pids() and len(gw.unit_pids()) == 2,
                   10 * TIME_SCALE, message="the supervisor restarting the unit")
        gw.wait_ready()
        restarted = time.monotonic() - killed
        reads.wait_ok_since(time.monotonic(), 50)
        writes.wait_ok_since(time.monotonic(), 20)
    finally:
        reads.finish()
        writes.finish()
    assert gw.running(), "the supervisor survives"
    acked, _ = check_nothing_lost(reads, be, idempotent=True)
    acked_w, _ = check_nothing_lost(writes, be, idempotent=False)
    # Only the requests in flight on the killed unit's connections may fail (no answer): at
    # most one per client connection; no client ever gets an error status.
    assert reads.answered == [] and writes.answered == [], (reads.answered[:3], writes.answered[:3])
    assert len(reads.failed) + len(writes.failed) <= 2 * (3 + 2), (reads.failed, writes.failed)
    record_result("kill -9 one unit (of 2)", restart_s=round(restarted, 2),
                  reads=reads.summary(), writes=writes.summary(),
                  acknowledged_checked=acked + acked_w, lost=0, duplicated_posts=0)


# ---- every unit of a region --------------------------------------------------------------

@pytest.mark.timeout_s(90)
def test_kill_every_unit_of_a_region(meridian_bin, gateways, procs, tmp_path):
    be_us = backend(procs, tmp_path, "be-us")
    be_asia = backend(procs, tmp_path, "be-asia")
    west = gateways(region_snapshot(be_us, "West US"), units=2, access_log="off")
    asia = gateways(region_snapshot(be_asia, "East Asia"), units=2, access_log="off",
                    region="East Asia")
    west.expect_unit_deaths = True
    router = start_router(procs, meridian_bin, tmp_path,
                          edge_profiles(("west", "West US", west.port), ("asia", "East Asia", asia.port)))
    online(router, "west", "asia")
    load = Load(router.edge_port, threads=4, method="GET")
    try:
        load.wait_ok_since(time.monotonic(), 50)
        us_before = len(be_us.logged())
        assert us_before > 0 and len(be_asia.logged()) == 0, "clients start on their closest region"
        victims = [west.pid] + descendants(west.pid)
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        west.stop_requested = True
        killed = time.monotonic()
        wait_until(lambda: len(be_asia.logged()) >= 50, 15 * TIME_SCALE, message="East Asia serving")
        moved = time.monotonic() - killed
        time.sleep(2)  # past the probes' detection time
        west.proc.wait(5)
        west.start()   # the region comes back on the same address
        back_at = time.monotonic()
        us_mark = len(be_us.logged())
        wait_until(lambda: len(be_us.logged()) > us_mark + 20, 15 * TIME_SCALE,
                   message="clients back on West US")
        back = time.monotonic() - back_at
    finally:
        load.finish()
    acked, _ = check_nothing_lost_two(load, be_us, be_asia)
    # Zero failed idempotent requests (issue 6): a request the region refused, reset or
    # cut mid-response (the edge holds small responses until complete) moved to East Asia.
    assert load.failed == [] and load.answered == [], (load.failed[:5], load.answered[:5])
    record_result("kill -9 every process of a region (supervisor + 2 units) behind the edge",
                  processes_killed=len(victims), requests=load.summary(),
                  served_elsewhere_within_s=round(moved, 2), back_home_within_s=round(back, 2),
                  failed_idempotent=len(load.failed),
                  edge_retries=router.status()["edge"]["retries"],
                  acknowledged_checked=acked, lost=0)


def check_nothing_lost_two(load, *backends_):
    logged = {}
    for b in backends_:
        for rid, n in b.logged().items():
            logged[rid] = logged.get(rid, 0) + n
    missing = [rid for _, rid in load.ok if rid not in logged]
    assert not missing, "acknowledged but never received: %s" % missing[:10]
    return len(load.ok), sum(1 for n in logged.values() if n > 1)


# ---- the router -----------------------------------------------------------------------------

@pytest.mark.timeout_s(60)
def test_kill_router(meridian_bin, gateways, procs, tmp_path):
    be = backend(procs, tmp_path, "be")
    gw = gateways(region_snapshot(be, "West US"), access_log="off")
    profiles = edge_profiles(("west", "West US", gw.port))
    router = start_router(procs, meridian_bin, tmp_path, profiles)
    online(router, "west")
    load = Load(router.edge_port, threads=3, method="POST", keepalive=False)
    try:
        load.wait_ok_since(time.monotonic(), 30)
        router.proc.send_signal(signal.SIGKILL)
        router.proc.wait(5)
        killed = time.monotonic()
        time.sleep(0.5)
        ports = (router.edge_port, router.dns_port, router.admin_port)
        start_router(procs, meridian_bin, tmp_path, profiles, ports)
        wait_until(lambda: load.ok_since(time.monotonic() - 0.2) > 0, 15 * TIME_SCALE,
                   message="the restarted router serving")
        first_ok = min(t for t, _ in load.ok if t > killed)
        load.wait_ok_since(time.monotonic(), 30)
    finally:
        load.finish()
    acked, _ = check_nothing_lost(load, be, idempotent=False)
    assert load.answered == [], load.answered[:5]
    during = [f for f in load.failed if f[0] > killed - 0.1]
    assert len(during) == len(load.failed), "failures only while the router was down"
    record_result("kill -9 the router (restarted from its profile file after 0.5 s)",
                  requests=load.summary(), outage_s=round(first_ok - killed, 2),
                  client_saw="connection refused while down (POST not retried by clients)",
                  acknowledged_checked=acked, lost=0, duplicated_posts=0)


# ---- a backend -----------------------------------------------------------------------------

@pytest.mark.timeout_s(60)
def test_kill_backend(gateways, procs, tmp_path):
    be = backend(procs, tmp_path, "be")
    gw = gateways(region_snapshot(be, "West US"), units=2, access_log="off")
    load = Load(gw.port, threads=3, method="GET")
    try:
        load.wait_ok_since(time.monotonic(), 30)
        be.kill()
        killed = time.monotonic()
        wait_until(lambda: len(load.answered) >= 20, 10 * TIME_SCALE, message="error answers")
        be.start()
        wait_until(lambda: load.ok_since(time.monotonic() - 0.1) > 0, 10 * TIME_SCALE,
                   message="served again after the backend's restart")
        load.wait_ok_since(time.monotonic(), 30)
    finally:
        load.finish()
    assert gw.running()
    statuses = {s for _, _, s, _ in load.answered}
    assert statuses == {500}, statuses
    for _, _, _, body in load.answered[:20]:
        doc = json.loads(body)
        assert doc["statusCode"] == 500 and doc["message"] == "Internal server error", doc
        assert len(doc["activityId"]) == 36, doc
    # A response whose head was already relayed when the backend died cannot become a 500:
    # the gateway closes the client connection, which the client sees as a truncated body
    # (seen under the sanitizer build, where a kill lands mid-body more often). Only at the
    # kill; any other failure is one.
    truncated = [f for f in load.failed
                 if "truncated" in f[2] and killed - 1.0 <= f[0] <= killed + 2.0]
    assert [f for f in load.failed if f not in truncated] == [], load.failed[:5]
    acked, _ = check_nothing_lost(load, be, idempotent=True)
    record_result("kill -9 the backend (restarted on the same port)", requests=load.summary(),
                  client_saw="500 Internal server error + activityId (spec §4.6 BackendConnectionFailure); "
                             "%d response(s) in flight cut (connection closed)" % len(truncated),
                  gateway_up=True, acknowledged_checked=acked, lost=0)


# ---- the management plane --------------------------------------------------------------------

@pytest.mark.timeout_s(120)
def test_kill_management_plane(meridian_bin, procs, tmp_path):
    be = backend(procs, tmp_path, "be")
    m = Manage(meridian_bin, tmp_path / "data").start()
    port = m.port
    assert m.put("/apis/load", api_props(path="", url=be.url(), subscriptionRequired=False)).status == 201
    assert m.put("/apis/load/operations/any", op_props("GET", "/*")).status == 201
    token = os.path.join(m.data_dir, "gateway-tokens", "westus.token")
    gw = FeedGateway(meridian_bin, tmp_path, config_url="http://127.0.0.1:%d" % port,
                     token_file=token, state_dir=str(tmp_path / "state"), region="West US",
                     units=2, name="west")
    problems = []
    try:
        gw.start(wait=None)
        gw.wait_metric_ready()
        rev = m.revision()
        for k in range(2):
            gw._wait(lambda: (gw.revision(k) or -1) >= rev, 15 * TIME_SCALE, "unit %d at %d" % (k, rev))
        load = Load(gw.port, threads=3, method="GET")
        acked, refused = [], []
        stop = threading.Event()

        def writer():
            n = 0
            while not stop.is_set():
                n += 1
                path = "/namedValues/nv%d" % n
                try:
                    r = m.put(path, {"displayName": "nv%d" % n, "value": "v%d" % n}, timeout=5)
                except OSError:
                    refused.append(path)
                    time.sleep(0.05)
                    continue
                (acked if r.status in (200, 201) else refused).append(path)
        w = threading.Thread(target=writer, daemon=True)
        try:
            load.wait_ok_since(time.monotonic(), 30)
            w.start()
            wait_until(lambda: len(acked) >= 15, 20 * TIME_SCALE, message="acknowledged writes")
            m.kill9()
            killed = time.monotonic()
            time.sleep(2)  # the gateways serve on with their last configuration
            served_during = load.ok_since(killed)
            acked_before_restart = list(acked)
            saved = manage_harness.free_port
            manage_harness.free_port = lambda: port
            try:
                m.start()
            finally:
                manage_harness.free_port = saved
            stop.set()
            w.join(10)
            for path in acked_before_restart + acked:
                assert m.get(path).status == 200, "acknowledged write %s lost" % path
            # the feed reconnects: a change made now reaches every unit
            assert m.put("/apis/after", api_props(path="after", url=be.url(),
                                                 subscriptionRequired=False)).status == 201
            rev = m.revision()
            for k in range(2):
                gw._wait(lambda: (gw.revision(k) or -1) >= rev, 20 * TIME_SCALE,
                         "unit %d at revision %d after the restart" % (k, rev))
            load.wait_ok_since(time.monotonic(), 20)
        finally:
            stop.set()
            load.finish()
        assert load.failed == [] and load.answered == [], (load.failed[:5], load.answered[:5])
        assert served_during > 0
        check_nothing_lost(load, be, idempotent=True)
        record_result("kill -9 the management plane during writes (restarted on the same data)",
                      requests=load.summary(), served_while_down=served_during,
                      writes_acknowledged=len(set(acked)), writes_lost=0,
                      writes_refused_while_down=len(refused), gateways_resynced=True)
    finally:
        problems += gw.finish()
        if m.proc:
            m.stop()
    assert not problems, "\n".join(problems)
