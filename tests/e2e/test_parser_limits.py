"""Strict request parsing and limits, byte for byte over raw sockets (RFC 9112; parser.h;
spec §4.6 error bodies). Every rejection is application/json {"statusCode":N,"message":...},
and a connection whose byte stream can no longer be trusted is closed."""

import time

import pytest

import rawhttp
from harness import TIME_SCALE
from backends import scripted_handler
from snapshots import api, echo_snapshot, snapshot

MAX_BODY = 100_000
H = b"Host: gateway.test\r\n"


@pytest.fixture
def gw(gateways, backends):
    """Catch-all API "echo" → echo backend; API "raw" (/raw/...) → a raw backend that
    accepts any number of header fields (http.server stops at 100) and answers "ok"."""
    echo = backends.echo()
    raw = backends.raw(scripted_handler(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), "raw")
    g = gateways(snapshot([api("echo", "", echo.url()), api("raw", "raw", raw.url())],
                          settings={"maxRequestBodyBytes": MAX_BODY}))
    g.echo = echo
    g.raw = raw
    return g


def rejected(gw, data, status):
    """Sends `data`, expects the JSON error `status` (or one of a tuple) and a closed
    connection."""
    r, closed = rawhttp.raw_exchange(gw.port, data, timeout=10 * TIME_SCALE)
    if isinstance(status, tuple):
        assert r.status in status, r
        status = r.status
    rawhttp.assert_error_body(r, status, activity_id=False)
    assert closed, "connection left open after %d for %r" % (status, data[:120])
    return r


