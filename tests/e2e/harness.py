"""Running the real gateway binary for the end-to-end tests (STYLE.md habit 10): 127.0.0.1
only, ephemeral ports, everything started is killed at the end, and a sanitizer report in
its stderr fails the test."""

import glob
import json
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time

import rawhttp
from snapshots import REGION

SAN = os.environ.get("MERIDIAN_SAN", "0") == "1"
# Sanitizer builds are several times slower: waits (never assertions about speed) scale.
TIME_SCALE = 4 if SAN else 1
STATUS_PATH = "/status-0123456789abcdef"
SANITIZER_MARKERS = ("AddressSanitizer", "runtime error:", "LeakSanitizer")
# How the supervisor (src/gateway/supervise.c) logs a unit that died on its own, or that
# did not exit cleanly while stopping: a crash the restart would otherwise hide.
UNIT_DEATH_MARKERS = (" unexpectedly; restarting", " while stopping")


def wait_until(predicate, timeout, interval=0.05, message="condition"):
    """Polls predicate() until it returns a truthy value; returns it or raises."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, rawhttp.IncompleteResponse, ValueError) as e:
            last_exc = e
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s (last error: %r)"
                                 % (timeout, message, last_exc))
        time.sleep(interval)


class Background:
    """fn() run in a thread of its own (a request that must be in flight while the test does
    something else). result() waits for it and returns fn's value; it fails the test when fn
    raised (with that exception) or has not finished in time."""

    def __init__(self, fn):
        self._outcome = {}
        self._thread = threading.Thread(target=self._run, args=(fn,))
        self._thread.start()

    def _run(self, fn):
        try:
            self._outcome["value"] = fn()
        except Exception as e:  # handed to the test by result()
            self._outcome["error"] = e

    def result(self, timeout):
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "still running %ss later" % timeout
        assert "error" not in self._outcome, self._outcome
        return self._outcome["value"]


# ---- ports -----------------------------------------------------------------------------

def _bindable(port):
    # SO_REUSEADDR as every server here binds (libuv, nginx, Python's HTTPServer): a port
    # that is only the local end of TIME_WAIT connections — thousands after a load or
    # exhaustion test — is free for a listener.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_block(n):
    """First port of n consecutive free ports (unit k's admin port is admin port + k).

    Taken below the kernel's ephemeral range: the outgoing connections of a load test (and
    their TIME_WAIT ends, which a listener cannot take over) live inside that range, so a
    block there can be found busy, or be taken by a connect() between this check and the
    server's bind."""
    low = _ephemeral_low()
    rng = random.Random()
    for _ in range(500):
        base = rng.randrange(10000, max(10001, low - n))
        if all(_bindable(base + k) for k in range(n)):
            return base
    raise AssertionError("no block of %d free ports" % n)


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


# ---- processes ---------------------------------------------------------------------------

def children(pid):
    out = []
    for path in glob.glob("/proc/%d/task/*/children" % pid):
        try:
            with open(path) as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return sorted(set(out))


def descendants(pid):
    out = []
    todo = children(pid)
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return sorted(out)


