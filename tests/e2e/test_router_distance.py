"""Performance routing for clients outside the latency table (docs/router.md "Clients the
latency table does not know"): with --geoip, the router places such a client with the
MaxMind DB's location record and sends it to the nearest region by great-circle distance —
Azure's regions are placed by their names, others by `regionCoordinates` — over DNS (by
source address and by EDNS Client Subnet) and through the L7 edge; the management API
stores `regionCoordinates` with the latency table and refuses bad ones."""

import os
import subprocess

import pytest

import mmdb_writer
from harness import TIME_SCALE, wait_until
from manage_harness import Manage
from routerlib import RegionServer, Router

ZONE = "tm.meridian.test"
NAME = "near." + ZONE
REGIONS = [("westus", "West US", "127.0.10.1"), ("eastasia", "East Asia", "127.0.20.1"),
           ("westeurope", "West Europe", "127.0.30.1"), ("brazil", "Brazil Edge", "127.0.40.1")]


def profile_doc(port):
    tcp = {"protocol": "TCP", "port": port, "intervalSeconds": 1, "timeoutSeconds": 0.5}
    return {
        "zone": ZONE,
        "latency": [
            {"subnet": "127.0.1.0/24", "regions": {"West US": 5, "East Asia": 150}},
            {"subnet": "127.0.2.0/24", "regions": {"West US": 150, "East Asia": 5}},
        ],
        "regions": ["West Europe", "Brazil Edge"],
        # Not an Azure region name: placed here (São Paulo).
        "regionCoordinates": {"Brazil Edge": {"latitude": -23.5, "longitude": -46.6}},
        "profiles": [{
            "name": "near", "routingMethod": "Performance", "ttl": 8, "monitor": tcp,
            "endpoints": [{"name": n, "target": a, "location": loc} for n, loc, a in REGIONS],
        }],
    }


@pytest.fixture
def router(meridian_bin, tmp_path):
    first = RegionServer(REGIONS[0][1], REGIONS[0][2])
    servers = [first] + [RegionServer(loc, a, port=first.port) for _, loc, a in REGIONS[1:]]
    db = os.path.join(str(tmp_path), "geo.mmdb")
    mmdb_writer.write(db, mmdb_writer.TEST_NETWORKS)
    r = Router(meridian_bin, tmp_path, profile_doc(first.port), extra=["--geoip", db])
    try:
        for n, _, _ in REGIONS:
            wait_until(lambda: r.endpoint_status("near", n) == "Online", 10 * TIME_SCALE,
                       message="%s Online" % n)
        yield r
    finally:
        problems = r.finish()
        for s in servers:
            s.kill()
        assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source,address,region", [
    ("127.0.1.53", "127.0.10.1", "West US"),       # in the latency table: the table decides
    ("127.0.2.53", "127.0.20.1", "East Asia"),
    ("127.0.16.53", "127.0.40.1", "Brazil Edge"),  # São Paulo: regionCoordinates
    ("127.0.17.53", "127.0.20.1", "East Asia"),    # Mumbai: Hong Kong 4,300 km
    ("127.0.18.53", "127.0.30.1", "West Europe"),  # London (no country in the record)
    ("127.0.9.53", "127.0.10.1", "West US"),       # in neither: the regions' order
])
def test_dns_and_edge_send_unknown_clients_to_the_nearest_region(router, source, address, region):
    addresses, _ = router.a_records(NAME, source)
    assert addresses == [address]
    assert router.edge_region(NAME, source) == region


def test_client_subnet_places_the_client_with_the_database_scope(router):
    addresses, ecs = router.a_records(NAME, "127.0.0.1", ecs=("127.0.17.0", 24))
    assert addresses == ["127.0.20.1"]
    assert ecs and ecs["scope"] == 24


def test_manage_stores_region_coordinates_with_the_latency_table(meridian_bin, tmp_path):
    m = Manage(meridian_bin, tmp_path / "data").start()
    try:
        body = {"latency": [{"subnet": "10.0.0.0/8", "regions": {"West US": 5}}],
                "regionCoordinates": {"West US": {"latitude": 37.78, "longitude": -122.42}}}
        assert m.put("/trafficManagerLatency", body).status in (200, 201)
        assert m.get("/trafficManagerLatency").json()["properties"]["regionCoordinates"] == \
            body["regionCoordinates"]
        bad = dict(body, regionCoordinates={"West US": {"latitude": 95, "longitude": 0}})
        r = m.put("/trafficManagerLatency", bad)
        assert r.status == 400, r
        e = r.json()["error"]
        assert e["details"][0]["target"] == 'properties.regionCoordinates["West US"].latitude', e
        assert "latitude is between -90 and 90 degrees" in e["message"], e
        nowhere = dict(body, regionCoordinates={"Atlantis": {"latitude": 1, "longitude": 2}})
        r = m.put("/trafficManagerLatency", nowhere)
        assert r.status == 400 and "no region 'Atlantis'" in r.json()["error"]["message"], r
        assert m.get("/trafficManagerLatency").json()["properties"]["regionCoordinates"] == \
            body["regionCoordinates"]  # nothing lost
    finally:
        m.stop()


@pytest.mark.timeout_s(90)
def test_up_passes_geoip_to_its_router(meridian_bin, tmp_path):
    """meridian up --geoip: clients outside up's latency table (127.0.R.0/24 per location)
    go to the nearest location by the database — Mumbai to East Asia, São Paulo to West US."""
    from test_up import Up
    db = os.path.join(str(tmp_path), "geo.mmdb")
    mmdb_writer.write(db, mmdb_writer.TEST_NETWORKS)
    up = Up(meridian_bin, tmp_path, args=["--geoip", db])
    try:
        up.wait_ready()
        wait_until(lambda: up.via_edge(2) == "contoso-asia", 20 * TIME_SCALE, message="the edge")
        assert up.via_edge(17) == "contoso-asia"   # 127.0.17.2: Mumbai
        assert up.via_edge(16) == "contoso-us"     # 127.0.16.2: São Paulo
        assert up.stop() == 0
    finally:
        up.finish()


def test_up_refuses_a_bad_geoip_file(meridian_bin, tmp_path):
    bad = tmp_path / "bad.mmdb"
    bad.write_bytes(b"not a database")
    p = subprocess.run([meridian_bin, "up", "--geoip", str(bad), "--state-dir", str(tmp_path / "s")],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "not a MaxMind DB" in p.stderr, p.stderr
