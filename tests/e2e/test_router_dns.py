"""The router's authoritative DNS on loopback, with a Python client built on struct: the
closest healthy region for US and Asia clients under every routing method, TTLs, CNAME/A
shapes, NODATA/NXDOMAIN, ECS scope, TCP, malformed packets, and failover through DNS
within the computed detection time. US clients are 127.0.1.0/24, Asia 127.0.2.0/24."""

import socket
import struct
import time

import pytest

from harness import TIME_SCALE, wait_until
from routerlib import (STATUS_PATH, RegionServer, Router, build_query, parse_response, tcp_query,
                       udp_query)

INTERVAL_S = 1
TIMEOUT_S = 0.5
TOLERATED = 1
ZONE = "tm.meridian.test"


def monitor(port):
    return {"protocol": "HTTP", "port": port, "path": STATUS_PATH, "intervalSeconds": INTERVAL_S,
            "timeoutSeconds": TIMEOUT_S, "toleratedFailures": TOLERATED}


def profile_doc(west, east):
    w = {"name": "westus", "target": west.address, "port": west.port}
    e = {"name": "eastasia", "target": east.address, "port": east.port}
    tcp = {"protocol": "TCP", "port": west.port, "intervalSeconds": 1, "timeoutSeconds": 0.5}
    return {
        "zone": ZONE,
        "negativeTtl": 45,
        "latency": [
            {"subnet": "127.0.1.0/24", "regions": {"West US": 5, "East Asia": 150}},
            {"subnet": "127.0.2.0/24", "regions": {"West US": 150, "East Asia": 5}},
        ],
        "locations": [
            {"subnet": "127.0.1.0/24", "codes": ["US-CA", "US", "GEO-NA"]},
            {"subnet": "127.0.2.0/24", "codes": ["JP", "GEO-AS"]},
        ],
        "profiles": [
            {"name": "perf", "routingMethod": "Performance", "ttl": 5, "monitor": monitor(west.port),
             "endpoints": [dict(w, location="West US"), dict(e, location="East Asia")]},
            {"name": "prio", "routingMethod": "Priority", "ttl": 6, "monitor": monitor(west.port),
             "endpoints": [dict(w, priority=1), dict(e, priority=2)]},
            {"name": "weighted", "routingMethod": "Weighted", "ttl": 7, "monitor": monitor(west.port),
             "endpoints": [dict(w, weight=1), dict(e, weight=1)]},
            {"name": "geo", "routingMethod": "Geographic", "ttl": 8, "monitor": monitor(west.port),
             "endpoints": [dict(w, geoMapping=["GEO-NA"]), dict(e, geoMapping=["GEO-AS"])]},
            {"name": "subnet", "routingMethod": "Subnet", "ttl": 9, "monitor": monitor(west.port),
             "endpoints": [dict(w, subnets=["127.0.1.0/24"]), dict(e, subnets=["127.0.2.0-127.0.2.255"])]},
            {"name": "multi", "routingMethod": "MultiValue", "ttl": 10, "maxReturn": 2, "monitor": tcp,
             "endpoints": [w, e, {"name": "third", "target": "127.0.30.1", "port": west.port,
                                  "alwaysServe": True}]},
            {"name": "names", "routingMethod": "Priority", "ttl": 11, "monitor": tcp,
             "endpoints": [{"name": "w", "target": "westus.regional.meridian.test", "alwaysServe": True}]},
        ],
    }


@pytest.fixture
def setup(meridian_bin, tmp_path):
    west = RegionServer("West US", "127.0.10.1")
    east = RegionServer("East Asia", "127.0.20.1", port=west.port)
    r = Router(meridian_bin, tmp_path, profile_doc(west, east))
    try:
        for p in ("perf", "prio", "geo"):
            for n in ("westus", "eastasia"):
                wait_until(lambda: r.endpoint_status(p, n) == "Online", 10 * TIME_SCALE,
                           message="%s/%s Online" % (p, n))
        yield r, west, east
    finally:
        problems = r.finish()
        for s in (west, east):
            try:
                s.kill()
            except Exception:
                pass
        assert not problems, "\n".join(problems)


def ask(r, name, qtype="A", source="127.0.0.1", ecs=None, edns=True):
    return parse_response(udp_query(r.dns_port, build_query(name, qtype, ecs=ecs, edns=edns), source=source))


def a_records(resp):
    return sorted(x["data"] for x in resp["answers"] if x["type"] == "A")


