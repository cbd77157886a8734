#!/usr/bin/python3
"""bench/soak: the whole system under mixed load for a long time, with a configuration change
every second and a unit killed every minute (issue 9, part 3). Not a unit test: it prints
figures for docs/reliability.md and exits 1 when a request failed that no injected fault
explains, or when a sanitizer reported anything.

One run on loopback: `meridian manage` (West US primary + East Asia), a `meridian gateway`
of U units per location in feed mode on 127.0.R.1, a `meridian demo-backend`, and
`meridian router` whose L7 edge sends clients "in" 127.0.1.0/24 to West US and 127.0.2.0/24
to East Asia. Clients of both groups send GET, POST (1 KiB) and PUT through the edge on
keep-alive connections. Every --change-interval the API's policy is rewritten (REST; every
tenth change through the CLI, `meridian named-value set`), every --restart-interval one unit
(alternating regions and units) is killed with SIGKILL and its supervisor restarts it.

A failed request (no answer, or a status other than 200) is "injected" when it was in flight
at a kill or sent within 5 s after one; any other is an error. RSS of every process is sampled every 5 s;
the report gives the least-squares slope in KiB per minute for each (units: per process
lifetime of at least 2 minutes).

Usage: bench/soak/soak.py [--duration 600] [--units 2] [--clients 4] [--meridian bin/meridian]
                          [--change-interval 1] [--restart-interval 60] [--san]
--san: the binary is a sanitizer build (build/san/bin/meridian); every process's log is
checked for AddressSanitizer / LeakSanitizer / UBSan reports after a clean SIGTERM stop."""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SVC = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/meridian"
       "/providers/Microsoft.ApiManagement/service/meridian")
API_VERSION = "2022-08-01"
REGIONS = [("West US", "westus", 1), ("East Asia", "eastasia", 2)]
STATUS_PATH = "/status-0123456789abcdef"
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")
INJECTED_WINDOW_S = 5.0


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("timed out waiting for %s" % what)


def children(pid):
    out = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return sorted(set(out))


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def slope_per_minute(samples):
    """Least-squares slope of [(t seconds, kib)] in KiB per minute."""
    if len(samples) < 3:
        return None
    ts = [t for t, _ in samples]
    vs = [v for _, v in samples]
    mt, mv = statistics.mean(ts), statistics.mean(vs)
    den = sum((t - mt) ** 2 for t in ts)
    if den == 0:
        return None
    return 60.0 * sum((t - mt) * (v - mv) for t, v in zip(ts, vs)) / den


class Manage:
    def __init__(self, port, token):
        self.port, self.token = port, token
        self.conn = None

    def call(self, method, path, body=None):
        headers = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if method in ("PATCH", "DELETE"):
            headers["If-Match"] = "*"
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                sep = "&" if "?" in path else "?"
                self.conn.request(method, SVC + path + sep + "api-version=" + API_VERSION,
                                  body=data, headers=headers)
                r = self.conn.getresponse()
                payload = r.read()
                break
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt == 2:
                    raise
        if r.status >= 300:
            raise SystemExit("%s %s: %d %s" % (method, path, r.status, payload[:400]))
        return r, payload


def policy(i):
    return ("<policies><inbound><base /></inbound><backend><base /></backend><outbound><base />"
            '<set-header name="X-Change" exists-action="override"><value>%d</value></set-header>'
            "</outbound><on-error><base /></on-error></policies>" % i)


