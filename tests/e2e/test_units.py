"""--units N: N unit processes share the listen port with SO_REUSEPORT under a supervisor
that restarts a dead unit, forwards SIGHUP and drains on SIGTERM (unit.h)."""

import os
import signal
import socket
import threading
import time

import pytest

import rawhttp
from backends import barrier_handler, never_answer_handler
from harness import STATUS_PATH, TIME_SCALE, Background, children, wait_until
from snapshots import api, echo_snapshot, op, snapshot

UNITS = 3


@pytest.fixture
def multi(gateways, backends):
    echo = backends.echo()
    gw = gateways(echo_snapshot(echo), units=UNITS)
    gw.echo = echo
    wait_until(lambda: len(children(gw.pid)) == UNITS, 10 * TIME_SCALE, message="%d unit processes" % UNITS)
    return gw


def test_units_are_child_processes_with_their_own_admin_port(multi):
    kids = children(multi.pid)
    assert len(kids) == UNITS, kids
    for k in range(UNITS):
        text = multi.metrics_text(k)
        assert text and "meridian_config_revision" in text, (k, text)


def test_units_share_the_listen_port(multi):
    for i in range(60):
        assert multi.request("GET", "/spread/%d" % i).status == 200
    entries = multi.wait_access_log(lambda e: str(e.get("path", "")).startswith("/spread/"), count=60)
    units = {str(e.get("unit")) for e in entries}
    assert len(units) >= 2, "60 connections all went to one unit: %s" % units
    busy = 0
    for k in range(UNITS):
        busy += sum(multi.metric("meridian_requests_total", at_unit=k)) > 0
    assert busy >= 2


def test_units_serve_concurrently(gateways, backends):
    parties = 6
    be = backends.raw(barrier_handler(parties, timeout=10 * TIME_SCALE))
    gw = gateways(echo_snapshot(be), units=UNITS)
    results = [None] * parties

    def one(i):
        try:
            results[i] = gw.request("GET", "/together/%d" % i, timeout=30 * TIME_SCALE)
        except Exception as e:
            results[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(parties)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40 * TIME_SCALE)
    for r in results:
        assert isinstance(r, rawhttp.Response) and r.status == 200 and r.body == b"met", r


def test_killed_unit_is_restarted(multi):
    multi.expect_unit_deaths = True
    before = children(multi.pid)
    victim = before[1]
    os.kill(victim, signal.SIGKILL)
    after = wait_until(lambda: (lambda k: k if len(k) == UNITS and victim not in k else None)(children(multi.pid)),
                       15 * TIME_SCALE, message="supervisor restarting the killed unit")
    assert set(before) - {victim} <= set(after), (before, after)
    multi.wait_ready()
    for i in range(30):
        r = multi.request("GET", "/after-kill/%d" % i)
        assert r.status == 200, r
    assert multi.running()


def test_sighup_reaches_every_unit(multi, backends):
    other = backends.echo("other")
    multi.reload(echo_snapshot(other, revision=2), revision=2)
    for i in range(20):
        assert multi.request("GET", "/r/%d" % i).json()["backend"] == "other"


def test_sigterm_drains_in_flight_requests(multi):
    slow = Background(lambda: multi.request("GET", "/drain?_delay=2", timeout=30 * TIME_SCALE))
    wait_until(lambda: multi.echo.requests, 10 * TIME_SCALE, message="slow request at the backend")
    multi.send_signal(signal.SIGTERM)
    # While draining the gateway must not report itself healthy.
    time.sleep(0.3)
    try:
        probe = rawhttp.request(multi.port, "GET", STATUS_PATH, timeout=5 * TIME_SCALE)
        assert probe.status != 200, "status 200 while draining"
    except (OSError, rawhttp.IncompleteResponse):
        pass  # no longer accepting: also fine
    # docs/operations.md: the status path is served on the admin listener too, 503 while
    # draining, and meridian_draining is 1. Some unit holds the slow request.
    statuses = []
    for k in range(UNITS):
        try:
            statuses.append(rawhttp.request(multi.admin_port + k, "GET", STATUS_PATH, timeout=5 * TIME_SCALE).status)
        except (OSError, rawhttp.IncompleteResponse):
            pass  # an idle unit may already have exited
    assert 503 in statuses and 200 not in statuses, statuses
    r = slow.result(30 * TIME_SCALE)
    assert r.status == 200 and r.json()["path"] == "/drain", r
    code = multi.stop(timeout=30 * TIME_SCALE)
    assert code == 0, multi.stderr()[-3000:]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", multi.port), timeout=2).close()


