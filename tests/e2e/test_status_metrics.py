"""The status endpoint (spec §4.1), the admin /metrics listener (Prometheus text format)
and the JSON access log."""

import os
import re
import threading
import time

import rawhttp
from harness import STATUS_PATH, TIME_SCALE, metric_values, parse_prometheus, wait_until
from snapshots import REGION, api, echo_snapshot, snapshot

FAMILIES = ["meridian_requests_total", "meridian_request_duration_seconds", "meridian_upstream_connections",
            "meridian_config_revision", "meridian_config_loaded", "meridian_connections_active",
            "meridian_config_reloads_total", "meridian_requests_in_flight", "meridian_draining",
            "meridian_access_log_dropped_total", "meridian_unit_info"]


def test_status_200_with_config(gateway):
    r = gateway.request("GET", STATUS_PATH)
    assert r.status == 200
    assert r.body == b"", "docs/operations.md: 200 with an empty body"
    assert gateway.request("GET", "/internal-status-0123456789abcdef").status == 200
    assert rawhttp.request(gateway.admin_port, "GET", STATUS_PATH).status == 200, "status on the admin listener"
    with gateway.conn() as c:  # keep-alive works on the status endpoint too
        for _ in range(3):
            assert c.request("GET", STATUS_PATH).status == 200


def test_status_503_without_config_then_200_after_sighup(gateways, backends):
    a = backends.echo("A")
    gw = gateways(None, wait="port")
    assert not os.path.exists(gw.snapshot_path)
    assert gw.request("GET", STATUS_PATH).status == 503
    assert gw.request("GET", "/internal-status-0123456789abcdef").status == 503
    assert rawhttp.request(gw.admin_port, "GET", STATUS_PATH).status == 503
    assert gw.metric("meridian_config_loaded") == [0]
    r = gw.request("GET", "/x")
    rawhttp.assert_error_body(r, 503, activity_id=None)
    gw.reload(snapshot([api("svc", "", a.url())], revision=5))
    wait_until(lambda: gw.status_code() == 200, 10 * TIME_SCALE, message="status 200 after SIGHUP")
    assert gw.metric("meridian_config_loaded") == [1]
    assert gw.metric("meridian_config_revision") == [5]
    assert gw.request("GET", "/x").json()["backend"] == "A"


def test_metrics_exposition_format(gateway):
    gateway.request("GET", "/warm")
    r = rawhttp.request(gateway.admin_port, "GET", "/metrics")
    assert r.status == 200
    assert (r.header("Content-Type") or "").startswith("text/plain"), r.headers
    text = r.body.decode()
    samples = parse_prometheus(text)  # every sample line is well-formed
    names = {n for n, _, _ in samples}
    for family in FAMILIES:
        assert "# TYPE %s " % family in text, family
    assert "meridian_request_duration_seconds_bucket" in names
    assert "meridian_request_duration_seconds_sum" in names
    assert "meridian_request_duration_seconds_count" in names


def test_config_metrics(gateways, backends):
    echo = backends.echo()
    gw = gateways(echo_snapshot(echo, revision=42))
    assert gw.metric("meridian_config_revision") == [42]
    assert gw.metric("meridian_config_loaded") == [1]
    assert gw.metric("meridian_draining") == [0]
    assert gw.metric("meridian_unit_info", region=REGION, unit="0") == [1]
    ok0 = sum(gw.metric("meridian_config_reloads_total", result="ok"))
    failed0 = sum(gw.metric("meridian_config_reloads_total", result="failed"))
    gw.reload(echo_snapshot(echo, revision=43), revision=43)
    wait_until(lambda: sum(gw.metric("meridian_config_reloads_total", result="ok")) == ok0 + 1, 5 * TIME_SCALE,
               message="reloads_total{result=ok} + 1")
    gw.write_snapshot("{ not json")
    gw.sighup()
    wait_until(lambda: sum(gw.metric("meridian_config_reloads_total", result="failed")) == failed0 + 1,
               5 * TIME_SCALE, message="reloads_total{result=failed} + 1")
    assert gw.metric("meridian_config_revision") == [43]


def test_requests_in_flight_gauge(gateway):
    t = threading.Thread(target=lambda: gateway.request("GET", "/busy?_delay=1.5", timeout=30 * TIME_SCALE))
    t.start()
    try:
        wait_until(lambda: sum(gateway.metric("meridian_requests_in_flight")) >= 1, 5 * TIME_SCALE,
                   message="requests_in_flight >= 1")
    finally:
        t.join(30 * TIME_SCALE)
    wait_until(lambda: sum(gateway.metric("meridian_requests_in_flight")) == 0, 5 * TIME_SCALE,
               message="requests_in_flight back to 0")


