"""Subscription keys at the gateway (issue 7 part 1; spec/apim-gateway.md §1.2, §4.3, §4.6,
docs/subscriptions.md): the decision table (missing, invalid, another API's key, suspended,
expired), the key in the header or the query, custom key names, product context from a
product-scoped key (the product's policy runs), context.Subscription / Product / User seen by
policies, and a key regenerated in `meridian manage` refused once the feed delivered."""

import pytest

from harness import TIME_SCALE
from manage_harness import Manage
from regions_harness import FeedGateway
from snapshots import api, snapshot

MISSING = ("Access denied due to missing subscription key. Make sure to include subscription "
           "key when making requests to an API.")
INVALID = ("Access denied due to invalid subscription key. Make sure to provide a valid key "
           "for an active subscription.")

CONTEXT_POLICY = """<policies>
  <inbound>
    <base />
    <set-header name="X-Sub" exists-action="override"><value>@(context.Subscription == null ? "anonymous" : context.Subscription.Name + "|" + context.Subscription.Id + "|" + context.Subscription.Key)</value></set-header>
    <set-header name="X-Keys" exists-action="override"><value>@(context.Subscription == null ? "-" : context.Subscription.PrimaryKey + "|" + (context.Subscription.SecondaryKey ?? "null"))</value></set-header>
    <set-header name="X-Product" exists-action="override"><value>@(context.Product == null ? "none" : context.Product.Id + "|" + context.Product.Name + "|" + context.Product.SubscriptionRequired)</value></set-header>
    <set-header name="X-User" exists-action="override"><value>@(context.User == null ? "nobody" : context.User.Id + "|" + context.User.Email + "|" + context.User.FirstName)</value></set-header>
    <set-header name="X-Key-Names" exists-action="override"><value>@(context.Api.SubscriptionKeyParameterNames.Header + "|" + context.Api.SubscriptionKeyParameterNames.Query)</value></set-header>
  </inbound>
  <backend><base /></backend>
  <outbound><base /></outbound>
</policies>"""

GOLD_POLICY = """<policies>
  <inbound>
    <base />
    <set-header name="X-Gold" exists-action="override"><value>@("gold for " + context.Subscription.Name)</value></set-header>
  </inbound>
  <backend><base /></backend>
  <outbound><base /></outbound>
</policies>"""

STARTER_POLICY = """<policies>
  <inbound><base /><set-header name="X-Starter" exists-action="override"><value>yes</value></set-header></inbound>
  <backend><base /></backend>
  <outbound><base /></outbound>
</policies>"""


def header_of(record, name):
    for k, v in record["headers"]:
        if k.lower() == name.lower():
            return v
    return None


def keyed_snapshot(echo):
    apis = [
        api("orders", "orders", echo.url(), subscriptionRequired=True),
        api("billing", "billing", echo.url(), subscriptionRequired=True),
        api("custom", "custom", echo.url(), subscriptionRequired=True,
            subscriptionKeyParameterNames={"header": "X-Api-Key", "query": "apikey"}),
        api("public", "public", echo.url()),  # subscriptionRequired false (snapshots.api)
        api("opened", "opened", echo.url(), subscriptionRequired=True),
        api("plain", "plain", echo.url(), subscriptionRequired=True),  # no policy at all
    ]
    policies = {"global": None, "products": {"gold": GOLD_POLICY, "starter": STARTER_POLICY},
                "apis": {a: CONTEXT_POLICY for a in ("orders", "billing", "custom", "public",
                                                     "opened")},
                "operations": {}}
    products = [
        {"id": "gold", "displayName": "Gold", "subscriptionRequired": True,
         "state": "published", "apis": ["orders", "custom"]},
        {"id": "starter", "displayName": "Starter", "subscriptionRequired": False,
         "state": "published", "apis": ["opened"]},
    ]
    subscriptions = [
        {"id": "orders-sub", "displayName": "Orders only", "scope": "/apis/orders",
         "state": "active", "primaryKey": "orders-primary", "secondaryKey": "orders-secondary"},
        {"id": "billing-sub", "displayName": "Billing", "scope": "/apis/billing",
         "state": "active", "primaryKey": "billing-primary"},
        {"id": "gold-sub", "displayName": "Ann's gold", "scope": "/products/gold",
         "state": "active", "ownerId": "/users/ann", "primaryKey": "gold-primary",
         "secondaryKey": "gold-secondary"},
        {"id": "all-sub", "displayName": "Everything", "scope": "/apis", "state": "active",
         "primaryKey": "all-primary"},
        {"id": "paused-sub", "scope": "/apis", "state": "suspended", "primaryKey": "paused"},
        {"id": "old-sub", "scope": "/apis", "state": "expired", "primaryKey": "expired"},
        {"id": "new-sub", "scope": "/apis", "state": "submitted", "primaryKey": "submitted"},
        {"id": "bob-sub", "scope": "/apis", "state": "active", "ownerId": "/users/bob",
         "primaryKey": "blocked-owner"},
    ]
    users = [{"id": "ann", "email": "ann@example.com", "firstName": "Ann", "lastName": "Lee"},
             {"id": "bob", "email": "bob@example.com", "state": "blocked"}]
    return snapshot(apis, policies=policies, products=products, subscriptions=subscriptions,
                    users=users)