def test_drain_timeout_bounds_shutdown(gateways, backends):
    be = backends.raw(never_answer_handler())
    gw = gateways(snapshot([api("hang", "", be.url(), operations=[op("any", timeout=300)])]),
                  units=2, drain_timeout=1)
    c = gw.conn()
    c.send(rawhttp.build_request("GET", "/forever"))
    wait_until(lambda: be.get("held") >= 1, 10 * TIME_SCALE, message="request held by the backend")
    start = time.monotonic()
    gw.send_signal(signal.SIGTERM)
    try:
        gw.proc.wait(20 * TIME_SCALE)
    except Exception:
        raise AssertionError("gateway still running %ss after SIGTERM with --drain-timeout 1"
                             % (20 * TIME_SCALE))
    assert time.monotonic() - start >= 0.5
    assert gw.proc.returncode == 0, "docs/operations.md: exit 0 after the drain timeout too"
    assert c.wait_closed(5)
    c.close()


def test_units_stop_when_the_supervisor_is_killed(multi):
    """docs/cli.md: PR_SET_PDEATHSIG: units get SIGTERM when the supervisor dies."""
    kids = children(multi.pid)
    multi.send_signal(signal.SIGKILL)
    multi.proc.wait(10)

    def gone():
        alive = []
        for pid in kids:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                        alive.append(pid)
            except OSError:
                pass
        return not alive
    wait_until(gone, (multi.drain_timeout or 30) + 10 * TIME_SCALE, message="units exiting after the supervisor died")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", multi.port), timeout=2).close()


def test_drained_response_says_connection_close(multi):
    """server.h: busy connections get "Connection: close" on their current response."""
    c = multi.conn(timeout=30 * TIME_SCALE)
    slow = Background(lambda: c.request("GET", "/drain2?_delay=1.5"))
    wait_until(lambda: multi.echo.requests, 10 * TIME_SCALE, message="slow request at the backend")
    multi.send_signal(signal.SIGTERM)
    r = slow.result(30 * TIME_SCALE)
    assert r.status == 200
    assert "close" in r.connection_tokens(), r.headers
    assert c.wait_closed(10)
    c.close()
    assert multi.stop() == 0


@pytest.mark.parametrize("units", [None, 2], ids=["in-process", "units-2"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_idle_connections_do_not_delay_shutdown(gateways, backends, units, sig):
    """Idle keep-alive connections are closed at once on SIGTERM/SIGINT: with nothing in
    flight the process exits long before --drain-timeout (30 s here), with code 0."""
    echo = backends.echo()
    gw = gateways(echo_snapshot(echo), units=units, drain_timeout=30)
    idle = [gw.conn() for _ in range(4)]
    for c in idle:
        assert c.request("GET", "/idle").status == 200
    start = time.monotonic()
    gw.send_signal(sig)
    code = gw.stop(timeout=40 * TIME_SCALE)
    elapsed = time.monotonic() - start
    assert code == 0, gw.stderr()[-2000:]
    assert elapsed < 15 * TIME_SCALE, "shutdown took %.1fs with only idle connections" % elapsed
    for c in idle:
        assert c.wait_closed(2)
        c.close()


def test_in_process_unit_drains_in_flight(gateway):
    slow = Background(lambda: gateway.request("GET", "/drain?_delay=1.5", timeout=30 * TIME_SCALE))
    wait_until(lambda: gateway.echo.requests, 10 * TIME_SCALE, message="slow request at the backend")
    gateway.send_signal(signal.SIGTERM)
    wait_until(lambda: gateway.metric("meridian_draining") == [1], 5 * TIME_SCALE, message="meridian_draining 1")
    assert rawhttp.request(gateway.admin_port, "GET", STATUS_PATH).status == 503
    assert slow.result(30 * TIME_SCALE).status == 200
    assert gateway.stop() == 0


@pytest.mark.parametrize("destination", ["stdout", "file"])
def test_access_log_lines_from_units_never_interleave(gateways, backends, tmp_path, destination):
    echo = backends.echo()
    path = str(tmp_path / "units-access.log") if destination == "file" else None
    gw = gateways(echo_snapshot(echo), units=UNITS, access_log=path)
    errors = []

    def client(k):
        try:
            for i in range(30):
                r = gw.request("GET", "/line/%d/%d/%s" % (k, i, "p" * 300))
                if r.status != 200:
                    errors.append(r)
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60 * TIME_SCALE)
    assert errors == [], errors[:3]
    entries = gw.wait_access_log(lambda e: str(e.get("path", "")).startswith("/line/"), count=300, path=path)
    assert len(entries) == 300
    text = open(path).read() if path else gw.stdout()
    broken = [line for line in text.splitlines() if "/line/" in line and not line.startswith("{")]
    assert broken == [], broken[:3]
