"""Rate limits and quotas in running gateways (issue 7 parts 2 and 4; spec §2.5, §4.6,
docs/limits.md): exact limits across the units of a region (their shared table), regions
counting apart or together through one real redis-server, counters that outlive a
configuration change and a unit restart, Redis unreachable (failure open and closed), and
increment-condition evaluated against the response or throwing."""

import json
import os
import signal
import time

from harness import free_port, metric_values, wait_until
from redislib import RedisServer
from snapshots import api, snapshot


def policies(api_policy):
    return {"global": None, "products": {}, "apis": {"echo": api_policy}, "operations": {}}


def limited(backend, inbound, revision=1):
    doc = "<policies><inbound><base/>%s</inbound><backend><base/></backend>" \
          "<outbound><base/></outbound><on-error><base/></on-error></policies>" % inbound
    return snapshot([api("echo", "", backend.url())], revision, policies=policies(doc))


def by_key(calls, extra=""):
    return ('<rate-limit-by-key calls="%d" renewal-period="60" counter-key="@(context.Request.Headers.'
            'GetValueOrDefault(&quot;X-Client&quot;, &quot;anon&quot;))" '
            'remaining-calls-header-name="X-Remaining" total-calls-header-name="X-Total" %s/>'
            % (calls, extra))


def hit(gw, client="c1", **kw):
    headers = [("X-Client", client)] + kw.pop("headers", [])
    return gw.request("GET", "/x", headers=headers, **kw)


def assert_limited(r, seconds_max=120):
    assert r.status == 429, r
    retry = int(r.header("Retry-After"))
    assert 1 <= retry <= seconds_max
    body = json.loads(r.body)
    assert body == {"statusCode": 429, "message": "Rate limit is exceeded. Try again in %d seconds." % retry}
    assert r.header("Content-Type").startswith("application/json")


def requests_per_unit(gw):
    return [sum(metric_values(gw.metrics(k), "meridian_requests_total")) for k in range(gw.unit_count)]


def test_exact_limit_across_two_units_of_a_region(gateways, backends):
    gw = gateways(limited(backends.echo("e"), by_key(12)), units=2)
    for i in range(12):
        r = hit(gw)
        assert r.status == 200, (i, r)
        assert r.header("X-Remaining") == str(11 - i)
        assert r.header("X-Total") == "12"
    assert_limited(hit(gw))
    assert_limited(hit(gw))
    # another key has its own counter
    assert hit(gw, client="c2").status == 200
    # both units answered: the table is the region's, not a unit's
    per_unit = requests_per_unit(gw)
    assert all(n > 0 for n in per_unit), per_unit


def test_counters_survive_a_configuration_change_and_a_unit_restart(gateways, backends):
    echo = backends.echo("e")
    gw = gateways(limited(echo, by_key(4)), units=2)
    for _ in range(2):
        assert hit(gw).status == 200
    gw.reload(limited(echo, by_key(4), revision=2), revision=2)
    assert hit(gw).status == 200
    # a unit killed -9 is restarted by the supervisor; the table is the supervisor's mapping
    gw.expect_unit_deaths = True
    pids = [int(p) for p in os.popen("pgrep -P %d" % gw.pid).read().split()]
    os.kill(pids[0], signal.SIGKILL)
    wait_until(lambda: len(set(int(p) for p in os.popen("pgrep -P %d" % gw.pid).read().split()) - set(pids)) == 1,
               10, message="the unit restarted")
    gw.wait_ready()
    assert hit(gw).status == 200
    assert_limited(hit(gw))


def test_regions_count_apart_by_default_and_together_when_global(gateways, backends, tmp_path):
    echo = backends.echo("e")
    with RedisServer(tmp_path) as redis:
        west = gateways(limited(echo, by_key(3)), region="West US", extra_args=["--redis", redis.url])
        east = gateways(limited(echo, by_key(3)), region="East Asia", extra_args=["--redis", redis.url])
        for gw in (west, east):
            for _ in range(3):
                assert hit(gw, client="r").status == 200
            assert_limited(hit(gw, client="r"))
        keys = sorted(k.decode() for k in redis.command("KEYS", "meridian:*"))
        assert any(k.startswith("meridian:contoso:westus:rk:60:r:") for k in keys), keys
        assert any(k.startswith("meridian:contoso:eastasia:rk:60:r:") for k in keys), keys

        url = redis.url + "?counting=global"
        west2 = gateways(limited(echo, by_key(3)), region="West US", extra_args=["--redis", url])
        east2 = gateways(limited(echo, by_key(3)), region="East Asia", extra_args=["--redis", url])
        assert hit(west2, client="g").status == 200
        assert hit(east2, client="g").status == 200
        assert hit(west2, client="g").status == 200
        assert_limited(hit(east2, client="g"))
        assert_limited(hit(west2, client="g"))