def test_requests_total_by_api_and_status(gateway):
    for i in range(5):
        assert gateway.request("GET", "/ok/%d" % i).status == 200
    for i in range(3):
        assert gateway.request("GET", "/nf/%d?_status=404" % i).status == 404

    def counted():
        ok = sum(gateway.metric("meridian_requests_total", api="echo", status="200"))
        nf = sum(gateway.metric("meridian_requests_total", api="echo", status="404"))
        return ok >= 5 and nf >= 3 and (ok, nf)
    ok, nf = wait_until(counted, 5 * TIME_SCALE, message="requests_total counts")
    assert ok == 5 and nf == 3, (ok, nf)


def test_duration_histogram_is_consistent(gateway):
    for i in range(7):
        gateway.request("GET", "/h/%d" % i)
    time.sleep(0.2)
    samples = gateway.metrics()
    series = {}
    for name, labels, value in samples:
        if name == "meridian_request_duration_seconds_bucket":
            key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
            le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
            series.setdefault(key, []).append((le, value))
    assert series, "no histogram buckets"
    total = 0
    for key, buckets in series.items():
        buckets.sort()
        values = [v for _, v in buckets]
        assert values == sorted(values), "buckets must be cumulative: %r" % buckets
        assert buckets[-1][0] == float("inf"), buckets
        count = metric_values(samples, "meridian_request_duration_seconds_count", **dict(key))
        assert count and count[0] == buckets[-1][1], (key, count, buckets[-1])
        s = metric_values(samples, "meridian_request_duration_seconds_sum", **dict(key))
        assert s and s[0] >= 0
        total += count[0]
    assert total >= 7


def test_upstream_connection_gauges(gateway):
    origin = gateway.echo.origin()
    assert gateway.request("GET", "/u").status == 200
    wait_until(lambda: sum(gateway.metric("meridian_upstream_connections", origin=origin, state="idle")) >= 1,
               5 * TIME_SCALE, message="an idle pooled connection to %s" % origin)
    done = threading.Event()
    t = threading.Thread(target=lambda: (gateway.request("GET", "/u?_delay=1.5", timeout=30 * TIME_SCALE), done.set()))
    t.start()
    try:
        wait_until(lambda: sum(gateway.metric("meridian_upstream_connections", origin=origin, state="active")) >= 1,
                   5 * TIME_SCALE, message="an active upstream connection during a slow request")
    finally:
        t.join(30 * TIME_SCALE)
    assert done.is_set()


def test_connections_active_gauge(gateway):
    base = sum(gateway.metric("meridian_connections_active"))
    conns = [gateway.conn() for _ in range(3)]
    try:
        for c in conns:
            assert c.request("GET", "/hold").status == 200
        wait_until(lambda: sum(gateway.metric("meridian_connections_active")) >= base + 3, 5 * TIME_SCALE,
                   message="connections_active counting 3 open connections")
    finally:
        for c in conns:
            c.close()
    wait_until(lambda: sum(gateway.metric("meridian_connections_active")) <= base, 5 * TIME_SCALE,
               message="connections_active back down after closing them")


FIELDS = ["time", "region", "unit", "api", "operation", "method", "path", "status", "bytesIn", "bytesOut",
          "backendMs", "totalMs"]


def test_access_log_line(gateway):
    body = b"x" * 1234
    r = gateway.request("POST", "/log/me?_status=201", body=body)
    assert r.status == 201
    gateway.wait_access_log(lambda e: str(e.get("path", "")).startswith("/log/me"))
    time.sleep(0.5)
    entries = [e for e in gateway.access_log() if str(e.get("path", "")).startswith("/log/me")]
    assert len(entries) == 1, entries
    assert entries[0]["path"] == "/log/me", "docs/operations.md: path without the query string"
    e = entries[0]
    for f in FIELDS:
        assert f in e, (f, e)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$", e["time"]), e["time"]
    assert e["region"] == REGION
    assert e.get("clientIp") == "127.0.0.1", e
    assert "error" not in e, e
    assert str(e["unit"]) == "0"
    assert e["api"] == "echo"
    assert e["operation"] == "any"
    assert e["method"] == "POST"
    assert e["status"] == 201
    head_len = len("%s %d %s\r\n\r\n" % (r.version, r.status, r.reason)) + sum(len(k) + len(v) + 4 for k, v in r.headers)
    assert isinstance(e["bytesOut"], int) and e["bytesOut"] == head_len + len(r.body), (e, head_len, len(r.body))
    request_len = len(rawhttp.build_request("POST", "/log/me?_status=201", body=body))
    assert e["bytesIn"] == request_len, "bytesIn %d, the request was %d bytes (head + body)" % (e["bytesIn"], request_len)
    for f in ("backendMs", "totalMs"):
        assert isinstance(e[f], (int, float)) and e[f] >= 0, e
    assert e["totalMs"] + 1 >= e["backendMs"], e


