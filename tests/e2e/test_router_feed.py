"""The router in feed mode (docs/router.md "Feed mode") against a real `meridian manage`:
traffic-manager profiles and the latency table through the management API (validation
errors included), live reloads that keep the DNS listener and the probe verdicts, the
built-in profile following the locations, probe health in the locations' status, and the
last-known-good when the management plane is gone."""

import datetime
import os
import time
import urllib.request

from harness import TIME_SCALE, free_port, wait_until
from routerlib import RegionServer, Router, build_query, parse_response, udp_query

PROFILES = "/trafficManagerProfiles"
LATENCY = "/trafficManagerLatency"
ZONE = "tm.meridian.local"


def error(r):
    return r.json()["error"]


def monitor(port):
    return {"protocol": "HTTP", "port": port, "path": "/status-0123456789abcdef",
            "intervalSeconds": 1, "timeoutSeconds": 0.5, "toleratedFailures": 1}


def test_profile_crud_and_validation(manage):
    r = manage.get(PROFILES)
    assert r.status == 200, r
    (builtin,) = r.json()["value"]
    p = builtin["properties"]
    assert builtin["name"] == "meridian" and p["isBuiltIn"] is True
    assert p["routingMethod"] == "Performance" and p["fqdn"] == "meridian." + ZONE
    assert [e["name"] for e in p["endpoints"]] == ["westus"]
    assert p["endpoints"][0]["target"] == "meridian-westus-01.regional.meridian.local"

    body = {"routingMethod": "Priority", "ttl": 10, "monitor": monitor(9001),
            "endpoints": [{"name": "us", "gatewayLocation": "West US"},
                          {"name": "backup", "target": "backup.example.net", "port": 9002}]}
    r = manage.put(PROFILES + "/orders", body)
    assert r.status == 201, r
    etag = r.header("ETag")
    got = manage.get(PROFILES + "/orders")
    assert got.status == 200 and got.header("ETag") == etag
    assert got.json()["properties"]["fqdn"] == "orders." + ZONE
    assert manage.put(PROFILES + "/orders", body, if_match='"nope"').status == 412
    assert len(manage.get(PROFILES).json()["value"]) == 2

    bad = [
        ({"routingMethod": "Fastest"}, "properties.routingMethod", "unknown routing method 'Fastest'"),
        ({"endpoints": [{"name": "a", "target": "127.0.0.8", "priority": 1},
                        {"name": "b", "target": "127.0.0.9", "priority": 1}]},
         "properties.endpoints[1]", "priority 1 is used twice"),
        ({"endpoints": [{"name": "a", "gatewayLocation": "Mars"}]},
         "properties.endpoints[0].gatewayLocation", "must name a location"),
        ({"monitor": dict(monitor(80), timeoutSeconds=5)}, "properties.monitor.timeoutSeconds",
         "less than 'intervalSeconds'"),
        ({"colour": "blue"}, "properties.colour", "Unknown property"),
    ]
    for change, target, text in bad:
        props = dict(body, **change)
        r = manage.put(PROFILES + "/bad", props)
        assert r.status == 400, (change, r)
        e = error(r)
        assert e["code"] == "ValidationError" and e["details"][0]["target"] == target, (change, e)
        assert text in e["message"], (change, e)
    assert manage.get(PROFILES + "/bad").status == 404

    # The built-in profile: monitor and ttl can change, its endpoints cannot; no DELETE.
    r = manage.patch(PROFILES + "/meridian", {"ttl": 5, "monitor": monitor(80)})
    assert r.status == 200, r
    assert r.json()["properties"]["ttl"] == 5
    r = manage.patch(PROFILES + "/meridian", {"endpoints": []})
    assert r.status == 400 and "follows the service's locations" in error(r)["message"]
    assert manage.delete(PROFILES + "/meridian").status == 409

    # The latency table.
    r = manage.put(LATENCY, {"latency": [{"subnet": "10.0.0.1/8", "regions": {"West US": 5}}]})
    assert r.status == 400 and error(r)["details"][0]["target"] == "properties.latency[0].subnet", r
    assert manage.get(LATENCY).json()["properties"] == {"latency": [], "locations": []}
    rows = [{"subnet": "127.0.1.0/24", "regions": {"West US": 5}}]
    assert manage.put(LATENCY, {"latency": rows}).status in (200, 201)
    assert manage.get(LATENCY).json()["properties"]["latency"] == rows

    assert manage.delete(PROFILES + "/orders").status == 200
    assert manage.get(PROFILES + "/orders").status == 404


