"""The policy pipeline in a running gateway (issue 3; spec/apim-gateway.md §1.3-§1.5, §2):
the canonical regional-routing example read verbatim from ../shared/conformance, <base/>
composition across scopes, on-error with context.LastError, return-response, retry against a
failing backend, send-request to a second backend, and refusal of a snapshot whose policy
does not compile."""

import json
import os

import pytest

from harness import Gateway
from snapshots import api, op, snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CANONICAL = os.path.join(ROOT, "..", "shared", "conformance", "policy-snippets",
                         "Route-requests-to-regional-backend-instances.xml")


def policies(global_=None, apis=None, operations=None, products=None):
    return {"global": global_, "products": products or {}, "apis": apis or {},
            "operations": operations or {}}


def seen_headers(record, name):
    """Values of header `name` the backend received, comma-joined fields split apart."""
    values = []
    for k, v in record["headers"]:
        if k.lower() == name.lower():
            values += [x.strip() for x in v.split(",")]
    return values


def header_of(record, name):
    for k, v in record["headers"]:
        if k.lower() == name.lower():
            return v
    return None


# ---- the canonical example -------------------------------------------------------------

@pytest.mark.parametrize("region, expected", [
    ("West US", "contoso-us"),
    ("East Asia", "contoso-asia"),
    ("Brazil South", "contoso-other"),
])
def test_canonical_regional_routing_runs_verbatim(gateways, backends, region, expected):
    with open(CANONICAL, encoding="utf-8") as f:
        document = f.read()  # read in place, never copied into the repository
    us, asia, other = backends.echo("contoso-us"), backends.echo("contoso-asia"), backends.echo("contoso-other")
    default = backends.echo("default")
    snap = snapshot([api("orders", "orders", default.url())],
                    policies=policies(apis={"orders": document}))
    snap["regions"].append({"name": "Brazil South"})
    connect_to = ",".join("%s:80=%s" % (host, b.origin()) for host, b in
                          (("contoso-us.com", us), ("contoso-asia.com", asia), ("contoso-other.com", other)))
    gw = gateways(snap, region=region, extra_args=["--connect-to", connect_to])
    r = gw.request("GET", "/orders/items/7?x=1")
    assert r.status == 200, r
    body = r.json()
    assert body["backend"] == expected
    assert body["target"] == "/items/7?x=1"
    assert header_of(body, "Host") == expected + ".com"
    for b in (us, asia, other, default):
        assert len(b.requests) == (1 if b.name == expected else 0), b.name


# ---- composition -----------------------------------------------------------------------

def appender(value):
    return ('<set-header name="X-Order" exists-action="append"><value>%s</value></set-header>'
            % value)


def test_base_composition_order_across_scopes(gateways, backends):
    """Global, product (an open product: anonymous requests run in its context, spec §1.2),
    API and operation documents, each placing <base/> somewhere else (§1.3)."""
    echo = backends.echo()
    out = lambda v: ('<set-header name="X-Out" exists-action="append"><value>%s</value></set-header>' % v)
    global_doc = ("<policies><inbound>%s</inbound><backend><forward-request /></backend>"
                  "<outbound>%s</outbound><on-error /></policies>" % (appender("global"), out("global")))
    product_doc = ("<policies><inbound>%s<base />%s</inbound><backend><base /></backend>"
                   "<outbound><base />%s</outbound></policies>"
                   % (appender("product-before"), appender("product-after"), out("product")))
    api_doc = ("<policies><inbound>%s<base />%s</inbound><backend><base /></backend>"
               "<outbound><base />%s</outbound></policies>"
               % (appender("api-before"), appender("api-after"), out("api")))
    op_doc = ("<policies><inbound>%s<base />%s</inbound><backend><base /></backend>"
              "<outbound>%s<base /></outbound></policies>"
              % (appender("operation-before"), appender("operation-after"), out("operation")))
    snap = snapshot([api("orders", "orders", echo.url(),
                         [op("get", "GET", "/items/{id}"), op("other", "POST", "/items")]),
                     api("plain", "plain", echo.url())],
                    policies=policies(global_=global_doc, apis={"orders": api_doc},
                                      operations={"orders/get": op_doc},
                                      products={"starter": product_doc}),
                    products=[{"id": "starter", "displayName": "Starter",
                               "subscriptionRequired": False, "apis": ["orders"]}])
    gw = gateways(snap)
    r = gw.request("GET", "/orders/items/1")
    assert r.status == 200, r
    assert seen_headers(r.json(), "X-Order") == [
        "operation-before", "api-before", "product-before", "global", "product-after",
        "api-after", "operation-after"]
    assert ",".join(r.header_all("X-Out")).replace(" ", "").split(",") == [
        "operation", "global", "product", "api"]
    # Another operation of the same API has no operation document: API, product, global.
    r = gw.request("POST", "/orders/items", body=b"{}")
    assert r.status == 200, r
    assert seen_headers(r.json(), "X-Order") == [
        "api-before", "product-before", "global", "product-after", "api-after"]
    # An API in no product: no product scope.
    r = gw.request("GET", "/plain/x")
    assert r.status == 200, r
    assert seen_headers(r.json(), "X-Order") == ["global"]


