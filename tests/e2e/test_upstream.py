"""The upstream side: connection pool, stale-connection retry, timeouts, backend failures
(spec §4.6: refused, reset, timeout → 500 "Internal server error" with an activityId) and
misbehaving backends."""

import time

import pytest

import rawhttp
from backends import (close_mid_response_handler, closed_port, closes_idle_handler, garbage_handler,
                      never_answer_handler, reset_handler, scripted_handler, slow_handler)
from harness import TIME_SCALE, wait_until
from snapshots import api, echo_snapshot, op, snapshot


def assert_backend_error(r):
    rawhttp.assert_error_body(r, 500, "Internal server error", activity_id=True)


def test_keep_alive_pool_reuses_connections(gateway):
    n = 20
    for i in range(n):  # a new client connection each time: reuse is the gateway's doing
        assert gateway.request("GET", "/pool/%d" % i).status == 200
    with gateway.conn() as c:
        for i in range(n):
            assert c.request("GET", "/pool/ka/%d" % i).status == 200
    assert gateway.echo.connections < 2 * n
    assert gateway.echo.connections <= 3, \
        "sequential requests should share pooled upstream connections, backend saw %d" % gateway.echo.connections


def test_backend_closing_after_each_response(gateways, backends):
    be = backends.raw(closes_idle_handler("after_response"))
    gw = gateways(echo_snapshot(be))
    for i in range(10):
        r = gw.request("GET", "/c/%d" % i)
        assert r.status == 200, (i, r)
        assert r.json()["path"] == "/c/%d" % i
        time.sleep(0.05)


