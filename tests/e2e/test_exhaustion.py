"""Exhaustion (issue 9, part 5): idle connections by the thousand, slow headers (slowloris),
slow bodies, floods of small pipelined requests. In each case one unit keeps serving everyone
else: a normal client's latency is measured before and during the attack, and the attack's
own connections end the documented way (docs/reliability.md, "Exhaustion").

The idle-connection case holds IDLE_CONNECTIONS (10,000) when the file-descriptor hard limit
allows it (the test raises its own soft limit; the gateway inherits it and raises its own to
its hard limit at start); bench/soak runs it too. Printed figures are quoted in the docs."""

import resource
import select
import socket
import statistics
import threading
import time

import pytest

import rawhttp
from harness import SAN, TIME_SCALE, wait_until
from snapshots import api, snapshot

IDLE_CONNECTIONS = 10000
SHORT_TIMEOUT_MS = 2000


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, want)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def latencies(gw, n=100, path="/echo/probe"):
    """Milliseconds of n sequential GETs on one keep-alive connection plus 10 on new ones."""
    out = []
    with gw.conn() as c:
        for _ in range(n):
            t = time.monotonic()
            r = c.request("GET", path)
            out.append((time.monotonic() - t) * 1000)
            assert r.status == 200, r
    for _ in range(10):
        t = time.monotonic()
        assert gw.request("GET", path).status == 200
        out.append((time.monotonic() - t) * 1000)
    out.sort()
    return {"p50_ms": round(statistics.median(out), 2),
            "p99_ms": round(out[int(len(out) * 0.99) - 1], 2), "max_ms": round(out[-1], 2)}


@pytest.fixture
def gw(gateways, backends):
    echo = backends.echo()
    g = gateways(snapshot([api("echo", "echo", echo.url())],
                          settings={"requestHeaderTimeoutMs": SHORT_TIMEOUT_MS,
                                    "clientIdleTimeoutMs": SHORT_TIMEOUT_MS * 10}),
                 access_log="off")
    return g


def connect_many(port, n):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(True)
        s.connect(("127.0.0.1", port))
        socks.append(s)
    return socks


@pytest.mark.timeout_s(60)
def test_idle_connections_do_not_starve_a_normal_client(gw):
    limit = raise_nofile(IDLE_CONNECTIONS + 500)
    n = min(IDLE_CONNECTIONS, limit - 500)
    assert n >= 1000, "RLIMIT_NOFILE hard limit %d is too low for this test" % limit
    before = latencies(gw)
    rss0 = gw.peak_rss_kib()
    t = time.monotonic()
    socks = connect_many(gw.port, n)
    try:
        opened_s = time.monotonic() - t
        # every connection was accepted (the gateway holds them: its fd count grew by n)
        wait_until(lambda: fd_count(gw.pid) >= n, 10 * TIME_SCALE, message="%d accepted connections" % n)
        during = latencies(gw)
        time.sleep(1)
        # none was closed by the gateway (idle timeout is 20 s here)
        p = select.poll()
        for s in socks:
            p.register(s, select.POLLIN | select.POLLHUP)
        closed = len(p.poll(0))
        rss1 = gw.peak_rss_kib()
    finally:
        for s in socks:
            s.close()
    assert closed == 0, "%d idle connections closed early" % closed
    assert during["p99_ms"] < 200 * TIME_SCALE, during
    per_conn = (rss1 - rss0) * 1024 / n
    print("idle connections: %d held (opened in %.2f s), gateway RSS +%d KiB (%.0f bytes each); "
          "normal client before %s, during %s" % (n, opened_s, rss1 - rss0, per_conn, before, during))
    wait_until(lambda: fd_count(gw.pid) < 100, 10 * TIME_SCALE, message="connections released")


def fd_count(pid):
    import os
    return len(os.listdir("/proc/%d/fd" % pid))


@pytest.mark.timeout_s(60)
def test_slowloris_headers_are_cut_at_the_header_timeout(gw):
    n = 500
    socks = connect_many(gw.port, n)
    stop = threading.Event()
    try:
        for s in socks:
            s.sendall(b"GET /echo/x HTTP/1.1\r\nHost: gateway.test\r\n")

        def drip():  # one more header byte per connection every 200 ms
            while not stop.is_set():
                for s in socks:
                    try:
                        s.send(b"X")
                    except OSError:
                        pass
                stop.wait(0.2)
        t = threading.Thread(target=drip, daemon=True)
        started = time.monotonic()
        t.start()
        during = latencies(gw, n=50)
        answers = {}
        for s in socks:
            s.settimeout((SHORT_TIMEOUT_MS / 1000 + 3) * TIME_SCALE)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            status = data[9:12].decode() if data.startswith(b"HTTP/1.1 ") else "closed"
            answers[status] = answers.get(status, 0) + 1
        cut_after = time.monotonic() - started
    finally:
        stop.set()
        for s in socks:
            s.close()
    assert answers == {"408": n}, answers
    assert cut_after <= (SHORT_TIMEOUT_MS / 1000 + 2) * TIME_SCALE, cut_after
    assert during["p99_ms"] < 200 * TIME_SCALE, during
    print("slowloris: %d connections dripping header bytes: all answered 408 within %.2f s "
          "(requestHeaderTimeoutMs %d); normal client during %s" % (n, cut_after, SHORT_TIMEOUT_MS, during))