def test_redis_counters_survive_a_unit_restart(gateways, backends, tmp_path):
    echo = backends.echo("e")
    with RedisServer(tmp_path) as redis:
        gw = gateways(limited(echo, by_key(3)), extra_args=["--redis", redis.url])
        for _ in range(3):
            assert hit(gw).status == 200
        gw.stop()
        gw2 = gateways(limited(echo, by_key(3)), extra_args=["--redis", redis.url])
        assert_limited(hit(gw2))
        # the counting script flushed from Redis: one check fails (open), the next reloads it
        redis.command("SCRIPT", "FLUSH")
        assert hit(gw2).status == 200
        assert_limited(hit(gw2))


def test_redis_unreachable_fails_open_or_closed(gateways, backends, tmp_path):
    echo = backends.echo("e")
    dead = "redis://127.0.0.1:%d/0" % free_port()
    open_gw = gateways(limited(echo, by_key(1)), extra_args=["--redis", dead])
    for _ in range(3):
        assert hit(open_gw).status == 200
    closed_gw = gateways(limited(echo, by_key(1)), extra_args=["--redis", dead + "?failure=closed"])
    r = hit(closed_gw)
    assert r.status == 503, r
    body = json.loads(r.body)
    assert body["statusCode"] == 503 and body["message"] == "Service unavailable" and "activityId" in body

    # a Redis that stops answering: the command times out (1 s), the request fails closed
    with RedisServer(tmp_path) as redis:
        gw = gateways(limited(echo, by_key(5)), extra_args=["--redis", redis.url + "?failure=closed"])
        assert hit(gw).status == 200
        redis.pause()
        try:
            t0 = time.monotonic()
            assert hit(gw).status == 503
            assert time.monotonic() - t0 < 3
        finally:
            redis.resume()
        wait_until(lambda: hit(gw).status == 200, 10, message="redis back")


def test_increment_condition_on_the_response_and_throwing(gateways, backends):
    echo = backends.echo("e")
    inbound = (by_key(2, 'increment-condition="@(context.Response.StatusCode == 200)"') +
               '<choose><when condition="@(context.Request.Headers.ContainsKey(&quot;X-Fail&quot;))">'
               '<return-response><set-status code="404" reason="Not Found"/></return-response>'
               '</when></choose>')
    gw = gateways(limited(echo, inbound))
    for _ in range(4):
        assert hit(gw, headers=[("X-Fail", "1")]).status == 404  # not counted
    assert hit(gw).status == 200
    assert hit(gw).status == 200
    assert_limited(hit(gw))

    # throwing on the way in: the default 500 (ExpressionValueEvaluationFailure)
    gw2 = gateways(limited(echo, by_key(2, 'increment-condition="@(int.Parse(&quot;x&quot;) &gt; 0)"')))
    r = hit(gw2)
    assert r.status == 500, r
    assert json.loads(r.body)["message"] == "Internal server error"
    # throwing after the response: the response stands, the request is not counted
    gw3 = gateways(limited(echo, by_key(1, 'increment-condition="@(context.Response.StatusCode == '
                                            'int.Parse(&quot;x&quot;))"')))
    for _ in range(3):
        assert hit(gw3).status == 200


