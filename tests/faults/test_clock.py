"""The wall clock jumping (issue 9, part 2). The system clock is shared with everyone on the
machine and cannot be moved safely, so the gateway runs under libfaketime (LD_PRELOAD; Debian
package libfaketime, installed by scripts/bootstrap) with its wall clock read from a file the
test rewrites: +1 day, -1 day, back to now. CLOCK_MONOTONIC is left alone
(FAKETIME_DONT_FAKE_MONOTONIC=1), as it is on a real host whose NTP steps the clock.

What must hold: every timer of the gateway (operation timeout, idle and header timeouts,
the supervisor's restarts, the access log's flush) runs on the monotonic clock (libuv's
uv_now and src/base/clock.c's clock_mono_*), so a jump changes neither the 1 s operation
timeout nor anything a client sees; only wall-clock stamps (access log "time",
context.Timestamp) follow the jump — which the test checks to prove the injection worked."""

import datetime
import os
import time

import pytest

import rawhttp
from faultlib import Load, record_result
from harness import SAN, TIME_SCALE, wait_until
from snapshots import api, op, snapshot

FAKETIME_LIBS = ("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
                 "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1")
TIMEOUT_S = 1


def faketime_lib():
    for path in FAKETIME_LIBS:
        if os.path.exists(path):
            return path
    pytest.fail("libfaketime is not installed (scripts/bootstrap installs it)")


def log_times(gw):
    out = []
    for e in gw.access_log():
        t = datetime.datetime.strptime(e["time"][:19], "%Y-%m-%dT%H:%M:%S")
        out.append((e.get("url") or e.get("path") or "", t.replace(tzinfo=datetime.timezone.utc)))
    return out


@pytest.mark.timeout_s(90)
def test_wall_clock_jumps(gateways, backends, tmp_path):
    spec_file = tmp_path / "faketime"
    spec_file.write_text("+0\n")
    env = {"LD_PRELOAD": faketime_lib(), "FAKETIME_TIMESTAMP_FILE": str(spec_file),
           "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    if SAN:  # ASan wants to be first in the library list; libfaketime is preloaded before it
        env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                     "verify_asan_link_order=0"]))
    echo = backends.echo("echo")

    def silent(conn, backend):
        conn.read_request()
        while conn._fill():
            pass
    hung = backends.raw(silent, "silent")
    gw = gateways(snapshot([api("echo", "echo", echo.url()),
                            api("hung", "hung", hung.url(), [op("any", timeout=TIMEOUT_S)])]),
                  units=2, env=env)
    load = Load(gw.port, threads=2, method="GET", path="/echo/x")
    timeouts, stamps = [], {}
    try:
        for label, spec in (("now", "+0"), ("plus-1-day", "+1d"), ("minus-1-day", "-1d"), ("back", "+0")):
            spec_file.write_text(spec + "\n")
            time.sleep(0.3)
            t = time.monotonic()
            r = gw.request("GET", "/hung/x")
            timeouts.append(round(time.monotonic() - t, 2))
            rawhttp.assert_error_body(r, 500, "Internal server error")
            marker = "/echo/mark-%s" % label
            assert gw.request("GET", marker).status == 200
            stamps[label] = marker
            load.wait_ok_since(time.monotonic(), 20)
    finally:
        load.finish()
    # the injection worked: the access log's wall-clock stamps jumped
    def stamp_of(marker):
        for url, when in log_times(gw):
            if marker in url:
                return when
        return None
    wait_until(lambda: all(stamp_of(m) for m in stamps.values()), 5 * TIME_SCALE,
               message="access log lines of the markers")
    now = stamp_of(stamps["now"])
    assert abs((stamp_of(stamps["plus-1-day"]) - now).total_seconds() - 86400) < 60
    assert abs((stamp_of(stamps["minus-1-day"]) - now).total_seconds() + 86400) < 60
    assert abs((stamp_of(stamps["back"]) - now).total_seconds()) < 60
    assert all(TIMEOUT_S * 0.9 <= x <= TIMEOUT_S + 1.5 * TIME_SCALE for x in timeouts), timeouts
    assert load.failed == [] and load.answered == [], (load.failed[:3], load.answered[:3])
    record_result("wall clock jumps +1 day, -1 day, back (libfaketime; monotonic untouched)",
                  requests=load.summary(), operation_timeouts_s=timeouts,
                  access_log_followed_the_jumps=True)
