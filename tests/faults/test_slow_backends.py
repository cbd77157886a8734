"""Backends that misbehave without dying (issue 9, part 2): one that accepts and never
answers (the operation's forward-request timeout gives the client the spec's 500 and the
gateway closes its backend connection), one that trickles its body (the client gets all of
it; the gateway serves everyone else meanwhile)."""

import time

import pytest

import rawhttp
from backends import RawBackend
from faultlib import BackendProcess, EchoLog, Load, check_nothing_lost, record_result
from harness import TIME_SCALE, wait_until
from snapshots import api, op, snapshot

TIMEOUT_S = 1


@pytest.fixture
def hung(tmp_path):
    b = BackendProcess(tmp_path, "hung", mode="hang")
    yield b
    b.stop()


@pytest.mark.timeout_s(60)
def test_backend_that_never_answers(gateways, backends, hung):
    closed = []

    def silent(conn, backend):  # reads, never answers, notes when the gateway hangs up
        conn.read_request()
        while conn._fill():
            pass
        closed.append(time.monotonic())
    raw = backends.raw(silent, "silent")
    echo = backends.echo("echo")
    gw = gateways(snapshot([api("hung", "hung", hung.url(), [op("any", timeout=TIMEOUT_S)]),
                            api("silent", "silent", raw.url(), [op("any", timeout=TIMEOUT_S)]),
                            api("echo", "echo", echo.url())]), access_log="off")
    others = Load(gw.port, threads=2, method="GET", path="/echo/x")
    try:
        times = []
        for k in range(6):
            t = time.monotonic()
            r = gw.request("GET", "/hung/x?id=h%d" % k, timeout=10 * TIME_SCALE)
            times.append(time.monotonic() - t)
            rawhttp.assert_error_body(r, 500, "Internal server error")
        t = time.monotonic()
        r = gw.request("GET", "/silent/x")
        rawhttp.assert_error_body(r, 500, "Internal server error")
        wait_until(lambda: closed, 5 * TIME_SCALE, message="the gateway closing the backend connection")
        close_after = closed[0] - t
    finally:
        others.finish()
    assert all(TIMEOUT_S * 0.9 <= x <= TIMEOUT_S + 1.5 * TIME_SCALE for x in times), times
    assert close_after <= TIMEOUT_S + 1.5 * TIME_SCALE
    assert others.failed == [] and others.answered == [], (others.failed[:3], others.answered[:3])
    assert len(hung.logged()) == 6
    record_result("backend accepts and never answers (operation timeout 1 s)",
                  requests=len(times) + 1, answered_500_within_s=round(max(times), 2),
                  backend_connection_closed_after_s=round(close_after, 2),
                  client_saw="500 Internal server error + activityId (spec §4.6 Timeout)",
                  other_clients=others.summary())


@pytest.mark.timeout_s(60)
def test_backend_that_trickles(gateways, backends, tmp_path):
    slow = BackendProcess(tmp_path, "trickle", mode="trickle")  # 10 x 100 bytes, 0.3 s apart
    try:
        echo = backends.echo("echo")
        gw = gateways(snapshot([api("slow", "slow", slow.url(), [op("any", timeout=TIMEOUT_S)]),
                                api("echo", "echo", echo.url())]), access_log="off")
        others = Load(gw.port, threads=2, method="GET", path="/echo/x")
        conns = [rawhttp.Conn(gw.port, timeout=10 * TIME_SCALE) for _ in range(20)]
        try:
            t = time.monotonic()
            for k, c in enumerate(conns):
                c.send(rawhttp.build_request("GET", "/slow/x?id=t%d" % k))
            bodies = [c.read_response() for c in conns]
            took = time.monotonic() - t
        finally:
            for c in conns:
                c.close()
            others.finish()
        assert all(r.status == 200 and r.body == b"x" * 1000 for r in bodies)
        assert took >= 2.5, "the body really trickled (%.2f s)" % took
        assert others.failed == [] and others.answered == []
        check_nothing_lost(others, EchoLog(echo), idempotent=True)
        record_result("backend trickles its body (20 responses of 10 pieces, 0.3 s apart; "
                      "timeout 1 s is per gap)", complete_bodies=len(bodies), took_s=round(took, 2),
                      other_clients=others.summary())
    finally:
        slow.stop()