@pytest.fixture
def keyed(gateways, backends):
    echo = backends.echo("echo")
    gw = gateways(keyed_snapshot(echo))
    gw.echo = echo
    return gw


def assert_refused(r, message, challenge=None):
    assert r.status == 401, r
    assert r.reason == "Access Denied", r
    assert r.header("Content-Type") == "application/json"
    assert r.json() == {"statusCode": 401, "message": message}
    if challenge:
        assert r.header("WWW-Authenticate") == challenge, r
    else:
        assert not r.has_header("WWW-Authenticate"), r


def test_missing_key_is_401_with_a_challenge(keyed):
    before = len(keyed.echo.requests)
    r = keyed.request("GET", "/orders/1")
    assert_refused(r, MISSING, 'AzureApiManagementKey realm="http://gateway.test/orders",'
                               'name="Ocp-Apim-Subscription-Key",type="header"')
    # The fast path (no policy) refuses the same way, and an empty key is no key.
    r = keyed.request("GET", "/plain/x", headers=[("Ocp-Apim-Subscription-Key", "")])
    assert r.status == 401 and r.json()["message"] == MISSING, r
    assert len(keyed.echo.requests) == before  # the backend was never called


@pytest.mark.parametrize("key", ["nope", "billing-primary", "paused", "expired", "submitted",
                                 "blocked-owner", "ORDERS-PRIMARY", "orders-primar"])
def test_invalid_key_is_401_without_a_challenge(keyed, key):
    """Unknown, another API's, suspended, expired, submitted, a blocked owner's: the same
    answer, so that the response does not tell which keys exist."""
    assert_refused(keyed.request("GET", "/orders/1", headers=[("Ocp-Apim-Subscription-Key", key)]),
                   INVALID)
    assert_refused(keyed.request("GET", "/plain/1?subscription-key=" + key), INVALID)


def test_key_in_header_or_query_and_context(keyed):
    r = keyed.request("GET", "/orders/1", headers=[("Ocp-Apim-Subscription-Key", "orders-primary")])
    assert r.status == 200, r
    rec = r.json()
    assert header_of(rec, "X-Sub") == "Orders only|orders-sub|orders-primary"
    assert header_of(rec, "X-Keys") == "orders-primary|orders-secondary"
    assert header_of(rec, "X-Product") == "none"  # an API-scoped key: no product context
    assert header_of(rec, "X-User") == "nobody"
    assert header_of(rec, "X-Gold") is None
    # Keys are forwarded unchanged (spec §4.3, §7 #8).
    assert header_of(rec, "Ocp-Apim-Subscription-Key") == "orders-primary"

    r = keyed.request("GET", "/orders/1?a=1&subscription-key=orders-secondary")
    assert r.status == 200, r
    rec = r.json()
    assert header_of(rec, "X-Sub") == "Orders only|orders-sub|orders-secondary"
    assert rec["query"] == "a=1&subscription-key=orders-secondary"

    # The header is consulted first: a bad header is not rescued by a good query key.
    r = keyed.request("GET", "/orders/1?subscription-key=orders-primary",
                      headers=[("Ocp-Apim-Subscription-Key", "bad")])
    assert_refused(r, INVALID)


