"""Feed mode of `meridian gateway` against a small fake feed (regions_harness.FakeFeed):
the long poll, signatures, stale revisions, last-known-good (valid and tampered), seeding
from a peer, no configuration at all (503), and context.Deployment.Region from a slug.
The same behaviour against the real `meridian manage` is in test_regions.py."""

import json
import os
import re
import socket
import time

import pytest

from harness import STATUS_PATH, TIME_SCALE, finish_gateways, free_port, wait_until
from regions_harness import FakeFeed, FeedGateway, sign, write_token
from snapshots import api, snapshot

TOKEN = "GatewayKey eastasia&202612240000&dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ=="
REGION_POLICY = """<policies>
  <inbound><base /></inbound>
  <backend><forward-request /></backend>
  <outbound>
    <set-header name="X-Region" exists-action="override"><value>@(context.Deployment.Region)</value></set-header>
    <set-header name="X-Service" exists-action="override"><value>@(context.Deployment.ServiceName)</value></set-header>
    <set-header name="X-Gateway" exists-action="override"><value>@(context.Deployment.GatewayId + "/" + context.Deployment.Gateway.Id + "/" + context.Deployment.Gateway.IsManaged)</value></set-header>
    <set-header name="X-Instance" exists-action="override"><value>@(context.Deployment.Gateway.InstanceId)</value></set-header>
  </outbound>
</policies>"""


def snap(backend, revision):
    return snapshot([api("echo", "", backend.url())], revision=revision,
                    policies={"global": REGION_POLICY, "products": {}, "apis": {}, "operations": {}})


@pytest.fixture
def feed():
    f = FakeFeed(TOKEN, "eastasia")
    yield f
    f.stop()


@pytest.fixture
def units(meridian_bin, tmp_path, backends):
    """Factory of feed-mode gateways; teardown like the `gateways` fixture."""
    started = []
    token_file = write_token(str(tmp_path / "eastasia.token"), TOKEN)

    def make(config_url, state_dir="state", region="East Asia", wait=None, **kw):
        gw = FeedGateway(meridian_bin, tmp_path, config_url=config_url, token_file=token_file,
                         state_dir=str(tmp_path / state_dir) if state_dir else None,
                         region=region, name="unit%d" % len(started), **kw)
        started.append(gw)
        gw.start(wait="metrics")
        return gw

    yield make
    problems = finish_gateways(started)
    assert not problems, "\n".join(problems)


