"""Streaming with backpressure both ways (issue: 1 GiB up and down with the unit's RSS under
64 MiB), slow clients and slow readers.

Data is generated on the fly (backends.pattern_pieces) and hashed as it passes; nothing
holds a whole body in memory. Under MERIDIAN_SAN=1 the big transfers shrink from 1 GiB to
256 MiB, the RSS bound grows to 192 MiB (ASan shadow memory and allocator overhead) and
the gateway runs with ASAN_OPTIONS quarantine_size_mb=16, so that a gateway buffering a
whole body still exceeds the bound.
"""

import hashlib
import os
import socket
import threading
import time

import pytest

import rawhttp
from backends import pattern_pieces, pattern_sha256
from harness import SAN, TIME_SCALE, Background, vm_kib
from snapshots import echo_snapshot

MIB = 1 << 20
BIG = (256 if SAN else 1024) * MIB
STALLED = (256 if SAN else 512) * MIB
RSS_LIMIT_KIB = (192 if SAN else 64) * 1024
IN_FLIGHT_LIMIT = 128 * MIB  # socket buffers + the gateway's own bounded buffers, generously


class RssSampler:
    """Samples VmRSS of the gateway's unit processes in the background; .peak in KiB."""

    def __init__(self, gw, interval=0.1):
        self.gw = gw
        self.peak = 0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self.thread.start()

    def _run(self, interval):
        while not self.stop_event.wait(interval):
            for pid in self.gw.unit_pids():
                self.peak = max(self.peak, vm_kib(pid, "VmRSS"))

    def stop(self):
        self.stop_event.set()
        self.thread.join(5)
        return self.peak


def assert_memory_bounded(gw, sampler=None):
    peak_hwm = gw.peak_rss_kib()
    sampled = sampler.stop() if sampler else 0
    assert peak_hwm > 0, "could not read VmHWM of the unit processes %s" % gw.unit_pids()
    assert max(peak_hwm, sampled) < RSS_LIMIT_KIB, \
        "unit peak RSS %d KiB (sampled %d KiB) over the %d KiB bound" % (peak_hwm, sampled, RSS_LIMIT_KIB)


@pytest.fixture
def big(gateways, backends):
    be = backends.big()
    env = {}
    if SAN:
        env["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16").lstrip(":")
    gw = gateways(echo_snapshot(be), env=env)
    gw.big = be
    return gw


def download(gw, size, chunked=False, read_pause=0.0):
    with gw.conn(timeout=60 * TIME_SCALE) as c:
        target = "/big?size=%d%s" % (size, "&chunked=1" if chunked else "")
        c.send(rawhttp.build_request("GET", target))
        r = c.read_response_head()
        assert r.status == 200, r
        if not chunked:
            assert r.header("Content-Length") == str(size), r.headers
        if read_pause:
            time.sleep(read_pause)
        h = hashlib.sha256()
        n = 0
        for piece in c.iter_body(r):
            h.update(piece)
            n += len(piece)
        assert r.complete, "download ended early after %d of %d bytes" % (n, size)
        assert n == size
        assert h.hexdigest() == pattern_sha256(size), "downloaded bytes differ from what the backend sent"
        # The connection is reusable afterwards.
        assert c.request("GET", "/big?size=10").status == 200


def upload(gw, size, chunked=False, progress=None):
    with gw.conn(timeout=60 * TIME_SCALE) as c:
        if chunked:
            c.send(rawhttp.build_request("POST", "/sink", {"Transfer-Encoding": "chunked"}))
        else:
            c.send(rawhttp.build_request("POST", "/sink", {"Content-Length": str(size)}))
        for piece in pattern_pieces(size):
            if chunked:
                c.send(b"%x\r\n" % len(piece))
            c.sock.sendall(piece)
            if chunked:
                c.send(b"\r\n")
            if progress is not None:
                progress[0] += len(piece)
        if chunked:
            c.send(b"0\r\n\r\n")
        r = c.read_response("POST")
        assert r.status == 200, r
        doc = r.json()
        assert doc["length"] == size
        assert doc["sha256"] == pattern_sha256(size), "the backend received different bytes"
        return doc


@pytest.mark.timeout_s(300)
def test_download_big_content_length(big):
    sampler = RssSampler(big)
    download(big, BIG)
    assert_memory_bounded(big, sampler)


@pytest.mark.timeout_s(300)
def test_download_big_chunked(big):
    sampler = RssSampler(big)
    download(big, BIG, chunked=True)
    assert_memory_bounded(big, sampler)


@pytest.mark.timeout_s(300)
def test_upload_big_content_length(big):
    sampler = RssSampler(big)
    upload(big, BIG)
    assert_memory_bounded(big, sampler)


@pytest.mark.timeout_s(300)
def test_upload_big_chunked(big):
    sampler = RssSampler(big)
    upload(big, BIG, chunked=True)
    assert_memory_bounded(big, sampler)


