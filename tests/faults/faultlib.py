"""The fault suite's tools: a bounded load generator that keeps every outcome, a backend that
runs as its own process (so that it can be killed -9) and logs every request it answered
before answering it, and the FAULT-RESULT record."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import rawhttp
from harness import TIME_SCALE, free_port, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))


def record_result(name, **figures):
    """One line for docs/reliability.md: printed, and appended to $MERIDIAN_FAULTS_RESULTS."""
    line = json.dumps(dict(fault=name, **figures), sort_keys=True)
    print("FAULT-RESULT " + line)
    path = os.environ.get("MERIDIAN_FAULTS_RESULTS")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


class Load:
    """`threads` clients sending requests one after another to 127.0.0.1:port (or `ip`),
    each with a unique id in the query (?id=<tag>T-N) and, for POST, in the body. Keep-alive
    connections are reopened after an error. Every outcome is kept with its time:
    ok (2xx), answered (the status of every other response) and failed (no response)."""

    def __init__(self, port, *, ip="127.0.0.1", threads=3, method="GET", path="/load",
                 keepalive=True, pause=0.005, timeout=5.0, host=rawhttp.DEFAULT_HOST, tag=None):
        self.port, self.ip, self.method, self.path = port, ip, method, path
        self.keepalive, self.pause, self.timeout, self.host = keepalive, pause, timeout, host
        self.tag = tag or method.lower()
        self.lock = threading.Lock()
        self.ok = []        # (t, id)
        self.answered = []  # (t, id, status, body)
        self.failed = []    # (t, id, error)
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(k,), daemon=True)
                        for k in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self, k):
        conn, n = None, 0
        while not self.stop_event.is_set():
            n += 1
            rid = "%s%d-%d" % (self.tag, k, n)
            body = ("id=%s" % rid) if self.method in ("POST", "PUT") else None
            try:
                if conn is None:
                    conn = rawhttp.Conn(self.port, host=self.ip, timeout=self.timeout * TIME_SCALE)
                r = conn.request(self.method, "%s?id=%s" % (self.path, rid), body=body, host=self.host,
                                 headers=None if self.keepalive else [("Connection", "close")])
                with self.lock:
                    if 200 <= r.status < 300:
                        self.ok.append((time.monotonic(), rid))
                    else:
                        self.answered.append((time.monotonic(), rid, r.status, r.body[:300]))
                if not self.keepalive or "close" in r.connection_tokens():
                    conn.close()
                    conn = None
            except Exception as e:  # a failed request, whatever its form
                with self.lock:
                    self.failed.append((time.monotonic(), rid, repr(e)[:200]))
                if conn is not None:
                    conn.close()
                conn = None
            if self.pause:
                time.sleep(self.pause)
        if conn is not None:
            conn.close()

    def ok_since(self, t):
        with self.lock:
            return sum(1 for when, _ in self.ok if when > t)

    def wait_ok_since(self, t, count=20, timeout=20):
        wait_until(lambda: self.ok_since(t) >= count, timeout * TIME_SCALE,
                   message="%d successful requests" % count)

    def finish(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(15 * TIME_SCALE)
        return self

    def summary(self):
        statuses = {}
        for _, _, s, _ in self.answered:
            statuses[str(s)] = statuses.get(str(s), 0) + 1
        return {"requests": len(self.ok) + len(self.answered) + len(self.failed),
                "ok": len(self.ok), "error_statuses": statuses, "no_response": len(self.failed)}


class BackendProcess:
    """tests/faults/backend_proc.py on 127.0.0.1:port: an HTTP/1.1 keep-alive server that
    appends "METHOD id" to its log (flushed) before it answers, so that every request a
    client saw acknowledged is in the log, whatever happens to the process afterwards.
    kill() is kill -9; start() again reuses the port."""

    def __init__(self, workdir, name="backend", port=None, mode="echo"):
        self.port = port or free_port()
        self.mode = mode
        self.log_path = os.path.join(str(workdir), "%s.log" % name)
        self.stderr_path = os.path.join(str(workdir), "%s.stderr" % name)
        self.proc = None
        self.start()

    def url(self, base=""):
        return "http://127.0.0.1:%d%s" % (self.port, base)

    def start(self):
        self.stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "backend_proc.py"),
                                      str(self.port), self.log_path, self.mode],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr, start_new_session=True)
        wait_until(lambda: self.proc.poll() is None and rawhttp.request(
            self.port, "GET", "/ready", timeout=1).status == 200, 10 * TIME_SCALE,
            message="backend process on %d" % self.port)
        return self

    def kill(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.stderr.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.kill()

    def logged(self):
        """{id: count} of the requests it answered (or was about to)."""
        out = {}
        try:
            with open(self.log_path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2:
                        out[parts[1]] = out.get(parts[1], 0) + 1
        except FileNotFoundError:
            pass
        return out


class EchoLog:
    """An e2e EchoBackend's records seen as a BackendProcess log ({id: count})."""

    def __init__(self, echo):
        self.echo = echo

    def logged(self):
        out = {}
        with self.echo.lock:
            records = list(self.echo.requests)
        for rec in records:
            for part in rec["query"].split("&"):
                if part.startswith("id="):
                    out[part[3:]] = out.get(part[3:], 0) + 1
        return out


def check_nothing_lost(load, backend, *, idempotent):
    """Every request a client saw acknowledged (2xx) reached the backend; a non-idempotent
    one reached it exactly once. Returns (acknowledged, duplicates)."""
    logged = backend.logged()
    acked = [rid for _, rid in load.ok]
    missing = [rid for rid in acked if rid not in logged]
    assert not missing, "acknowledged but never received by the backend: %s" % missing[:10]
    dups = [rid for rid, n in logged.items() if n > 1]
    if not idempotent:
        assert not dups, "non-idempotent requests delivered twice: %s" % dups[:10]
    return len(acked), len(dups)
