"""TLS on the gateway's listener and toward backends (docs/tls.md): the HTTPS listener next
to the plain one, a certificate per hostname through SNI, TLS 1.1 refused, an API's
protocols, https backends verified against --ca-file (untrusted chain and wrong name
refused, the Backend resource's tls switches), the management API and the feed over TLS."""

import http.client
import json
import os
import ssl
import warnings

import pytest

import rawhttp
from harness import Gateway, free_port, wait_until, TIME_SCALE
from manage_harness import Manage
from regions_harness import FeedGateway
from snapshots import api, snapshot
from tlslib import CertFactory, HttpsBackend, client_context, https_request


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    ca = CertFactory(d / "ca")
    rogue = CertFactory(d / "rogue", name="rogue")
    p = {"dir": d, "ca": ca, "rogue": rogue}
    p["gateway"] = ca.leaf("gateway", ["gateway.test", "127.0.0.1"])
    p["sni_dir"] = d / "sni"
    ca.leaf("contoso", ["api.contoso.test", "*.regional.contoso.test"], directory=p["sni_dir"])
    p["backend"] = ca.leaf("backend", ["backend.test"])
    p["rogue_backend"] = rogue.leaf("rogue-backend", ["backend.test"])
    p["client"] = ca.leaf("unit", ["westus.gateway"])
    return p


class TlsGateway(Gateway):
    def __init__(self, *a, tls_port, **kw):
        super().__init__(*a, **kw)
        self.tls_port = tls_port


def start_gateway(meridian_bin, tmp_path, pki, snap, extra=(), connect_to=None, name="gw"):
    tls_port = free_port()
    crt, key = pki["gateway"]
    args = ["--tls-listen", "127.0.0.1:%d" % tls_port, "--tls-cert", crt, "--tls-key", key,
            "--tls-cert-dir", str(pki["sni_dir"]), "--ca-file", pki["ca"].cert,
            "--access-log", "off"] + list(extra)
    if connect_to:
        args += ["--connect-to", connect_to]
    gw = TlsGateway(meridian_bin, tmp_path, snap, name=name, extra_args=args, admin=False,
                    tls_port=tls_port)
    gw.start()
    return gw


@pytest.fixture
def tls_gateways(meridian_bin, tmp_path, pki):
    started = []

    def make(snap, **kw):
        gw = start_gateway(meridian_bin, tmp_path, pki, snap, name="gw%d" % len(started), **kw)
        started.append(gw)
        return gw
    yield make
    problems = []
    for gw in started:
        gw.stop()
        problems += gw.finish()
    assert not problems, problems


def test_https_listener_serves_next_to_http_with_a_certificate_per_hostname(tls_gateways, backends, pki):
    echo = backends.echo()
    secure_only = api("secure", "secure", echo.url(), protocols=["https"])
    gw = tls_gateways(snapshot([api("echo", "echo", echo.url()), secure_only]))
    ctx = client_context(pki["ca"].cert)

    status, body, cert, version = https_request(gw.tls_port, "/echo/a", ctx, "gateway.test")
    assert status == 200, body
    assert version == "TLSv1.3"
    # The backend learns the client came over HTTPS (a client's own claim is not passed).
    assert ["X-Forwarded-Proto", "https"] in json.loads(body)["headers"], body
    assert ["X-Forwarded-Proto", "http"] in gw.request("GET", "/echo/a").json()["headers"]
    assert ("DNS", "gateway.test") in cert["subjectAltName"]
    # The plain listener is unchanged.
    assert gw.request("GET", "/echo/a").status == 200

    # SNI picks the certificate of the hostname (--tls-cert-dir), wildcards one label deep.
    _, _, cert, _ = https_request(gw.tls_port, "/echo/b", ctx, "api.contoso.test")
    assert ("DNS", "api.contoso.test") in cert["subjectAltName"]
    status, _, cert, _ = https_request(gw.tls_port, "/echo/c", ctx, "westus.regional.contoso.test")
    assert status == 200
    assert ("DNS", "*.regional.contoso.test") in cert["subjectAltName"]
    # An unknown name gets the default certificate, which the client then refuses.
    with pytest.raises(ssl.SSLCertVerificationError):
        https_request(gw.tls_port, "/echo/d", ctx, "unknown.test")

    # An API's protocols (spec §4.2 step 3): https-only is not served over plain HTTP.
    assert https_request(gw.tls_port, "/secure/x", ctx, "gateway.test")[0] == 200
    r = gw.request("GET", "/secure/x")
    assert r.status == 404, r.body