def a_answer(router, source, name="meridian." + ZONE):
    r = parse_response(udp_query(router.dns_port, build_query(name, "A"), source=source))
    return [a["data"] for a in r["answers"] if a["type"] == "A"]


def primary_token(manage, path):
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    r = manage.post("/locations/westus/generateToken",
                    body={"keyType": "primary", "expiry": expiry.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert r.status == 200, r
    with open(path, "w") as f:
        f.write(r.json()["value"])


def test_router_follows_the_management_plane(meridian_bin, manage, tmp_path):
    port = free_port()
    west = RegionServer("West US", "127.0.10.1", port)
    east = RegionServer("East Asia", "127.0.20.1", port)
    backend1 = RegionServer("orders-1", "127.0.30.1")
    backend2 = RegionServer("orders-2", "127.0.30.2")
    router = None
    try:
        assert manage.put("/locations/eastasia", {"displayName": "East Asia"}).status == 201
        assert manage.patch("/locations/westus", {"gatewayAddress": "127.0.10.1:%d" % port}).status == 200
        assert manage.patch("/locations/eastasia", {"gatewayAddress": "127.0.20.1:%d" % port}).status == 200
        near_west = [{"subnet": "127.0.1.0/24", "regions": {"West US": 5, "East Asia": 150}},
                     {"subnet": "127.0.2.0/24", "regions": {"West US": 150, "East Asia": 5}}]
        assert manage.put(LATENCY, {"latency": near_west}).status in (200, 201)
        assert manage.patch(PROFILES + "/meridian", {"monitor": monitor(80)}).status == 200
        token_file = str(tmp_path / "router.token")
        primary_token(manage, token_file)
        state = str(tmp_path / "router-state")
        feed_args = ["--config-url", "http://127.0.0.1:%d" % manage.port, "--token-file", token_file,
                     "--state-dir", state, "--report-ms", "200"]
        router = Router(meridian_bin, tmp_path, None, feed_args)

        def online(*names):
            try:
                eps = {e["name"]: e["endpointMonitorStatus"] for p in router.status()["profiles"]
                       if p["name"] == "meridian" for e in p["endpoints"]}
            except OSError:
                return False
            return all(eps.get(n) == "Online" for n in names) and set(eps) == set(names)

        wait_until(lambda: online("westus", "eastasia"), 10 * TIME_SCALE, message="both regions Online")
        assert a_answer(router, "127.0.1.7") == ["127.0.10.1"]
        assert a_answer(router, "127.0.2.7") == ["127.0.20.1"]

        # Probe health reaches the locations' status.
        def probe(slug):
            return manage.get("/locations/" + slug).json()["properties"]["status"].get("probe", {})
        wait_until(lambda: probe("eastasia").get("status") == "Online", 5 * TIME_SCALE,
                   message="probe status in the location")
        assert probe("eastasia")["checkedAt"].endswith("Z")
        import subprocess
        shown = subprocess.run([meridian_bin, "location", "show", "East Asia"], capture_output=True, text=True,
                               env=dict(os.environ, MERIDIAN_ENDPOINT="http://127.0.0.1:%d" % manage.port,
                                        MERIDIAN_KEY_FILE=os.path.join(manage.data_dir, "admin-key.json")))
        assert "router probe: Online (reported " in shown.stdout, shown

        # A latency edit moves the clients; the DNS listener (an open TCP connection) stays,
        # and the verdicts of the unchanged endpoints are kept (no CheckingEndpoint).
        before = router.status()["revision"]
        swapped = [dict(near_west[0], regions={"West US": 150, "East Asia": 5}),
                   dict(near_west[1], regions={"West US": 5, "East Asia": 150})]
        import socket
        import struct
        conn = socket.create_connection(("127.0.0.1", router.dns_port), timeout=2)
        try:
            assert manage.put(LATENCY, {"latency": swapped}).status == 200
            wait_until(lambda: router.status()["revision"] > before, 5 * TIME_SCALE, message="reload")
            assert online("westus", "eastasia"), router.status()
            q = build_query("meridian." + ZONE, "A", ecs=("127.0.1.0", 24))
            conn.sendall(struct.pack(">H", len(q)) + q)
            n = struct.unpack(">H", conn.recv(2))[0]
            data = b""
            while len(data) < n:
                data += conn.recv(n - len(data))
            assert [a["data"] for a in parse_response(data)["answers"]] == ["127.0.20.1"]
        finally:
            conn.close()
        assert a_answer(router, "127.0.2.7") == ["127.0.10.1"]

        # A custom profile of the user's own backends, reached by its name at the edge.
        orders = {"routingMethod": "Priority", "monitor": monitor(backend1.port),
                  "endpoints": [{"name": "one", "target": "127.0.30.1", "port": backend1.port},
                                {"name": "two", "target": "127.0.30.2", "port": backend2.port}]}
        assert manage.put(PROFILES + "/orders", orders).status == 201

        def edge_region(host):
            req = urllib.request.Request("http://127.0.0.1:%d/x" % router.edge_port, headers={"Host": host})
            with urllib.request.urlopen(req, timeout=5) as r:
                import json
                return json.loads(r.read())["region"]
        wait_until(lambda: a_answer(router, "127.0.1.7", "orders." + ZONE) == ["127.0.30.1"],
                   5 * TIME_SCALE, message="orders profile served")
        assert edge_region("orders." + ZONE) == "orders-1"
        backend1.kill()
        assert edge_region("orders." + ZONE) == "orders-2"  # retried on the next endpoint

        # disableGateway takes East Asia out of the built-in profile.
        assert manage.patch("/locations/eastasia", {"disableGateway": True}).status == 200
        wait_until(lambda: online("westus"), 5 * TIME_SCALE, message="East Asia left the profile")
        assert a_answer(router, "127.0.1.7") == ["127.0.10.1"]

        # The management plane goes away: the router keeps serving, and restarts from its
        # last-known-good.
        wait_until(lambda: os.path.exists(os.path.join(state, "last-known-good.json")), 5 * TIME_SCALE,
                   message="last-known-good written")
        time.sleep(0.3)
        manage.kill9()
        assert a_answer(router, "127.0.2.7") == ["127.0.10.1"]
        ports = (router.edge_port, router.dns_port, router.admin_port)
        assert router.finish() == []
        router = Router(meridian_bin, tmp_path, None, feed_args, ports=ports)
        assert "using last-known-good revision" in router.stderr()
        assert a_answer(router, "127.0.2.7") == ["127.0.10.1"]
        assert a_answer(router, "127.0.1.7", "orders." + ZONE) in (["127.0.30.1"], ["127.0.30.2"])
    finally:
        problems = router.finish() if router else []
        for s in (west, east, backend1, backend2):
            s.kill()
    assert problems == []


def test_profile_and_latency_commands(meridian_bin, manage, tmp_path):
    import json
    import subprocess
    env = dict(os.environ, MERIDIAN_ENDPOINT="http://127.0.0.1:%d" % manage.port,
               MERIDIAN_KEY_FILE=os.path.join(manage.data_dir, "admin-key.json"))

    def cli(*args, stdin=None):
        return subprocess.run([meridian_bin] + list(args), env=env, input=stdin,
                              capture_output=True, text=True, timeout=30)

    f = tmp_path / "profiles.json"
    f.write_text(json.dumps({"profiles": [
        {"name": "orders", "routingMethod": "Priority", "monitor": {"protocol": "TCP", "port": 9000},
         "endpoints": [{"name": "us", "gatewayLocation": "West US"}]}]}))
    r = cli("profile", "apply", "-f", str(f))
    assert r.returncode == 0 and "created profile orders.tm.meridian.local (Priority, 1 endpoint(s))" in r.stdout, r
    r = cli("profile", "list")
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[1].split()[:2] == ["meridian", "Performance"] and lines[2].split()[:2] == ["orders", "Priority"]
    r = cli("profile", "show", "orders", "--json")
    assert json.loads(r.stdout)["properties"]["endpoints"][0]["gatewayLocation"] == "West US"
    r = cli("profile", "apply", "-f", "-", "bad", stdin=json.dumps(
        {"routingMethod": "Weighted", "monitor": {"protocol": "TCP", "port": 1},
         "endpoints": [{"name": "a", "target": "10.0.0.1", "weight": 0}]}))
    assert r.returncode == 1 and "properties.endpoints[0].weight" in r.stderr, r
    r = cli("profile", "delete", "meridian")
    assert r.returncode == 1 and "Conflict" in r.stderr, r
    assert cli("profile", "delete", "orders").returncode == 0

    lat = tmp_path / "latency.json"
    lat.write_text(json.dumps({"zone": "ignored", "latency": [
        {"subnet": "127.0.1.0/24", "regions": {"West US": 5}}]}))
    r = cli("latency", "set", "-f", str(lat))
    assert r.returncode == 0 and "127.0.1.0/24" in r.stdout and "West US=5" in r.stdout, r
    assert "West US=5" in cli("latency", "show").stdout


def test_policy_reaches_regional_backends_through_one_profile_name(meridian_bin, gateways, tmp_path):
    """Issue 6 item 5: a custom profile whose endpoints are the user's own backends; the
    policy names the profile (set-backend-service base-url="http://orders.tm..."), and the
    name reaches the router's edge (here --connect-to; in production the router's DNS
    answers for it), which picks the backend by the profile's method and health."""
    from snapshots import api, snapshot
    one = RegionServer("orders-1", "127.0.30.1")
    two = RegionServer("orders-2", "127.0.30.2", one.port)
    doc = {"zone": ZONE, "profiles": [{
        "name": "orders", "routingMethod": "Priority", "monitor": monitor(one.port),
        "endpoints": [{"name": "one", "target": "127.0.30.1"}, {"name": "two", "target": "127.0.30.2"}]}]}
    router = Router(meridian_bin, tmp_path, doc)
    try:
        s = snapshot([api("orders", "orders", "http://127.0.0.1:1/unused")])
        s["policies"]["apis"]["orders"] = (
            '<policies><inbound><base /><set-backend-service base-url="http://orders.%s/" />'
            '</inbound><backend><forward-request /></backend><outbound /><on-error /></policies>' % ZONE)
        gw = gateways(s, extra_args=["--connect-to", "orders.%s:80=127.0.0.1:%d" % (ZONE, router.edge_port)])

        def served_by():
            r = gw.request("GET", "/orders/x")
            assert r.status == 200, r
            return r.json()

        first = served_by()
        assert first["region"] == "orders-1" and first["host"] == "orders." + ZONE
        one.kill()
        assert served_by()["region"] == "orders-2"  # the edge retried on the next endpoint
        wait_until(lambda: router.endpoint_status("orders", "one") == "Degraded", 5 * TIME_SCALE,
                   message="orders/one Degraded")
        assert served_by()["region"] == "orders-2"
    finally:
        problems = router.finish()
        one.kill()
        two.kill()
    assert problems == []


def test_session_affinity_is_a_profile_property(manage):
    body = {"routingMethod": "Priority", "sessionAffinityState": "Enabled", "monitor": monitor(9001),
            "endpoints": [{"name": "us", "gatewayLocation": "West US"}]}
    r = manage.put(PROFILES + "/carts", body)
    assert r.status == 201, r
    assert manage.get(PROFILES + "/carts").json()["properties"]["sessionAffinityState"] == "Enabled"
    r = manage.put(PROFILES + "/bad", dict(body, sessionAffinityState="Sometimes"))
    assert r.status == 400, r
    e = error(r)
    assert e["details"][0]["target"] == "properties.sessionAffinityState", e
    assert "must be \"Enabled\" or \"Disabled\"" in e["message"], e
    # The built-in profile takes it as an override too.
    r = manage.patch(PROFILES + "/meridian", {"sessionAffinityState": "Enabled"})
    assert r.status == 200, r
    assert manage.get(PROFILES + "/meridian").json()["properties"]["sessionAffinityState"] == "Enabled"