def test_custom_key_names(keyed):
    ok = keyed.request("GET", "/custom/x", headers=[("X-Api-Key", "all-primary")])
    assert ok.status == 200, ok
    assert header_of(ok.json(), "X-Key-Names") == "X-Api-Key|apikey"
    assert header_of(ok.json(), "X-Sub").startswith("Everything|")
    assert keyed.request("GET", "/custom/x?apikey=all-primary").status == 200
    # The default names mean nothing on this API.
    r = keyed.request("GET", "/custom/x", headers=[("Ocp-Apim-Subscription-Key", "all-primary")])
    assert_refused(r, MISSING, 'AzureApiManagementKey realm="http://gateway.test/custom",'
                               'name="X-Api-Key",type="header"')
    assert_refused(keyed.request("GET", "/custom/x?subscription-key=all-primary"), MISSING,
                   'AzureApiManagementKey realm="http://gateway.test/custom",name="X-Api-Key",'
                   'type="header"')
    ok = keyed.request("GET", "/orders/x", headers=[("Ocp-Apim-Subscription-Key", "all-primary")])
    assert header_of(ok.json(), "X-Key-Names") == "Ocp-Apim-Subscription-Key|subscription-key"


def test_product_key_runs_the_product_policy(keyed):
    for path in ("/orders/1", "/custom/1"):
        r = keyed.request("GET", path, headers=[("Ocp-Apim-Subscription-Key", "gold-secondary")]
                          if path.startswith("/orders") else [("X-Api-Key", "gold-primary")])
        assert r.status == 200, r
        rec = r.json()
        assert header_of(rec, "X-Gold") == "gold for Ann's gold"
        assert header_of(rec, "X-Product") == "gold|Gold|True"
        assert header_of(rec, "X-User") == "ann|ann@example.com|Ann"
    # Not a product of the key: refused even though the API needs no subscription... no:
    # "public" needs none, but a presented key must be valid for it (§4.3).
    assert_refused(keyed.request("GET", "/public/1",
                                 headers=[("Ocp-Apim-Subscription-Key", "gold-primary")]), INVALID)
    # An all-APIs key on the same API: no product context, no product policy.
    r = keyed.request("GET", "/orders/1", headers=[("Ocp-Apim-Subscription-Key", "all-primary")])
    assert header_of(r.json(), "X-Gold") is None
    assert header_of(r.json(), "X-Product") == "none"


def test_open_product_and_anonymous_calls(keyed):
    r = keyed.request("GET", "/opened/1")  # subscriptionRequired API, but in an open product
    assert r.status == 200, r
    rec = r.json()
    assert header_of(rec, "X-Product") == "starter|Starter|False"
    assert header_of(rec, "X-Starter") == "yes"
    assert header_of(rec, "X-Sub") == "anonymous"
    r = keyed.request("GET", "/public/1")
    assert r.status == 200, r
    assert header_of(r.json(), "X-Product") == "none"
    # A valid key still identifies the caller where none is needed (§4.3)...
    r = keyed.request("GET", "/public/1", headers=[("Ocp-Apim-Subscription-Key", "all-primary")])
    assert header_of(r.json(), "X-Sub") == "Everything|all-sub|all-primary"
    # ...and on the open product's API it leaves the open product's context (§1.2).
    r = keyed.request("GET", "/opened/1?subscription-key=all-primary")
    assert header_of(r.json(), "X-Product") == "none"
    assert header_of(r.json(), "X-Starter") is None


ON_ERROR_POLICY = """<policies>
  <inbound><base /></inbound>
  <backend><base /></backend>
  <outbound><base /></outbound>
  <on-error>
    <base />
    <set-header name="X-Error" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason + "/" + context.LastError.Section + "/" + context.Response.StatusCode)</value></set-header>
    <choose>
      <when condition="@(context.LastError.Reason == &quot;SubscriptionKeyInvalid&quot;)">
        <return-response>
          <set-status code="403" reason="Forbidden" />
          <set-body>@("no entry for " + context.Request.Url.Path)</set-body>
        </return-response>
      </when>
    </choose>
  </on-error>
</policies>"""


def test_on_error_shapes_the_refusal(gateways, backends):
    """The vendor runs on-error for built-in errors (§1.4, §1.5: Source authorization)."""
    echo = backends.echo()
    snap = keyed_snapshot(echo)
    snap["apis"].append(api("guarded", "guarded", echo.url(), subscriptionRequired=True))
    snap["policies"]["apis"]["guarded"] = ON_ERROR_POLICY
    gw = gateways(snap)
    r = gw.request("GET", "/guarded/x")
    assert r.status == 401 and r.reason == "Access Denied", r
    assert r.header("X-Error") == "authorization/SubscriptionKeyNotFound/inbound/401"
    assert r.json() == {"statusCode": 401, "message": MISSING}
    assert r.header("WWW-Authenticate") == ('AzureApiManagementKey realm="http://gateway.test/'
                                            'guarded",name="Ocp-Apim-Subscription-Key",type="header"')
    r = gw.request("GET", "/guarded/x?subscription-key=nope")
    assert r.status == 403 and r.reason == "Forbidden", r
    assert r.body == b"no entry for /x"
    assert len(echo.requests) == 0
    assert gw.request("GET", "/guarded/x?subscription-key=all-primary").status == 200


