"""Durability (issue 4): `meridian manage` killed with SIGKILL in the middle of a burst of
writes, restarted on the same data directory, still has every write it acknowledged, and
its revision counter agrees with its change log — 20 rounds on one store."""

import random
import threading
import time

import pytest

from manage_harness import Manage, api_props

ROUNDS = 20
WRITERS = 3


def writer(manage, round_no, wid, acked, stop, errors):
    n = 0
    while not stop.is_set():
        n += 1
        rid = "r%d-w%d-%d" % (round_no, wid, n)
        if n % 2:
            path, props = "/backends/" + rid, {"url": "http://10.1.%d.%d" % (wid, n % 250), "protocol": "http"}
        else:
            path, props = "/apis/" + rid, api_props(path=rid)
        try:
            r = manage.put(path, props, timeout=10)
        except OSError:
            return  # the process died: this write was never acknowledged
        if r.status != 201:
            errors.append((path, r.status, r.body[:200]))
            return
        acked.append((path, r.revision))


@pytest.mark.timeout_s(120)
def test_kill_9_during_writes_loses_no_acknowledged_write(meridian_bin, tmp_path):
    rng = random.Random(4)
    data = tmp_path / "data"
    all_acked = []
    last_revision = 0
    for round_no in range(ROUNDS):
        m = Manage(meridian_bin, data).start()
        # what earlier rounds acknowledged is all there, and the log matches the counter
        rev = m.revision()
        assert rev >= last_revision
        changes = m.get("/changes", query={"$top": "1"}).json()
        assert changes["count"] == rev
        if rev:
            assert changes["value"][0]["revision"] == rev
        for path, _ in all_acked[-60:]:
            assert m.get(path).status == 200, (round_no, path)
        acked, errors, stop = [], [], threading.Event()
        threads = [threading.Thread(target=writer, args=(m, round_no, w, acked, stop, errors))
                   for w in range(WRITERS)]
        for t in threads:
            t.start()
        target = rng.randint(5, 30)
        t0 = time.monotonic()
        while len(acked) < target and not errors and time.monotonic() - t0 < 20:
            time.sleep(0.002)
        m.kill9()
        stop.set()
        for t in threads:
            t.join(15)
        assert not errors, errors
        assert len(acked) >= target, "only %d writes acknowledged" % len(acked)
        all_acked += acked
        last_revision = max(r for _, r in acked)

    # a last start checks everything ever acknowledged
    m = Manage(meridian_bin, data).start()
    try:
        rev = m.revision()
        assert last_revision <= rev <= last_revision + WRITERS
        snap = m.get("/snapshot").json()
        apis = {a["id"] for a in snap["apis"]}
        backends = {b["id"] for b in snap["backends"]}
        for path, _ in all_acked:
            kind, rid = path.split("/")[1:]
            assert rid in (apis if kind == "apis" else backends), path
        changes = m.get("/changes", query={"$top": "100"}).json()
        assert changes["count"] == rev
        revs = [c["revision"] for c in changes["value"]]
        assert revs == list(range(rev, rev - len(revs), -1))
        # revisions acknowledged are distinct: one revision per accepted change
        acked_revs = [r for _, r in all_acked]
        assert len(set(acked_revs)) == len(acked_revs)
    finally:
        m.stop()


@pytest.mark.timeout_s(60)
def test_sigterm_finishes_writes_in_flight_and_exits_0(meridian_bin, tmp_path):
    data = tmp_path / "data"
    m = Manage(meridian_bin, data).start()
    acked, errors, stop = [], [], threading.Event()
    threads = [threading.Thread(target=writer, args=(m, 0, w, acked, stop, errors)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    while len(acked) < 10 and time.monotonic() - t0 < 20:
        time.sleep(0.002)
    m.stop()  # SIGTERM; asserts exit code 0 and no sanitizer report
    stop.set()
    for t in threads:
        t.join(15)
    assert not errors, errors
    m = Manage(meridian_bin, data).start()
    try:
        rev = m.revision()
        assert rev >= max(r for _, r in acked)
        for path, _ in acked:
            assert m.get(path).status == 200, path
    finally:
        m.stop()
