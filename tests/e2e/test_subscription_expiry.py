"""A subscription's expirationDate (docs/subscriptions.md "Expiry"): from that moment the
gateways refuse its keys like an expired subscription's — compared with the unit's clock, so
without a configuration change and while the primary is down — and the management API takes
the subscription dates and refuses a malformed one."""

import datetime
import time

from harness import TIME_SCALE, wait_until
from manage_harness import Manage
from snapshots import api, snapshot

INVALID = ("Access denied due to invalid subscription key. Make sure to provide a valid key for "
           "an active subscription.")


def iso(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_keys_stop_working_at_the_expiration_date(gateways, backends):
    echo = backends.echo("echo")
    soon = time.time() + 3
    subs = [
        {"id": "past", "scope": "/apis", "state": "active", "primaryKey": "k-past",
         "expirationDate": iso(-60)},
        {"id": "later", "scope": "/apis", "state": "active", "primaryKey": "k-later",
         "expirationDate": "2999-01-01T00:00:00Z"},
        {"id": "soon", "scope": "/apis", "state": "active", "primaryKey": "k-soon",
         "expirationDate": iso(3)},
        {"id": "never", "scope": "/apis", "state": "active", "primaryKey": "k-never"},
    ]
    gw = gateways(snapshot([api("orders", "orders", echo.url(), subscriptionRequired=True)],
                           subscriptions=subs))

    def status(key):
        return gw.request("GET", "/orders/1", headers=[("Ocp-Apim-Subscription-Key", key)]).status

    r = gw.request("GET", "/orders/1", headers=[("Ocp-Apim-Subscription-Key", "k-past")])
    assert r.status == 401 and r.json()["message"] == INVALID, r
    assert status("k-later") == 200 and status("k-never") == 200
    if time.time() < soon - 0.5:
        assert status("k-soon") == 200
    wait_until(lambda: status("k-soon") == 401, 10 * TIME_SCALE, message="k-soon refused once expired")
    assert time.time() >= soon - 0.05  # not before its date (the unit's clock, ms)
    assert status("k-never") == 200


def test_manage_stores_subscription_dates_and_refuses_bad_ones(meridian_bin, tmp_path):
    m = Manage(meridian_bin, tmp_path / "data").start()
    try:
        props = {"scope": "/apis", "displayName": "Dated", "state": "active",
                 "startDate": "2026-01-01T00:00:00Z", "expirationDate": "2027-01-01T00:00:00Z"}
        assert m.put("/subscriptions/dated", props).status == 201
        got = m.get("/subscriptions/dated").json()["properties"]
        assert got["expirationDate"] == "2027-01-01T00:00:00Z" and got["startDate"] == "2026-01-01T00:00:00Z"
        import json
        sub = next(s for s in json.loads(m.snapshot())["subscriptions"] if s["id"] == "dated")
        assert sub["expirationDate"] == "2027-01-01T00:00:00Z"
        before = m.state()
        r = m.put("/subscriptions/bad", dict(props, expirationDate="next tuesday"))
        assert r.status == 400, r
        assert "must be an ISO 8601 date-time" in r.json()["error"]["message"], r.json()
        assert m.state() == before  # nothing stored
    finally:
        m.stop()
