"""Global failover with the real thing (issue 6, "Failover"): `meridian up` runs West US and
East Asia (real gateway units in feed mode) behind `meridian router`'s L7 edge; clients "in"
each location (source addresses 127.0.1.x and 127.0.2.x) load the edge continuously; every
West US process is killed -9. No idempotent request may fail, US clients must be served by
East Asia, and when West US is back they must return. Loopback only; bounded in time."""

import os
import re
import signal
import threading
import time

import pytest

from harness import TIME_SCALE, children, wait_until
from routerlib import build_query, parse_response, udp_query
from test_up import Up

# meridian up's global endpoint: profile "meridian" in zone tm.meridian.local, DNS on P+8
GLOBAL_NAME = "meridian.tm.meridian.local"


@pytest.fixture
def up(meridian_bin, tmp_path):
    u = Up(meridian_bin, tmp_path)
    yield u
    try:
        os.kill(u.pid, signal.SIGCONT)  # never leave the launcher frozen
    except OSError:
        pass
    u.finish()


def detection_bounds(text):
    m = re.search(r"detection (\d+(?:\.\d+)?)-(\d+(?:\.\d+)?) s", text)
    assert m, "the router logs its detection time at start:\n" + text
    return float(m.group(1)), float(m.group(2))


def dns_answer(up, client_octet):
    """The A record the router's DNS gives a client "in" location R (source 127.0.R.2)."""
    r = parse_response(udp_query(up.base + 8, build_query(GLOBAL_NAME, "A"),
                                 source="127.0.%d.2" % client_octet))
    return [a["data"] for a in r["answers"] if a["type"] == "A"]


class Load:
    """Clients of one location sending GETs through the edge, one after another."""

    def __init__(self, up, octet):
        self.up, self.octet = up, octet
        self.seen = []      # (monotonic time, backend)
        self.failures = []  # (monotonic time, error)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                self.seen.append((time.monotonic(), self.up.via_edge(self.octet)))
            except Exception as e:  # a failed request, whatever its form
                self.failures.append((time.monotonic(), repr(e)))
            time.sleep(0.01)

    def last(self):
        return self.seen[-1][1] if self.seen else None

    def served_by_since(self, backend, t):
        return any(when > t and b == backend for when, b in self.seen)

    def finish(self):
        self.stop.set()
        self.thread.join(10)


@pytest.mark.timeout_s(120)
def test_killing_every_west_us_unit_fails_no_request_and_us_clients_come_back(up):
    up.wait_ready()
    wait_until(lambda: up.via_edge(1) == "contoso-us" and up.via_edge(2) == "contoso-asia",
               15 * TIME_SCALE, message="the edge sending each client group home")
    low, high = detection_bounds(up.stderr())
    assert dns_answer(up, 1) == ["127.0.1.1"] and dns_answer(up, 2) == ["127.0.2.1"]
    us, asia = Load(up, 1), Load(up, 2)
    frozen = False
    try:
        time.sleep(1)
        # Freeze the launcher so that it does not restart what is killed, then kill West US:
        # its gateway supervisor and every unit.
        os.kill(up.pid, signal.SIGSTOP)
        frozen = True
        try:
            gateway = up.gateway_pid("West US")
            assert gateway, "West US runs a gateway"
            victims = [gateway] + children(gateway)
            assert len(victims) >= 2, "a supervisor and its units"
            for pid in victims:
                os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
            print("killed West US (%d processes); router detection time %.1f-%.1f s"
                  % (len(victims), low, high))
            wait_until(lambda: us.served_by_since("contoso-asia", killed_at), 10 * TIME_SCALE,
                       message="US clients served by East Asia")
            moved = min(t for t, b in us.seen if t > killed_at and b == "contoso-asia")
            print("US clients on East Asia %.2f s after the kill" % (moved - killed_at))
            # DNS: the answer for US clients switches once the probes have seen it
            wait_until(lambda: dns_answer(up, 1) == ["127.0.2.1"], (high + 2) * TIME_SCALE,
                       message="DNS answering East Asia to US clients")
            switched = time.monotonic() - killed_at
            print("DNS switched after %.2f s (detection %.1f-%.1f s)" % (switched, low, high))
            assert switched <= high + 0.5 * TIME_SCALE
            # past the detection time every US request goes to East Asia
            time.sleep(high * TIME_SCALE + 0.5)
            after = time.monotonic()
            time.sleep(1)
            recent = [b for t, b in us.seen if t > after]
            assert recent and set(recent) == {"contoso-asia"}, recent
            assert asia.last() == "contoso-asia"
        finally:
            os.kill(up.pid, signal.SIGCONT)
            frozen = False
        # The launcher restarts West US; once its status endpoint is healthy again the
        # router brings its clients back within a probe interval (1 s in `meridian up`).
        wait_until(lambda: up.get(1, target="/status-0123456789abcdef", timeout=2).status == 200,
                   30 * TIME_SCALE, message="West US restarted")
        healthy_at = time.monotonic()
        wait_until(lambda: us.served_by_since("contoso-us", healthy_at), 10 * TIME_SCALE,
                   message="US clients back on West US")
        back = min(t for t, b in us.seen if t > healthy_at and b == "contoso-us")
        wait_until(lambda: dns_answer(up, 1) == ["127.0.1.1"], 5 * TIME_SCALE,
                   message="DNS answering West US to US clients again")
        print("US clients back on West US %.2f s after it was healthy again" % (back - healthy_at))
        assert back - healthy_at <= 1.0 + high + 1.0 * TIME_SCALE, \
            "clients return within about one probe interval of the region's recovery"
    finally:
        us.finish()
        asia.finish()
        assert not frozen or os.kill(up.pid, signal.SIGCONT) is None
    assert us.failures == [] and asia.failures == [], (us.failures[:5], asia.failures[:5])
    print("requests: %d from US clients, %d from Asia clients, 0 failed"
          % (len(us.seen), len(asia.seen)))