def test_access_log_names_the_refusal(gateways, backends, tmp_path):
    echo = backends.echo()
    snap = keyed_snapshot(echo)
    log = tmp_path / "access.log"
    gw = gateways(snap, access_log=str(log))
    assert gw.request("GET", "/orders/1").status == 401
    assert gw.request("GET", "/orders/1?subscription-key=x").status == 401
    entries = gw.wait_access_log(lambda e: e.get("status") == 401, count=2, path=str(log))
    assert [e.get("error") for e in entries[-2:]] == ["SubscriptionKeyNotFound",
                                                      "SubscriptionKeyInvalid"]


def test_bad_subscriptions_refuse_the_snapshot(gateways, backends, tmp_path):
    echo = backends.echo()
    snap = keyed_snapshot(echo)
    snap["subscriptions"][1]["secondaryKey"] = "orders-primary"
    gw = gateways(snap, wait="port")
    gw._wait(lambda: "keys must be unique" in gw.stderr(), 10 * TIME_SCALE, "the refusal")
    err = gw.stderr()
    assert "subscriptions[1].secondaryKey" in err
    assert "orders-primary" not in err  # a key never appears in a message
    assert gw.request("GET", "/public/1").status == 503  # no configuration


# ---- through the real management plane and its feed ----------------------------------

@pytest.mark.timeout_s(90)
def test_regenerated_key_is_refused_after_the_feed_delivers(meridian_bin, tmp_path, backends):
    echo = backends.echo("echo")
    manage = Manage(meridian_bin, tmp_path / "data").start()
    gw = None
    try:
        manage.create_proxy_api("echo", "echo", echo.url(), subscriptionRequired=True)
        assert manage.put("/products/gold", {"displayName": "Gold", "subscriptionRequired": True,
                                             "state": "published"}).status == 201
        assert manage.put("/products/gold/apis/echo", {}).status in (200, 201)
        assert manage.put("/products/gold/policies/policy",
                          {"value": GOLD_POLICY, "format": "rawxml"}).status in (200, 201)
        r = manage.put("/subscriptions/s1", {"scope": "/products/gold", "displayName": "S One",
                                             "state": "active"})
        assert r.status == 201, r
        keys = manage.post("/subscriptions/s1/listSecrets").json()
        gw = FeedGateway(meridian_bin, tmp_path, config_url="http://127.0.0.1:%d" % manage.port,
                         token_file=manage.token_file("westus"), state_dir=str(tmp_path / "state"),
                         region="West US", name="feed")
        gw.start(wait="metrics")
        rev = manage.revision()
        gw._wait(lambda: (gw.revision() or -1) >= rev, 15 * TIME_SCALE, "revision %d" % rev)

        assert gw.request("GET", "/echo/1").status == 401
        r = gw.request("GET", "/echo/1", headers=[("Ocp-Apim-Subscription-Key", keys["primaryKey"])])
        assert r.status == 200, r
        assert header_of(r.json(), "X-Gold") == "gold for S One"

        assert manage.post("/subscriptions/s1/regeneratePrimaryKey").status == 204
        rev = manage.revision()
        gw._wait(lambda: (gw.revision() or -1) >= rev, 15 * TIME_SCALE, "revision %d" % rev)
        new = manage.post("/subscriptions/s1/listSecrets").json()
        assert new["primaryKey"] != keys["primaryKey"]
        old = gw.request("GET", "/echo/1", headers=[("Ocp-Apim-Subscription-Key", keys["primaryKey"])])
        assert old.status == 401 and old.json()["message"] == INVALID, old
        ok = gw.request("GET", "/echo/1?subscription-key=" + new["primaryKey"])
        assert ok.status == 200, ok
        assert gw.request("GET", "/echo/1", headers=[(
            "Ocp-Apim-Subscription-Key", keys["secondaryKey"])]).status == 200

        # Suspending the subscription in manage: refused after the next delivery.
        assert manage.patch("/subscriptions/s1", {"state": "suspended"}).status == 200
        rev = manage.revision()
        gw._wait(lambda: (gw.revision() or -1) >= rev, 15 * TIME_SCALE, "revision %d" % rev)
        assert gw.request("GET", "/echo/1?subscription-key=" + new["primaryKey"]).status == 401
    finally:
        problems = gw.finish() if gw else []
        manage.stop()
    assert not problems, "\n".join(problems)