def test_stale_pooled_connection_is_retried_for_idempotent_methods(gateways, backends):
    """The backend silently drops a kept-alive connection when the next request arrives;
    an idempotent request must be retried once on a fresh connection (RFC 9110 §9.2.2;
    upstream.h: only requests without a body, which can be replayed)."""
    be = backends.raw(closes_idle_handler("on_next_request"))
    gw = gateways(echo_snapshot(be))
    for i, method in enumerate(["GET", "GET", "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "GET"]):
        r = gw.request(method, "/stale/%d" % i)
        assert r.status == 200, (method, r)
        if method != "HEAD":
            assert r.json()["path"] == "/stale/%d" % i
    assert be.get("dropped") >= 1, "the gateway never reused a pooled connection"


def test_stale_pooled_connection_replays_a_small_idempotent_body(gateways, backends):
    """A PUT with a body of at most 64 KiB is kept while it is sent and replayed on a
    fresh connection when the pooled one turns out stale (docs/http.md)."""
    be = backends.raw(closes_idle_handler("on_next_request"))
    gw = gateways(echo_snapshot(be))
    for i in range(3):
        assert gw.request("GET", "/warm/%d" % i).status == 200
        time.sleep(0.05)
        r = gw.request("PUT", "/put/%d" % i, body=b"p" * 20000)
        assert r.status == 200, r
        assert r.json()["path"] == "/put/%d" % i
        time.sleep(0.05)
    assert be.get("dropped_PUT") >= 1, "the PUT never met a stale pooled connection"


def test_stale_pooled_connection_not_retried_for_a_large_body(gateways, backends):
    be = backends.raw(closes_idle_handler("on_next_request"))
    gw = gateways(echo_snapshot(be))
    assert gw.request("GET", "/warm").status == 200
    time.sleep(0.1)
    r = gw.request("PUT", "/big", body=b"b" * (100 << 10))
    if be.get("dropped_PUT"):
        assert_backend_error(r)
    else:
        assert r.status == 200, r


def test_stale_pooled_connection_not_retried_for_post(gateways, backends):
    be = backends.raw(closes_idle_handler("on_next_request"))
    gw = gateways(echo_snapshot(be))
    assert gw.request("GET", "/warm").status == 200  # leaves a pooled connection
    time.sleep(0.1)
    r = gw.request("POST", "/once", body=b"payload")
    posts = [q for q in be.requests if q.method == "POST"]
    assert len(posts) == 1, "a non-idempotent request was sent %d times" % len(posts)
    if r.status != 200:
        assert_backend_error(r)


def test_connection_refused(gateways):
    gw = gateways(snapshot([api("dead", "", "http://127.0.0.1:%d" % closed_port())]))
    r = gw.request("GET", "/x")
    assert_backend_error(r)
    r2 = gw.request("GET", "/x")
    assert_backend_error(r2)
    assert r.json()["activityId"] != r2.json()["activityId"]


def test_connection_reset(gateways, backends):
    be = backends.raw(reset_handler())
    gw = gateways(echo_snapshot(be))
    assert_backend_error(gw.request("GET", "/reset"))
    assert gw.status_code() == 200


def assert_backend_error_after_a_second(gw, target):
    """GET target ends in the backend error once the 1 s timeout has passed (not before it,
    and not long after)."""
    start = time.monotonic()
    r = gw.request("GET", target, timeout=30 * TIME_SCALE)
    elapsed = time.monotonic() - start
    assert_backend_error(r)
    assert 0.8 <= elapsed <= 15 * TIME_SCALE, elapsed


def test_response_timeout(gateways, backends):
    be = backends.raw(never_answer_handler())
    gw = gateways(echo_snapshot(be, operations=[op("any", timeout=1)]))
    assert_backend_error_after_a_second(gw, "/hang")


def test_response_timeout_is_per_operation(gateways, backends):
    echo = backends.echo()
    gw = gateways(echo_snapshot(echo, operations=[
        op("short", "GET", "/short", timeout=1),
        op("any", "*", "/*", timeout=30),
    ]))
    assert_backend_error(gw.request("GET", "/short?_delay=2.5", timeout=30 * TIME_SCALE))
    r = gw.request("GET", "/long?_delay=2", timeout=30 * TIME_SCALE)
    assert r.status == 200, r


def test_connect_timeout(gateways, backends):
    bh = backends.blackhole()
    assert bh.connect_hangs(), "test precondition: the blackhole listener must not accept"
    gw = gateways(snapshot([api("bh", "", bh.url())], settings={"connectTimeoutMs": 1000}))
    assert_backend_error_after_a_second(gw, "/x")


def test_backend_dies_mid_response_content_length(gateways, backends):
    be = backends.raw(close_mid_response_handler(chunked=False))
    gw = gateways(echo_snapshot(be))
    with gw.conn() as c:
        c.send(rawhttp.build_request("GET", "/die"))
        try:
            r = c.read_response(allow_incomplete=True)
        except rawhttp.IncompleteResponse:
            r = None  # closed before a head: acceptable
        if r is not None and r.status == 200:
            assert not r.complete, "a truncated backend response was delivered as complete"
            assert len(r.body) < 1000000
        elif r is not None:
            assert_backend_error(r)
        assert c.wait_closed(5)
    assert gw.status_code() == 200


def test_backend_dies_mid_response_chunked(gateways, backends):
    be = backends.raw(close_mid_response_handler(chunked=True))
    gw = gateways(echo_snapshot(be))
    with gw.conn() as c:
        c.send(rawhttp.build_request("GET", "/die"))
        try:
            r = c.read_response(allow_incomplete=True)
        except rawhttp.IncompleteResponse:
            r = None
        if r is not None and r.status == 200:
            assert not r.complete, "the client got a terminating chunk for a truncated response"
        elif r is not None:
            assert_backend_error(r)
        assert c.wait_closed(5)


def test_garbage_from_backend(gateways, backends):
    be = backends.raw(garbage_handler())
    gw = gateways(echo_snapshot(be))
    r = gw.request("GET", "/garbage")
    # docs/http.md: a malformed response head is 502 "Bad gateway" with an activityId.
    rawhttp.assert_error_body(r, 502, "Bad gateway", activity_id=True)


def test_backend_interim_100_is_not_the_final_response(gateways, backends):
    be = backends.raw(scripted_handler(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"))
    gw = gateways(echo_snapshot(be))
    with gw.conn() as c:
        r = c.request("POST", "/x", body=b"abc")
        assert r.status == 200 and r.body == b"final"
        r = c.request("POST", "/y", body=b"abc")
        assert r.status == 200 and r.body == b"final"


def test_backend_cl_and_te_response_uses_chunked(gateways, backends):
    """RFC 9112 §6.3: Transfer-Encoding wins over Content-Length in a response."""
    be = backends.raw(scripted_handler(
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        keep_alive=False))
    gw = gateways(echo_snapshot(be))
    r = gw.request("GET", "/x")
    assert r.status == 200 and r.body == b"hello", r


def test_slow_backend(gateway):
    r = gateway.request("GET", "/slow?_delay=2", timeout=30 * TIME_SCALE)
    assert r.status == 200 and r.json()["path"] == "/slow"


def test_slow_backend_body_trickle(gateways, backends):
    pieces = [bytes([65 + i]) * 100 for i in range(10)]
    be = backends.raw(slow_handler(delay=0.2, pieces=pieces, interval=0.2))
    gw = gateways(echo_snapshot(be))
    r = gw.request("GET", "/trickle", timeout=30 * TIME_SCALE)
    assert r.status == 200 and r.body == b"".join(pieces)


def test_client_disconnect_while_waiting_for_backend(gateway):
    """ClientConnectionFailure (spec §4.6): nothing to send, the gateway goes on."""
    for _ in range(3):
        c = gateway.conn()
        c.send(rawhttp.build_request("GET", "/gone?_delay=1"))
        c.close()
    time.sleep(1.5)
    with gateway.conn() as c:
        for i in range(3):
            assert c.request("GET", "/still/%d" % i).status == 200
    assert gateway.status_code() == 200


def test_upstream_idle_connections_expire(gateways, backends):
    """settings.upstreamIdleTimeoutMs: a pooled connection idle that long is closed."""
    def handler(conn, backend):
        while True:
            req = conn.read_request()
            if req is None:
                backend.add("peer_closed")
                return
            conn.respond(200, b"ok")
    be = backends.raw(handler)
    gw = gateways(echo_snapshot(be, settings={"upstreamIdleTimeoutMs": 500}))
    assert gw.request("GET", "/x").status == 200
    wait_until(lambda: be.get("peer_closed") == 1, 10 * TIME_SCALE, message="pooled connection closed")
    assert gw.request("GET", "/y").status == 200
    assert be.connections == 2


def test_extra_bytes_after_a_response_never_reach_another_request(gateways, backends):
    """A backend that sends more than it framed (here: a second, unsolicited response)
    must not desynchronise the pool: that connection is not reused for the next request."""
    def handler(conn, backend):
        first = True
        while True:
            req = conn.read_request()
            if req is None:
                return
            if first:
                conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                          b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil")
                first = False
            else:
                conn.respond(200, b"good")
    be = backends.raw(handler)
    gw = gateways(echo_snapshot(be))
    r = gw.request("GET", "/1")
    assert r.status == 200 and r.body == b"ok"
    time.sleep(0.1)
    for i in range(3):
        r = gw.request("GET", "/n/%d" % i)
        assert r.body != b"evil", "an unsolicited backend response was served to another request"
        assert r.status in (200, 500), r


def test_abandoned_request_does_not_desynchronise_the_pool(gateway):
    """The client leaves while the backend is still working; the late response must not be
    handed to the next request."""
    c = gateway.conn()
    c.send(rawhttp.build_request("GET", "/abandoned?_delay=1"))
    time.sleep(0.2)
    c.close()
    for i in range(5):
        r = gateway.request("GET", "/next/%d" % i, timeout=30 * TIME_SCALE)
        assert r.status == 200 and r.json()["path"] == "/next/%d" % i, r
    time.sleep(1.2)
    for i in range(5):
        r = gateway.request("GET", "/later/%d" % i)
        assert r.status == 200 and r.json()["path"] == "/later/%d" % i, r


def test_backend_error_keeps_the_client_connection(gateways, backends):
    echo = backends.echo()
    gw = gateways(snapshot([api("dead", "dead", "http://127.0.0.1:%d" % closed_port()),
                            api("live", "live", echo.url())]))
    with gw.conn() as c:
        assert_backend_error(c.request("GET", "/dead/x"))
        r = c.request("GET", "/live/y")
        assert r.status == 200 and r.json()["path"] == "/y"


def test_pooling_can_be_disabled(gateways, backends):
    """settings.upstreamMaxIdlePerOrigin = 0 disables pooling."""
    echo = backends.echo()
    gw = gateways(echo_snapshot(echo, settings={"upstreamMaxIdlePerOrigin": 0}))
    for i in range(5):
        assert gw.request("GET", "/np/%d" % i).status == 200
    assert echo.connections == 5


BAD_RESPONSES = [
    ("status-4-digits", b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok"),
    ("no-status", b"HTTP/1.1\r\nContent-Length: 2\r\n\r\nok"),
    ("obs-fold", b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok"),
    ("space-before-colon", b"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok"),
    ("bad-content-length", b"HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok"),
    ("differing-content-lengths", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"),
    ("nul-in-header", b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nok"),
    ("head-too-large", b"HTTP/1.1 200 OK\r\n" + b"X-Big: " + b"v" * 40000 + b"\r\nContent-Length: 2\r\n\r\nok"),
    ("http2-version", b"HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
]


@pytest.mark.parametrize("response", [pytest.param(r, id=n) for n, r in BAD_RESPONSES])
def test_malformed_backend_response_is_502(gateways, backends, response):
    be = backends.raw(garbage_handler(response))
    gw = gateways(echo_snapshot(be))
    with gw.conn() as c:
        rawhttp.assert_error_body(c.request("GET", "/bad"), 502, "Bad gateway", activity_id=True)
        # The client connection is still fine.
        rawhttp.assert_error_body(c.request("GET", "/bad"), 502, "Bad gateway", activity_id=True)


def test_304_with_content_length_has_no_body(gateways, backends):
    """RFC 9110 §8.6: Content-Length on a 304 describes the selected representation; no body
    follows, so the gateway must not wait for one."""
    be = backends.raw(scripted_handler(b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 100\r\n\r\n"))
    gw = gateways(echo_snapshot(be))
    with gw.conn(timeout=5 * TIME_SCALE) as c:
        for _ in range(3):
            r = c.request("GET", "/cached", headers={"If-None-Match": '"v1"'})
            assert r.status == 304 and r.body == b"" and r.header("ETag") == '"v1"', r


def test_backend_103_early_hints_then_final(gateways, backends):
    be = backends.raw(scripted_handler(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                                       b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"))
    gw = gateways(echo_snapshot(be))
    with gw.conn() as c:
        for _ in range(2):
            r = c.request("GET", "/hints")
            assert r.status == 200 and r.body == b"final", r
