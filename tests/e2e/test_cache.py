"""Caching policies in a running gateway (issue 7 part 3; spec/apim-gateway.md §2.6,
docs/caching.md): a cache hit is answered without the backend, the cache is the region's
(shared by its units, separate from another region's), vary-by-header / query, expiry, the
value cache, purges through the management plane, and the external (Redis) cache."""

import time

import pytest

from harness import TIME_SCALE, wait_until
from regions_harness import ManagedRegions
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
    assert second.header("X-Backend") == "echo"
    # outbound resumes right after cache-store: what precedes it was stored with the
    # response, what follows runs again on the hit
    assert second.header("X-Before-Store") == "1"
    assert second.header("X-After-Store") == "200"
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
    assert r.header("Cache-Control") == "public, max-age=1, must-revalidate"
    r = gw.request("GET", "/items/e")
    assert len(echo.requests) == 1
    assert r.header("Cache-Control").startswith("public, max-age=")
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
    assert r.header("X-Value") == "none"
    assert r.header("X-Count") == "unset", "without default-value a miss leaves it unset"
    r = gw.request("PUT", "/vals/a", headers=[("X-Value", "hello")], body=b"")
    assert r.header("X-Value") == "hello"
    r = gw.request("GET", "/vals/a")
    assert r.header("X-Value") == "hello"
    assert r.header("X-Count") == "2", "an int comes back an int"
    r = gw.request("DELETE", "/vals/a")
    assert r.header("X-Value") == "none"
    assert len(echo.requests) == 0


# ---- purge through the management plane --------------------------------------------------

class TwoRegions(ManagedRegions):
    """`meridian manage` with West US (primary) and East Asia, one feed-mode unit each, an
    API whose responses are cached."""

    def __init__(self, meridian_bin, tmp_path, backends):
        from manage_harness import Manage
        super().__init__(meridian_bin, tmp_path)
        self.echo = backends.echo()
        self.manage = Manage(meridian_bin, tmp_path / "data").start()
        assert self.manage.put("/locations/eastasia", {"displayName": "East Asia", "units": 1}).status == 201
        self.manage.create_proxy_api("items", "items", self.echo.url(), op_id="get",
                                     subscriptionRequired=False)
        r = self.manage.put("/apis/items/policies/policy", {"value": cached_api_policy(), "format": "rawxml"})
        assert r.status in (200, 201), r

    def wait_revision(self, revision):
        for gw in self.gateways:
            gw._wait(lambda: (gw.revision() or -1) >= revision, 15, "%s at revision %d" % (gw.name, revision))


@pytest.fixture
def two_regions(meridian_bin, tmp_path, backends):
    s = TwoRegions(meridian_bin, tmp_path, backends)
    yield s
    problems = s.finish()
    assert not problems, "\n".join(problems)


def test_purge_one_region_then_all(two_regions, meridian_bin):
    from cli_manage_util import Cli
    s = two_regions
    west = s.region("West US", "westus", "127.0.0.1")
    asia = s.region("East Asia", "eastasia", "127.0.0.2")
    s.wait_revision(s.manage.revision())
    for gw in (west, asia):
        for _ in range(2):
            assert gw.request("GET", "/items/p").status == 200
    assert len(s.echo.requests) == 2, "one miss per region, then hits"

    r = s.manage.call("POST", "/locations/eastasia/purgeCache")
    assert r.status == 200, r
    assert r.json()["location"] == "eastasia" and r.json()["generation"] == 1
    s.wait_revision(r.json()["revision"])
    assert west.request("GET", "/items/p").status == 200
    assert len(s.echo.requests) == 2, "West US keeps its cache"
    assert asia.request("GET", "/items/p").status == 200
    assert len(s.echo.requests) == 3, "East Asia was purged"
    assert "cache purged (generation 1)" in asia.stderr()

    code, out, _ = Cli(meridian_bin, s.manage).run("cache", "purge")
    assert "purged the caches of every location (generation 1)" in out
    s.wait_revision(s.manage.revision())
    for gw in (west, asia):
        assert gw.request("GET", "/items/p").status == 200
        assert gw.request("GET", "/items/p").status == 200
    assert len(s.echo.requests) == 5, "both purged, then cached again"

    # unknown location: 404 from the API and the CLI
    assert s.manage.call("POST", "/locations/nowhere/purgeCache").status == 404
    Cli(meridian_bin, s.manage).run("cache", "purge", "--location", "Nowhere", expect=1)


def test_vary_by_developer_with_subscription_keys(gateways, backends):
    """Keys of two users' subscriptions: each user has their own cached response; two keys of
    one user share it (the key is the user, not the subscription)."""
    echo = backends.echo()
    policy = ("<policies><inbound><base/>"
              '<cache-lookup vary-by-developer="true" vary-by-developer-groups="false" caching-type="internal"/>'
              "</inbound><backend><base/></backend><outbound><base/>"
              '<cache-store duration="60"/></outbound><on-error><base/></on-error></policies>')
    s = snapshot([api("items", "items", echo.url(), subscriptionRequired=True)],
                 subscriptions=[
                     {"id": "ann-1", "scope": "/apis/items", "state": "active", "ownerId": "/users/ann",
                      "primaryKey": "ann-key-1"},
                     {"id": "ann-2", "scope": "/apis", "state": "active", "ownerId": "/users/ann",
                      "primaryKey": "ann-key-2"},
                     {"id": "bob-1", "scope": "/apis/items", "state": "active", "ownerId": "/users/bob",
                      "primaryKey": "bob-key"}],
                 users=[{"id": "ann", "email": "ann@example.com"}, {"id": "bob", "email": "bob@example.com"}])
    s["policies"]["apis"]["items"] = policy
    gw = gateways(s)
    key = lambda k: [("Ocp-Apim-Subscription-Key", k)]
    assert gw.request("GET", "/items/d", headers=key("ann-key-1")).status == 200
    assert gw.request("GET", "/items/d", headers=key("ann-key-2")).status == 200
    assert len(echo.requests) == 1, "one user, one cached response"
    assert gw.request("GET", "/items/d", headers=key("bob-key")).status == 200
    assert gw.request("GET", "/items/d", headers=key("bob-key")).status == 200
    assert len(echo.requests) == 2
    assert gw.request("GET", "/items/d").status == 401, "no key: refused before the cache"
    assert len(echo.requests) == 2


