"""The router's L7 edge over TLS (docs/router.md "HTTPS"): an HTTPS listener next to the
plain one (--edge-tls, --tls-cert/--tls-key), X-Forwarded-Proto telling the region how the
client came in, and regions reached over HTTPS when their profile probes HTTPS — their
certificate verified against --ca-file by the endpoint's target; a region whose
certificate is not trusted or does not name it gets no request (502)."""

import http.client
import json
import ssl
import subprocess

import pytest

from harness import TIME_SCALE, free_port, wait_until
from routerlib import RegionServer, Router
from tlslib import CertFactory, client_context, https_request

LATENCY = [
    {"subnet": "127.0.1.0/24", "regions": {"West US": 5, "East Asia": 150}},
    {"subnet": "127.0.2.0/24", "regions": {"West US": 150, "East Asia": 5}},
]


def profiles(west, east, protocol="HTTPS"):
    return {
        "zone": "tm.meridian.test", "latency": LATENCY,
        "profiles": [{
            "name": "contoso", "routingMethod": "Performance", "ttl": 5,
            "monitor": {"protocol": protocol, "port": west.port, "path": "/status-0123456789abcdef",
                        "intervalSeconds": 1, "timeoutSeconds": 0.5, "toleratedFailures": 1},
            "endpoints": [
                {"name": "westus", "target": west.address, "port": west.port, "location": "West US"},
                {"name": "eastasia", "target": east.address, "port": east.port, "location": "East Asia"},
            ],
        }],
    }


@pytest.fixture
def pki(tmp_path):
    ca = CertFactory(tmp_path / "pki")
    region_cert = ca.leaf("regions", ["127.0.10.1", "127.0.20.1"])
    edge_cert = ca.leaf("edge", ["127.0.0.1", "edge.meridian.test"])
    return ca, region_cert, edge_cert


def server_context(cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*cert)
    return ctx


@pytest.fixture
def started(meridian_bin, tmp_path):
    servers, routers = [], []

    def region(*args, **kwargs):
        s = RegionServer(*args, **kwargs)
        servers.append(s)
        return s

    def router(doc, extra):
        r = Router(meridian_bin, tmp_path, doc, extra)
        routers.append(r)
        for n in ("westus", "eastasia"):
            wait_until(lambda: r.endpoint_status("contoso", n) == "Online", 10 * TIME_SCALE,
                       message="%s Online" % n)
        return r

    yield region, router
    problems = []
    for r in routers:
        problems += r.finish()
    for s in servers:
        s.kill()
    assert not problems, "\n".join(problems)


def plain_get(r, source):
    c = http.client.HTTPConnection("127.0.0.1", r.edge_port, timeout=5, source_address=(source, 0))
    try:
        c.request("GET", "/hello")
        resp = c.getresponse()
        return resp.status, resp.read()
    finally:
        c.close()


def tls_get(port, ca, source):
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=client_context(ca.cert),
                                       source_address=(source, 0))
    try:
        conn.request("GET", "/hello")
        resp = conn.getresponse()
        return resp.status, resp.read(), conn.sock.version()
    finally:
        conn.close()


def edge_tls_args(tls_port, edge_cert, ca):
    return ["--edge-tls", "127.0.0.1:%d" % tls_port, "--tls-cert", edge_cert[0], "--tls-key", edge_cert[1],
            "--ca-file", ca.cert]


def test_https_edge_and_https_regions(started, pki):
    region, router = started
    ca, region_cert, edge_cert = pki
    west = region("West US", "127.0.10.1", tls=server_context(region_cert))
    east = region("East Asia", "127.0.20.1", port=west.port, tls=server_context(region_cert))
    tls_port = free_port()
    r = router(profiles(west, east), edge_tls_args(tls_port, edge_cert, ca))
    status, body = plain_get(r, "127.0.1.7")
    assert status == 200
    seen = json.loads(body)
    assert seen["region"] == "West US" and seen["proto"] == "http" and seen["xff"] == "127.0.1.7"
    status, body, version = tls_get(tls_port, ca, "127.0.2.7")
    assert status == 200 and version in ("TLSv1.2", "TLSv1.3")
    seen = json.loads(body)
    assert seen["region"] == "East Asia" and seen["proto"] == "https" and seen["xff"] == "127.0.2.7"
    # The edge's certificate is the one given, for the names it holds.
    status, _, cert, _ = https_request(tls_port, "/hello", client_context(ca.cert), "edge.meridian.test")
    assert status == 200
    assert ("DNS", "edge.meridian.test") in cert["subjectAltName"]
    # A client that does not trust the CA is refused by its own check, not served.
    with pytest.raises(ssl.SSLCertVerificationError):
        https_request(tls_port, "/hello", client_context(None), "127.0.0.1")


def test_a_region_certificate_the_edge_cannot_verify_gets_no_request(started, pki, tmp_path):
    region, router = started
    ca, _, edge_cert = pki
    other_ca = CertFactory(tmp_path / "other", name="other")
    untrusted = other_ca.leaf("west", ["127.0.10.1"])
    wrong_name = ca.leaf("east", ["127.0.99.1"])
    west = region("West US", "127.0.10.1", tls=server_context(untrusted))
    east = region("East Asia", "127.0.20.1", port=west.port, tls=server_context(wrong_name))
    r = router(profiles(west, east), ["--ca-file", ca.cert])
    for source in ("127.0.1.7", "127.0.2.7"):  # probes don't verify (as the vendor's): Online
        status, body = plain_get(r, source)
        assert status == 502, (source, body)
        assert json.loads(body)["statusCode"] == 502
    wait_until(lambda: "certificate verify failed" in open(r.stderr_path, errors="replace").read(),
               5 * TIME_SCALE, message="the refusal logged")


def test_plain_profiles_stay_plain(started, pki):
    """A profile probed over HTTP is forwarded over HTTP, whatever the client came in with."""
    region, router = started
    ca, _, edge_cert = pki
    west = region("West US", "127.0.10.1")
    east = region("East Asia", "127.0.20.1", port=west.port)
    tls_port = free_port()
    r = router(profiles(west, east, protocol="HTTP"), edge_tls_args(tls_port, edge_cert, ca))
    status, body, _ = tls_get(tls_port, ca, "127.0.1.7")
    assert status == 200 and json.loads(body)["proto"] == "https"


@pytest.mark.parametrize("args,message", [
    (["--edge-tls", "127.0.0.1:1"], "--edge-tls needs --tls-cert and --tls-key"),
    (["--edge", "127.0.0.1:1", "--tls-cert", "c.pem"], "--tls-cert, --tls-key and --tls-cert-dir need --edge-tls"),
    (["--dns", "127.0.0.1:1", "--ca-file", "ca.pem"], "need an https:// --config-url or an edge"),
])
def test_tls_option_errors(meridian_bin, tmp_path, args, message):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"zone": "z", "profiles": []}))
    p = subprocess.run([meridian_bin, "router", "--profiles", str(profile)] + args,
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and message in p.stderr, p.stderr


def test_unreadable_edge_certificate_stops_the_start(meridian_bin, tmp_path):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"zone": "z", "profiles": []}))
    p = subprocess.run([meridian_bin, "router", "--profiles", str(profile), "--edge-tls", "127.0.0.1:0",
                        "--tls-cert", str(tmp_path / "missing.crt"), "--tls-key", str(tmp_path / "missing.key")],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1 and "missing.crt" in p.stderr, p.stderr