# ---- errors and on-error ---------------------------------------------------------------

def test_on_error_sees_last_error_of_a_failing_expression(gateways, backends):
    echo = backends.echo()
    doc = """<policies>
  <inbound>
    <set-variable name="n" value="@(int.Parse(&quot;not a number&quot;))" />
    <set-header name="X-Never" exists-action="override"><value>set</value></set-header>
  </inbound>
  <backend><forward-request /></backend>
  <outbound />
  <on-error>
    <return-response>
      <set-status code="418" reason="Teapot" />
      <set-header name="X-Source" exists-action="override"><value>@(context.LastError.Source)</value></set-header>
      <set-header name="X-Reason" exists-action="override"><value>@(context.LastError.Reason)</value></set-header>
      <set-header name="X-Section" exists-action="override"><value>@(context.LastError.Section)</value></set-header>
      <set-header name="X-Scope" exists-action="override"><value>@(context.LastError.Scope)</value></set-header>
      <set-body>@(context.LastError.Message)</set-body>
    </return-response>
  </on-error>
</policies>"""
    snap = snapshot([api("orders", "orders", echo.url())], policies=policies(apis={"orders": doc}))
    gw = gateways(snap)
    r = gw.request("GET", "/orders/x")
    assert r.status == 418, r
    assert r.reason == "Teapot"
    assert r.header("X-Source") == "set-variable"
    assert r.header("X-Reason") == "ExpressionValueEvaluationFailure"
    assert r.header("X-Section") == "inbound"
    assert r.header("X-Scope") == "api"
    assert r.body, "LastError.Message must say what failed"
    assert echo.requests == [], "an error in inbound skips the backend"


def test_backend_failure_goes_to_on_error_with_its_reason(gateways, backends):
    from backends import closed_port
    doc = """<policies><inbound /><backend><forward-request timeout="5" /></backend><outbound />
  <on-error>
    <set-header name="X-Reason" exists-action="override"><value>@(context.LastError.Reason)</value></set-header>
    <set-header name="X-Source" exists-action="override"><value>@(context.LastError.Source)</value></set-header>
  </on-error></policies>"""
    snap = snapshot([api("orders", "orders", "http://127.0.0.1:%d" % closed_port())],
                    policies=policies(apis={"orders": doc}))
    gw = gateways(snap)
    r = gw.request("GET", "/orders/x")
    # No custom response in on-error: the default error response, with on-error's headers.
    assert r.status in (500, 502, 503), r
    assert r.header("X-Reason") == "BackendConnectionFailure"
    assert r.header("X-Source") == "forward-request"