@pytest.mark.parametrize("profile,ttl,us,asia", [
    ("perf", 5, "127.0.10.1", "127.0.20.1"),
    ("prio", 6, "127.0.10.1", "127.0.10.1"),
    ("geo", 8, "127.0.10.1", "127.0.20.1"),
    ("subnet", 9, "127.0.10.1", "127.0.20.1"),
])
def test_each_method_answers_us_and_asia_clients(setup, profile, ttl, us, asia):
    r, _, _ = setup
    name = "%s.%s" % (profile, ZONE)
    # By the query's source address (no ECS) ...
    resp = ask(r, name, source="127.0.1.53", edns=False)
    assert resp["rcode"] == 0 and resp["aa"] and resp["qr"]
    assert a_records(resp) == [us]
    assert resp["answers"][0]["ttl"] == ttl
    # ... and by EDNS Client Subnet, which wins over the resolver's address.
    resp = ask(r, name, source="127.0.1.53", ecs=("127.0.2.0", 24))
    assert a_records(resp) == [asia]
    if profile in ("perf", "geo"):
        assert resp["ecs"] == {"family": 1, "source": 24, "scope": 24}
    elif profile == "subnet":
        # East Asia's range is a first-last span, not a prefix: the answer is scoped to
        # the whole address (always safe, RFC 7871 §7.2.1); West US's /24 scopes to 24.
        assert resp["ecs"] == {"family": 1, "source": 24, "scope": 32}
        assert ask(r, name, ecs=("127.0.1.0", 24))["ecs"]["scope"] == 24
    else:
        assert resp["ecs"]["scope"] == 0  # the answer did not depend on the client


def test_weighted_and_multivalue(setup):
    r, _, _ = setup
    seen = set()
    for _ in range(40):
        resp = ask(r, "weighted." + ZONE)
        assert resp["answers"][0]["ttl"] == 7
        seen.update(a_records(resp))
    assert seen == {"127.0.10.1", "127.0.20.1"}
    resp = ask(r, "multi." + ZONE)
    assert len(a_records(resp)) == 2 and resp["answers"][0]["ttl"] == 10
    resp = ask(r, "multi." + ZONE, "CNAME")
    assert resp["rcode"] == 0 and resp["answers"] == [] and resp["authority"][0]["type"] == "SOA"


def test_record_shapes_nodata_nxdomain_apex_and_refused(setup):
    r, _, _ = setup
    resp = ask(r, "names." + ZONE, "A")
    assert resp["answers"] == [{"name": "names." + ZONE, "type": "CNAME", "ttl": 11,
                                "data": "westus.regional.meridian.test"}]
    assert ask(r, "names." + ZONE, "AAAA")["answers"][0]["type"] == "CNAME"
    nodata = ask(r, "perf." + ZONE, "AAAA")  # A endpoints: AAAA is NODATA (spec §3.8)
    assert nodata["rcode"] == 0 and nodata["answers"] == []
    soa = nodata["authority"][0]
    assert soa["type"] == "SOA" and soa["name"] == ZONE and soa["ttl"] == 45 and soa["minimum"] == 45
    nx = ask(r, "unknown." + ZONE)
    assert nx["rcode"] == 3 and nx["aa"] and nx["authority"][0]["type"] == "SOA"
    apex = ask(r, ZONE, "NS")
    assert apex["answers"][0]["data"] == "ns1." + ZONE
    assert ask(r, ZONE, "SOA")["answers"][0]["type"] == "SOA"
    refused = ask(r, "www.example.org")
    assert refused["rcode"] == 5 and not refused["aa"]
    assert ask(r, "PERF.TM.Meridian.Test.")["answers"][0]["data"] == "127.0.10.1"  # case-insensitive


def test_tcp_and_malformed_queries(setup):
    r, _, _ = setup
    raw = tcp_query(r.dns_port, [build_query("perf." + ZONE, "A", qid=1, ecs=("127.0.2.0", 24)),
                                 build_query("prio." + ZONE, "A", qid=2)])
    first, second = parse_response(raw[0]), parse_response(raw[1])
    assert (first["id"], a_records(first)) == (1, ["127.0.20.1"])
    assert (second["id"], a_records(second)) == (2, ["127.0.10.1"])
    # FORMERR for a malformed query (ECS address bits beyond its prefix), id echoed.
    bad = build_query("perf." + ZONE, "A", qid=77, ecs=("127.0.0.0", 20))[:-1] + b"\x01"
    resp = parse_response(udp_query(r.dns_port, bad))
    assert resp["id"] == 77 and resp["rcode"] == 1
    # Two questions: FORMERR; unknown opcode: NOTIMP; EDNS version 1: BADVERS.
    two = struct.pack(">HHHHHH", 78, 0x0100, 2, 0, 0, 0) + (b"\x01a\x00\x00\x01\x00\x01" * 2)
    assert parse_response(udp_query(r.dns_port, two))["rcode"] == 1
    status = bytearray(build_query("perf." + ZONE, "A", qid=79, edns=False))
    status[2] |= 0x10
    assert parse_response(udp_query(r.dns_port, bytes(status)))["rcode"] == 4
    v1 = bytearray(build_query("perf." + ZONE, "A", qid=80))
    v1[-5] = 1  # EDNS version byte of the OPT record
    assert parse_response(udp_query(r.dns_port, bytes(v1)))["rcode"] == 16
    # Garbage shorter than a header, and a response: no answer at all.
    for junk in (b"\x00\x01\x02", b"\x12\x34\x81\x80" + b"\x00" * 8):
        with pytest.raises(socket.timeout):
            udp_query(r.dns_port, junk, timeout=0.5)
    assert ask(r, "perf." + ZONE)["rcode"] == 0  # still serving
    stats = r.status()["dns"]
    assert stats["errors"] >= 4 and stats["dropped"] >= 2