@pytest.mark.timeout_s(200)
def test_download_backpressure_when_client_stops_reading(big):
    """The client reads the head, then nothing for 3 s: the gateway must stop reading from
    the backend instead of buffering the body."""
    sampler = RssSampler(big)
    with big.conn(timeout=60 * TIME_SCALE) as c:
        c.send(rawhttp.build_request("GET", "/big?size=%d" % STALLED))
        r = c.read_response_head()
        assert r.status == 200
        time.sleep(3)
        sent = big.big.get("sent")
        assert sent < IN_FLIGHT_LIMIT, "backend pushed %d MiB while the client read nothing" % (sent // MIB)
        h = hashlib.sha256()
        n = 0
        for piece in c.iter_body(r):
            h.update(piece)
            n += len(piece)
        assert r.complete and n == STALLED and h.hexdigest() == pattern_sha256(STALLED)
    assert_memory_bounded(big, sampler)


@pytest.mark.timeout_s(200)
def test_upload_backpressure_when_backend_stops_reading(big):
    """The backend waits 3 s before reading the body: the gateway must stop reading from
    the client instead of buffering the upload."""
    sampler = RssSampler(big)
    progress = [0]

    def run():
        with big.conn(timeout=60 * TIME_SCALE) as c:
            c.send(rawhttp.build_request("POST", "/sink?pause=3", {"Content-Length": str(STALLED)}))
            for piece in pattern_pieces(STALLED):
                c.sock.sendall(piece)
                progress[0] += len(piece)
            return c.read_response("POST")

    upload = Background(run)
    time.sleep(2.5)
    sent = progress[0]
    r = upload.result(180 * TIME_SCALE)
    assert sent < IN_FLIGHT_LIMIT, "client pushed %d MiB while the backend read nothing" % (sent // MIB)
    assert r.status == 200
    assert r.json() == {"length": STALLED, "sha256": pattern_sha256(STALLED)}
    assert_memory_bounded(big, sampler)


def test_slow_reader(big):
    """The client reads 64 KiB every 20 ms: slow but steady reading works."""
    size = 8 * MIB
    with big.conn(timeout=30 * TIME_SCALE) as c:
        c.send(rawhttp.build_request("GET", "/big?size=%d" % size))
        r = c.read_response_head()
        assert r.status == 200
        h = hashlib.sha256()
        n = 0
        for piece in c.iter_body(r, chunk=65536):
            h.update(piece)
            n += len(piece)
            time.sleep(0.02)
        assert r.complete and n == size and h.hexdigest() == pattern_sha256(size)
    assert_memory_bounded(big)


def test_slow_client_sends_head_byte_by_byte(gateway):
    """Within the 10 s header timeout, a head trickling in one byte at a time works."""
    data = rawhttp.build_request("GET", "/trickle", {"X-Slow": "yes"})
    with gateway.conn() as c:
        for i in range(len(data)):
            c.send(data[i:i + 1])
            time.sleep(0.015)
        r = c.read_response()
    assert r.status == 200 and r.json()["path"] == "/trickle"


def test_slow_client_body(gateway):
    pieces = [os.urandom(1000) for _ in range(10)]
    body = b"".join(pieces)
    with gateway.conn() as c:
        c.send(rawhttp.build_request("POST", "/slow-body", {"Content-Length": str(len(body))}))
        for p in pieces:
            time.sleep(0.2)
            c.send(p)
        r = c.read_response("POST")
    assert r.status == 200
    assert r.json()["bodySha256"] == hashlib.sha256(body).hexdigest()


def test_slow_client_chunked_body(gateway):
    pieces = [os.urandom(500) for _ in range(8)]
    with gateway.conn() as c:
        c.send(rawhttp.build_request("POST", "/slow-chunks", {"Transfer-Encoding": "chunked"}))
        for p in pieces:
            time.sleep(0.2)
            c.send(b"%x\r\n" % len(p) + p + b"\r\n")
        c.send(b"0\r\n\r\n")
        r = c.read_response("POST")
    assert r.status == 200
    assert r.json()["bodySha256"] == hashlib.sha256(b"".join(pieces)).hexdigest()


@pytest.mark.timeout_s(300)
def test_download_through_units_bounded_per_child(gateways, backends):
    """With --units the units are child processes of the supervisor; their RSS counts."""
    be = backends.big()
    env = {}
    if SAN:
        env["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16").lstrip(":")
    gw = gateways(echo_snapshot(be), units=2, env=env)
    assert len(gw.unit_pids()) == 2 and gw.pid not in gw.unit_pids()
    sampler = RssSampler(gw)
    for _ in range(2):
        download(gw, BIG // 4)
        upload(gw, BIG // 4)
    assert_memory_bounded(gw, sampler)


def test_reader_making_no_progress_is_dropped(gateways, backends):
    """server.h: no progress while writing a response for the idle timeout closes the
    connection, so a client that stops reading cannot pin gateway resources forever."""
    be = backends.big()
    gw = gateways(echo_snapshot(be, settings={"clientIdleTimeoutMs": 1000}))
    size = 256 * MIB
    with gw.conn(timeout=30 * TIME_SCALE) as c:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        c.send(rawhttp.build_request("GET", "/big?size=%d" % size))
        time.sleep(4)
        got = 0
        r = c.read_response_head()
        for piece in c.iter_body(r):
            got += len(piece)
        assert not r.complete and got < size, "the stalled response was kept open (%d bytes)" % got
    assert_memory_bounded(gw)


@pytest.mark.timeout_s(200)
def test_pipelined_requests_with_unread_responses_are_bounded(big):
    """A client pipelines 200 requests for 1 MiB each and reads nothing: the gateway must
    stop working ahead (responses are not queued without bound), then serve them all."""
    n, size = 200, MIB
    with big.conn(timeout=60 * TIME_SCALE) as c:
        sender = threading.Thread(target=lambda: c.send(b"".join(
            rawhttp.build_request("GET", "/big?size=%d" % size) for _ in range(n))), daemon=True)
        sender.start()
        time.sleep(3)
        sent = big.big.get("sent")
        assert sent < IN_FLIGHT_LIMIT, "backend sent %d MiB for a client that reads nothing" % (sent // MIB)
        expected = pattern_sha256(size)
        for i in range(n):
            r = c.read_response_head()
            assert r.status == 200, (i, r)
            h = hashlib.sha256()
            for piece in c.iter_body(r):
                h.update(piece)
            assert r.complete and h.hexdigest() == expected, i
        sender.join(10)
    assert_memory_bounded(big)