def test_the_snapshot_region_redis_and_a_change_of_it(gateways, backends, tmp_path):
    """regions[].redis (what manage publishes from the location) is followed on reload."""
    echo = backends.echo("e")
    with RedisServer(tmp_path) as redis:
        snap = limited(echo, by_key(5))
        gw = gateways(snap)
        assert hit(gw, client="s").status == 200  # the region's table
        assert redis.command("KEYS", "meridian:*") == []
        snap = limited(echo, by_key(5), revision=2)
        snap["regions"][0]["redis"] = {"url": redis.url, "counting": "global", "failure": "closed"}
        gw.reload(snap, revision=2)
        wait_until(lambda: hit(gw, client="s").status == 200 and redis.command("KEYS", "meridian:*"), 5,
                   message="counting in redis")
        keys = [k.decode() for k in redis.command("KEYS", "meridian:*")]
        assert all(k.startswith("meridian:contoso:global:rk:60:s:") for k in keys), keys
        bad = limited(echo, by_key(5), revision=3)
        bad["regions"][0]["redis"] = {"url": "http://nope"}
        gw.reload(bad)
        wait_until(lambda: "redis" in gw.stderr() and "regions[0].redis.url" in gw.stderr(), 5,
                   message="the refused snapshot logged")


def test_location_redis_in_the_management_api(meridian_bin, tmp_path):
    from manage_harness import Manage
    m = Manage(meridian_bin, tmp_path / "data").start()
    try:
        ea = "/locations/eastasia"
        redis = {"url": "redis://10.0.0.5:6380/2", "counting": "global", "failure": "closed"}
        r = m.put(ea, {"displayName": "East Asia", "redis": redis})
        assert r.status == 201, r
        assert r.json()["properties"]["redis"] == redis
        r = m.patch(ea, {"units": 2})
        assert r.json()["properties"]["redis"] == redis, "a PATCH without redis keeps it"
        regions = {x["slug"]: x for x in m.get("/snapshot").json()["regions"]}
        assert regions["eastasia"]["redis"] == redis
        assert "redis" not in regions["westus"]
        for bad, target in ((dict(redis, url="http://x"), "properties.redis.url"),
                            (dict(redis, url="redis://h:1/0?counting=global"), "properties.redis.url"),
                            (dict(redis, counting="world"), "properties.redis.counting"),
                            (dict(redis, failure="maybe"), "properties.redis.failure"),
                            (dict(redis, colour="red"), "properties.redis.colour"),
                            ({"counting": "global"}, "properties.redis.url")):
            r = m.patch(ea, {"redis": bad})
            assert r.status == 400, (bad, r)
            err = r.json()["error"]
            assert err["code"] == "ValidationError" and err["details"][0]["target"] == target, (bad, r)
        r = m.patch(ea, {"redis": None})
        assert r.status == 200 and "redis" not in r.json()["properties"], r
    finally:
        m.stop()


def test_rate_limit_and_quota_per_subscription_in_a_product(gateways, backends):
    """rate-limit and quota at product scope count per subscription (§2.5); the <api> child
    has its own counter; anonymous calls are not limited."""
    echo = backends.echo("e")
    product_doc = ('<policies><inbound><base/>'
                   '<quota calls="4" renewal-period="3600"/>'
                   '<rate-limit calls="5" renewal-period="60"><api name="Echo" calls="3" renewal-period="60"/></rate-limit>'
                   '</inbound><backend><base/></backend><outbound><base/></outbound>'
                   '<on-error><base/></on-error></policies>')
    snap = snapshot([api("echo", "", echo.url(), subscriptionRequired=True)])
    snap["products"] = [{"id": "gold", "displayName": "Gold", "subscriptionRequired": True,
                         "state": "published", "apis": ["echo"]}]
    snap["subscriptions"] = [{"id": "s%d" % i, "scope": "/products/gold", "state": "active",
                              "primaryKey": "key-%d-0123456789" % i} for i in (1, 2)]
    snap["policies"]["products"] = {"gold": product_doc}
    gw = gateways(snap)
    key = lambda i: [("Ocp-Apim-Subscription-Key", "key-%d-0123456789" % i)]
    for _ in range(3):
        assert hit(gw, headers=key(1)).status == 200
    r = hit(gw, headers=key(1))
    assert_limited(r)  # the <api name="Echo"> counter: 3 a minute
    # the other subscription counts apart: its 4th call is within the quota (4 an hour) but
    # over the <api> rate limit, its 5th over the quota
    for _ in range(3):
        assert hit(gw, headers=key(2)).status == 200
    r = hit(gw, headers=key(2))
    assert r.status == 429, r
    r = hit(gw, headers=key(2))
    assert r.status == 403, r
    body = json.loads(r.body)
    assert body["statusCode"] == 403
    assert body["message"].startswith("Out of call volume quota. Quota will be replenished in ")
    assert int(r.header("Retry-After")) <= 3600