def port_open_at(gw):
    try:
        socket.create_connection((gw.ip, gw.port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_revision(gw, revision, units=None, timeout=None):
    for k in range(units or gw.unit_count):
        gw._wait(lambda: gw.revision(k) == revision, timeout or 10 * TIME_SCALE,
                 "unit %d at revision %s" % (k, revision))


def lkg_header(state_dir):
    with open(os.path.join(state_dir, "last-known-good.json"), "rb") as f:
        header, _, body = f.read().partition(b"\n")
    return json.loads(header), body


@pytest.mark.timeout_s(60)
def test_feed_revisions_reach_every_unit_and_are_persisted(feed, units, backends, tmp_path):
    a, b = backends.echo("A"), backends.echo("B")
    feed.publish(snap(a, 1))
    gw = units(feed.url, units=2)
    wait_revision(gw, 1)
    r = gw.request("GET", "/x")
    assert r.json()["backend"] == "A"
    assert r.header("X-Region") == "East Asia"
    # A unit started after its sibling persisted revision 1 may start from that file.
    assert {gw.source(0), gw.source(1)} <= {"feed", "last-known-good"}

    start = time.monotonic()
    feed.publish(snap(b, 2))
    wait_revision(gw, 2)
    delay = time.monotonic() - start
    print("revision 2 served by both units %.1f ms after it was published" % (delay * 1000))
    assert gw.request("GET", "/x").json()["backend"] == "B"

    # The file is written after the revision is served (off the loop): wait for it.
    header, body = wait_until(
        lambda: (lambda hb: hb if hb[0]["revision"] == 2 else None)(lkg_header(str(tmp_path / "state"))),
        10 * TIME_SCALE, message="revision 2 in last-known-good.json")
    assert header == {"revision": 2, "signature": sign(TOKEN, body)}
    assert json.loads(body)["revision"] == 2
    assert gw.source(0) == "feed" and gw.source(1) == "feed"

    # Heartbeats: one instance id per unit process, the revision and source in use.
    def beats():
        latest = {}
        for hb in feed.heartbeats:
            latest[hb["unit"]] = hb
        return latest if len(latest) == 2 and all(h["revision"] == 2 for h in latest.values()) else None
    latest = wait_until(beats, 12 * TIME_SCALE, message="heartbeats of both units at revision 2")
    assert latest[0]["instanceId"] != latest[1]["instanceId"]
    for hb in latest.values():
        assert set(hb) == {"unit", "instanceId", "revision", "source", "uptimeSeconds",
                           "requests", "errors"}
        assert hb["source"] == "feed" and hb["errors"] == 0
    assert sum(hb["requests"] for hb in latest.values()) >= 1
    # Each unit asks for what is newer than the revision it serves (-1 = none yet).
    assert {after for _, after in feed.polls} <= {-1, 1, 2}
    assert feed.polls.count(("eastasia", 1)) >= 1
    wait_until(lambda: feed.polls.count(("eastasia", 2)) == 2, 5 * TIME_SCALE,
               message="both units polling after revision 2")


@pytest.mark.timeout_s(60)
def test_bad_signature_and_older_revision_are_refused(feed, units, backends):
    a, b = backends.echo("A"), backends.echo("B")
    feed.publish(snap(a, 5))
    gw = units(feed.url)
    wait_revision(gw, 5)

    feed.lie(corrupt_signature=True)
    feed.publish(snap(b, 6))
    wait_until(lambda: gw.metric("meridian_config_refused_total", reason="signature")[0] >= 1,
               10 * TIME_SCALE, message="a refused bad signature")
    assert "snapshot refused (signature)" in gw.stderr()
    assert gw.revision() == 5
    assert gw.request("GET", "/x").json()["backend"] == "A"

    # A correctly signed but older revision: refused as stale, nothing changes.
    feed.lie(force_revision=3)
    wait_until(lambda: gw.metric("meridian_config_refused_total", reason="stale")[0] >= 1,
               10 * TIME_SCALE, message="a refused older revision")
    assert gw.revision() == 5
    assert gw.request("GET", "/x").json()["backend"] == "A"

    feed.lie()  # honest again: revision 6 arrives
    wait_revision(gw, 6, timeout=15 * TIME_SCALE)
    assert gw.request("GET", "/x").json()["backend"] == "B"


@pytest.mark.timeout_s(90)
def test_last_known_good_serves_without_feed_and_tampered_one_is_refused(feed, units, backends, tmp_path):
    a = backends.echo("A")
    feed.publish(snap(a, 3))
    gw = units(feed.url)
    wait_revision(gw, 3)
    state = str(tmp_path / "state")
    wait_until(lambda: os.path.exists(os.path.join(state, "last-known-good.json")), 5 * TIME_SCALE)
    assert gw.stop() == 0
    feed.stop()

    # The feed is gone: a restarted unit serves its last-known-good and says so.
    gw2 = units(feed.url)
    gw2._wait(lambda: gw2.status_code() == 200, 10 * TIME_SCALE, "status 200 from last-known-good")
    assert gw2.request("GET", "/x").json()["backend"] == "A"
    assert gw2.revision() == 3 and gw2.source() == "last-known-good"
    assert "serving last-known-good revision 3" in gw2.stderr()
    assert gw2.stop() == 0

    # One byte of the snapshot changed: refused, never half-loaded; 503 everywhere.
    path = os.path.join(state, "last-known-good.json")
    with open(path, "rb") as f:
        data = f.read()
    i = data.index(b'"backend') if b'"backend' in data else len(data) - 3
    with open(path, "wb") as f:
        f.write(data[:i] + b"X" + data[i + 1:])
    gw3 = units(feed.url)
    assert gw3.admin_request(STATUS_PATH).status == 503
    gw3._wait(lambda: port_open_at(gw3), 6 * TIME_SCALE, "the client listener after the grace period")
    assert gw3.status_code() == 503
    assert gw3.request("GET", "/x").status == 503
    assert gw3.metric("meridian_config_refused_total", reason="last-known-good") == [1]
    assert gw3.metric("meridian_config_loaded") == [0]
    assert gw3.source() == "none"
    assert "snapshot refused (last-known-good)" in gw3.stderr()
    assert "does not match" in gw3.stderr()


@pytest.mark.timeout_s(60)
def test_no_configuration_answers_503_until_the_feed_sends_one(units, backends):
    a = backends.echo("A")
    port = free_port()
    gw = units("http://127.0.0.1:%d" % port, state_dir=None)
    # The admin status says 503 at once; the client listener opens after a grace period
    # (siblings sharing the address would serve meanwhile), then answers 503 too.
    assert gw.admin_request(STATUS_PATH).status == 503
    assert "opens when one arrives" in gw.stderr()
    gw._wait(lambda: port_open_at(gw), 6 * TIME_SCALE, "the client listener after the grace period")
    for _ in range(3):
        assert gw.status_code() == 503
        r = gw.request("GET", "/x")
        assert r.status == 503 and r.json()["statusCode"] == 503
    time.sleep(0.5)
    assert gw.status_code() == 503
    feed = FakeFeed(TOKEN, "eastasia", port=port)
    try:
        feed.publish(snap(a, 1))
        gw._wait(lambda: gw.status_code() == 200, 10 * TIME_SCALE, "a configuration from the feed")
        assert gw.request("GET", "/x").json()["backend"] == "A"
    finally:
        gw.stop()
        feed.stop()


@pytest.mark.timeout_s(60)
def test_seed_from_a_peer_while_the_feed_is_down(feed, units, backends):
    a = backends.echo("A")
    feed.publish(snap(a, 4))
    peer = units(feed.url, state_dir="peer-state")
    wait_revision(peer, 4)
    # The peer's /config needs the region's token.
    assert peer.admin_request("/config").status == 401
    assert peer.admin_request("/config", headers={"Authorization": TOKEN + "x"}).status == 401
    r = peer.admin_request("/config", headers={"Authorization": TOKEN})
    assert r.status == 200 and r.header("X-Meridian-Revision") == "4"
    assert r.header("X-Meridian-Signature") == sign(TOKEN, r.body)
    feed.stop()

    # A new unit with no last-known-good starts while the feed is down.
    fresh = units(feed.url, state_dir="fresh-state", seed_from=peer.admin_addr())
    fresh._wait(lambda: fresh.status_code() == 200, 10 * TIME_SCALE, "seeded from the peer")
    assert fresh.revision() == 4 and fresh.source() == "peer"
    assert fresh.request("GET", "/x").json()["backend"] == "A"
    wait_until(lambda: os.path.exists(os.path.join(fresh.state_dir, "last-known-good.json")),
               5 * TIME_SCALE, message="the seeded configuration persisted")


@pytest.mark.timeout_s(60)
def test_region_slug_reports_the_display_name(feed, units, backends):
    a = backends.echo("A")
    feed.publish(snap(a, 1))
    gw = units(feed.url, region="eastasia")
    wait_revision(gw, 1)
    r = gw.request("GET", "/x")
    assert r.header("X-Region") == "East Asia"
    assert r.header("X-Service") == "contoso"
    assert r.header("X-Gateway") == "managed/managed/True"
    # Gateway.InstanceId is the unit's instance id, the one its heartbeats carry.
    instance = r.header("X-Instance")
    assert re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", instance), instance
    wait_until(lambda: feed.heartbeats, 10 * TIME_SCALE, message="a heartbeat")
    assert {hb["instanceId"] for hb in feed.heartbeats} == {instance}


@pytest.mark.timeout_s(60)
def test_disabled_gateway_reports_503_on_status_and_still_serves(feed, units, backends):
    a = backends.echo("A")
    s = snap(a, 1)
    feed.publish(s)
    gw = units(feed.url)
    wait_revision(gw, 1)
    assert gw.status_code() == 200
    s = snap(a, 2)
    s["regions"][1]["disableGateway"] = True  # East Asia
    feed.publish(s)
    wait_revision(gw, 2)
    assert gw.status_code() == 503  # the router sends traffic elsewhere (spec §5.3)
    assert gw.admin_request(STATUS_PATH).status == 503
    assert gw.request("GET", "/x").json()["backend"] == "A"  # what still arrives is served
    s = snap(a, 3)
    feed.publish(s)
    wait_revision(gw, 3)
    assert gw.status_code() == 200
