"""Request matching (spec §4.2, route.h) and backend URL composition (spec §4.4)."""

import pytest

import rawhttp
from harness import STATUS_PATH
from snapshots import api, op, snapshot


def backend_of(r):
    assert r.status == 200, r
    return r.json()["backend"]


@pytest.fixture
def routed(gateways, backends):
    bs = {n: backends.echo(n) for n in ("A", "B", "C", "D")}
    gw = gateways(snapshot([
        api("catch-all", "", bs["A"].url()),
        api("orders", "orders", bs["B"].url("/base")),
        api("orders-v2", "orders/v2", bs["C"].url()),
        api("hosted", "h", bs["D"].url(), hostnames=["api.contoso.com"]),
    ]))
    gw.bs = bs
    return gw


@pytest.mark.parametrize("path,expected", [
    ("/orders/1", "B"),
    ("/orders", "B"),
    ("/orders/", "B"),
    ("/orders/v2/x", "C"),
    ("/orders/v2", "C"),
    ("/orders/v20", "B"),     # prefix only on a segment boundary
    ("/ordersX/1", "A"),
    ("/ORDERS/1", "B"),       # API paths compare case-insensitively (route.h)
    ("/Orders/V2/x", "C"),
    ("/other/thing", "A"),
    ("/", "A"),
    ("/h/x", "A"),            # "h" is bound to api.contoso.com only
])
def test_longest_path_prefix(routed, path, expected):
    assert backend_of(routed.request("GET", path)) == expected


@pytest.mark.parametrize("host,expected", [
    ("api.contoso.com", "D"),
    ("API.Contoso.COM", "D"),
    ("api.contoso.com:8080", "D"),
    ("other.example", "A"),
])
def test_host_selects_api(routed, host, expected):
    assert backend_of(routed.request("GET", "/h/x", host=host)) == expected


def test_no_api_is_404(gateways, backends):
    echo = backends.echo()
    gw = gateways(snapshot([api("only", "only", echo.url())]))
    for path in ("/", "/nothing", "/onlyX", "/x/only"):
        rawhttp.assert_error_body(gw.request("GET", path), 404, "Resource not found", activity_id=False)
    assert echo.requests == []


@pytest.fixture
def shop(gateways, backends):
    echo = backends.echo()
    gw = gateways(snapshot([
        api("shop", "shop", echo.url(), operations=[
            op("get-item", "GET", "/items/{id}"),
            op("special", "GET", "/items/special"),
            op("create", "POST", "/items"),
            op("search", "GET", "/search?q={term}"),
            op("item-reviews", "GET", "/items/{id}/reviews"),
        ]),
        api("wild", "wild", echo.url(), operations=[
            op("get-x", "GET", "/x"),
            op("any", "*", "/*"),
        ]),
    ]))
    gw.echo = echo
    return gw


@pytest.mark.parametrize("method,target,operation", [
    ("GET", "/shop/items/42", "get-item"),
    ("GET", "/shop/items/special", "special"),   # literal beats {param}
    ("POST", "/shop/items", "create"),
    ("GET", "/shop/items/42/reviews", "item-reviews"),
    ("GET", "/shop/search?q=shoes", "search"),
    ("GET", "/wild/x", "get-x"),
    ("GET", "/wild/y/z", "any"),                  # wildcard catches the rest
    ("POST", "/wild/x", "any"),
    ("DELETE", "/wild", "any"),
])
def test_operation_selected(shop, method, target, operation):
    r = shop.request(method, target, body=b"" if method == "POST" else None)
    assert r.status == 200, r
    path = target.split("?")[0]
    entries = shop.wait_access_log(lambda e: str(e.get("path", "")).split("?")[0] == path)
    assert entries[-1].get("operation") == operation, entries[-1]
    assert entries[-1].get("api") in ("shop", "wild"), entries[-1]


@pytest.mark.parametrize("method,target", [
    ("DELETE", "/shop/items/42"),     # no operation for the method
    ("GET", "/shop/items"),
    ("GET", "/shop/items/42/other"),  # {param} is one segment
    ("GET", "/shop/search"),          # template query parameter missing
    ("GET", "/shop/unknown"),
    ("PUT", "/shop"),
])
def test_no_operation_is_404(shop, method, target):
    r = shop.request(method, target, body=b"" if method == "PUT" else None)
    rawhttp.assert_error_body(r, 404, "Resource not found", activity_id=False)
    assert shop.echo.requests == []


@pytest.fixture
def composed(gateways, backends):
    echo = backends.echo()
    gw = gateways(snapshot([
        api("orders", "orders", echo.url("/base")),
        api("root", "root", echo.url()),
        api("slash", "slash", echo.url("/base2/")),
        api("deep", "a/b/c", echo.url("/x/y")),
    ]))
    gw.echo = echo
    return gw