def test_return_response_ends_the_pipeline_before_the_backend(gateways, backends):
    echo = backends.echo()
    doc = """<policies><inbound>
    <choose>
      <when condition="@(context.Request.Headers.GetValueOrDefault(&quot;X-Mode&quot;, &quot;&quot;) == &quot;short&quot;)">
        <return-response>
          <set-status code="201" reason="Created" />
          <set-header name="Content-Type" exists-action="override"><value>application/json</value></set-header>
          <set-body>{"shortcut": true}</set-body>
        </return-response>
      </when>
    </choose>
    <set-header name="X-After" exists-action="override"><value>yes</value></set-header>
  </inbound><backend><forward-request /></backend>
  <outbound><set-header name="X-Outbound" exists-action="override"><value>ran</value></set-header></outbound>
</policies>"""
    snap = snapshot([api("orders", "orders", echo.url())], policies=policies(apis={"orders": doc}))
    gw = gateways(snap)
    r = gw.request("GET", "/orders/x", headers=[("X-Mode", "short")])
    assert r.status == 201, r
    assert json.loads(r.body) == {"shortcut": True}
    assert r.header("X-Outbound") is None, "return-response skips outbound"
    assert echo.requests == []
    r = gw.request("GET", "/orders/x", headers=[("X-Mode", "long")])
    assert r.status == 200, r
    assert header_of(r.json(), "X-After") == "yes"
    assert r.header("X-Outbound") == "ran"
    assert len(echo.requests) == 1


def test_cors_headers_reach_forwarded_and_streamed_responses(gateways, backends):
    echo = backends.echo()
    cors = """<cors allow-credentials="true"><allowed-origins><origin>https://app.example.com</origin>
      </allowed-origins><allowed-methods><method>GET</method></allowed-methods>
      <expose-headers><header>X-Total</header></expose-headers></cors>"""
    buffered = "<policies><inbound>" + cors + "</inbound><backend><forward-request /></backend></policies>"
    streamed = ("<policies><inbound>" + cors + "</inbound><backend>"
                "<forward-request buffer-response=\"false\" /></backend></policies>")
    snap = snapshot([api("orders", "orders", echo.url()), api("feed", "feed", echo.url())],
                    policies=policies(apis={"orders": buffered, "feed": streamed}))
    gw = gateways(snap)
    for path in ("/orders/x", "/feed/x"):
        r = gw.request("GET", path, headers=[("Origin", "https://app.example.com")])
        assert r.status == 200, r
        assert len(echo.requests) >= 1, "the backend was called"
        assert r.header("Access-Control-Allow-Origin") == "https://app.example.com", (path, r)
        assert r.header("Access-Control-Allow-Credentials") == "true"
        assert r.header("Access-Control-Expose-Headers") == "X-Total"
        assert header_of(r.json(), "Access-Control-Allow-Origin") is None, "not sent to the backend"
    r = gw.request("GET", "/orders/x", headers=[("Origin", "https://evil.example.com")])
    assert r.status == 200, r
    assert r.header("Access-Control-Allow-Origin") is None


def test_retry_against_a_failing_backend(gateways, backends):
    echo = backends.echo()
    doc = """<policies><inbound /><backend>
    <retry condition="@(context.Response.StatusCode == 503)" count="3" interval="0" first-fast-retry="true">
      <forward-request buffer-request-body="true" />
    </retry>
  </backend><outbound /></policies>"""
    snap = snapshot([api("orders", "orders", echo.url())], policies=policies(apis={"orders": doc}))
    gw = gateways(snap)
    echo.fail_next(2)
    r = gw.request("POST", "/orders/x", body=b"payload-to-replay")
    assert r.status == 200, r
    assert len(echo.requests) == 3
    assert all(rec["bodyLength"] == len(b"payload-to-replay") for rec in echo.requests)
    # More failures than retries: the last backend answer is what the client gets.
    echo.fail_next(10)
    r = gw.request("GET", "/orders/y")
    assert r.status == 503, r
    assert len(echo.requests) == 3 + 4


