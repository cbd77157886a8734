"""Fixtures for the end-to-end suite.

Environment (set by `make e2e`): MERIDIAN_BIN = absolute path of the binary under test,
MERIDIAN_SAN = 1 when it is a sanitizer build (waits scale, big transfers shrink).
A missing binary fails the tests that need it (STYLE.md habit 10: never a silent skip).
"""

import os
import signal

import pytest

from backends import Backends
from cli_manage_util import Cli
from harness import TIME_SCALE, Gateway, finish_gateways, free_port, free_port_block
from manage_harness import Manage

DEFAULT_TEST_TIMEOUT = 120


def pytest_configure(config):
    config.addinivalue_line("markers", "timeout_s(seconds): wall-clock bound of one test body "
                                       "(default %d s, multiplied under MERIDIAN_SAN=1)" % DEFAULT_TEST_TIMEOUT)


class BodyTimeout(Exception):
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Every test body is bounded in time (no pytest-timeout here): SIGALRM interrupts the
    main thread, even inside a blocking socket call."""
    marker = item.get_closest_marker("timeout_s")
    seconds = int((marker.args[0] if marker else DEFAULT_TEST_TIMEOUT) * TIME_SCALE)

    def on_alarm(signum, frame):
        raise BodyTimeout("test exceeded %d s" % seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def meridian_bin():
    path = os.environ.get("MERIDIAN_BIN")
    if not path:
        pytest.fail("MERIDIAN_BIN is not set (run through `make e2e`)")
    if not os.path.isabs(path) or not os.access(path, os.X_OK):
        pytest.fail("MERIDIAN_BIN=%r is not an absolute path to an executable" % path)
    return path


@pytest.fixture
def port():
    """A free 127.0.0.1 port."""
    return free_port()


@pytest.fixture
def port_block():
    return free_port_block


@pytest.fixture
def backends():
    pool = Backends()
    yield pool
    errors = pool.stop_all()
    assert not errors, "test backends failed: %s" % errors


@pytest.fixture
def gateways(meridian_bin, tmp_path, backends):
    """Factory: gateways(snapshot, **Gateway kwargs, wait="ok"|"port"|None, start=True).
    Teardown SIGTERMs each gateway, expects exit code 0, kills anything left in its process
    group, and fails on sanitizer reports. Depends on `backends` so that gateways stop
    before their backends do."""
    started = []

    def make(snapshot=None, wait="ok", start=True, **kw):
        gw = Gateway(meridian_bin, tmp_path, snapshot, name="gw%d" % len(started), **kw)
        started.append(gw)
        if start:
            gw.start(wait=wait)
        return gw

    yield make
    problems = finish_gateways(started)
    assert not problems, "\n".join(problems)


@pytest.fixture
def gateway(gateways, backends):
    """A gateway with one catch-all API ("echo", path "") in front of an echo backend; the
    backend is gateway.echo."""
    from snapshots import echo_snapshot
    echo = backends.echo("echo")
    gw = gateways(echo_snapshot(echo))
    gw.echo = echo
    return gw


@pytest.fixture
def manage(meridian_bin, tmp_path):
    """A `meridian manage` on a fresh data directory (tmp_path/data); its teardown fails on
    an exit code other than 0 or a sanitizer report. A test file needing other options
    defines its own `manage`."""
    m = Manage(meridian_bin, tmp_path / "data").start()
    yield m
    m.stop()


@pytest.fixture
def cli(meridian_bin, manage):
    """The management subcommands of the CLI pointed at `manage` with its admin key."""
    return Cli(meridian_bin, manage)