def proc_status(pid):
    """/proc/PID/status as a dict of strings ({} when the process is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return {}


def vm_kib(pid, key):
    v = proc_status(pid).get(key)
    return int(v.split()[0]) if v else 0


def group_members(pgid):
    """Live (non-zombie) processes in process group pgid."""
    out = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                data = f.read()
        except OSError:
            continue
        rest = data[data.rfind(")") + 2:].split()
        if len(rest) > 2 and int(rest[2]) == pgid and rest[0] != "Z":
            out.append(int(stat.split("/")[2]))
    return out


def finish_gateways(gateways):
    """Teardown of several gateways, the last started first: Gateway.finish for each (a
    teardown that raises still kills that gateway's process group, and the others are still
    finished); returns every problem found."""
    problems = []
    for gw in reversed(gateways):
        try:
            problems += gw.finish()
        except Exception as e:  # go on: every gateway must be stopped
            problems.append("%s: teardown failed: %r" % (gw.name, e))
            gw._kill_group()
    return problems


# ---- Prometheus text ---------------------------------------------------------------------

_SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$')
_LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


def parse_prometheus(text):
    """[(name, {label: value}, float)]; raises on a malformed sample line."""
    samples = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = _SAMPLE_RE.match(line)
        if not m:
            raise ValueError("malformed metrics line %r" % line)
        labels = {}
        if m.group(3):
            pos = 0
            body = m.group(3)
            while pos < len(body):
                lm = _LABEL_RE.match(body, pos)
                if not lm:
                    raise ValueError("malformed labels in %r" % line)
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        samples.append((m.group(1), labels, float(m.group(4))))
    return samples


def metric_values(samples, name, **labels):
    return [v for n, l, v in samples if n == name and all(l.get(k) == str(x) for k, x in labels.items())]


# ---- the gateway ---------------------------------------------------------------------------

class Gateway:
    """One `meridian gateway` process (its own process group) with stdout/stderr in files."""

    def __init__(self, binary, workdir, snapshot=None, *, name="gw", units=None, admin=True,
                 access_log=None, drain_timeout=5, region=REGION, extra_args=(), env=None):
        self.binary = binary
        self.workdir = str(workdir)
        self.name = name
        self.units = units
        self.unit_count = units or 1
        self.port = free_port()
        self.admin_port = free_port_block(self.unit_count) if admin else None
        self.access_log_arg = access_log
        self.drain_timeout = drain_timeout
        self.region = region
        self.extra_args = list(extra_args)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.snapshot_path = os.path.join(self.workdir, "%s-snapshot.json" % name)
        self.stdout_path = os.path.join(self.workdir, "%s.stdout" % name)
        self.stderr_path = os.path.join(self.workdir, "%s.stderr" % name)
        self.proc = None
        self.terminated_by_harness = False
        self.stop_requested = False       # the test signalled it to stop (or killed it)
        self.expect_unit_deaths = False   # the test kills units on purpose
        if snapshot is not None:
            self.write_snapshot(snapshot)

    # -- configuration --

    def write_snapshot(self, snapshot):
        """Writes the snapshot atomically (temp file + rename) so a reload never reads half."""
        text = snapshot if isinstance(snapshot, str) else json.dumps(snapshot, indent=2)
        tmp = self.snapshot_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.snapshot_path)

    def args(self):
        a = [self.binary, "gateway", "--region", self.region, "--snapshot", self.snapshot_path,
             "--listen", "127.0.0.1:%d" % self.port]
        if self.admin_port:
            a += ["--admin", "127.0.0.1:%d" % self.admin_port]
        if self.units is not None:
            a += ["--units", str(self.units)]
        if self.access_log_arg is not None:
            a += ["--access-log", self.access_log_arg]
        if self.drain_timeout is not None:
            a += ["--drain-timeout", str(self.drain_timeout)]
        return a + self.extra_args

    # -- lifecycle --

    def start(self, wait="ok", timeout=None):
        """wait: "ok" (status 200 on the listener and /metrics on every admin port), "port"
        (listener accepts) or None."""
        timeout = timeout or 20 * TIME_SCALE
        self.stdout_file = open(self.stdout_path, "ab")
        self.stderr_file = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(self.args(), stdin=subprocess.DEVNULL, stdout=self.stdout_file,
                                     stderr=self.stderr_file, env=self.env, cwd=self.workdir,
                                     start_new_session=True)
        if wait == "ok":
            self.wait_ready(timeout)
        elif wait == "port":
            self._wait(lambda: port_open(self.port), timeout, "listener on port %d" % self.port)
        return self

    def _wait(self, predicate, timeout, what):
        def check():
            if self.proc.poll() is not None:
                raise AssertionError("gateway exited with %s while waiting for %s; stderr:\n%s"
                                     % (self.proc.returncode, what, self.stderr()[-4000:]))
            return predicate()
        return wait_until(check, timeout, message=what)

    def wait_ready(self, timeout=None):
        timeout = timeout or 20 * TIME_SCALE
        self._wait(lambda: self.status_code() == 200, timeout, "%s 200" % STATUS_PATH)
        if self.admin_port:
            for k in range(self.unit_count):
                self._wait(lambda: self.metrics_text(k) is not None, timeout, "metrics of unit %d" % k)

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        if sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
            self.stop_requested = True
        self.proc.send_signal(sig)

    def sighup(self):
        self.send_signal(signal.SIGHUP)

    def reload(self, snapshot, revision=None, timeout=None):
        """Writes `snapshot`, sends SIGHUP and, when revision is given, waits until every
        unit's meridian_config_revision shows it."""
        self.write_snapshot(snapshot)
        self.sighup()
        if revision is not None:
            self.wait_revision(revision, timeout)

    def wait_revision(self, revision, timeout=None):
        timeout = timeout or 10 * TIME_SCALE
        for k in range(self.unit_count):
            self._wait(lambda: revision in self.metric("meridian_config_revision", at_unit=k), timeout,
                       "unit %d at revision %s" % (k, revision))

    def stop(self, sig=signal.SIGTERM, timeout=None):
        """Signals and waits; returns the exit code (raises if it does not exit)."""
        timeout = timeout or (self.drain_timeout or 30) + 15 * TIME_SCALE
        self.stop_requested = True
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("gateway did not exit within %ss after signal %s" % (timeout, sig))

    def finish(self):
        """Teardown: SIGTERM (if still running), SIGKILL whatever is left in its process
        group; returns a list of problems (not exiting, bad exit code, leftover processes,
        sanitizer reports)."""
        problems = []
        if self.proc is None:
            return problems
        if self.proc.poll() is not None and not self.stop_requested:
            problems.append("%s: exited on its own with code %s" % (self.name, self.proc.returncode))
        if self.proc.poll() is None:
            self.terminated_by_harness = True
            timeout = (self.drain_timeout or 30) + 15 * TIME_SCALE
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout)
                if code != 0:
                    problems.append("%s: exit code %s after SIGTERM (expected 0)" % (self.name, code))
            except subprocess.TimeoutExpired:
                problems.append("%s: did not exit within %ss of SIGTERM" % (self.name, timeout))
                self._kill_group()
                self.proc.wait(10)
        left = group_members(self.proc.pid)
        if left:
            time.sleep(1.0 * TIME_SCALE)  # children may still be draining after a kill -9 of their parent
            left = group_members(self.proc.pid)
            if left:
                problems.append("%s: processes left behind after the supervisor exited: %s" % (self.name, left))
        self._kill_group()
        for f in (self.stdout_file, self.stderr_file):
            f.close()
        reports = self.sanitizer_reports()
        if reports:
            problems.append("%s: sanitizer report in stderr:\n%s" % (self.name, reports))
        if not self.expect_unit_deaths:
            deaths = [line for line in self.stderr().splitlines() if any(m in line for m in UNIT_DEATH_MARKERS)]
            if deaths:
                problems.append("%s: units died:\n%s" % (self.name, "\n".join(deaths[:10])))
        return problems

    def _kill_group(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    # -- output --

    def stdout(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def sanitizer_reports(self):
        text = self.stderr()
        hits = [i for i, line in enumerate(text.splitlines()) if any(m in line for m in SANITIZER_MARKERS)]
        if not hits:
            return ""
        lines = text.splitlines()
        return "\n".join(lines[max(0, hits[0] - 5):hits[0] + 60])

    def access_log(self, path=None):
        """JSON objects found one per line in stdout (or in `path`)."""
        if path is None:
            text = self.stdout()
        else:
            try:
                with open(path) as f:
                    text = f.read()
            except FileNotFoundError:
                return []
        out = []
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def wait_access_log(self, predicate, count=1, timeout=None, path=None):
        timeout = timeout or 5 * TIME_SCALE
        return wait_until(lambda: (lambda m: m if len(m) >= count else None)(
            [e for e in self.access_log(path) if predicate(e)]), timeout, message="access log lines")

    # -- HTTP --

    def request(self, method="GET", target="/", headers=None, body=None, host=rawhttp.DEFAULT_HOST,
                timeout=None, **kw):
        return rawhttp.request(self.port, method, target, headers, body, host,
                               timeout=timeout or 10 * TIME_SCALE, **kw)

    def conn(self, timeout=None):
        return rawhttp.Conn(self.port, timeout=timeout or 10 * TIME_SCALE)

    def status_code(self):
        return self.request("GET", STATUS_PATH, timeout=2 * TIME_SCALE).status

    def metrics_text(self, unit=0):
        r = rawhttp.request(self.admin_port + unit, "GET", "/metrics", timeout=5 * TIME_SCALE)
        return r.body.decode() if r.status == 200 else None

    def metrics(self, unit=0):
        return parse_prometheus(self.metrics_text(unit) or "")

    def metric(self, name, at_unit=0, **labels):
        """Values of the samples of `name` whose labels match, from unit `at_unit`."""
        return metric_values(self.metrics(at_unit), name, **labels)

    def unit_pids(self):
        """The unit processes: the supervisor's descendants (the supervisor itself when it
        has none, i.e. when the unit runs in-process)."""
        d = descendants(self.proc.pid)
        return d or [self.proc.pid]

    def peak_rss_kib(self):
        return max(vm_kib(p, "VmHWM") for p in self.unit_pids())