@pytest.mark.timeout_s(60)
def test_dns_answers_switch_within_detection_time(setup):
    r, west, _ = setup
    detect_max = (TOLERATED + 1) * INTERVAL_S + TIMEOUT_S
    us = lambda: a_records(ask(r, "perf." + ZONE, ecs=("127.0.1.0", 24)))
    assert us() == ["127.0.10.1"]
    killed = time.monotonic()
    west.kill()
    wait_until(lambda: us() == ["127.0.20.1"], (detect_max + 2) * TIME_SCALE, interval=0.05,
               message="US answers switched to East Asia")
    switched = time.monotonic() - killed
    print("DNS answers for US clients switched after %.2f s (detection bound %.1f s)" % (switched, detect_max))
    assert switched <= detect_max + 0.5 * TIME_SCALE
    # Priority fails over (its own probes of the same target: within the same bound), and
    # Geographic keeps the geo-fence: a Degraded mapped endpoint is still returned (§3.4).
    wait_until(lambda: a_records(ask(r, "prio." + ZONE)) == ["127.0.20.1"],
               (detect_max + 0.5) * TIME_SCALE - (time.monotonic() - killed), message="prio failover")
    wait_until(lambda: r.endpoint_status("geo", "westus") == "Degraded", 2 * TIME_SCALE,
               message="geo/westus Degraded")
    # TCP probes (the MultiValue profile): a refused connection is a failure too.
    wait_until(lambda: r.endpoint_status("multi", "westus") == "Degraded", 3 * TIME_SCALE,
               message="multi/westus Degraded (TCP probe)")
    assert r.endpoint_status("multi", "eastasia") == "Online"
    assert r.endpoint_status("multi", "third") == "Unmonitored"
    assert "127.0.10.1" not in a_records(ask(r, "multi." + ZONE))
    assert a_records(ask(r, "geo." + ZONE, ecs=("127.0.1.0", 24))) == ["127.0.10.1"]
    west.start()
    back = time.monotonic()
    wait_until(lambda: us() == ["127.0.10.1"], (INTERVAL_S + TIMEOUT_S + 2) * TIME_SCALE, interval=0.05,
               message="US answers back on West US")
    returned = time.monotonic() - back
    print("DNS answers back on West US after %.2f s (probe interval %d s)" % (returned, INTERVAL_S))
    assert returned <= INTERVAL_S + 0.5 * TIME_SCALE


def dig(r, *args):
    import shutil
    import subprocess
    path = shutil.which("dig")
    assert path, "dig is missing: run scripts/bootstrap (package dnsutils)"
    p = subprocess.run([path, "@127.0.0.1", "-p", str(r.dns_port), "+time=2", "+tries=1"] + list(args),
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_dig_gets_the_closest_region_with_the_ttl(setup):
    r, _, _ = setup
    name = "perf." + ZONE
    us = dig(r, name, "A", "+noall", "+answer", "+subnet=127.0.1.0/24").split()
    assert us == [name + ".", "5", "IN", "A", "127.0.10.1"]
    asia = dig(r, name, "A", "+noall", "+answer", "+subnet=127.0.2.0/24").split()
    assert asia == [name + ".", "5", "IN", "A", "127.0.20.1"]
    # Without ECS the query's source address decides (dig -b).
    assert dig(r, "-b", "127.0.2.53", name, "A", "+short").split() == ["127.0.20.1"]
    assert dig(r, "+tcp", "-b", "127.0.1.53", name, "A", "+short").split() == ["127.0.10.1"]
    cname = dig(r, "names." + ZONE, "A", "+noall", "+answer").split()
    assert cname == ["names.%s." % ZONE, "11", "IN", "CNAME", "westus.regional.meridian.test."]
    nx = dig(r, "missing." + ZONE, "A")
    assert "status: NXDOMAIN" in nx and "flags: qr aa rd" in nx and "SOA" in nx
    nodata = dig(r, name, "AAAA")
    assert "status: NOERROR" in nodata and "ANSWER: 0" in nodata and "AUTHORITY: 1" in nodata
