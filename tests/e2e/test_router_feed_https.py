"""The router's feed over https (docs/router.md "Feed mode", docs/tls.md): `meridian router
--config-url https://...` against `meridian manage --tls-cert/--tls-key --tls-client-ca`,
verifying the management plane against --ca-file and presenting --tls-client-cert; an
untrusted certificate is refused and the router keeps serving without profiles."""

import subprocess

import pytest

from harness import TIME_SCALE, wait_until
from manage_harness import Manage
from routerlib import Router
from tlslib import CertFactory, client_context


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    ca = CertFactory(d / "ca")
    return {"ca": ca, "rogue": CertFactory(d / "rogue", name="rogue"),
            "manage": ca.leaf("manage", ["manage.test", "127.0.0.1"]),
            "router": ca.leaf("router", ["router.meridian.test"])}


def revision(router):
    try:
        return router.status().get("revision", -1)
    except OSError:
        return -1


def test_router_follows_the_feed_over_mutual_tls(meridian_bin, tmp_path, pki):
    crt, key = pki["manage"]
    router_crt, router_key = pki["router"]
    manage = Manage(meridian_bin, tmp_path / "data",
                    extra_args=["--tls-cert", crt, "--tls-key", key, "--tls-client-ca", pki["ca"].cert])
    manage.ssl_context = client_context(pki["ca"].cert, cert=router_crt, key=router_key)
    manage.ssl_context.check_hostname = False  # reached as 127.0.0.1
    manage.start()
    routers = []
    for d in ("good", "rogue"):
        (tmp_path / d).mkdir()
    try:
        url = "https://127.0.0.1:%d" % manage.port
        token = manage.token_file("westus")
        good = Router(meridian_bin, tmp_path / "good", None,
                      ["--config-url", url, "--token-file", token, "--report-ms", "200",
                       "--ca-file", pki["ca"].cert, "--tls-client-cert", router_crt,
                       "--tls-client-key", router_key])
        routers.append(good)
        wait_until(lambda: revision(good) >= 0, 15 * TIME_SCALE, message="a feed revision over TLS")
        assert [p["name"] for p in good.status()["profiles"]] == ["meridian"]  # the built-in profile
        # Its status reports reach the management plane over the same TLS client.
        wait_until(lambda: "probe" in manage.get("/locations/westus").json()["properties"]["status"],
                   15 * TIME_SCALE, message="the router's report in the location's status")

        rogue = Router(meridian_bin, tmp_path / "rogue", None,
                       ["--config-url", url, "--token-file", token,
                        "--ca-file", pki["rogue"].cert, "--tls-client-cert", router_crt,
                        "--tls-client-key", router_key])
        routers.append(rogue)
        wait_until(lambda: "certificate verify failed" in rogue.stderr(), 15 * TIME_SCALE,
                   message="the untrusted management plane refused")
        assert revision(rogue) == -1 and rogue.status()["profiles"] == []
    finally:
        problems = []
        for r in routers:
            problems += r.finish()
        manage.stop()
    assert problems == []


def test_tls_options_need_an_https_url(meridian_bin, tmp_path, pki):
    def run(*args):
        return subprocess.run([meridian_bin, "router", "--dns", "127.0.0.1:0"] + list(args),
                              capture_output=True, text=True, timeout=10)

    r = run("--config-url", "http://127.0.0.1:1", "--token", "t", "--ca-file", pki["ca"].cert)
    assert r.returncode == 2 and "need an https:// --config-url" in r.stderr, r.stderr
    r = run("--config-url", "https://127.0.0.1:1", "--token", "t", "--tls-client-cert", pki["router"][0])
    assert r.returncode == 2 and "--tls-client-cert and --tls-client-key go together" in r.stderr
    r = run("--config-url", "https://127.0.0.1:1", "--token", "t", "--ca-file", "/nonexistent.pem")
    assert r.returncode == 1 and "/nonexistent.pem" in r.stderr, r.stderr
