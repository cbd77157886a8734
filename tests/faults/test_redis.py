"""kill -9 of Redis under load (issue 9, part 2): units counting rate limits in Redis
(docs/limits.md), one gateway failing open and one failing closed. Open: the clients see
nothing (limits not enforced while Redis is gone); closed: the spec's 503 with activityId
until the link is back; both count in Redis again after its restart (a Redis without
persistence restarts empty: those counters start over, as docs/limits.md says)."""

import json
import os
import signal
import time

import pytest

from faultlib import EchoLog, Load, check_nothing_lost, record_result
from harness import TIME_SCALE, wait_until
from redislib import RedisServer
from snapshots import api, snapshot

LIMIT = ('<rate-limit-by-key calls="1000000" renewal-period="60" '
         'counter-key="@(context.Request.IpAddress)" />')


def limited(backend):
    doc = ("<policies><inbound><base/>%s</inbound><backend><base/></backend>"
           "<outbound><base/></outbound><on-error><base/></on-error></policies>" % LIMIT)
    return snapshot([api("echo", "", backend.url())],
                    policies={"global": None, "products": {}, "apis": {"echo": doc}, "operations": {}})


@pytest.mark.timeout_s(90)
def test_kill_redis(gateways, backends, tmp_path):
    echo = backends.echo("e")
    redis = RedisServer(tmp_path).start()
    try:
        open_gw = gateways(limited(echo), units=2, access_log="off", extra_args=["--redis", redis.url])
        closed_gw = gateways(limited(echo), units=2, access_log="off",
                             extra_args=["--redis", redis.url + "?failure=closed"])
        assert open_gw.request("GET", "/x").status == 200
        wait_until(lambda: redis.command("KEYS", "meridian:*"), 10 * TIME_SCALE, message="counters in Redis")
        opened = Load(open_gw.port, threads=2, method="GET", tag="open")
        closed = Load(closed_gw.port, threads=2, method="GET", tag="closed")
        try:
            t0 = time.monotonic()
            opened.wait_ok_since(t0, 50)
            closed.wait_ok_since(t0, 50)
            os.killpg(redis.proc.pid, signal.SIGKILL)
            redis.proc.wait(5)
            killed = time.monotonic()
            wait_until(lambda: len(closed.answered) >= 10, 10 * TIME_SCALE, message="503s while Redis is down")
            time.sleep(1)
            redis.start()  # same port, empty
            restarted = time.monotonic()
            wait_until(lambda: closed.ok_since(time.monotonic() - 0.1) > 0, 15 * TIME_SCALE,
                       message="fail-closed gateway serving again")
            back = min(t for t, _ in closed.ok if t > restarted) - restarted
            wait_until(lambda: redis.command("KEYS", "meridian:*"), 10 * TIME_SCALE,
                       message="counting in Redis again")
            opened.wait_ok_since(time.monotonic(), 50)
        finally:
            opened.finish()
            closed.finish()
        assert opened.failed == [] and opened.answered == [], (opened.failed[:3], opened.answered[:3])
        assert closed.failed == [], closed.failed[:3]
        assert {s for _, _, s, _ in closed.answered} == {503}
        for _, _, _, body in closed.answered[:10]:
            doc = json.loads(body)
            assert doc["statusCode"] == 503 and doc["message"] == "Service unavailable" and doc["activityId"]
        assert all(killed - 0.5 <= t <= restarted + 15 for t, _, _, _ in closed.answered)
        log = EchoLog(echo)
        acked = check_nothing_lost(opened, log, idempotent=True)[0] + check_nothing_lost(closed, log, idempotent=True)[0]
        record_result("kill -9 Redis (rate-limit counters), restarted empty 1 s later",
                      fail_open=opened.summary(), fail_closed=closed.summary(),
                      fail_closed_back_after_restart_s=round(back, 2),
                      acknowledged_checked=acked, lost=0)
    finally:
        redis.stop()
