"""A real redis-server for end-to-end tests (shared by the counters and cache tests).

    with RedisServer(tmp_path) as redis:        # started, ready, stopped at the end
        redis.url                                 # "redis://127.0.0.1:PORT/0"
        redis.command("GET", "k")                 # a tiny RESP client, no dependency

The server runs in its own process group on 127.0.0.1 and a free port (redis-server has no
"--port 0"), with no persistence (--save '' --appendonly no) and its files in a directory of
the test's tmp_path. pause()/resume() stop and continue it (SIGSTOP/SIGCONT: a Redis that
does not answer), stop()/start() kill it and start it again on the same port (an outage).
A missing redis-server is a failure, not a skip (STYLE.md habit 10): scripts/bootstrap
installs it."""

import os
import shutil
import signal
import socket
import subprocess
import time

from harness import free_port, wait_until


class RedisError(Exception):
    pass


def _read_line(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("redis closed the connection")
    return line[:-2]


def _read_reply(f):
    line = _read_line(f)
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2]
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise RedisError("unexpected reply %r" % line)


def command_at(port, *args, timeout=2.0):
    """Sends one command to 127.0.0.1:port and returns the decoded reply (bulk strings as
    bytes, integers as int, arrays as lists); raises RedisError for "-ERR ..."."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(b), b))
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"".join(parts))
        with s.makefile("rb") as f:
            return _read_reply(f)


class RedisServer:
    def __init__(self, workdir, name="redis", port=None):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            raise AssertionError("redis-server is not installed (scripts/bootstrap installs it)")
        self.dir = os.path.join(str(workdir), name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or free_port()
        self.log_path = os.path.join(self.dir, "redis.log")
        self.proc = None
        self.is_paused = False

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port

    def start(self, timeout=10.0):
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", self.dir,
                "--logfile", self.log_path, "--daemonize", "no",
                "--protected-mode", "no"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("redis-server exited with %s; log:\n%s"
                                     % (self.proc.returncode, self.log()[-2000:]))
            try:
                return self.command("PING") == "PONG"
            except (OSError, RedisError, ConnectionError):
                return False
        wait_until(ready, timeout, message="redis-server on port %d" % self.port)
        return self

    def command(self, *args):
        return command_at(self.port, *args)

    def pause(self):
        os.killpg(self.proc.pid, signal.SIGSTOP)
        self.is_paused = True

    def resume(self):
        os.killpg(self.proc.pid, signal.SIGCONT)
        self.is_paused = False

    def stop(self):
        if self.proc is None:
            return
        if self.is_paused:
            self.resume()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def wait_for_key(server, key, timeout=5.0):
    """Waits until `key` exists (a gateway's write reached Redis); returns its value."""
    return wait_until(lambda: server.command("GET", key), timeout, message="redis key %s" % key)


def _self_test(tmp):
    with RedisServer(tmp) as r:
        assert r.command("INCRBY", "k", 3) == 3
        assert r.command("GET", "k") == b"3"
        r.pause()
        t0 = time.monotonic()
        try:
            command_at(r.port, "PING", timeout=0.3)
            raise AssertionError("a paused server answered")
        except OSError:
            assert time.monotonic() - t0 < 2
        r.resume()
        assert r.command("PING") == "PONG"


if __name__ == "__main__":
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        _self_test(d)
        print("ok")