def test_tls_1_1_and_plain_http_on_the_tls_port_are_refused(tls_gateways, backends, pki):
    echo = backends.echo()
    gw = tls_gateways(snapshot([api("echo", "echo", echo.url())]))
    old = client_context(pki["ca"].cert)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # that is the point
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    with pytest.raises(ssl.SSLError):
        https_request(gw.tls_port, "/echo/a", old, "gateway.test")
    tls12 = client_context(pki["ca"].cert)
    tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    status, _, _, version = https_request(gw.tls_port, "/echo/a", tls12, "gateway.test")
    assert (status, version) == (200, "TLSv1.2")
    # Plain HTTP on the TLS port: the handshake fails, the connection is closed.
    with pytest.raises((rawhttp.IncompleteResponse, OSError)):
        rawhttp.request(gw.tls_port, "GET", "/echo/a", timeout=5)
    assert gw.request("GET", "/echo/a").status == 200


def test_https_backends_are_verified_unless_the_backend_says_otherwise(tls_gateways, pki):
    good = HttpsBackend(*pki["backend"], name="good")
    rogue = HttpsBackend(*pki["rogue_backend"], name="rogue")
    try:
        backends = [
            {"id": "good", "url": "https://backend.test:%d/base" % good.port},
            {"id": "rogue", "url": "https://backend.test:%d" % rogue.port},
            {"id": "rogue-allowed", "url": "https://backend.test:%d" % rogue.port,
             "tls": {"validateCertificateChain": False}},
            {"id": "misnamed", "url": "https://wrong.test:%d" % good.port},
            {"id": "misnamed-allowed", "url": "https://wrong.test:%d" % good.port,
             "tls": {"validateCertificateName": False}},
        ]
        apis = [api(b["id"], b["id"], None, backendId=b["id"]) for b in backends]
        for a in apis:
            del a["serviceUrl"]
        connect = ",".join("%s:%d=127.0.0.1:%d" % (host, b.port, b.port)
                           for host, b in (("backend.test", good), ("backend.test", rogue), ("wrong.test", good)))
        gw = tls_gateways(snapshot(apis, backends=backends), connect_to=connect)

        r = gw.request("GET", "/good/items?x=1")
        assert r.status == 200, r.body
        assert r.json()["path"] == "/base/items?x=1"
        # SNI and Host carry the URL's name, not the --connect-to address.
        assert good.requests[-1][2] == "backend.test:%d" % good.port

        r = gw.request("GET", "/rogue/x")
        rawhttp.assert_error_body(r, 500)
        assert gw.request("GET", "/rogue-allowed/x").status == 200
        r = gw.request("GET", "/misnamed/x")
        rawhttp.assert_error_body(r, 500)
        assert gw.request("GET", "/misnamed-allowed/x").status == 200
        assert "certificate verify failed" in gw.stderr()
    finally:
        good.stop()
        rogue.stop()


def test_https_backend_over_the_https_listener_with_a_policy(tls_gateways, pki):
    good = HttpsBackend(*pki["backend"], name="good")
    try:
        policy = ("<policies><inbound><base /><set-header name=\"X-Via\" exists-action=\"override\">"
                  "<value>policy</value></set-header></inbound><backend><forward-request /></backend>"
                  "<outbound><base /></outbound></policies>")
        snap = snapshot([api("p", "p", "https://backend.test:%d" % good.port)])
        snap["policies"]["apis"]["p"] = policy
        gw = tls_gateways(snap, connect_to="backend.test:%d=127.0.0.1:%d" % (good.port, good.port))
        ctx = client_context(pki["ca"].cert)
        status, body, _, _ = https_request(gw.tls_port, "/p/z", ctx, "gateway.test")
        assert status == 200, body
    finally:
        good.stop()