class Client(threading.Thread):
    """One client "in" a region (source address 127.0.R.10+k), keep-alive, mixed methods."""

    def __init__(self, edge_port, source, seed, stop, sink):
        super().__init__(daemon=True)
        self.edge_port, self.source, self.stop, self.sink = edge_port, source, stop, sink
        self.rng = random.Random(seed)

    def run(self):
        conn = None
        body = b"x" * 1024
        n = 0
        while not self.stop.is_set():
            n += 1
            roll = self.rng.random()
            method = "GET" if roll < 0.7 else ("POST" if roll < 0.9 else "PUT")
            t = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.edge_port, timeout=10,
                                                      source_address=(self.source, 0))
                conn.request(method, "/soak/item/%d" % n, body=body if method != "GET" else None,
                             headers={"Content-Type": "application/octet-stream"})
                r = conn.getresponse()
                r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                status = type(e).__name__
                if conn is not None:
                    conn.close()
                conn = None
            self.sink.append((t, time.monotonic() - t, method, status))
        if conn is not None:
            conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--units", type=int, default=2)
    ap.add_argument("--clients", type=int, default=4, help="client threads (half per region)")
    ap.add_argument("--change-interval", type=float, default=1.0)
    ap.add_argument("--restart-interval", type=float, default=60.0)
    ap.add_argument("--meridian", default=os.path.join(ROOT, "bin", "meridian"))
    ap.add_argument("--san", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="meridian-soak-")
    procs, logs = {}, {}
    env = dict(os.environ)
    if args.san:
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"

    def start(name, argv):
        log = open(os.path.join(tmp, name + ".log"), "ab")
        logs[name] = log
        procs[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                       start_new_session=True)
        return procs[name]

    results, kills, changes, rss = [], [], [], {}
    stop = threading.Event()
    failed_checks = []
    try:
        backend_port = free_port()
        start("backend", [args.meridian, "demo-backend", "--listen", "127.0.0.1:%d" % backend_port])
        manage_port = free_port()
        data = os.path.join(tmp, "data")
        start("manage", [args.meridian, "manage", "--listen", "127.0.0.1:%d" % manage_port,
                         "--data", data, "--location", REGIONS[0][0]])
        key_file = os.path.join(data, "admin-key.json")
        wait_until(lambda: os.path.exists(key_file) and socket.create_connection(
            ("127.0.0.1", manage_port), timeout=1).close() is None, 60, "meridian manage")
        with open(key_file) as f:
            mg = Manage(manage_port, json.load(f)["token"])
        mg.call("PUT", "/apis/soak", {"properties": {
            "displayName": "soak", "path": "soak", "protocols": ["http"],
            "serviceUrl": "http://127.0.0.1:%d" % backend_port, "subscriptionRequired": False}})
        for m in ("GET", "POST", "PUT"):
            mg.call("PUT", "/apis/soak/operations/%s" % m.lower(), {"properties": {
                "displayName": m, "method": m, "urlTemplate": "/*"}})
        mg.call("PUT", "/apis/soak/policies/policy",
                {"properties": {"format": "rawxml", "value": policy(0)}})
        mg.call("PATCH", "/locations/westus", {"properties": {"units": args.units}})
        mg.call("PUT", "/locations/eastasia", {"properties": {"displayName": "East Asia",
                                                              "units": args.units}})
        gateways = {}
        for name, slug, octet in REGIONS:
            host = "127.0.%d.1" % octet
            port, admin = free_port(host), free_port(host)
            token = os.path.join(data, "gateway-tokens", slug + ".token")
            wait_until(lambda: os.path.exists(token), 20, "the token of " + name)
            gateways[slug] = (start("gw-" + slug, [
                args.meridian, "gateway", "--region", name,
                "--config-url", "http://127.0.0.1:%d" % manage_port, "--token-file", token,
                "--state-dir", os.path.join(tmp, "state-" + slug), "--listen", "%s:%d" % (host, port),
                "--admin", "%s:%d" % (host, admin), "--units", str(args.units),
                "--access-log", "off"]), host, port)
        profiles = {
            "zone": "tm.meridian.soak",
            "latency": [{"subnet": "127.0.1.0/24", "regions": {"West US": 5, "East Asia": 150}},
                        {"subnet": "127.0.2.0/24", "regions": {"West US": 150, "East Asia": 5}}],
            "profiles": [{"name": "soak", "routingMethod": "Performance", "ttl": 5,
                          "monitor": {"protocol": "HTTP", "port": 80, "path": STATUS_PATH,
                                      "intervalSeconds": 1, "timeoutSeconds": 0.5,
                                      "toleratedFailures": 1},
                          "endpoints": [{"name": slug, "target": host, "port": port, "location": name}
                                        for (name, slug, _), (_, host, port) in
                                        zip(REGIONS, gateways.values())]}]}
        with open(os.path.join(tmp, "profiles.json"), "w") as f:
            json.dump(profiles, f)
        edge = free_port()
        start("router", [args.meridian, "router", "--profiles", os.path.join(tmp, "profiles.json"),
                         "--edge", "127.0.0.1:%d" % edge, "--dns", "127.0.0.1:%d" % free_port(),
                         "--admin", "127.0.0.1:%d" % free_port()])

        def edge_ok(octet):
            c = http.client.HTTPConnection("127.0.0.1", edge, timeout=2,
                                           source_address=("127.0.%d.9" % octet, 0))
            try:
                c.request("GET", "/soak/ready")
                r = c.getresponse()
                r.read()
                return r.status == 200
            finally:
                c.close()
        wait_until(lambda: edge_ok(1) and edge_ok(2), 60, "both regions through the edge")
        time.sleep(2)  # both endpoints Online

        clients = [Client(edge, "127.0.%d.%d" % (1 + k % 2, 10 + k), k, stop, results)
                   for k in range(args.clients)]
        t0 = time.monotonic()
        for c in clients:
            c.start()
        next_change = t0 + args.change_interval
        next_restart = t0 + args.restart_interval
        next_sample = t0
        change_no = 0
        victim_no = 0
        cli_env = dict(env, MERIDIAN_ENDPOINT="http://127.0.0.1:%d" % manage_port,
                       MERIDIAN_KEY_FILE=key_file)
        while time.monotonic() - t0 < args.duration:
            now = time.monotonic()
            if now >= next_sample:
                roles = {"manage": procs["manage"].pid, "router": procs["router"].pid}
                for slug, (p, _, _) in gateways.items():
                    roles["supervisor-" + slug] = p.pid
                    for k, pid in enumerate(children(p.pid)):
                        roles["unit-%s-%d" % (slug, pid)] = pid
                for role, pid in roles.items():
                    v = rss_kib(pid)
                    if v is not None:
                        rss.setdefault(role, []).append((now - t0, v))
                next_sample += 5
            if now >= next_change:
                change_no += 1
                t = time.monotonic()
                if change_no % 10 == 0:
                    r = subprocess.run([args.meridian, "named-value", "set", "soak-%d" % (change_no % 7),
                                        "--value", "v%d" % change_no], env=cli_env,
                                       capture_output=True, text=True, timeout=30)
                    if r.returncode != 0:
                        failed_checks.append("CLI change %d failed: %s" % (change_no, r.stderr[:300]))
                    how = "cli"
                else:
                    mg.call("PUT", "/apis/soak/policies/policy",
                            {"properties": {"format": "rawxml", "value": policy(change_no)}})
                    how = "rest"
                changes.append((t - t0, time.monotonic() - t, how))
                next_change += args.change_interval
            if now >= next_restart:
                slug = REGIONS[victim_no % 2][1]
                units = children(gateways[slug][0].pid)
                if units:
                    pid = units[(victim_no // 2) % len(units)]
                    os.kill(pid, signal.SIGKILL)
                    kills.append((time.monotonic(), slug, pid))
                victim_no += 1
                next_restart += args.restart_interval
            time.sleep(0.02)
        stop.set()
        for c in clients:
            c.join(15)
        elapsed = time.monotonic() - t0
    finally:
        stop.set()
        for name in reversed(list(procs)):
            p = procs[name]
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        exit_codes = {}
        for name, p in procs.items():
            try:
                exit_codes[name] = p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                exit_codes[name] = "killed"
        for log in logs.values():
            log.close()

    # ---- report ----
    injected, errors = [], []
    for t, dt, method, status in results:
        if status == 200:
            continue
        # in flight at a kill, or sent within the window after it
        if any(t <= k + INJECTED_WINDOW_S and t + dt >= k for k, _, _ in kills):
            injected.append((t, method, status))
        else:
            errors.append((round(t - t0, 2), method, status))
    lat = sorted(dt * 1000 for _, dt, _, s in results if s == 200)
    slopes = {}
    for role, samples in rss.items():
        if role.startswith("unit-") and (len(samples) < 3 or samples[-1][0] - samples[0][0] < 120):
            continue
        warm = [(t, v) for t, v in samples if t >= 30]  # after the first allocations
        s = slope_per_minute(warm if len(warm) >= 3 else samples)
        if s is not None:
            slopes[role] = {"kib_per_min": round(s, 1), "first_kib": samples[0][1],
                            "last_kib": samples[-1][1]}
    sanitizer = []
    for name in procs:
        with open(os.path.join(tmp, name + ".log"), errors="replace") as f:
            text = f.read()
        if any(m in text for m in SANITIZER_MARKERS):
            sanitizer.append(name)
    unclean = {n: c for n, c in exit_codes.items() if c != 0}
    summary = {
        "duration_s": round(elapsed, 1), "units_per_region": args.units, "clients": args.clients,
        "requests": len(results), "rps": round(len(results) / elapsed, 1),
        "by_method": {m: sum(1 for r in results if r[2] == m) for m in ("GET", "POST", "PUT")},
        "latency_ms": {"p50": round(lat[len(lat) // 2], 2) if lat else None,
                       "p99": round(lat[int(len(lat) * 0.99)], 2) if lat else None},
        "config_changes": len(changes),
        "config_change_ack_ms_p99": round(sorted(c[1] for c in changes)[int(len(changes) * 0.99)] * 1000, 1)
        if changes else None,
        "unit_kills": len(kills), "injected_failures": len(injected),
        "injected_by_method": {m: sum(1 for i in injected if i[1] == m) for m in ("GET", "POST", "PUT")},
        "errors": len(errors), "rss_slope": slopes, "sanitizer_reports": sanitizer,
        "exit_codes_not_0": unclean, "check_failures": failed_checks,
    }
    print(json.dumps(summary, indent=1))
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    out = os.path.join(ROOT, "bench", "results", time.strftime("soak-%Y%m%d-%H%M%S.json", time.gmtime()))
    with open(out, "w") as f:
        json.dump({"summary": summary, "errors": errors[:200], "injected": injected[:200],
                   "rss_samples_kib": rss}, f, indent=1)
    print("raw results: " + os.path.relpath(out, ROOT))
    if args.keep or errors or sanitizer or unclean or failed_checks:
        print("logs kept in " + tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    if errors or sanitizer or unclean or failed_checks:
        print("SOAK FAILED: %d errors outside injected faults, sanitizer reports in %s, "
              "unclean exits %s, %d failed checks" % (len(errors), sanitizer, unclean, len(failed_checks)))
        return 1
    print("SOAK PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