# ---- the external cache: a real redis-server --------------------------------------------

def external_policy(caching_type):
    # the values first: a hit skips what follows cache-lookup in inbound
    return ("<policies><inbound><base/>"
            '<cache-lookup-value key="v" variable-name="v" default-value="none" caching-type="%s"/>' % caching_type +
            '<cache-store-value key="v" value="stored" duration="60" caching-type="%s"/>' % caching_type +
            '<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" '
            'caching-type="%s"/>' % caching_type +
            "</inbound><backend><base/></backend><outbound><base/><cache-store duration=\"60\"/>"
            '<set-header name="X-V" exists-action="override"><value>@((string)context.Variables["v"])</value></set-header>'
            "</outbound><on-error><base/></on-error></policies>")


def test_external_cache_in_redis_outlives_the_gateway(gateways, backends, tmp_path):
    from redislib import RedisServer
    echo = backends.echo()
    with RedisServer(tmp_path) as redis:
        snap = cache_snapshot(echo, external_policy("external"))
        gw = gateways(snap, extra_args=["--redis", redis.url])
        r = gw.request("GET", "/items/r")
        assert r.status == 200 and r.header("X-V") == "none"
        want = ["meridian:cache:contoso:westus:0:r\nitems\n\n%s\n/items/r" % "any",
                "meridian:cache:contoso:westus:0:v\nv"]
        # Stores are not awaited (spec §2.6: the write is asynchronous): poll for them.
        keys = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            keys = sorted(k.decode() for k in redis.command("KEYS", "meridian:cache:*"))
            if keys == want:
                break
            time.sleep(0.02)
        assert keys == want, keys
        r = gw.request("GET", "/items/r")
        assert len(echo.requests) == 1
        assert r.header("X-V") == "stored"
        gw.stop()
        # a new gateway (a new built-in cache) still hits: the entry is in Redis
        gw2 = gateways(snap, extra_args=["--redis", redis.url])
        assert gw2.request("GET", "/items/r").status == 200
        assert len(echo.requests) == 1
        # prefer-external uses Redis when there is one
        gw3 = gateways(cache_snapshot(echo, external_policy("prefer-external")),
                       extra_args=["--redis", redis.url])
        assert gw3.request("GET", "/items/r").header("X-V") == "stored"
        assert len(echo.requests) == 1
        # Redis not answering: a miss, never an error
        redis.pause()
        try:
            r = gw3.request("GET", "/items/r")
            assert r.status == 200 and r.header("X-V") == "none"
            assert len(echo.requests) == 2
        finally:
            redis.resume()


def test_external_without_redis_misses(gateways, backends):
    echo = backends.echo()
    gw = gateways(cache_snapshot(echo, external_policy("external")))
    for _ in range(2):
        r = gw.request("GET", "/items/n")
        assert r.status == 200 and r.header("X-V") == "none"
    assert len(echo.requests) == 2
    assert gw.stderr().count("the location has no Redis") == 1
    # prefer-external without Redis: the built-in cache
    gw2 = gateways(cache_snapshot(echo, external_policy("prefer-external")))
    gw2.request("GET", "/items/n")
    r = gw2.request("GET", "/items/n")
    assert len(echo.requests) == 3 and r.header("X-V") == "stored"


def test_purge_generation_moves_the_external_keys(gateways, backends, tmp_path):
    """A purge (the snapshot's cachePurge growing, here by SIGHUP in file mode) empties the
    built-in cache and makes the external keys of the old generation unread."""
    from redislib import RedisServer
    echo = backends.echo()
    with RedisServer(tmp_path) as redis:
        gw = gateways(cache_snapshot(echo, external_policy("external")), extra_args=["--redis", redis.url])
        gw.request("GET", "/items/g")
        gw.request("GET", "/items/g")
        assert len(echo.requests) == 1
        gw.reload(cache_snapshot(echo, external_policy("external"), revision=2,
                                 cachePurge={"all": 1, "locations": {"westus": 1}}), revision=2)
        r = gw.request("GET", "/items/g")
        assert len(echo.requests) == 2, "purged"
        assert r.header("X-V") == "none", "values too"
        # Stores are fire-and-forget: the answer can reach the client before its SET reaches
        # Redis (seen under the sanitizer build), so wait for both keys of generation 2.
        def new_keys():
            return sorted(k.decode() for k in redis.command("KEYS", "meridian:cache:contoso:westus:2:*"))
        wait_until(lambda: len(new_keys()) >= 2, 5 * TIME_SCALE, message="generation 2's keys in Redis")
        keys = new_keys()
        assert len(keys) == 2, keys