class TlsManage(Manage):
    def __init__(self, *a, ca_file, **kw):
        super().__init__(*a, **kw)
        self.ssl_context = client_context(ca_file)
        self.ssl_context.check_hostname = False  # reached as 127.0.0.1, certificate says so too


def test_management_api_and_feed_over_tls(meridian_bin, tmp_path, pki, backends):
    crt, key = pki["gateway"]
    manage = TlsManage(meridian_bin, tmp_path / "data", ca_file=pki["ca"].cert,
                       extra_args=["--tls-cert", crt, "--tls-key", key]).start()
    gw = None
    try:
        echo = backends.echo()
        manage.create_proxy_api("echo", "echo", echo.url(), subscriptionRequired=False)
        # Plain HTTP to the TLS listener gets nothing.
        with pytest.raises((rawhttp.IncompleteResponse, OSError)):
            rawhttp.request(manage.port, "GET", "/", timeout=5)
        token = manage.token_file("westus")
        gw = FeedGateway(meridian_bin, tmp_path, config_url="https://127.0.0.1:%d" % manage.port,
                         token_file=token, state_dir=None, region="West US",
                         extra_args=["--ca-file", pki["ca"].cert])
        gw.start(wait=None)
        wait_until(lambda: gw.request("GET", "/echo/x").status == 200, 20 * TIME_SCALE,
                   message="the gateway serving the feed's configuration")
        # A feed whose certificate the gateway does not trust is refused.
        gw.stop()
        assert not gw.finish()
        bad = FeedGateway(meridian_bin, tmp_path, config_url="https://127.0.0.1:%d" % manage.port,
                          token_file=token, state_dir=None, region="West US", name="bad",
                          extra_args=["--ca-file", pki["rogue"].cert])
        gw = bad
        bad.start(wait=None)
        wait_until(lambda: "certificate verify failed" in bad.stderr(), 20 * TIME_SCALE,
                   message="the untrusted feed refused")
        # No configuration: the listener opens after its grace period and answers 503.
        wait_until(lambda: bad.request("GET", "/echo/x").status == 503, 10 * TIME_SCALE,
                   message="503 without a configuration")
    finally:
        if gw:
            gw.stop()
            assert not gw.finish()
        manage.stop()


def start_mutual_tls_manage(meridian_bin, tmp_path, pki):
    """manage over TLS that asks clients for a certificate from the test CA (the harness's
    own client presents pki["client"])."""
    crt, key = pki["gateway"]
    manage = TlsManage(meridian_bin, tmp_path / "data", ca_file=pki["ca"].cert,
                       extra_args=["--tls-cert", crt, "--tls-key", key, "--tls-client-ca", pki["ca"].cert])
    manage.ssl_context.load_cert_chain(*pki["client"])
    return manage.start()


def test_mutual_tls_between_gateways_and_manage(meridian_bin, tmp_path, pki, backends):
    """manage --tls-client-ca: a unit with a client certificate from that CA gets the feed;
    a client without one is refused in the handshake."""
    client_crt, client_key = pki["client"]
    manage = start_mutual_tls_manage(meridian_bin, tmp_path, pki)
    gw = None
    try:
        echo = backends.echo()
        manage.create_proxy_api("echo", "echo", echo.url(), subscriptionRequired=False)
        anonymous = client_context(pki["ca"].cert)
        anonymous.check_hostname = False
        with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
            https_request(manage.port, "/", anonymous, "127.0.0.1")
        token = manage.token_file("westus")
        gw = FeedGateway(meridian_bin, tmp_path, config_url="https://127.0.0.1:%d" % manage.port,
                         token_file=token, state_dir=None, region="West US",
                         extra_args=["--ca-file", pki["ca"].cert, "--tls-client-cert", client_crt,
                                     "--tls-client-key", client_key])
        gw.start(wait=None)
        wait_until(lambda: gw.request("GET", "/echo/x").status == 200, 20 * TIME_SCALE,
                   message="the gateway serving the feed's configuration over mutual TLS")
    finally:
        if gw:
            gw.stop()
            assert not gw.finish()
        manage.stop()