BAD_REQUESTS = [
    # framing (RFC 9112 §6): request smuggling defences
    ("cl-and-te", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("te-and-cl", b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
    ("cl-duplicate-equal", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400),
    ("cl-list-equal", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 5, 5\r\n\r\nhello", 400),
    ("cl-differing", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
    ("cl-plus-sign", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: +5\r\n\r\nhello", 400),
    ("cl-negative", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: -1\r\n\r\n", 400),
    ("cl-hex", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 0x5\r\n\r\nhello", 400),
    ("cl-trailing-garbage", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 5a\r\n\r\nhello", 400),
    ("cl-empty", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: \r\n\r\n", 400),
    ("cl-inner-space", b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 1 2\r\n\r\nhello world!", 400),
    ("te-in-http10", b"POST /x HTTP/1.0\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    # field syntax (RFC 9112 §5)
    ("obs-fold", b"GET /x HTTP/1.1\r\n" + H + b"X-A: one\r\n  two\r\n\r\n", 400),
    ("obs-fold-tab", b"GET /x HTTP/1.1\r\n" + H + b"X-A: one\r\n\ttwo\r\n\r\n", 400),
    ("space-before-colon", b"GET /x HTTP/1.1\r\n" + H + b"X-A : one\r\n\r\n", 400),
    ("tab-before-colon", b"GET /x HTTP/1.1\r\n" + H + b"X-A\t: one\r\n\r\n", 400),
    ("space-before-colon-te", b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400),
    ("whitespace-before-first-header", b"GET /x HTTP/1.1\r\n " + H + b"\r\n", 400),
    ("empty-field-name", b"GET /x HTTP/1.1\r\n" + H + b": value\r\n\r\n", 400),
    ("no-colon", b"GET /x HTTP/1.1\r\n" + H + b"NoColonHere\r\n\r\n", 400),
    ("bare-cr-in-value", b"GET /x HTTP/1.1\r\n" + H + b"X-A: one\rtwo\r\n\r\n", 400),
    ("bare-lf-line-endings", b"GET /x HTTP/1.1\nHost: gateway.test\n\n", 400),
    ("bare-lf-in-headers", b"GET /x HTTP/1.1\r\n" + H + b"X-A: one\nX-B: two\r\n\r\n", 400),
    ("nul-in-value", b"GET /x HTTP/1.1\r\n" + H + b"X-A: on\x00e\r\n\r\n", 400),
    ("ctl-in-value", b"GET /x HTTP/1.1\r\n" + H + b"X-A: on\x01e\r\n\r\n", 400),
    ("esc-in-value", b"GET /x HTTP/1.1\r\n" + H + b"X-A: on\x1be\r\n\r\n", 400),
    ("del-in-value", b"GET /x HTTP/1.1\r\n" + H + b"X-A: on\x7fe\r\n\r\n", 400),
    ("nul-in-name", b"GET /x HTTP/1.1\r\n" + H + b"X-\x00A: one\r\n\r\n", 400),
    ("space-in-name", b"GET /x HTTP/1.1\r\n" + H + b"X A: one\r\n\r\n", 400),
    ("nul-in-target", b"GET /x\x00y HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("ctl-in-target", b"GET /x\x01y HTTP/1.1\r\n" + H + b"\r\n", 400),
    # request line and Host (RFC 9112 §3)
    ("missing-host", b"GET /x HTTP/1.1\r\nX-A: b\r\n\r\n", 400),
    ("two-hosts", b"GET /x HTTP/1.1\r\n" + H + b"Host: other.test\r\n\r\n", 400),
    ("bad-method-char", b"G(T /x HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("no-version", b"GET /x\r\n" + H + b"\r\n", (400, 505)),
    ("bad-version-token", b"GET /x HTPT/1.1\r\n" + H + b"\r\n", (400, 505)),
    ("authority-form", b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 400),
    ("http2-version", b"GET /x HTTP/2.0\r\n" + H + b"\r\n", 505),
    ("http3-version", b"GET /x HTTP/3.0\r\n" + H + b"\r\n", 505),
    # transfer codings we do not implement (RFC 9112 §6.1): 501
    ("te-gzip", b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n", 501),
    ("te-gzip-chunked", b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    ("te-unknown", b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: xchunked\r\n\r\n", 501),
    ("te-identity", b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: identity\r\n\r\n", 501),
]


@pytest.mark.parametrize("data,status", [pytest.param(d, s, id=n) for n, d, s in BAD_REQUESTS])
def test_malformed_request_is_rejected(gw, data, status):
    rejected(gw, data, status)
    assert gw.echo.requests == [], "a rejected request reached the backend"
    assert gw.status_code() == 200


# Chunked request bodies (RFC 9112 §7.1): the head is fine, the body is not.
def _chunked_post(body_bytes):
    return b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n" + body_bytes


BAD_CHUNKS = [
    ("non-hex-size", b"zz\r\nhello\r\n0\r\n\r\n"),
    ("negative-size", b"-5\r\nhello\r\n0\r\n\r\n"),
    ("size-17-hex-digits", b"10000000000000005\r\nhello\r\n0\r\n\r\n"),
    ("size-overflow", b"ffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
    ("space-before-size", b" 5\r\nhello\r\n0\r\n\r\n"),
    ("empty-size", b"\r\nhello\r\n0\r\n\r\n"),
    ("data-without-crlf", b"5\r\nhelloXX0\r\n\r\n"),
    ("data-longer-than-size", b"3\r\nhello\r\n0\r\n\r\n"),
    ("bare-lf-after-size", b"5\nhello\r\n0\r\n\r\n"),
    ("bare-cr-after-size", b"5\rhello\r\n0\r\n\r\n"),
    ("ctl-in-extension", b"5;ext=\x01\r\nhello\r\n0\r\n\r\n"),
    ("nul-in-extension", b"5;e\x00xt\r\nhello\r\n0\r\n\r\n"),
    ("extension-over-4k", b"5;" + b"a=b;" * 1100 + b"x\r\nhello\r\n0\r\n\r\n"),
    ("many-extensions-no-end", b"5" + b";a" * 5000),
    ("trailer-obs-fold", b"5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n"),
    ("trailer-too-large", b"5\r\nhello\r\n0\r\n" + b"X-T: " + b"v" * 17000 + b"\r\n\r\n"),
]


@pytest.mark.parametrize("body", [pytest.param(b, id=n) for n, b in BAD_CHUNKS])
def test_malformed_chunked_body_is_rejected(gw, body):
    rejected(gw, _chunked_post(body), 400)
    assert gw.status_code() == 200


def test_valid_chunk_extensions_and_trailers_are_accepted(gw):
    body = b"5;name=value;quoted=\"a b\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: ok\r\n\r\n"
    with gw.conn() as c:
        c.send(_chunked_post(body))
        r = c.read_response("POST")
    assert r.status == 200, r
    assert r.json()["bodyLength"] == 11


def test_uppercase_chunk_size_and_leading_zeros(gw):
    body = b"00A\r\n0123456789\r\n000\r\n\r\n"
    with gw.conn() as c:
        c.send(_chunked_post(body))
        r = c.read_response("POST")
    assert r.status == 200, r
    assert r.json()["bodyLength"] == 10


def test_rejection_stops_pipelined_requests(gw):
    """Nothing after a framing error may be interpreted as a request (smuggling)."""
    data = (b"POST /x HTTP/1.1\r\n" + H + b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\n" + b"GET /smuggled HTTP/1.1\r\n" + H + b"\r\n")
    with gw.conn() as c:
        c.send(data)
        r = c.read_response(allow_incomplete=True)
        rawhttp.assert_error_body(r, 400, activity_id=False)
        assert c.wait_closed(5)
        assert b"HTTP/1.1" not in bytes(c.buf), "a second response followed the 400"
    time.sleep(0.2)
    assert "/smuggled" not in gw.echo.paths()


def test_htab_inside_value_is_allowed(gw):
    r = gw.request("GET", "/tab", headers={"X-A": "one\ttwo"})
    assert r.status == 200, r


def test_request_line_limit(gw):
    """Request line over 8 KiB → 414; just under is accepted."""
    ok_target = "/" + "a" * 8000
    r = gw.request("GET", ok_target)
    assert r.status == 200, r
    rejected(gw, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n", 414)


def test_request_line_limit_applies_before_line_end(gw):
    """The limit is checked on incomplete input: 9 KiB without CRLF is already 414."""
    with gw.conn() as c:
        c.send(b"GET /" + b"a" * 9000)
        r = c.read_response(allow_incomplete=True)
        rawhttp.assert_error_body(r, 414, activity_id=False)
        assert c.wait_closed(5)


def _head_with(fields):
    return b"GET /raw/x HTTP/1.1\r\n" + H + b"".join(fields) + b"\r\n"


def test_header_count_limit(gw):
    """100 fields pass (Host included); 101 → 431."""
    ok = _head_with([b"X-F%d: v\r\n" % i for i in range(99)])
    with gw.conn() as c:
        c.send(ok)
        r = c.read_response()
        assert r.status == 200 and r.body == b"ok", r
    rejected(gw, _head_with([b"X-F%d: v\r\n" % i for i in range(100)]), 431)
    assert len(gw.raw.requests) == 1


def test_header_size_limit(gw):
    """Headers over 32 KiB in total → 431; 30 KiB pass."""
    ok = _head_with([b"X-F%d: %s\r\n" % (i, b"v" * 1000) for i in range(30)])
    with gw.conn() as c:
        c.send(ok)
        r = c.read_response()
        assert r.status == 200 and r.body == b"ok", r
    rejected(gw, _head_with([b"X-F%d: %s\r\n" % (i, b"v" * 1000) for i in range(40)]), 431)


def test_header_size_limit_applies_before_head_end(gw):
    with gw.conn() as c:
        c.send(b"GET /x HTTP/1.1\r\n" + H + b"X-Big: " + b"v" * 40000)
        r = c.read_response(allow_incomplete=True)
        rawhttp.assert_error_body(r, 431, activity_id=False)
        assert c.wait_closed(5)


def test_single_huge_header_line(gw):
    rejected(gw, _head_with([b"X-Huge: " + b"v" * 33000 + b"\r\n"]), 431)


def test_body_limit_content_length(gw):
    r = gw.request("POST", "/b", body=b"x" * MAX_BODY)
    assert r.status == 200 and r.json()["bodyLength"] == MAX_BODY
    rejected(gw, b"POST /b HTTP/1.1\r\n" + H + b"Content-Length: %d\r\n\r\n" % (MAX_BODY + 1) + b"x" * (MAX_BODY + 1), 413)


def test_body_limit_answers_before_body_is_sent(gw):
    """A declared length over the limit is refused from the head alone."""
    with gw.conn() as c:
        c.send(b"POST /b HTTP/1.1\r\n" + H + b"Content-Length: 10000000000\r\n\r\n")
        r = c.read_response(allow_incomplete=True)
        rawhttp.assert_error_body(r, 413, activity_id=False)
        assert c.wait_closed(5)


def test_body_limit_with_expect_continue_sends_no_100(gw):
    with gw.conn() as c:
        c.send(b"POST /b HTTP/1.1\r\n" + H + b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1))
        r = c.read_response(allow_incomplete=True)
        assert 100 not in r.interim
        rawhttp.assert_error_body(r, 413, activity_id=False)


def test_body_limit_chunked(gw):
    piece = b"y" * 10_000
    body = rawhttp.chunked([piece] * 11)  # 110 000 bytes > limit
    rejected(gw, _chunked_post(body), 413)
    assert not any(r["bodyLength"] > MAX_BODY for r in gw.echo.requests)


def test_content_length_overflow(gw):
    r, closed = rawhttp.raw_exchange(gw.port, b"POST /b HTTP/1.1\r\n" + H + b"Content-Length: 99999999999999999999999999\r\n\r\n")
    assert r.status in (400, 413), r
    rawhttp.assert_error_body(r, r.status, activity_id=False)
    assert closed


def test_duplicate_transfer_encoding_fields(gw):
    r, closed = rawhttp.raw_exchange(gw.port, b"POST /x HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert r.status in (400, 501), r
    rawhttp.assert_error_body(r, r.status, activity_id=False)
    assert closed


def test_no_route_is_404_and_keeps_connection(gateways, backends):
    """No API matches → 404 "Resource not found" (spec §4.6); the stream is fine, so the
    connection stays usable."""
    from snapshots import api, snapshot
    echo = backends.echo()
    gw = gateways(snapshot([api("only", "only", echo.url())]))
    with gw.conn() as c:
        r = c.request("GET", "/elsewhere")
        rawhttp.assert_error_body(r, 404, "Resource not found", activity_id=False)
        r = c.request("GET", "/only/x")
        assert r.status == 200


def test_header_timeout_408(gateways, backends):
    echo = backends.echo()
    gw = gateways(echo_snapshot(echo, settings={"requestHeaderTimeoutMs": 1000}))
    with gw.conn() as c:
        start = time.monotonic()
        c.send(b"GET /slow HTTP/1.1\r\nHost: gate")
        r = c.read_response(allow_incomplete=True)
        rawhttp.assert_error_body(r, 408, activity_id=False)
        assert c.wait_closed(5)
        elapsed = time.monotonic() - start
        assert 0.5 <= elapsed <= 10 * TIME_SCALE, elapsed
    assert echo.requests == []


def test_header_timeout_counts_whole_head_not_idle_gaps(gateways, backends):
    """Trickling bytes does not reset the header timer (slowloris)."""
    echo = backends.echo()
    gw = gateways(echo_snapshot(echo, settings={"requestHeaderTimeoutMs": 1500}))
    with gw.conn() as c:
        start = time.monotonic()
        c.send(b"GET /slow HTTP/1.1\r\n")
        while time.monotonic() - start < 10 * TIME_SCALE:
            if c.wait_closed(0.2) or c.buf:
                break
            try:
                c.send(b"X-Drip: y\r\n")
            except OSError:
                break
        r = c.read_response(allow_incomplete=True)
        rawhttp.assert_error_body(r, 408, activity_id=False)
    assert echo.requests == []


def test_idle_keep_alive_timeout_closes(gateways, backends):
    echo = backends.echo()
    gw = gateways(echo_snapshot(echo, settings={"clientIdleTimeoutMs": 1000}))
    with gw.conn() as c:
        assert c.request("GET", "/one").status == 200
        start = time.monotonic()
        assert c.wait_closed(10 * TIME_SCALE), "idle keep-alive connection was not closed"
        assert time.monotonic() - start >= 0.5
    # A connection that never sends a byte is not kept forever either (idle timeout, or
    # the 10 s header timeout at the latest).
    with gw.conn() as c:
        assert c.wait_closed(15 * TIME_SCALE)


def test_stalled_request_body_is_closed(gateways, backends):
    """server.h: no progress while reading a body for the idle timeout closes the
    connection; the backend never sees a complete request."""
    echo = backends.echo()
    gw = gateways(echo_snapshot(echo, settings={"clientIdleTimeoutMs": 1000}))
    with gw.conn() as c:
        c.send(b"POST /stall HTTP/1.1\r\n" + H + b"Content-Length: 100\r\n\r\n" + b"x" * 10)
        assert c.wait_closed(10 * TIME_SCALE), "a stalled upload was kept open"
    time.sleep(0.3)
    assert not [r for r in echo.requests if r["bodyLength"] == 100]


ACCEPTED = [
    ("te-case-insensitive", b"POST /ok HTTP/1.1\r\n" + H + b"Transfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 3),
    ("cl-leading-zeros", b"POST /ok HTTP/1.1\r\n" + H + b"Content-Length: 003\r\n\r\nabc", 3),
    ("lower-case-names", b"POST /ok HTTP/1.1\r\nhost: gateway.test\r\ncontent-length: 3\r\n\r\nabc", 3),
    ("no-space-after-colon", b"POST /ok HTTP/1.1\r\nHost:gateway.test\r\nContent-Length:3\r\n\r\nabc", 3),
    ("trailing-value-whitespace", b"POST /ok HTTP/1.1\r\n" + H + b"Content-Length: 3 \t\r\n\r\nabc", 3),
    ("http10-without-host", b"POST /ok HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", 3),
]


@pytest.mark.parametrize("data,length", [pytest.param(d, n, id=i) for i, d, n in ACCEPTED])
def test_valid_variants_are_accepted(gw, data, length):
    with gw.conn() as c:
        c.send(data)
        r = c.read_response("POST")
    assert r.status == 200, r
    assert r.json()["bodyLength"] == length


def test_many_pipelined_requests(gw):
    n = 200
    with gw.conn(timeout=30 * TIME_SCALE) as c:
        c.send(b"".join(rawhttp.build_request("GET", "/pipe/%d" % i) for i in range(n)))
        for i in range(n):
            r = c.read_response()
            assert r.status == 200 and r.json()["path"] == "/pipe/%d" % i, (i, r)


def test_asterisk_form_options_does_not_break_anything(gw):
    with gw.conn() as c:
        c.send(b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n")
        r = c.read_response("OPTIONS", allow_incomplete=True)
        assert r.status is not None and r.complete, r
        assert r.status != 500, r
    assert gw.status_code() == 200