@pytest.mark.timeout_s(60)
def test_stalled_bodies_are_closed_and_others_served(gateways, backends):
    echo = backends.echo()
    g = gateways(snapshot([api("echo", "echo", echo.url())],
                          settings={"clientIdleTimeoutMs": SHORT_TIMEOUT_MS}), access_log="off")
    n = 200
    socks = connect_many(g.port, n)
    try:
        for s in socks:
            s.sendall(b"POST /echo/up HTTP/1.1\r\nHost: gateway.test\r\nContent-Length: 1000000\r\n\r\n"
                      + b"x" * 1000)
        started = time.monotonic()
        during = latencies(g, n=50)
        p = select.poll()
        for s in socks:
            p.register(s, select.POLLIN | select.POLLHUP)
        deadline = started + (SHORT_TIMEOUT_MS / 1000 + 3) * TIME_SCALE
        ended = set()
        while len(ended) < n and time.monotonic() < deadline:
            for fd, _ in p.poll(100):
                ended.add(fd)
        cut_after = time.monotonic() - started
    finally:
        for s in socks:
            s.close()
    assert len(ended) == n, "%d of %d stalled uploads ended" % (len(ended), n)
    assert during["p99_ms"] < 200 * TIME_SCALE, during
    print("slow bodies: %d uploads stalled after 1000 of 1000000 bytes: all closed within %.2f s "
          "(clientIdleTimeoutMs %d); normal client during %s" % (n, cut_after, SHORT_TIMEOUT_MS, during))


@pytest.mark.timeout_s(60)
def test_pipelined_floods_are_answered_in_order_with_bounded_memory(gw):
    per_conn, conns = 5000, 4
    burst = b"".join(b"GET /echo/p%d HTTP/1.1\r\nHost: gateway.test\r\n\r\n" % k for k in range(per_conn))
    rss0 = gw.peak_rss_kib()
    floods = [rawhttp.Conn(gw.port, timeout=30 * TIME_SCALE) for _ in range(conns)]
    results = [None] * conns

    def run(k):
        c = floods[k]
        sender = threading.Thread(target=c.send, args=(burst,), daemon=True)
        sender.start()
        time.sleep(1)  # not reading: the gateway must stop reading too, not buffer answers
        ok = 0
        for i in range(per_conn):
            r = c.read_response()
            assert r.status == 200 and r.json()["path"] == "/p%d" % i, r
            ok += 1
        sender.join(10)
        results[k] = ok
    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(conns)]
    t = time.monotonic()
    for th in threads:
        th.start()
    during = latencies(gw, n=50)
    for th in threads:
        th.join(50 * TIME_SCALE)
    took = time.monotonic() - t
    for c in floods:
        c.close()
    rss1 = gw.peak_rss_kib()
    assert results == [per_conn] * conns, results
    if not SAN:  # ASan's quarantine keeps freed memory: RSS says nothing there
        assert rss1 - rss0 < 64 * 1024, "peak RSS grew by %d KiB" % (rss1 - rss0)
    print("pipelining: %d connections x %d pipelined GETs (%d KiB each, sent without reading): "
          "all answered in order in %.2f s; gateway peak RSS +%d KiB; normal client during %s"
          % (conns, per_conn, len(burst) // 1024, took, rss1 - rss0, during))


def under_prlimit(gateways, backends, soft, hard):
    echo = backends.echo()
    g = gateways(snapshot([api("echo", "echo", echo.url())]), access_log="off", start=False)
    plain = g.args
    g.args = lambda: ["prlimit", "--nofile=%d:%d" % (soft, hard)] + plain()
    g.start()
    return g


@pytest.mark.timeout_s(60)
def test_gateway_raises_its_soft_descriptor_limit(gateways, backends):
    """Started with the common soft limit of 1024 under a hard limit of 4096, the gateway
    holds 2,000 connections: it raised its soft limit (base/fdlimit.h)."""
    raise_nofile(4096)
    g = under_prlimit(gateways, backends, 1024, 4096)
    socks = connect_many(g.port, 2000)
    try:
        wait_until(lambda: fd_count(g.pid) >= 2000, 10 * TIME_SCALE, message="2000 accepted")
        assert g.request("GET", "/echo/x").status == 200
    finally:
        for s in socks:
            s.close()


@pytest.mark.timeout_s(60)
def test_past_the_connection_cap_new_clients_get_503_and_accepted_ones_are_served(gateways, backends):
    """Hard limit 256: the unit accepts 192 clients (three quarters of its descriptors,
    http_server_options_t.max_connections) and keeps the rest for backend connections. Of
    400 connections, the ones past the cap get the spec's 503 and are closed; a client
    accepted before still gets its answer from the backend (it used to get a 500: no
    descriptor was left for the backend connection); once clients leave, new ones are
    served again."""
    g = under_prlimit(gateways, backends, 256, 256)
    kept = rawhttp.Conn(g.port, timeout=5 * TIME_SCALE)
    socks = connect_many(g.port, 400)
    try:
        wait_until(lambda: fd_count(g.pid) >= 192, 10 * TIME_SCALE, message="the unit at its cap")
        r = rawhttp.request(g.port, "GET", "/echo/x", timeout=3 * TIME_SCALE)
        assert r.status == 503, r
        body = r.json()
        assert body["statusCode"] == 503 and "too many open connections" in body["message"], body
        assert body.get("activityId"), body
        kept.send("GET /echo/x HTTP/1.1\r\nHost: gateway.test\r\n\r\n")
        assert kept.read_response().status == 200
        assert g.running()
        assert "open connections (the cap): new clients get 503" in g.stderr()
    finally:
        kept.close()
        for s in socks:
            s.close()
    wait_until(lambda: g.request("GET", "/echo/x").status == 200, 10 * TIME_SCALE,
               message="served again")