def test_the_cli_speaks_https_to_manage(meridian_bin, tmp_path, pki, backends):
    """meridian api list --endpoint https://... --ca-file: the CLI checks the management
    plane's certificate (a CA it does not trust is refused, naming the reason), presents a
    client certificate when manage asks for one, and takes both from the environment."""
    import subprocess
    client_crt, client_key = pki["client"]
    manage = start_mutual_tls_manage(meridian_bin, tmp_path, pki)
    try:
        manage.create_proxy_api("echo", "echo", backends.echo().url(), subscriptionRequired=False)
        key_file = os.path.join(manage.data_dir, "admin-key.json")
        endpoint = "https://127.0.0.1:%d" % manage.port

        def cli(*args, env=None):
            e = dict(os.environ, MERIDIAN_ENDPOINT=endpoint, MERIDIAN_KEY_FILE=key_file)
            for k in ("MERIDIAN_CA_FILE", "MERIDIAN_TLS_CLIENT_CERT", "MERIDIAN_TLS_CLIENT_KEY"):
                e.pop(k, None)
            e.update(env or {})
            return subprocess.run([meridian_bin, "api", "list"] + list(args), capture_output=True,
                                  text=True, timeout=30, env=e)

        ok = cli("--ca-file", pki["ca"].cert, "--tls-client-cert", client_crt, "--tls-client-key", client_key)
        assert ok.returncode == 0 and "echo" in ok.stdout, ok.stderr
        by_env = cli(env={"MERIDIAN_CA_FILE": pki["ca"].cert, "MERIDIAN_TLS_CLIENT_CERT": client_crt,
                          "MERIDIAN_TLS_CLIENT_KEY": client_key})
        assert by_env.returncode == 0 and "echo" in by_env.stdout, by_env.stderr
        untrusted = cli("--ca-file", pki["rogue"].cert, "--tls-client-cert", client_crt,
                        "--tls-client-key", client_key)
        assert untrusted.returncode == 1 and "certificate verify failed" in untrusted.stderr, untrusted.stderr
        no_client_cert = cli("--ca-file", pki["ca"].cert)
        assert no_client_cert.returncode == 1 and "meridian:" in no_client_cert.stderr, no_client_cert.stderr
        half = cli("--ca-file", pki["ca"].cert, "--tls-client-cert", client_crt)
        assert half.returncode == 2 and "go together" in half.stderr, half.stderr
        plain = cli("--ca-file", pki["ca"].cert, env={"MERIDIAN_ENDPOINT": "http://127.0.0.1:%d" % manage.port})
        assert plain.returncode == 2 and "needs an https:// endpoint" in plain.stderr, plain.stderr
    finally:
        manage.stop()


