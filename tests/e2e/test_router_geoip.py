"""Geographic routing from a MaxMind DB (meridian router --geoip): a database written by
mmdb_writer.py places 127.0.1.0/24 in California, 127.0.2.0/24 in Japan and 127.0.3.0/24 in
Germany; DNS (by source address and by EDNS Client Subnet) and the L7 edge send each client
to its geography's region, an address the database lacks falls back to the profile's
location table, then WORLD; a missing or corrupt database is a command-line error."""

import json
import os
import subprocess

import pytest

import mmdb_writer
from harness import TIME_SCALE, wait_until
from routerlib import RegionServer, Router

ZONE = "tm.meridian.test"
NAME = "geo." + ZONE


def profile_doc(west, east, europe):
    tcp = {"protocol": "TCP", "port": west.port, "intervalSeconds": 1, "timeoutSeconds": 0.5}
    return {
        "zone": ZONE,
        # The table disagrees with the database for 127.0.1.0/24 (the database wins) and
        # is the only source for 127.0.6.0/24.
        "locations": [
            {"subnet": "127.0.1.0/24", "codes": ["JP", "GEO-AS"]},
            {"subnet": "127.0.6.0/24", "codes": ["FR", "GEO-EU"]},
        ],
        "profiles": [{
            "name": "geo", "routingMethod": "Geographic", "ttl": 8, "monitor": tcp,
            "endpoints": [
                {"name": "westus", "target": west.address, "geoMapping": ["US-CA", "WORLD"]},
                {"name": "eastasia", "target": east.address, "geoMapping": ["GEO-AS"]},
                {"name": "europe", "target": europe.address, "geoMapping": ["DE", "GEO-EU"]},
            ],
        }],
    }


@pytest.fixture
def setup(meridian_bin, tmp_path):
    west = RegionServer("West US", "127.0.10.1")
    east = RegionServer("East Asia", "127.0.20.1", port=west.port)
    europe = RegionServer("West Europe", "127.0.30.1", port=west.port)
    db = os.path.join(str(tmp_path), "geo.mmdb")
    mmdb_writer.write(db, mmdb_writer.TEST_NETWORKS)
    r = Router(meridian_bin, tmp_path, profile_doc(west, east, europe), extra=["--geoip", db])
    try:
        for n in ("westus", "eastasia", "europe"):
            wait_until(lambda: r.endpoint_status("geo", n) == "Online", 10 * TIME_SCALE,
                       message="%s Online" % n)
        yield r
    finally:
        problems = r.finish()
        for s in (west, east, europe):
            s.kill()
        assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source,address,region", [
    ("127.0.1.53", "127.0.10.1", "West US"),      # US-CA (the table says JP: ignored)
    ("127.0.2.53", "127.0.20.1", "East Asia"),    # JP → GEO-AS
    ("127.0.3.53", "127.0.30.1", "West Europe"),  # DE
    ("127.0.6.53", "127.0.30.1", "West Europe"),  # not in the database: table's GEO-EU
    ("127.0.7.53", "127.0.10.1", "West US"),      # in neither: WORLD
])
def test_dns_and_edge_route_by_the_database(setup, source, address, region):
    r = setup
    records, _ = r.a_records(NAME, source)
    assert records == [address]
    assert r.edge_region(NAME, source) == region


def test_client_subnet_is_looked_up_with_its_scope(setup):
    r = setup
    records, ecs = r.a_records(NAME, "127.0.1.53", ecs=("127.0.2.0", 24))
    assert records == ["127.0.20.1"]
    assert ecs == {"family": 1, "source": 24, "scope": 24}  # the database network's prefix
    records, ecs = r.a_records(NAME, "127.0.1.53", ecs=("127.0.4.0", 25))  # AU-QLD: WORLD
    assert records == ["127.0.10.1"] and ecs["scope"] == 25
    assert "geoip " in r.stderr() and "Meridian-Test-City" in r.stderr()


def test_missing_or_corrupt_database_is_a_usage_error(meridian_bin, tmp_path):
    profiles = os.path.join(str(tmp_path), "p.json")
    with open(profiles, "w") as f:
        json.dump({"zone": ZONE, "profiles": []}, f)
    missing = os.path.join(str(tmp_path), "none.mmdb")
    corrupt = os.path.join(str(tmp_path), "corrupt.mmdb")
    with open(corrupt, "wb") as f:
        f.write(b"\0" * 64 + b"not a database")
    for path, why in ((missing, "cannot open: No such file or directory"),
                      (corrupt, "not a MaxMind DB: ")):
        p = subprocess.run([meridian_bin, "router", "--profiles", profiles, "--dns", "127.0.0.1:0",
                            "--geoip", path], capture_output=True, text=True, timeout=10)
        assert p.returncode == 2, p.stderr
        assert p.stderr.startswith("meridian router: %s: %s" % (path, why)), p.stderr