def test_send_request_to_a_second_backend(gateways, backends):
    main, lookup = backends.echo("main"), backends.echo("lookup")
    doc = """<policies><inbound>
    <send-request mode="new" response-variable-name="lookup" timeout="10" ignore-error="false">
      <set-url>@("%s/lookup?id=" + context.Request.MatchedParameters["id"])</set-url>
      <set-method>GET</set-method>
    </send-request>
    <set-header name="X-Lookup-Backend" exists-action="override">
      <value>@(((IResponse)context.Variables["lookup"]).Body.As&lt;JObject&gt;()["backend"].ToString())</value>
    </set-header>
    <set-header name="X-Lookup-Status" exists-action="override">
      <value>@(((IResponse)context.Variables["lookup"]).StatusCode.ToString())</value>
    </set-header>
  </inbound><backend><forward-request /></backend><outbound /></policies>""" % lookup.url()
    snap = snapshot([api("orders", "orders", main.url(), [op("get", "GET", "/items/{id}")])],
                    policies=policies(apis={"orders": doc}))
    gw = gateways(snap)
    r = gw.request("GET", "/orders/items/42")
    assert r.status == 200, r
    assert [rec["target"] for rec in lookup.requests] == ["/lookup?id=42"]
    seen = r.json()
    assert seen["backend"] == "main"
    assert header_of(seen, "X-Lookup-Backend") == "lookup"
    assert header_of(seen, "X-Lookup-Status") == "200"


# ---- compile errors --------------------------------------------------------------------

def test_a_policy_that_does_not_compile_refuses_the_snapshot(meridian_bin, tmp_path, backends):
    echo = backends.echo()
    doc = "<policies><inbound>\n  <set-header name=\"X\" exists-action=\"override\">" \
          "<value>@(context.Request.NoSuchMember)</value></set-header>\n</inbound></policies>"
    snap = snapshot([api("orders", "orders", echo.url())], policies=policies(apis={"orders": doc}))
    gw = Gateway(meridian_bin, tmp_path, snap)
    gw.start(wait="port")
    try:
        assert gw.request("GET", "/orders/x").status == 503
    finally:
        gw.stop()
    err = gw.stderr()
    assert "api 'orders' policy:2:" in err, err
    assert "NoSuchMember" in err, err


# ---- integration policies ---------------------------------------------------------------

def test_log_to_eventhub_posts_to_the_configured_endpoint(gateways, backends):
    from harness import wait_until
    main, sink = backends.echo("main"), backends.echo("sink")
    doc = """<policies><inbound>
    <log-to-eventhub logger-id="audit">@(context.Request.Method + " " + context.Request.Url.Path)</log-to-eventhub>
  </inbound><backend><forward-request /></backend><outbound /></policies>"""
    snap = snapshot([api("orders", "orders", main.url())], policies=policies(apis={"orders": doc}),
                    endpoints={"logger": {"audit": sink.url("/events")}})
    gw = gateways(snap)
    r = gw.request("GET", "/orders/items/3")
    assert r.status == 200, r
    wait_until(lambda: sink.requests, 10, message="the logger endpoint to be called")
    rec = sink.requests[0]
    assert rec["method"] == "POST" and rec["path"] == "/events"
    assert rec["bodyLength"] == len("GET /items/3")


# ---- IPv6 backends ---------------------------------------------------------------------

def test_an_ipv6_backend_through_the_policy_path(gateways):
    """IUrl.Host keeps an IPv6 literal's brackets (as .NET's Uri.Host does); the gateway
    connects to the address without them and sends Host with them exactly once."""
    import http.server
    import socket
    import threading

    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, dict(self.headers.items())))
            body = b"v6"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6

    server = Server(("::1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        doc = """<policies><inbound>
        <set-header name="X-Url-Host" exists-action="override"><value>@(context.Request.Url.Host)</value></set-header>
        <set-header name="X-Url" exists-action="override"><value>@(context.Request.Url.ToString())</value></set-header>
      </inbound><backend><forward-request /></backend><outbound /></policies>"""
        snap = snapshot([api("v6", "v6", "http://[::1]:%d/base" % port)],
                        policies=policies(apis={"v6": doc}))
        gw = gateways(snap)
        r = gw.request("GET", "/v6/items?q=1")
        assert r.status == 200, r
        assert r.body == b"v6"
        path, headers = seen[0]
        assert path == "/base/items?q=1"
        assert headers["Host"] == "[::1]:%d" % port
        assert headers["X-Url-Host"] == "[::1]"
        assert headers["X-Url"] == "http://[::1]:%d/base/items?q=1" % port
    finally:
        server.shutdown()
        server.server_close()