def test_bad_certificate_files_stop_the_gateway_at_start(meridian_bin, tmp_path, pki):
    import subprocess
    r = subprocess.run([meridian_bin, "gateway", "--region", "West US", "--snapshot", "/dev/null",
                        "--tls-listen", "127.0.0.1:%d" % free_port(), "--tls-cert", "/nonexistent.crt",
                        "--tls-key", pki["gateway"][1]], capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    assert "cannot load certificate /nonexistent.crt" in r.stderr
    r = subprocess.run([meridian_bin, "gateway", "--region", "West US", "--snapshot", "/dev/null",
                        "--tls-listen", "127.0.0.1:1"], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert "--tls-listen needs --tls-cert and --tls-key" in r.stderr


def test_router_https_probes(meridian_bin, tmp_path, pki):
    """A profile's HTTPS monitor: a TLS endpoint (its certificate from an unknown CA, not
    verified, as the vendor's probes) is Online, a plain HTTP one is Degraded."""
    from routerlib import RegionServer, Router
    tls_region = HttpsBackend(*pki["rogue_backend"], name="westus")
    plain = RegionServer("East Asia", "127.0.0.1")
    router = None
    try:
        mon = {"protocol": "HTTPS", "port": 443, "path": "/status-0123456789abcdef",
               "intervalSeconds": 1, "timeoutSeconds": 0.5, "toleratedFailures": 0,
               "customHeaders": {"Host": "backend.test"}}
        profiles = {"zone": "tm.meridian.test", "profiles": [{
            "name": "contoso", "routingMethod": "Priority", "ttl": 5, "monitor": mon,
            "endpoints": [
                {"name": "westus", "target": "127.0.0.1", "port": tls_region.port, "priority": 1},
                {"name": "eastasia", "target": "127.0.0.1", "port": plain.port, "priority": 2},
            ]}]}
        router = Router(meridian_bin, tmp_path, profiles)
        wait_until(lambda: router.endpoint_status("contoso", "westus") == "Online", 10 * TIME_SCALE,
                   message="the TLS endpoint Online")
        wait_until(lambda: router.endpoint_status("contoso", "eastasia") == "Degraded", 10 * TIME_SCALE,
                   message="the plain endpoint Degraded")
        assert any(r[1] == "/status-0123456789abcdef" and r[2] == "backend.test" for r in tls_region.requests)
    finally:
        problems = router.finish() if router else []
        tls_region.stop()
        plain.kill()
        assert not problems, problems


@pytest.mark.timeout_s(90)
def test_up_tls_makes_a_local_ca_and_serves_https(meridian_bin, tmp_path):
    from test_up import Up
    up = Up(meridian_bin, tmp_path, args=["--tls"])
    try:
        up.wait_ready()
        ca = os.path.join(up.state, "tls", "ca.crt")
        assert oct(os.stat(os.path.join(up.state, "tls", "ca.key")).st_mode & 0o777) == "0o600"
        out = up.stdout()
        assert "https://127.0.1.1:%d/echo/" % (up.base + 11) in out
        assert "curl --cacert %s" % ca in out
        ctx = client_context(ca)
        for octet, backend in ((1, "contoso-us"), (2, "contoso-asia")):
            host = "127.0.%d.1" % octet
            status, body, _, _ = https_request(up.base + 11, "/echo/hello", ctx, host, connect_to=host)
            assert status == 200, body
            assert json.loads(body)["backend"] == backend
        # The regional hostnames are covered by the same certificate.
        status, _, _, _ = https_request(up.base + 11, "/echo/hello", ctx,
                                        "meridian-westus-01.regional.meridian.local",
                                        connect_to="127.0.1.1")
        assert status == 200
        # The global endpoint over HTTPS (P+12), and the edge reaching the gateways over
        # HTTPS: their gatewayAddress is the HTTPS port, which speaks nothing else.
        assert "https://127.0.0.1:%d/echo/" % (up.base + 12) in out
        builtin = up.mgmt("GET", "/trafficManagerProfiles/meridian").json()
        assert builtin["properties"]["monitor"]["protocol"] == "HTTPS"
        assert builtin["properties"]["endpoints"][0]["port"] == up.base + 11
        wait_until(lambda: up.via_edge(2) == "contoso-asia", 20 * TIME_SCALE, message="edge over HTTPS")
        for octet, backend in ((1, "contoso-us"), (2, "contoso-asia")):
            conn = http.client.HTTPSConnection("127.0.0.1", up.base + 12, timeout=5, context=ctx,
                                               source_address=("127.0.%d.2" % octet, 0))
            conn.request("GET", "/echo/hello")
            r = conn.getresponse()
            body = json.loads(r.read())
            conn.close()
            assert r.status == 200 and body["backend"] == backend, body
            assert body["headers"].get("X-Forwarded-Proto") == "https", body["headers"]
        # Plain HTTP is unchanged.
        assert up.backend_of(1) == "contoso-us"
        assert up.stop() == 0
    finally:
        up.finish()