@pytest.mark.parametrize("target,backend_target", [
    ("/orders/a/b?x=1&y=%2F", "/base/a/b?x=1&y=%2F"),
    ("/orders", "/base"),
    ("/orders/", "/base/"),
    ("/orders?x=1", "/base?x=1"),
    ("/orders/a%20b/c%2Fd", "/base/a%20b/c%2Fd"),   # forwarded as received, not decoded
    ("/root", "/"),
    ("/root/a", "/a"),
    ("/root/a?", "/a?"),
    ("/slash/a", "/base2/a"),                        # no "//" on join
    ("/a/b/c/d/e?z", "/x/y/d/e?z"),
])
def test_backend_url_composition(composed, target, backend_target):
    r = composed.request("GET", target)
    assert r.status == 200, r
    got = r.json()["target"]
    if backend_target.endswith("?"):
        assert got in (backend_target, backend_target[:-1]), got
    else:
        assert got == backend_target


def test_status_path_is_not_routed(gateway):
    r = gateway.request("GET", STATUS_PATH)
    assert r.status == 200
    assert gateway.echo.requests == [], "the status endpoint must be answered by the gateway"


def test_protocols_without_http_is_404(gateways, backends):
    """Spec §4.2 step 3: the listener is plain HTTP; an https-only API does not match."""
    echo = backends.echo()
    gw = gateways(snapshot([
        api("secure", "secure", echo.url(), protocols=["https"]),
        api("plain", "plain", echo.url(), protocols=["http"]),
    ]))
    rawhttp.assert_error_body(gw.request("GET", "/secure/x"), 404, "Resource not found", activity_id=False)
    assert gw.request("GET", "/plain/x").status == 200


def test_backend_id_wins_over_service_url(gateways, backends):
    a, b = backends.echo("A"), backends.echo("B")
    snap = snapshot([api("via-id", "v", a.url(), backendId="b1")])
    snap["backends"] = [{"id": "b1", "url": b.url("/viaid")}]
    gw = gateways(snap)
    r = gw.request("GET", "/v/thing")
    assert r.status == 200
    assert r.json()["backend"] == "B"
    assert r.json()["target"] == "/viaid/thing"
    assert a.requests == []


@pytest.fixture
def templates(gateways, backends):
    echo = backends.echo()
    gw = gateways(snapshot([
        api("t", "t", echo.url(), operations=[
            op("root", "GET", "/"),
            op("get-item", "GET", "/items/{id}"),
            op("reviews", "GET", "/items/{id}/reviews"),
            op("search-q", "GET", "/search?q={q}"),
            op("search-all", "GET", "/search"),
        ]),
        api("slashy", "/slashy/", echo.url()),
    ]))
    gw.echo = echo
    return gw


@pytest.mark.parametrize("target,operation", [
    ("/t", "root"),                         # "/" matches the empty suffix...
    ("/t/", "root"),                        # ...and "/"
    ("/t/ITEMS/42", "get-item"),            # literals compare case-insensitively
    ("/t/items/42/", "get-item"),           # one trailing "/" is ignored
    ("/t/items/a%2Fb", "get-item"),         # an encoded slash stays inside one segment
    ("/t/search?q=1", "search-q"),          # binding more query parameters wins
    ("/t/search?q=", "search-q"),
    ("/t/search?x=1&q", "search-q"),
    ("/t/search", "search-all"),
    ("/t/search?Q=1", "search-all"),        # query names compare exactly
    ("/slashy/x", "any"),                   # API path "/slashy/" is "slashy"
])
def test_template_details(templates, target, operation):
    r = templates.request("GET", target)
    assert r.status == 200, r
    path = target.split("?")[0]
    entries = templates.wait_access_log(lambda e: str(e.get("path", "")).split("?")[0] == path)
    assert entries[-1].get("operation") == operation, entries[-1]


@pytest.mark.parametrize("target", ["/t/items//reviews", "/t/items/", "/t/items/1/2/reviews"])
def test_template_non_matches(templates, target):
    rawhttp.assert_error_body(templates.request("GET", target), 404, "Resource not found", activity_id=False)


def test_absolute_form_target_host(routed):
    """RFC 9112 §3.2.2: with an absolute-form target the authority is the request's host.
    parser.c refuses a Host field naming another host (400) rather than ignoring it."""
    assert backend_of(routed.request("GET", "http://api.contoso.com/h/x", host="api.contoso.com")) == "D"
    assert backend_of(routed.request("GET", "http://API.Contoso.com/h/x", host="api.contoso.com")) == "D"
    r, closed = rawhttp.raw_exchange(routed.port, b"GET http://api.contoso.com/h/x HTTP/1.1\r\nHost: other.example\r\n\r\n")
    rawhttp.assert_error_body(r, 400, activity_id=False)


def test_absolute_form_authority_selects_api_without_host_field(routed):
    """HTTP/1.0 needs no Host field; the absolute-form authority names the host."""
    r = routed.request("GET", "http://api.contoso.com/h/x", host=None, version="HTTP/1.0")
    assert backend_of(r) == "D"
