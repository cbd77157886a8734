"""Proxying through the gateway: methods, bodies, keep-alive, pipelining, 100-continue, HEAD,
Connection: close, Upgrade, forwarded headers and hop-by-hop stripping (RFC 9110 §7.6.1)."""

import hashlib
import os
import socket
import threading
import time

import rawhttp
from harness import SAN, vm_kib
from backends import chunked_handler, scripted_handler
from snapshots import api, echo_snapshot, snapshot

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
              "transfer-encoding"}


def header_map(echo_json):
    """Backend-seen headers as {lower name: [values]}."""
    out = {}
    for k, v in echo_json["headers"]:
        out.setdefault(k.lower(), []).append(v)
    return out


def test_get_is_proxied(gateway):
    r = gateway.request("GET", "/hello/world?x=1&y=two")
    assert r.status == 200, r
    doc = r.json()
    assert doc["backend"] == "echo"
    assert doc["method"] == "GET"
    assert doc["path"] == "/hello/world"
    assert doc["query"] == "x=1&y=two"
    assert r.header("X-Backend") == "echo"
    assert r.header("Content-Type") == "application/json"
    assert gateway.echo.paths() == ["/hello/world"]


def test_backend_status_and_headers_pass_through(gateways, backends):
    body = b"created!"
    be = backends.raw(scripted_handler(
        b"HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nSet-Cookie: a=1; Path=/\r\n"
        b"Set-Cookie: b=2; Path=/\r\nX-Custom: one\r\nCache-Control: no-store\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body))
    gw = gateways(echo_snapshot(be))
    r = gw.request("POST", "/things", body=b"{}")
    assert r.status == 201, r
    assert r.body == body
    # Set-Cookie must never be folded into one line (RFC 9110 §5.3).
    assert r.header_all("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"], r.headers
    assert r.header("X-Custom") == "one"
    assert r.header("Cache-Control") == "no-store"


def test_backend_error_status_is_not_rewritten(gateway):
    r = gateway.request("GET", "/missing?_status=404")
    assert r.status == 404
    assert r.json()["backend"] == "echo", "a backend 404 is passed through, not replaced"


def test_post_content_length_body(gateway):
    body = os.urandom(100_000)
    r = gateway.request("POST", "/upload", body=body, headers={"Content-Type": "application/octet-stream"})
    assert r.status == 200, r
    doc = r.json()
    assert doc["bodyLength"] == len(body)
    assert doc["bodySha256"] == hashlib.sha256(body).hexdigest()


def test_post_chunked_body(gateway):
    pieces = [os.urandom(n) for n in (1, 1000, 70_000, 3)]
    data = rawhttp.build_request("POST", "/chunked", {"Transfer-Encoding": "chunked"}) + rawhttp.chunked(pieces)
    with gateway.conn() as c:
        c.send(data)
        r = c.read_response()
    assert r.status == 200, r
    doc = r.json()
    whole = b"".join(pieces)
    assert doc["bodyLength"] == len(whole)
    assert doc["bodySha256"] == hashlib.sha256(whole).hexdigest()


def test_empty_bodies(gateway):
    r = gateway.request("POST", "/empty", body=b"")
    assert r.status == 200 and r.json()["bodyLength"] == 0
    data = rawhttp.build_request("PUT", "/empty-chunked", {"Transfer-Encoding": "chunked"}) + b"0\r\n\r\n"
    with gateway.conn() as c:
        c.send(data)
        r = c.read_response()
    assert r.status == 200 and r.json()["bodyLength"] == 0


def test_methods(gateway):
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        body = b"x" * 10 if method in ("POST", "PUT", "PATCH") else None
        r = gateway.request(method, "/m", body=body)
        assert r.status == 200, (method, r)
        assert r.json()["method"] == method


def test_keep_alive_many_requests_one_connection(gateway):
    with gateway.conn() as c:
        for i in range(25):
            r = c.request("GET", "/ka/%d" % i)
            assert r.status == 200, r
            assert r.json()["path"] == "/ka/%d" % i
            assert "close" not in r.connection_tokens()
        assert not c.wait_closed(0.2)


def test_pipelining_answers_in_order(gateway):
    reqs = b"".join([
        rawhttp.build_request("GET", "/p/1?_delay=0.3"),  # slow first: later answers must wait
        rawhttp.build_request("POST", "/p/2", body=b"abc"),
        rawhttp.build_request("GET", "/p/3"),
        rawhttp.build_request("HEAD", "/p/4"),
        rawhttp.build_request("GET", "/p/5"),
    ])
    with gateway.conn() as c:
        c.send(reqs)
        paths = []
        for method in ("GET", "POST", "GET", "HEAD", "GET"):
            r = c.read_response(method)
            assert r.status == 200, r
            if method != "HEAD":
                paths.append(r.json()["path"])
        assert paths == ["/p/1", "/p/2", "/p/3", "/p/5"]


def test_expect_100_continue(gateway):
    with gateway.conn() as c:
        c.send(rawhttp.build_request("POST", "/expect", {"Expect": "100-continue", "Content-Length": "5"}))
        interim = c.read_head()
        assert interim.status == 100, "expected 100 Continue before the body was sent, got %r" % interim
        c.send(b"hello")
        r = c.read_response("POST")
        assert r.status == 200, r
        assert r.json()["bodyLength"] == 5
        assert r.json()["bodySha256"] == hashlib.sha256(b"hello").hexdigest()
        # docs/http.md: answered by the gateway itself, not forwarded.
        assert "expect" not in header_map(r.json()), r.json()["headers"]
        # The connection is still usable.
        assert c.request("GET", "/after").status == 200


def test_expect_100_continue_with_body_sent_anyway(gateway):
    """A client may send the body without waiting for 100 (RFC 9110 §10.1.1)."""
    with gateway.conn() as c:
        c.send(rawhttp.build_request("POST", "/expect", {"Expect": "100-continue"}, body=b"hello"))
        r = c.read_response("POST")
        assert r.status == 200, r
        assert r.json()["bodyLength"] == 5
        assert c.request("GET", "/after").status == 200


def test_head_has_no_body_and_connection_stays_usable(gateway):
    with gateway.conn() as c:
        r = c.request("HEAD", "/head")
        assert r.status == 200, r
        assert r.body == b""
        assert r.header("Content-Type") == "application/json"
        r2 = c.request("GET", "/after-head")
        assert r2.status == 200 and r2.json()["path"] == "/after-head"


def test_head_with_chunked_backend_headers(gateways, backends):
    be = backends.raw(chunked_handler([b"hello", b"world"]))
    gw = gateways(echo_snapshot(be))
    with gw.conn() as c:
        r = c.request("HEAD", "/x")
        assert r.status == 200 and r.body == b""
        r2 = c.request("GET", "/x")
        assert r2.status == 200 and r2.body == b"helloworld"


def test_connection_close(gateway):
    with gateway.conn() as c:
        r = c.request("GET", "/bye", headers={"Connection": "close"})
        assert r.status == 200
        assert "close" in r.connection_tokens(), r.headers
        assert c.wait_closed(5), "gateway kept the connection open after Connection: close"


def test_http10_closes_by_default(gateway):
    with gateway.conn() as c:
        r = c.request("GET", "/old", version="HTTP/1.0")
        assert r.status == 200 and r.json()["path"] == "/old"
        assert c.wait_closed(5), "HTTP/1.0 without keep-alive must be closed after the response"


def test_http10_keep_alive(gateway):
    with gateway.conn() as c:
        for i in range(3):
            r = c.request("GET", "/old/%d" % i, headers={"Connection": "keep-alive"}, version="HTTP/1.0")
            assert r.status == 200 and r.json()["path"] == "/old/%d" % i


def test_upgrade_is_ignored(gateway):
    r = gateway.request("GET", "/ws", headers=[("Connection", "Upgrade"), ("Upgrade", "websocket"),
                                               ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                                               ("Sec-WebSocket-Version", "13")])
    assert r.status != 101
    assert r.status == 200, r
    seen = header_map(r.json())
    assert "upgrade" not in seen, seen
    assert all("upgrade" not in v.lower() for v in seen.get("connection", [])), seen


def test_forwarded_headers_added(gateway):
    r = gateway.request("GET", "/fwd", host="api.example.com")
    seen = header_map(r.json())
    assert seen.get("x-forwarded-for") == ["127.0.0.1"], seen
    assert seen.get("x-forwarded-proto") == ["http"], seen
    assert seen.get("x-forwarded-host") == ["api.example.com"], seen


def test_x_forwarded_for_is_appended(gateway):
    r = gateway.request("GET", "/fwd", headers={"X-Forwarded-For": "203.0.113.7, 10.0.0.1"})
    seen = header_map(r.json())
    values = [p.strip() for v in seen["x-forwarded-for"] for p in v.split(",")]
    assert values == ["203.0.113.7", "10.0.0.1", "127.0.0.1"], seen["x-forwarded-for"]


def test_repeated_x_forwarded_for_fields_are_joined(gateway):
    r = gateway.request("GET", "/fwd", headers=[("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-For", "10.0.0.1")])
    seen = header_map(r.json())
    assert seen["x-forwarded-for"] == ["203.0.113.7, 10.0.0.1, 127.0.0.1"], seen["x-forwarded-for"]


def test_forwarded_proto_and_host_are_set_not_passed_through(gateway):
    """docs/http.md: X-Forwarded-Proto and X-Forwarded-Host are set by the gateway; a client
    cannot claim https or another host."""
    r = gateway.request("GET", "/fwd", host="real.example", headers=[("X-Forwarded-Proto", "https"),
                                                                      ("X-Forwarded-Host", "spoofed.example")])
    seen = header_map(r.json())
    assert seen["x-forwarded-proto"] == ["http"], seen
    assert seen["x-forwarded-host"] == ["real.example"], seen


def test_expect_100_continue_on_a_refused_request(gateways, backends):
    """docs/http.md: a request refused before its body is read gets its final answer
    without 100 Continue, and the connection is closed."""
    echo = backends.echo()
    gw = gateways(snapshot([api("only", "only", echo.url())]))
    with gw.conn() as c:
        c.send(rawhttp.build_request("POST", "/elsewhere", {"Expect": "100-continue", "Content-Length": "5"}))
        r = c.read_response("POST", allow_incomplete=True)
        assert 100 not in r.interim
        rawhttp.assert_error_body(r, 404, "Resource not found", activity_id=False)
        assert c.wait_closed(5)


def test_host_is_the_backend_host(gateway):
    """Spec §4.4: Host is set to the backend host."""
    r = gateway.request("GET", "/host", host="api.example.com")
    seen = header_map(r.json())
    assert seen["host"] == [gateway.echo.origin()], seen


def test_hop_by_hop_request_headers_are_stripped(gateway):
    r = gateway.request("GET", "/hop", headers=[
        ("Connection", "keep-alive, X-Private-Hop"),
        ("X-Private-Hop", "secret"),
        ("Keep-Alive", "timeout=5"),
        ("Proxy-Connection", "keep-alive"),
        ("TE", "trailers"),
        ("Trailer", "X-Checksum"),
        ("X-End-To-End", "kept"),
    ])
    assert r.status == 200, r
    seen = header_map(r.json())
    for name in ("x-private-hop", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
                 "transfer-encoding"):
        assert name not in seen, (name, seen)
    for v in seen.get("connection", []):
        assert "x-private-hop" not in v.lower(), seen
    assert seen["x-end-to-end"] == ["kept"]


def test_hop_by_hop_response_headers_are_stripped(gateways, backends):
    body = b"payload"
    be = backends.raw(scripted_handler(
        b"HTTP/1.1 200 OK\r\nConnection: X-Resp-Hop\r\nX-Resp-Hop: 1\r\nKeep-Alive: timeout=5, max=100\r\n"
        b"Proxy-Connection: keep-alive\r\nTrailer: X-Sum\r\nUpgrade: h2c\r\nX-End-To-End: yes\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body))
    gw = gateways(echo_snapshot(be))
    with gw.conn() as c:
        r = c.request("GET", "/x")
        assert r.status == 200 and r.body == body
        names = {k.lower() for k, _ in r.headers}
        for name in ("x-resp-hop", "keep-alive", "proxy-connection", "trailer", "upgrade"):
            assert name not in names, (name, r.headers)
        assert all(t in ("keep-alive", "close") for t in r.connection_tokens()), r.headers
        assert r.header("X-End-To-End") == "yes"
        assert c.request("GET", "/again").body == body


def test_backend_connection_close_is_not_forwarded(gateway):
    """The backend's Connection: close concerns the upstream hop only."""
    with gateway.conn() as c:
        r = c.request("GET", "/c?_close=1")
        assert r.status == 200
        assert "close" not in r.connection_tokens(), r.headers
        r2 = c.request("GET", "/after")
        assert r2.status == 200 and r2.json()["path"] == "/after"


def test_end_to_end_headers_are_forwarded_in_order(gateways, backends):
    snap = echo_snapshot(backends.echo())
    snap["subscriptions"] = [{"id": "s", "scope": "/apis", "state": "active", "primaryKey": "k1"}]
    r = gateways(snap).request("GET", "/h", headers=[
        ("X-Multi", "first"), ("X-Other", "a\tb"), ("X-Multi", "second"),
        ("Accept", "application/json"), ("Ocp-Apim-Subscription-Key", "k1"), ("Cookie", "c=1"),
    ])
    seen = header_map(r.json())
    assert seen["x-multi"] == ["first", "second"] or seen["x-multi"] == ["first, second"], seen
    assert seen["x-other"] == ["a\tb"]
    assert seen["accept"] == ["application/json"]
    assert seen["ocp-apim-subscription-key"] == ["k1"], "spec §4.3: keys are forwarded unchanged"
    assert seen["cookie"] == ["c=1"]


def test_chunked_response_with_extensions_and_trailers(gateways, backends):
    pieces = [b"a" * 10, b"b" * 70_000, b"c"]
    be = backends.raw(chunked_handler(pieces, extensions=True, trailers=True))
    gw = gateways(echo_snapshot(be))
    with gw.conn() as c:
        for _ in range(3):
            r = c.request("GET", "/chunks")
            assert r.status == 200
            assert r.body == b"".join(pieces)


def test_no_body_statuses(gateway):
    with gateway.conn() as c:
        r = c.request("GET", "/nc?_status=204")
        assert r.status == 204 and r.body == b""
        r = c.request("GET", "/nm?_status=304")
        assert r.status == 304 and r.body == b""
        r = c.request("GET", "/after")
        assert r.status == 200 and r.json()["path"] == "/after"


def test_close_delimited_backend_response(gateways, backends):
    """A response of unknown length goes chunked to an HTTP/1.1 client, whose connection
    stays usable (docs/http.md)."""
    body = b"until-eof " * 1000
    be = backends.raw(scripted_handler(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body,
                                       keep_alive=False))
    gw = gateways(echo_snapshot(be))
    with gw.conn() as c:
        for _ in range(2):
            r = c.request("GET", "/eof")
            assert r.status == 200
            assert r.body == body
            assert (r.header("Transfer-Encoding") or "").lower() == "chunked", r.headers


def test_large_response_header(gateways, backends):
    big = "v" * 8000
    be = backends.raw(scripted_handler(("HTTP/1.1 200 OK\r\nX-Big: %s\r\nContent-Length: 2\r\n\r\nok" % big).encode()))
    gw = gateways(echo_snapshot(be))
    r = gw.request("GET", "/big-header")
    assert r.status == 200 and r.header("X-Big") == big and r.body == b"ok"


def test_absolute_form_target(gateway):
    r = gateway.request("GET", "http://gateway.test/abs/path?q=1")
    assert r.status == 200, r
    doc = r.json()
    assert doc["path"] == "/abs/path" and doc["query"] == "q=1"


def test_query_and_encoding_preserved(gateway):
    r = gateway.request("GET", "/enc/a%20b/%2F?a=1&b=%20x&c&d=%C3%A9")
    doc = r.json()
    assert doc["target"] == "/enc/a%20b/%2F?a=1&b=%20x&c&d=%C3%A9", doc["target"]


def test_http10_client_gets_no_chunked_encoding(gateways, backends):
    """An HTTP/1.0 client cannot parse chunked: a chunked backend response is sent
    close-delimited (or with a length) instead (RFC 9112 §7.1)."""
    pieces = [b"one-", b"two-", b"three"]
    be = backends.raw(chunked_handler(pieces))
    gw = gateways(echo_snapshot(be))
    with gw.conn() as c:
        c.send(rawhttp.build_request("GET", "/old", version="HTTP/1.0"))
        r = c.read_response_head()
        assert r.status == 200
        assert not r.header_all("Transfer-Encoding"), r.headers
        body = b"".join(c.iter_body(r))
        assert body == b"".join(pieces)
        assert c.wait_closed(5) or r.header("Content-Length")


def test_requests_after_connection_close_are_not_processed(gateway):
    with gateway.conn() as c:
        c.send(rawhttp.build_request("GET", "/first", {"Connection": "close"})
               + rawhttp.build_request("GET", "/second"))
        r = c.read_response()
        assert r.json()["path"] == "/first"
        assert c.wait_closed(5)
        assert b"HTTP/1.1" not in bytes(c.buf)
    assert "/second" not in gateway.echo.paths()


def test_empty_header_value_is_forwarded(gateway):
    r = gateway.request("GET", "/empty-header", headers=[("X-Empty", "")])
    assert r.status == 200
    assert header_map(r.json()).get("x-empty") == [""]


def test_gateway_generated_responses_are_well_formed(gateways, backends):
    echo = backends.echo()
    gw = gateways(snapshot([api("only", "only", echo.url())]))
    r = gw.request("GET", "/nope")
    assert r.status == 404
    assert r.header("Date"), "RFC 9110 §6.6.1: generated responses carry Date"
    assert r.header("Content-Length") == str(len(r.body))


def test_backend_answering_before_reading_the_upload(gateways, backends):
    """The backend refuses an upload from its head alone (413 + close) while the client is
    still sending: the client must get that response, not a hang."""
    import threading

    def handler(conn, backend):
        if conn.read_request(read_body=False) is None:
            return
        conn.respond(413, b"too big for me", reason="Payload Too Large", close=True)
        time.sleep(0.2)
        conn.sock.shutdown(socket.SHUT_RDWR)
    be = backends.raw(handler)
    gw = gateways(echo_snapshot(be))
    size = 8 << 20
    with gw.conn() as c:
        c.send(rawhttp.build_request("POST", "/upload", {"Content-Length": str(size)}))

        def pump():
            try:
                for _ in range(size // 65536):
                    c.sock.sendall(b"z" * 65536)
            except OSError:
                pass
        t = threading.Thread(target=pump, daemon=True)
        t.start()
        r = c.read_response("POST", allow_incomplete=True)
        assert r.status == 413 and r.body == b"too big for me", r
        assert c.wait_closed(10), "the request body was not read to its end: the connection must close"
        t.join(10)
    assert gw.status_code() == 200


def test_many_concurrent_clients(gateway):
    errors = []

    def client(k):
        try:
            with gateway.conn() as c:
                for i in range(10):
                    r = c.request("GET", "/conc/%d/%d" % (k, i))
                    if r.status != 200 or r.json()["path"] != "/conc/%d/%d" % (k, i):
                        errors.append((k, i, r))
        except Exception as e:
            errors.append((k, repr(e)))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [], errors[:5]
    assert len(gateway.echo.requests) == 400


def test_memory_is_stable_over_many_requests(gateways, backends):
    """Per-request memory is freed with the request (STYLE.md habit 3): RSS does not grow
    with the number of requests."""
    echo = backends.echo()
    env = {"ASAN_OPTIONS": (os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=8").lstrip(":")} if SAN else {}
    gw = gateways(echo_snapshot(echo), env=env)

    def burst(n):
        with gw.conn() as c:
            for i in range(n):
                assert c.request("POST", "/mem/%d" % i, body=b"m" * 2000).status == 200
    burst(300)
    before = max(vm_kib(p, "VmRSS") for p in gw.unit_pids())
    for _ in range(8):
        burst(1000)
    after = max(vm_kib(p, "VmRSS") for p in gw.unit_pids())
    limit = 16 * 1024 if not SAN else 48 * 1024
    assert after - before < limit, "RSS grew by %d KiB over 8000 requests" % (after - before)


def test_head_on_gateway_generated_responses(gateways, backends):
    echo = backends.echo()
    gw = gateways(snapshot([api("only", "only", echo.url())]))
    with gw.conn() as c:
        r = c.request("HEAD", "/nope")
        assert r.status == 404 and r.body == b""
        r = c.request("HEAD", "/status-0123456789abcdef")
        assert r.status == 200 and r.body == b""
        r = c.request("GET", "/only/x")
        assert r.status == 200 and r.json()["path"] == "/x"


def test_crowd_of_slow_clients_does_not_block_others(gateway):
    """200 connections each holding half a request head must not stop a normal client."""
    crowd = []
    try:
        for i in range(200):
            c = gateway.conn()
            c.send(b"GET /slowloris/%d HTTP/1.1\r\nHost: gate" % i)
            crowd.append(c)
        start = time.monotonic()
        for i in range(5):
            assert gateway.request("GET", "/normal/%d" % i).status == 200
        assert time.monotonic() - start < 5, "normal requests were held up by slow clients"
    finally:
        for c in crowd:
            c.close()