def test_access_log_has_one_line_per_request(gateway):
    with gateway.conn() as c:
        for i in range(10):
            assert c.request("GET", "/many/%d" % i).status == 200
    entries = gateway.wait_access_log(lambda e: str(e.get("path", "")).startswith("/many/"), count=10)
    time.sleep(0.3)
    entries = [e for e in gateway.access_log() if str(e.get("path", "")).startswith("/many/")]
    assert sorted(e["path"] for e in entries) == sorted("/many/%d" % i for i in range(10))


def test_access_log_records_no_route(gateways, backends):
    echo = backends.echo()
    gw = gateways(snapshot([api("only", "only", echo.url())]))
    assert gw.request("GET", "/nowhere").status == 404
    e = gw.wait_access_log(lambda e: e.get("path") == "/nowhere")[0]
    assert e["status"] == 404
    assert e["api"] == "" and e["operation"] == "", e
    assert e["backendMs"] is None, "no backend call: backendMs is null (%r)" % e
    assert e.get("error") == "OperationNotFound", e


def test_access_log_error_field(gateways, backends):
    from backends import closed_port, never_answer_handler
    from snapshots import op
    hang = backends.raw(never_answer_handler())
    gw = gateways(snapshot([
        api("dead", "dead", "http://127.0.0.1:%d" % closed_port()),
        api("hang", "hang", hang.url(), operations=[op("any", timeout=1)]),
    ]))
    assert gw.request("GET", "/dead/x").status == 500
    assert gw.request("GET", "/hang/x", timeout=30 * TIME_SCALE).status == 500
    e = gw.wait_access_log(lambda e: e.get("path") == "/dead/x")[0]
    assert e.get("error") == "BackendConnectionFailure" and e["status"] == 500, e
    e = gw.wait_access_log(lambda e: e.get("path") == "/hang/x")[0]
    assert e.get("error") == "Timeout" and e["status"] == 500, e


def test_access_log_client_left(gateway):
    c = gateway.conn()
    c.send(rawhttp.build_request("GET", "/left?_delay=1"))
    time.sleep(0.3)
    c.close()
    e = gateway.wait_access_log(lambda e: e.get("path") == "/left", timeout=10 * TIME_SCALE)[0]
    assert e["status"] == 0, "docs/operations.md: status 0 when the client left before any response (%r)" % e
    assert e.get("error") == "ClientConnectionFailure", e


def test_access_log_to_file(gateways, backends, tmp_path):
    echo = backends.echo()
    path = str(tmp_path / "access.log")
    gw = gateways(echo_snapshot(echo), access_log=path)
    assert gw.request("GET", "/to-file").status == 200
    gw.wait_access_log(lambda e: e.get("path") == "/to-file", path=path)
    assert not [e for e in gw.access_log() if e.get("path") == "/to-file"], "also logged on stdout"


def test_access_log_off(gateways, backends):
    echo = backends.echo()
    gw = gateways(echo_snapshot(echo), access_log="off")
    for i in range(3):
        assert gw.request("GET", "/quiet/%d" % i).status == 200
    time.sleep(0.5)
    assert not [e for e in gw.access_log() if "path" in e], gw.stdout()[:500]


def test_access_log_backend_time(gateway):
    r = gateway.request("GET", "/timed?_delay=0.5")
    assert r.status == 200
    e = gateway.wait_access_log(lambda e: e.get("path") == "/timed")[0]
    assert e["backendMs"] >= 400, e
    assert e["totalMs"] >= e["backendMs"], e
    assert e["totalMs"] < 60000, e


def test_escaping_in_metrics_and_access_log(gateways, backends):
    """An API id with a quote and a backslash must not break either output format."""
    echo = backends.echo()
    weird = 'we"ird\\api'
    gw = gateways(snapshot([api(weird, "", echo.url())]))
    assert gw.request("GET", "/esc").status == 200
    e = gw.wait_access_log(lambda e: e.get("path") == "/esc")[0]
    assert e["api"] == weird
    text = wait_until(lambda: (lambda t: t if "meridian_requests_total{" in t else None)(gw.metrics_text()),
                      5 * TIME_SCALE, message="requests_total")
    samples = parse_prometheus(text)
    labels = [l.get("api") for n, l, _ in samples if n == "meridian_requests_total"]
    assert 'we\\"ird\\\\api' in labels, labels
