"""Caching policies in a running gateway (issue 7 part 3; spec/apim-gateway.md §2.6,
docs/caching.md): a cache hit is answered without the backend, the cache is the region's
(shared by its units, separate from another region's), vary-by-header / query, expiry, the
value cache, purges through the management plane, and the external (Redis) cache."""

import time

import pytest

from snapshots import api, snapshot

LOOKUP = ('<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" '
          'downstream-caching-type="%s" caching-type="internal">%s</cache-lookup>')


def cached_api_policy(duration=60, vary="", downstream="none", outbound_extra=""):
    return ("<policies><inbound><base/>" + LOOKUP % (downstream, vary) +
            "</inbound><backend><base/></backend><outbound><base/>"
            '<set-header name="X-Before-Store" exists-action="override"><value>1</value></set-header>'
            '<cache-store duration="%d"/>' % duration + outbound_extra +
            "</outbound><on-error><base/></on-error></policies>")


def cache_snapshot(backend, policy, revision=1, **extra):
    s = snapshot([api("items", "items", backend.url())], revision=revision, **extra)
    s["policies"]["apis"]["items"] = policy
    return s


def header(r, name):
    for k, v in r.headers:
        if k.lower() == name.lower():
            return v
    return None


def test_hit_skips_the_backend_and_runs_outbound_after_the_store(gateways, backends):
    echo = backends.echo()
    policy = cached_api_policy(outbound_extra='<set-header name="X-After-Store" exists-action="override">'
                               '<value>@(context.Response.StatusCode.ToString())</value></set-header>')
    gw = gateways(cache_snapshot(echo, policy))
    first = gw.request("GET", "/items/a?x=1")
    assert first.status == 200, first
    assert len(echo.requests) == 1
    second = gw.request("GET", "/items/a?x=1")
    assert second.status == 200
    assert len(echo.requests) == 1, "the hit must not reach the backend"
    assert second.body == first.body
    assert header(second, "X-Backend") == "echo"
    # outbound resumes right after cache-store: what precedes it was stored with the
    # response, what follows runs again on the hit
    assert header(second, "X-Before-Store") == "1"
    assert header(second, "X-After-Store") == "200"
    # POST is never cached; another path is another key
    assert gw.request("POST", "/items/a?x=1", body=b"{}").status == 200
    assert gw.request("GET", "/items/b").status == 200
    assert len(echo.requests) == 3


def test_only_200_is_stored_and_authorization_is_private(gateways, backends):
    echo = backends.echo()
    gw = gateways(cache_snapshot(echo, cached_api_policy()))
    for _ in range(2):
        assert gw.request("GET", "/items/x?_status=404").status == 404
    assert len(echo.requests) == 2
    for _ in range(2):
        assert gw.request("GET", "/items/y", headers=[("Authorization", "Bearer t")]).status == 200
    assert len(echo.requests) == 4


def test_vary_by_header_and_query_parameter(gateways, backends):
    echo = backends.echo()
    vary = ("<vary-by-header>Accept-Language</vary-by-header>"
            "<vary-by-query-parameter>version;page</vary-by-query-parameter>")
    gw = gateways(cache_snapshot(echo, cached_api_policy(vary=vary)))
    en = [("Accept-Language", "en")]
    fr = [("Accept-Language", "fr")]
    gw.request("GET", "/items/v?version=1&other=a", headers=en)
    gw.request("GET", "/items/v?version=1&other=b", headers=en)  # unlisted parameter: a hit
    assert len(echo.requests) == 1
    gw.request("GET", "/items/v?version=1", headers=fr)
    gw.request("GET", "/items/v?version=2", headers=en)
    gw.request("GET", "/items/v?version=1&page=2", headers=en)
    assert len(echo.requests) == 4
    gw.request("GET", "/items/v?version=1", headers=fr)
    assert len(echo.requests) == 4


def test_duration_expiry_and_downstream_cache_control(gateways, backends):
    echo = backends.echo()
    gw = gateways(cache_snapshot(echo, cached_api_policy(duration=1, downstream="public")))
    r = gw.request("GET", "/items/e")
    assert header(r, "Cache-Control") == "public, max-age=1, must-revalidate"
    r = gw.request("GET", "/items/e")
    assert len(echo.requests) == 1
    assert header(r, "Cache-Control").startswith("public, max-age=")
    time.sleep(1.2)
    gw.request("GET", "/items/e")
    assert len(echo.requests) == 2


def test_units_of_a_region_share_the_cache_other_regions_do_not(gateways, backends):
    echo = backends.echo()
    snap = cache_snapshot(echo, cached_api_policy())
    west = gateways(snap, units=2)
    asia = gateways(snap, region="East Asia")
    # new connections spread over the units (SO_REUSEPORT): with 2 units, 12 fresh
    # connections reach both with near certainty; every answer after the first is a hit
    for _ in range(12):
        assert west.request("GET", "/items/shared").status == 200
    assert len(echo.requests) == 1
    assert asia.request("GET", "/items/shared").status == 200
    assert len(echo.requests) == 2, "East Asia has its own cache"
    assert asia.request("GET", "/items/shared").status == 200
    assert len(echo.requests) == 2


VALUE_POLICY = """<policies><inbound><base/>
<choose>
  <when condition="@(context.Request.Method == &quot;PUT&quot;)">
    <cache-store-value key="@(&quot;k-&quot; + context.Request.MatchedParameters[&quot;id&quot;])"
        value="@(context.Request.Headers.GetValueOrDefault(&quot;X-Value&quot;, &quot;&quot;))" duration="60" caching-type="internal"/>
  </when>
  <when condition="@(context.Request.Method == &quot;DELETE&quot;)">
    <cache-remove-value key="@(&quot;k-&quot; + context.Request.MatchedParameters[&quot;id&quot;])" caching-type="internal"/>
  </when>
</choose>
<cache-lookup-value key="@(&quot;k-&quot; + context.Request.MatchedParameters[&quot;id&quot;])"
    variable-name="v" default-value="none" caching-type="internal"/>
<cache-lookup-value key="counter" variable-name="n" caching-type="internal"/>
<cache-store-value key="counter" value="@(context.Variables.ContainsKey(&quot;n&quot;) ? (int)context.Variables[&quot;n&quot;] + 1 : 1)" duration="60" caching-type="internal"/>
<return-response><set-status code="200"/>
  <set-header name="X-Value" exists-action="override"><value>@((string)context.Variables[&quot;v&quot;])</value></set-header>
  <set-header name="X-Count" exists-action="override"><value>@(context.Variables.ContainsKey(&quot;n&quot;) ? context.Variables[&quot;n&quot;].ToString() : &quot;unset&quot;)</value></set-header>
</return-response>
</inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>"""


def test_value_cache_round_trip(gateways, backends):
    echo = backends.echo()
    s = snapshot([api("vals", "vals", echo.url(), operations=[
        {"id": "one", "method": "*", "urlTemplate": "/{id}"}])])
    s["policies"]["apis"]["vals"] = VALUE_POLICY
    gw = gateways(s)
    r = gw.request("GET", "/vals/a")
    assert header(r, "X-Value") == "none"
    assert header(r, "X-Count") == "unset", "without default-value a miss leaves it unset"
    r = gw.request("PUT", "/vals/a", headers=[("X-Value", "hello")], body=b"")
    assert header(r, "X-Value") == "hello"
    r = gw.request("GET", "/vals/a")
    assert header(r, "X-Value") == "hello"
    assert header(r, "X-Count") == "2", "an int comes back an int"
    r = gw.request("DELETE", "/vals/a")
    assert header(r, "X-Value") == "none"
    assert len(echo.requests) == 0
