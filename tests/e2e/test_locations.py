"""Locations, gateway keys and tokens, the configuration feed and heartbeats against a real
`meridian manage` (docs/regions.md, docs/manage-api.md "Locations")."""

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import stat
import threading
import time

import pytest

from harness import TIME_SCALE
from manage_harness import Manage

EA = "/locations/eastasia"


@pytest.fixture
def manage(meridian_bin, tmp_path):
    m = Manage(meridian_bin, tmp_path / "data",
               extra_args=["--lag-after", "300", "--silent-after", "600"]).start()
    yield m
    m.stop()


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def token(manage, slug, key_type="primary", days=1):
    r = manage.post("/locations/%s/generateToken" % slug,
                    body={"keyType": key_type, "expiry": iso(now() + datetime.timedelta(days=days))})
    assert r.status == 200, r
    return r.json()["value"]


def feed(manage, path, tok, method="GET", body=None, timeout=70):
    conn = http.client.HTTPConnection("127.0.0.1", manage.port, timeout=timeout * TIME_SCALE)
    h = {}
    if tok is not None:
        h["Authorization"] = tok
    try:
        conn.request(method, "/gateway/v1/" + path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def signature(tok, body):
    return "hmac-sha256=" + base64.b64encode(hmac.new(tok.encode(), body, hashlib.sha256).digest()).decode()


def add_east_asia(manage, units=2):
    r = manage.put(EA, {"displayName": "East Asia", "units": units})
    assert r.status == 201, r
    return r


def error_code(r):
    return r.json()["error"]["code"]


# ---- locations ----

def test_primary_exists_and_cannot_be_deleted(manage):
    r = manage.get("/locations")
    assert r.status == 200, r
    value = r.json()["value"]
    assert [v["name"] for v in value] == ["westus"]
    p = value[0]["properties"]
    assert p["displayName"] == "West US" and p["isPrimary"] is True and p["units"] == 1
    assert p["regionalHostname"] == "meridian-westus-01.regional.meridian.local"
    assert p["statusPath"] == "/status-0123456789abcdef"
    assert p["status"] == {"unitsUp": 0, "units": [], "health": "down"}
    rev = manage.revision()
    r = manage.delete("/locations/westus")
    assert r.status == 409 and error_code(r) == "Conflict", r
    assert "primary" in r.json()["error"]["message"]
    assert manage.revision() == rev
    # the primary can be scaled
    r = manage.patch("/locations/westus", {"units": 3})
    assert r.status == 200 and r.json()["properties"]["units"] == 3, r
    # renaming it (same slug) renames the service's location and the snapshot's region
    r = manage.patch("/locations/westus", {"displayName": "WEST US"})
    assert r.status == 200, r
    assert manage.get("").json()["location"] == "WEST US"
    assert manage.get("/snapshot").json()["regions"][0]["name"] == "WEST US"


def test_crud_and_snapshot(manage):
    rev = manage.revision()
    r = add_east_asia(manage)
    assert r.revision == rev + 1
    assert r.header("ETag")
    p = r.json()["properties"]
    assert (p["displayName"], p["units"], p["disableGateway"], p["isPrimary"]) == ("East Asia", 2, False, False)
    assert p["regionalHostname"] == "meridian-eastasia-01.regional.meridian.local"
    names = [v["name"] for v in manage.get("/locations").json()["value"]]
    assert names == ["westus", "eastasia"]
    snap = manage.get("/snapshot").json()
    assert snap["regions"] == [
        {"name": "West US", "slug": "westus", "primary": True, "units": 1, "disableGateway": False,
         "regionalHostname": "meridian-westus-01.regional.meridian.local"},
        {"name": "East Asia", "slug": "eastasia", "primary": False, "units": 2, "disableGateway": False,
         "regionalHostname": "meridian-eastasia-01.regional.meridian.local"}]
    assert snap["service"] == {"name": "meridian", "domain": "meridian.local",
                               "hostnames": ["meridian.meridian.local"],
                               "id": "/subscriptions/00000000-0000-0000-0000-000000000000/"
                                     "resourceGroups/meridian/providers/"
                                     "Microsoft.ApiManagement/service/meridian"}
    # PATCH keeps what it does not name; a GET body can be PUT back
    r = manage.patch(EA, {"disableGateway": True})
    assert r.status == 200 and r.json()["properties"]["units"] == 2, r
    assert r.json()["properties"]["status"]["health"] == "disabled"
    body = manage.get(EA).json()
    r = manage.put(EA, body=body)
    assert r.status == 200, r
    # delete: gone from the list, the snapshot and the token files
    tokfile = manage.token_file("eastasia")
    assert os.path.exists(tokfile)
    r = manage.delete(EA)
    assert r.status == 200, r
    assert manage.get(EA).status == 404
    assert [x["slug"] for x in manage.get("/snapshot").json()["regions"]] == ["westus"]
    assert not os.path.exists(tokfile)
    assert manage.delete(EA).status == 204


@pytest.mark.parametrize("path,props,target", [
    (EA, {"displayName": "West Asia"}, "properties.displayName"),   # slug mismatch
    (EA, {"units": 2}, "properties.displayName"),                   # no display name
    (EA, {"displayName": "East Asia", "units": 0}, "properties.units"),
    (EA, {"displayName": "East Asia", "units": 65}, "properties.units"),
    (EA, {"displayName": "East Asia", "units": "2"}, "properties.units"),
    (EA, {"displayName": "East Asia", "disableGateway": "no"}, "properties.disableGateway"),
    (EA, {"displayName": "East Asia", "colour": "red"}, "properties.colour"),
    ("/locations/East-Asia", {"displayName": "East Asia"}, "/locations/East-Asia"),  # not a slug
])
def test_bad_location_bodies(manage, path, props, target):
    state = manage.state()
    r = manage.put(path, props)
    assert r.status == 400, r
    err = r.json()["error"]
    assert err["code"] == "ValidationError" and err["details"][0]["target"] == target, r
    assert manage.state() == state


def test_if_match_and_methods(manage):
    add_east_asia(manage)
    r = manage.call("PATCH", EA, {"properties": {"units": 1}})
    assert r.status == 400 and error_code(r) == "MissingIfMatch"
    r = manage.patch(EA, {"units": 1}, if_match='"nope"')
    assert r.status == 412
    etag = manage.get(EA).header("ETag")
    assert manage.patch(EA, {"units": 1}, if_match=etag).status == 200
    assert manage.call("POST", "/locations").status == 405
    assert manage.call("GET", EA + "/listKeys").status == 405
    assert manage.patch("/locations/nowhere", {"units": 1}).status == 404
    r = manage.post(EA + "/generateToken", body="not json")
    assert r.status == 400 and error_code(r) == "InvalidRequestContent"


def test_service_domain_and_hostnames(manage):
    add_east_asia(manage)
    etag = manage.get("").header("ETag")
    r = manage.call("PATCH", "", {"properties": {"domain": "contoso.net", "hostnameConfigurations": [
        {"type": "Proxy", "hostName": "api.contoso.com"}, {"type": "Portal", "hostName": "portal.contoso.com"}]}},
        if_match=etag)
    assert r.status == 200, r
    snap = manage.get("/snapshot").json()
    assert snap["service"]["domain"] == "contoso.net"
    assert snap["service"]["hostnames"] == ["meridian.contoso.net", "api.contoso.com"]
    assert snap["regions"][1]["regionalHostname"] == "meridian-eastasia-01.regional.contoso.net"
    assert manage.get(EA).json()["properties"]["regionalHostname"] == \
        "meridian-eastasia-01.regional.contoso.net"
    for props, target in [({"domain": "Bad Domain"}, "properties.domain"),
                          ({"hostnameConfigurations": [{"type": "Proxy"}]}, "properties.hostnameConfigurations[0]"),
                          ({"hostnameConfigurations": [{"type": "Web", "hostName": "a.b"}]},
                           "properties.hostnameConfigurations[0]"),
                          ({"hostnameConfigurations": {"type": "Proxy"}}, "properties.hostnameConfigurations")]:
        r = manage.call("PATCH", "", {"properties": props}, if_match="*")
        assert r.status == 400 and r.json()["error"]["details"][0]["target"] == target, (props, r)


# ---- keys and tokens ----

def test_keys_tokens_and_token_file(manage):
    add_east_asia(manage)
    keys = manage.post(EA + "/listKeys").json()
    assert set(keys) == {"primary", "secondary"} and keys["primary"] != keys["secondary"]
    tokfile = manage.token_file("eastasia")
    assert stat.S_IMODE(os.stat(tokfile).st_mode) == 0o600
    with open(tokfile) as f:
        file_token = f.read()
    # the token is the vendor's: GatewayKey slug&yyyyMMddHHmm&base64(HMAC-SHA512(key, slug\nexpiry))
    slug, expiry, sig = file_token[len("GatewayKey "):].split("&")
    assert file_token.startswith("GatewayKey ") and slug == "eastasia"
    mac = hmac.new(keys["primary"].encode(), ("%s\n%s" % (slug, expiry)).encode(), hashlib.sha512).digest()
    assert base64.b64encode(mac).decode() == sig
    exp = datetime.datetime.strptime(expiry, "%Y%m%d%H%M").replace(tzinfo=datetime.timezone.utc)
    assert datetime.timedelta(days=29) < exp - now() <= datetime.timedelta(days=30)
    assert feed(manage, "config?region=eastasia&after=0", file_token)[0] == 200

    t = token(manage, "eastasia", "secondary", days=2)
    assert feed(manage, "config?region=eastasia&after=0", t)[0] == 200
    # bad requests for tokens
    for body in [{"keyType": "tertiary", "expiry": iso(now() + datetime.timedelta(days=1))},
                 {"keyType": "primary", "expiry": iso(now() + datetime.timedelta(days=31))},
                 {"keyType": "primary", "expiry": iso(now() - datetime.timedelta(minutes=5))},
                 {"keyType": "primary", "expiry": "tomorrow"},
                 {"keyType": "primary"},
                 {"keyType": "primary", "expiry": iso(now() + datetime.timedelta(days=1)), "x": 1}]:
        r = manage.post(EA + "/generateToken", body=body)
        assert r.status == 400, (body, r)
    # regenerating the secondary key invalidates its tokens, not the primary's
    rev = manage.revision()
    r = manage.post(EA + "/regenerateKey", body={"keyType": "secondary"})
    assert r.status == 204 and r.revision == rev + 1, r
    assert manage.post(EA + "/listKeys").json()["secondary"] != keys["secondary"]
    assert feed(manage, "config?region=eastasia&after=0", t)[0] == 401
    assert feed(manage, "config?region=eastasia&after=0", file_token)[0] == 200
    # regenerating the primary: the old file token stops working, the file is rewritten
    assert manage.post(EA + "/regenerateKey", body={"keyType": "primary"}).status == 204
    assert feed(manage, "config?region=eastasia&after=0", file_token)[0] == 401
    with open(tokfile) as f:
        assert feed(manage, "config?region=eastasia&after=0", f.read())[0] == 200
    assert manage.post(EA + "/regenerateKey", body={"keyType": "both"}).status == 400


def test_token_files_rewritten_at_start(meridian_bin, tmp_path):
    m = Manage(meridian_bin, tmp_path / "data").start()
    try:
        path = m.token_file("westus")
        os.unlink(path)
        keys = m.post("/locations/westus/listKeys").json()
    finally:
        m.stop()
    m.start()
    try:
        with open(path) as f:
            tok = f.read()
        # revision 0 is a configuration: after=-1 (or no after) gets it
        assert m.revision() == 0
        assert feed(m, "config?region=westus&after=-1", tok)[0] == 200
        assert feed(m, "config?region=westus", tok)[0] == 200
        assert feed(m, "config?region=westus&after=0&wait=0", tok)[0] == 304
        # the primary's keys survive a restart
        assert m.post("/locations/westus/listKeys").json() == keys
    finally:
        m.stop()


def test_feed_auth_errors(manage):
    add_east_asia(manage)
    ea = token(manage, "eastasia")
    wu = token(manage, "westus")
    assert feed(manage, "config?region=eastasia&after=0", None)[0] == 401
    assert feed(manage, "config?region=eastasia&after=0", "Bearer abc")[0] == 401
    assert feed(manage, "config?region=eastasia&after=0", ea[:-4] + "AAA=")[0] == 401
    # a token of another location: 403; an unknown region: 404
    status, _, body = feed(manage, "config?region=eastasia&after=0", wu)
    assert status == 403 and json.loads(body)["error"]["code"] == "Forbidden"
    assert feed(manage, "config?region=mars&after=0", ea)[0] == 404
    # expired: a token made with the right key, whose expiry has passed
    keys = manage.post(EA + "/listKeys").json()
    past = (now() - datetime.timedelta(minutes=2)).strftime("%Y%m%d%H%M")
    mac = hmac.new(keys["primary"].encode(), ("eastasia\n" + past).encode(), hashlib.sha512).digest()
    expired = "GatewayKey eastasia&%s&%s" % (past, base64.b64encode(mac).decode())
    status, _, body = feed(manage, "config?region=eastasia&after=0", expired)
    assert status == 401 and "expired" in json.loads(body)["error"]["message"]
    # parameters
    for q in ["config?after=0", "config?region=eastasia&after=-2", "config?region=eastasia&after=",
              "config?region=eastasia&after=x", "config?region=eastasia&after=0&wait=61",
              "config?region=eastasia&after=0&wait=%zz"]:
        status, _, body = feed(manage, q, ea)
        assert status == 400 and json.loads(body)["error"]["code"] == "InvalidRequestContent", q
    assert feed(manage, "nothing", ea)[0] == 404
    assert feed(manage, "config?region=eastasia&after=0", ea, method="POST", body=b"")[0] == 405
    # a deleted location's tokens stop working
    assert manage.delete(EA).status == 200
    assert feed(manage, "config?region=eastasia&after=0", ea)[0] == 401


# ---- the long poll ----

def test_feed_immediate_signed_and_304(manage):
    add_east_asia(manage)
    t = token(manage, "eastasia")
    rev = manage.revision()
    status, h, body = feed(manage, "config?region=eastasia&after=%d" % (rev - 1), t)
    assert status == 200
    assert int(h["x-meridian-revision"]) == rev
    assert body.decode() == manage.snapshot()
    assert h["x-meridian-signature"] == signature(t, body)
    assert h["x-meridian-signature"] != signature(token(manage, "eastasia", "secondary"), body)
    # nothing newer: 304 after wait=1, at once with wait=0
    start = time.monotonic()
    status, h, body = feed(manage, "config?region=eastasia&after=%d&wait=1" % rev, t)
    took = time.monotonic() - start
    assert status == 304 and body == b"" and 0.9 <= took < 3 * TIME_SCALE, took
    start = time.monotonic()
    assert feed(manage, "config?region=eastasia&after=%d&wait=0" % rev, t)[0] == 304
    assert time.monotonic() - start < 0.5 * TIME_SCALE


def test_feed_wakes_on_commit(manage):
    add_east_asia(manage)
    tokens = {"eastasia": token(manage, "eastasia"), "westus": token(manage, "westus")}
    rev = manage.revision()
    results = {}

    def poll(slug, i):
        start = time.monotonic()
        status, h, body = feed(manage, "config?region=%s&after=%d&wait=30" % (slug, rev), tokens[slug])
        results[(slug, i)] = (status, h, body, time.monotonic())

    threads = [threading.Thread(target=poll, args=(s, i)) for s in tokens for i in range(2)]
    for th in threads:
        th.start()
    time.sleep(0.5)  # let them park
    assert not results
    acked_before = time.monotonic()
    r = manage.patch("/locations/westus", {"units": 2})
    acked = time.monotonic()
    assert r.status == 200 and r.revision == rev + 1
    for th in threads:
        th.join(10 * TIME_SCALE)
    assert len(results) == 4
    delays = []
    for (slug, _), (status, h, body, at) in results.items():
        assert status == 200 and int(h["x-meridian-revision"]) == rev + 1
        assert h["x-meridian-signature"] == signature(tokens[slug], body)
        assert json.loads(body)["regions"][0]["units"] == 2
        delays.append(at - acked_before)
    # every parked poll answered within ~100 ms of the write's acknowledgment (generous)
    assert max(delays) - (acked - acked_before) < 0.5 * TIME_SCALE, delays


def test_stop_releases_parked_polls(meridian_bin, tmp_path):
    m = Manage(meridian_bin, tmp_path / "data").start()
    t = token(m, "westus")
    rev = m.revision()
    out = {}
    th = threading.Thread(target=lambda: out.setdefault("r", feed(m, "config?region=westus&after=%d&wait=60" % rev, t)))
    th.start()
    time.sleep(0.3)
    start = time.monotonic()
    m.stop()
    th.join(10)
    assert out["r"][0] == 503 and time.monotonic() - start < 5 * TIME_SCALE


# ---- heartbeats and health ----

def heartbeat(manage, slug, tok, **fields):
    hb = {"unit": 0, "instanceId": "i-0", "revision": manage.revision(), "source": "feed",
          "uptimeSeconds": 5, "requests": 10, "errors": 1}
    hb.update(fields)
    return feed(manage, "heartbeat?region=%s" % slug, tok, method="POST", body=json.dumps(hb).encode())


def status_of(manage, slug):
    return manage.get("/locations/" + slug).json()["properties"]["status"]


def test_heartbeats_and_health(manage):
    add_east_asia(manage)
    t = token(manage, "eastasia")
    rev = manage.revision()
    assert status_of(manage, "eastasia")["health"] == "down"
    assert heartbeat(manage, "eastasia", t, unit=0, instanceId="a")[0] == 204
    assert heartbeat(manage, "eastasia", t, unit=1, instanceId="b", source="last-known-good")[0] == 204
    st = status_of(manage, "eastasia")
    assert st["health"] == "ok" and st["unitsUp"] == 2
    u = {x["unit"]: x for x in st["units"]}
    assert u[0]["instanceId"] == "a" and u[0]["revision"] == rev and u[0]["requests"] == 10
    assert u[1]["source"] == "last-known-good"
    assert datetime.datetime.strptime(u[0]["lastHeartbeat"], "%Y-%m-%dT%H:%M:%SZ")
    # heartbeats are not revisions
    assert manage.revision() == rev
    # a commit the units do not follow: lagging after --lag-after (300 ms)
    assert manage.patch(EA, {"units": 3}).status == 200
    heartbeat(manage, "eastasia", t, unit=0, instanceId="a", revision=rev)
    heartbeat(manage, "eastasia", t, unit=1, instanceId="b", revision=rev + 1)
    assert status_of(manage, "eastasia")["health"] == "ok"
    time.sleep(0.4)
    heartbeat(manage, "eastasia", t, unit=0, instanceId="a", revision=rev)
    heartbeat(manage, "eastasia", t, unit=1, instanceId="b", revision=rev + 1)
    st = status_of(manage, "eastasia")
    assert st["health"] == "lagging", st
    assert [x["isLagging"] for x in sorted(st["units"], key=lambda x: x["unit"])] == [True, False]
    # unit 0 catches up, unit 1 goes quiet: silent after --silent-after (600 ms)
    heartbeat(manage, "eastasia", t, unit=0, instanceId="a", revision=rev + 1)
    time.sleep(0.4)
    heartbeat(manage, "eastasia", t, unit=0, instanceId="a", revision=rev + 1)
    time.sleep(0.35)
    st = status_of(manage, "eastasia")
    assert st["health"] == "silent" and st["unitsUp"] == 1, st
    time.sleep(0.7)
    st = status_of(manage, "eastasia")
    assert st["health"] == "down" and st["unitsUp"] == 0, st
    # the primary's status is its own
    assert status_of(manage, "westus")["health"] == "down"


def test_heartbeat_errors(manage):
    t = token(manage, "westus")
    for fields in [{"unit": 64}, {"unit": -1}, {"instanceId": ""}, {"revision": "1"},
                   {"source": "cache"}, {"requests": -5}]:
        status, _, body = heartbeat(manage, "westus", t, **fields)
        assert status == 400 and json.loads(body)["error"]["code"] == "InvalidRequestContent", fields
    assert feed(manage, "heartbeat?region=westus", t, method="POST", body=b"{")[0] == 400
    assert feed(manage, "heartbeat?region=westus", t, method="GET")[0] == 405
    assert feed(manage, "heartbeat?region=westus", "GatewayKey x", method="POST", body=b"{}")[0] == 401
    assert status_of(manage, "westus")["units"] == []
