"""Proxying through the gateway: methods, bodies, keep-alive, pipelining, 100-continue, HEAD,
Connection: close, Upgrade, forwarded headers and hop-by-hop stripping (RFC 9110 §7.6.1)."""

import hashlib
import os

import rawhttp
from backends import chunked_handler, scripted_handler
from snapshots import echo_snapshot

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


def test_end_to_end_headers_are_forwarded_in_order(gateway):
    r = gateway.request("GET", "/h", headers=[
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
    body = b"until-eof " * 1000
    be = backends.raw(scripted_handler(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body,
                                       keep_alive=False))
    gw = gateways(echo_snapshot(be))
    r = gw.request("GET", "/eof")
    assert r.status == 200
    assert r.body == body


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
