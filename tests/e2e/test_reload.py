"""SIGHUP reloads (docs/snapshot.md, STYLE.md habit 6): atomic swap, in-flight requests
finish on the configuration they started with, a bad snapshot is refused with
file:line:col and the old configuration keeps serving."""

import http.client
import json
import os
import re
import threading
import time

import pytest

from harness import TIME_SCALE, Background, wait_until
from snapshots import api, op, snapshot


def two_revisions(a, b):
    """Revision 1 routes everything to backend a, revision 2 to backend b."""
    return (snapshot([api("svc", "", a.url())], revision=1),
            snapshot([api("svc", "", b.url())], revision=2))


def test_sighup_swaps_configuration(gateways, backends):
    a, b = backends.echo("A"), backends.echo("B")
    rev1, rev2 = two_revisions(a, b)
    gw = gateways(rev1)
    assert gw.request("GET", "/x").json()["backend"] == "A"
    assert gw.metric("meridian_config_revision") == [1]
    gw.reload(rev2, revision=2)
    assert gw.request("GET", "/x").json()["backend"] == "B"
    gw.reload(rev1, revision=1)
    assert gw.request("GET", "/x").json()["backend"] == "A"


def test_keep_alive_connection_sees_new_config(gateways, backends):
    a, b = backends.echo("A"), backends.echo("B")
    rev1, rev2 = two_revisions(a, b)
    gw = gateways(rev1)
    with gw.conn() as c:
        assert c.request("GET", "/x").json()["backend"] == "A"
        gw.reload(rev2, revision=2)
        assert c.request("GET", "/x").json()["backend"] == "B"


def test_bad_json_on_sighup_is_refused(gateways, backends):
    a = backends.echo("A")
    good = snapshot([api("svc", "", a.url())], revision=7)
    gw = gateways(good)
    bad = '{\n  "revision": 8,\n  "service": { "name": "x" },\n  "apis": [ oops ]\n}\n'
    gw.write_snapshot(bad)
    gw.sighup()
    name = re.escape(os.path.basename(gw.snapshot_path))
    wait_until(lambda: re.search(name + r":4:\d+", gw.stderr()), 10 * TIME_SCALE,
               message="a file:line:col message for the bad snapshot in stderr")
    assert gw.request("GET", "/x").json()["backend"] == "A"
    assert gw.metric("meridian_config_revision") == [7]
    assert gw.metric("meridian_config_loaded") == [1]
    assert gw.status_code() == 200


def test_invalid_snapshot_on_sighup_names_the_place(gateways, backends):
    a = backends.echo("A")
    gw = gateways(snapshot([api("svc", "", a.url())], revision=3))
    bad = snapshot([api("svc", "", "ftp://127.0.0.1:1/nope")], revision=4)
    gw.write_snapshot(bad)
    gw.sighup()
    name = re.escape(os.path.basename(gw.snapshot_path))
    m = wait_until(lambda: re.search(name + r":(\d+):(\d+)[^\n]*", gw.stderr()), 10 * TIME_SCALE,
                   message="file:line:col for the bad serviceUrl")
    text = open(gw.snapshot_path).read().splitlines()
    line = int(m.group(1))
    assert 1 <= line <= len(text) and "ftp://" in text[line - 1], (m.group(0), text[line - 1:line])
    assert gw.request("GET", "/x").json()["backend"] == "A"
    assert gw.metric("meridian_config_revision") == [3]


def test_missing_file_on_sighup_keeps_config(gateways, backends):
    a = backends.echo("A")
    gw = gateways(snapshot([api("svc", "", a.url())], revision=9))
    os.unlink(gw.snapshot_path)
    gw.sighup()
    time.sleep(0.5)
    assert gw.request("GET", "/x").json()["backend"] == "A"
    assert gw.metric("meridian_config_revision") == [9]
    assert gw.status_code() == 200
    assert os.path.basename(gw.snapshot_path) in gw.stderr()


def test_in_flight_request_finishes_on_its_config(gateways, backends):
    """Revision 1 allows 30 s for /slow; revision 2 routes elsewhere with a 1 s timeout. A
    request started under revision 1 must complete against revision 1's backend."""
    a, b = backends.echo("A"), backends.echo("B")
    rev1 = snapshot([api("svc", "", a.url(), operations=[op("any", timeout=30)])], revision=1)
    rev2 = snapshot([api("svc", "", b.url(), operations=[op("any", timeout=1)])], revision=2)
    gw = gateways(rev1)
    slow = Background(lambda: gw.request("GET", "/slow?_delay=3", timeout=30 * TIME_SCALE))
    wait_until(lambda: a.requests, 10 * TIME_SCALE, message="slow request at backend A")
    gw.reload(rev2, revision=2)
    assert gw.request("GET", "/quick").json()["backend"] == "B"
    r = slow.result(30 * TIME_SCALE)
    assert r.status == 200, r
    assert r.json()["backend"] == "A"


@pytest.mark.parametrize("units", [None, 2], ids=["in-process", "units-2"])
def test_reload_under_load_has_no_errors(gateways, backends, units):
    a, b = backends.echo("A"), backends.echo("B")
    rev1, rev2 = two_revisions(a, b)
    gw = gateways(rev1, units=units)
    stop = threading.Event()
    lock = threading.Lock()
    seen = {"A": 0, "B": 0}
    errors = []
    counts = []

    def hammer(k):
        n = 0
        conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10 * TIME_SCALE)
        try:
            while not stop.is_set():
                try:
                    conn.request("GET", "/load/%d/%d" % (k, n), headers={"Host": "gateway.test"})
                    resp = conn.getresponse()
                    body = resp.read()
                    if resp.status != 200:
                        errors.append((resp.status, body[:200]))
                        continue
                    with lock:
                        seen[json.loads(body)["backend"]] += 1
                    n += 1
                except Exception as e:
                    errors.append(repr(e))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10 * TIME_SCALE)
        finally:
            conn.close()
            counts.append(n)

    threads = [threading.Thread(target=hammer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(8):
            time.sleep(0.4)
            gw.reload(rev2 if i % 2 == 0 else rev1)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(30 * TIME_SCALE)
    assert errors == [], errors[:10]
    assert seen["A"] > 0 and seen["B"] > 0, seen
    assert sum(counts) > 50, counts
    gw.wait_revision(1)


def test_reloaded_settings_apply_to_new_requests(gateways, backends):
    """maxRequestBodyBytes and clientIdleTimeoutMs come from the snapshot: a reload changes
    them for requests parsed afterwards."""
    a = backends.echo("A")
    gw = gateways(snapshot([api("svc", "", a.url())], revision=1))
    assert gw.request("POST", "/big", body=b"x" * 1000).status == 200
    gw.reload(snapshot([api("svc", "", a.url())], revision=2,
                       settings={"maxRequestBodyBytes": 100, "clientIdleTimeoutMs": 1000}), revision=2)
    r = gw.request("POST", "/big", body=b"x" * 1000)
    assert r.status == 413, r
    assert gw.request("POST", "/small", body=b"x" * 100).status == 200
    with gw.conn() as c:
        assert c.request("GET", "/idle").status == 200
        assert c.wait_closed(10 * TIME_SCALE), "the reloaded idle timeout was not applied"
