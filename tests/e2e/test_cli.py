"""Command line: bad arguments exit 2 with a message; a snapshot that does not compile is
reported as file:line:col (+ JSON path) and the unit serves 503 (unit.h, docs/snapshot.md)."""

import json
import os
import re
import signal
import socket
import subprocess

import pytest

from harness import SANITIZER_MARKERS, STATUS_PATH, TIME_SCALE, free_port, wait_until
from snapshots import REGION, api, op, snapshot


def run_cli(binary, args, timeout=None):
    """Runs the binary to completion in its own process group; a process that does not
    exit (it started serving) is killed with its group and reported."""
    timeout = timeout or 10 * TIME_SCALE
    p = subprocess.Popen([binary] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError("%r did not exit within %ss (it should have refused its arguments)" % (args, timeout))
    err = err.decode("utf-8", "replace")
    for marker in SANITIZER_MARKERS:
        assert marker not in err, err
    return p.returncode, out.decode("utf-8", "replace"), err


@pytest.fixture
def valid_args(tmp_path):
    snap = tmp_path / "snapshot.json"
    snap.write_text(json.dumps(snapshot([])))
    return {"--region": REGION, "--snapshot": str(snap), "--listen": "127.0.0.1:%d" % free_port()}


def build(valid, **changes):
    """Argument list from the valid set with options replaced (value) or removed (None)."""
    opts = dict(valid)
    for k, v in changes.items():
        key = "--" + k.replace("_", "-")
        if v is None:
            opts.pop(key, None)
        else:
            opts[key] = v
    args = ["gateway"]
    for k, v in opts.items():
        args += [k, v]
    return args


BAD_OPTION_CHANGES = [
    ("no-region", {"region": None}),
    ("no-snapshot", {"snapshot": None}),
    ("no-listen", {"listen": None}),
    ("units-zero", {"units": "0"}),
    ("units-negative", {"units": "-1"}),
    ("units-text", {"units": "many"}),
    ("units-empty", {"units": ""}),
    ("units-trailing", {"units": "2x"}),
    ("listen-no-port", {"listen": "127.0.0.1"}),
    ("listen-port-too-big", {"listen": "127.0.0.1:99999"}),
    ("listen-port-text", {"listen": "127.0.0.1:http"}),
    ("listen-empty", {"listen": ""}),
    ("admin-bad", {"admin": "nonsense"}),
    ("drain-timeout-text", {"drain_timeout": "soon"}),
    ("drain-timeout-negative", {"drain_timeout": "-5"}),
    ("drain-timeout-too-big", {"drain_timeout": "3601"}),
    ("drain-timeout-4-decimals", {"drain_timeout": "0.0001"}),
    ("units-too-many", {"units": "257"}),
    ("listen-hostname", {"listen": "localhost:8080"}),
    ("listen-port-zero-with-units", {"listen": "127.0.0.1:0", "units": "2"}),
    ("admin-equals-listen", {"listen": "127.0.0.1:45123", "admin": "127.0.0.1:45123"}),
    ("admin-range-contains-listen", {"listen": "127.0.0.1:45124", "admin": "127.0.0.1:45123", "units": "3"}),
    ("admin-range-past-65535", {"admin": "127.0.0.1:65535", "units": "2"}),
    ("region-empty", {"region": ""}),
    ("snapshot-empty", {"snapshot": ""}),
]


def assert_usage_error(code, out, err, command="gateway"):
    """docs/cli.md: exit 2; two lines on stderr (the problem, then where to find usage),
    nothing on stdout."""
    assert code == 2, (code, err)
    assert out == "", out
    lines = err.strip("\n").split("\n")
    assert len(lines) == 2, err
    assert lines[0].startswith("meridian %s: " % command) if command else lines[0].startswith("meridian"), err
    assert lines[1] == "Run 'meridian %s --help' for usage." % command if command else True, err


@pytest.mark.parametrize("changes", [pytest.param(c, id=n) for n, c in BAD_OPTION_CHANGES])
def test_bad_option_exits_2(meridian_bin, valid_args, changes):
    code, out, err = run_cli(meridian_bin, build(valid_args, **changes))
    assert_usage_error(code, out, err)


def test_unknown_option_is_named(meridian_bin, valid_args):
    code, out, err = run_cli(meridian_bin, build(valid_args) + ["--frobnicate", "1"])
    assert_usage_error(code, out, err)
    assert "frobnicate" in err, err


def test_option_without_value(meridian_bin, valid_args):
    code, out, err = run_cli(meridian_bin, build(valid_args, listen=None) + ["--listen"])
    assert_usage_error(code, out, err)


def test_option_given_twice(meridian_bin, valid_args):
    code, out, err = run_cli(meridian_bin, build(valid_args) + ["--units", "2", "--units", "3"])
    assert_usage_error(code, out, err)


def test_stray_positional(meridian_bin, valid_args):
    code, out, err = run_cli(meridian_bin, build(valid_args) + ["extra"])
    assert_usage_error(code, out, err)


@pytest.mark.parametrize("args", [[], ["no-such-command"], ["help", "no-such-command"]],
                         ids=["no-args", "unknown-command", "help-unknown-command"])
def test_bad_command_exits_2(meridian_bin, args):
    code, out, err = run_cli(meridian_bin, args)
    assert code == 2, (code, err)
    assert out == "" and err.strip()


@pytest.mark.parametrize("args", [["help"], ["--help"], ["-h"], ["gateway", "--help"],
                                  ["gateway", "--units", "0", "-h"], ["help", "gateway"]])
def test_help_exits_0_on_stdout(meridian_bin, args):
    code, out, err = run_cli(meridian_bin, args)
    assert code == 0, (code, err)
    assert out.strip(), "help goes to stdout"
    if "gateway" in args:
        assert "--snapshot" in out


@pytest.mark.parametrize("args", [["version"], ["--version"]])
def test_version(meridian_bin, args):
    code, out, _ = run_cli(meridian_bin, args)
    assert code == 0
    assert re.match(r"^meridian \S+\n?$", out), out


def test_equals_form_and_fractional_drain_timeout(gateways, backends, tmp_path):
    """--opt=value works (docs/cli.md), and --drain-timeout takes decimals."""
    echo = backends.echo()
    gw = gateways(snapshot([api("a", "", echo.url())]), start=False, drain_timeout=None,
                  extra_args=["--drain-timeout=0.5", "--access-log=-"])
    gw.start()
    assert gw.request("GET", "/eq").status == 200


@pytest.mark.parametrize("units", [None, 2], ids=["in-process", "units-2"])
def test_listen_address_in_use_exits_1(meridian_bin, tmp_path, units):
    """docs/cli.md: exit 1 with the reason on stderr when the unit cannot start; with
    --units, a failing first start is reported, not restarted forever."""
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    snap = tmp_path / "snapshot.json"
    snap.write_text(json.dumps(snapshot([])))
    args = ["gateway", "--region", REGION, "--snapshot", str(snap), "--listen", "127.0.0.1:%d" % port]
    if units:
        args += ["--units", str(units)]
    try:
        code, _, err = run_cli(meridian_bin, args, timeout=20 * TIME_SCALE)
    finally:
        blocker.close()
    assert code == 1, (code, err)
    assert str(port) in err, err


# ---- snapshots that do not compile, at start-up ----

def _line_of(text, marker):
    for i, line in enumerate(text.splitlines(), 1):
        if marker in line:
            return i
    raise AssertionError("marker %r not in snapshot" % marker)


def _start_with_bad_snapshot(gateways, text):
    gw = gateways(None, start=False)
    gw.write_snapshot(text)
    gw.start(wait="port")
    name = re.escape(os.path.basename(gw.snapshot_path))
    m = wait_until(lambda: re.search(name + r":(\d+):(\d+):?([^\n]*)", gw.stderr()), 10 * TIME_SCALE,
                   message="file:line:col message in stderr")
    assert gw.request("GET", STATUS_PATH).status == 503, "a unit without a config must report 503"
    assert gw.metric("meridian_config_loaded") == [0]
    return gw, int(m.group(1)), int(m.group(2)), m.group(0)


def test_json_syntax_error_names_line_and_column(gateways):
    text = '{\n  "revision": 1,\n  "service": { "name": "x" },,\n  "apis": []\n}\n'
    _, line, col, msg = _start_with_bad_snapshot(gateways, text)
    assert line == 3, msg
    assert col >= 1, msg


def test_truncated_json(gateways):
    text = json.dumps(snapshot([]), indent=2)[:-30]
    _, line, _, msg = _start_with_bad_snapshot(gateways, text)
    assert line >= 1, msg


SEMANTIC = [
    ("bad-scheme", lambda: [api("a", "a", "ftp://127.0.0.1:1/x")], '"ftp://', "apis[0].serviceUrl"),
    ("bad-port", lambda: [api("a", "a", "http://127.0.0.1:70000/x")], ":70000", "apis[0].serviceUrl"),
    ("unclosed-param", lambda: [api("a", "a", "http://127.0.0.1:1", [op("o", "GET", "/x/{id")])],
     "/x/{id", "apis[0].operations[0].urlTemplate"),
    ("duplicate-param", lambda: [api("a", "a", "http://127.0.0.1:1", [op("o", "GET", "/x/{id}/{id}")])],
     "/x/{id}/{id}", "apis[0].operations[0].urlTemplate"),
    ("wildcard-not-last", lambda: [api("a", "a", "http://127.0.0.1:1", [op("o", "GET", "/*/x")])],
     "/*/x", "apis[0].operations[0].urlTemplate"),
    ("unknown-backend-id", lambda: [api("a", "a", "http://127.0.0.1:1", backendId="nope")],
     '"nope"', "apis[0].backendId"),
    ("bad-timeout", lambda: [api("a", "a", "http://127.0.0.1:1", [op("o", "GET", "/x", timeout="soon")])],
     '"soon"', "apis[0].operations[0].timeoutSeconds"),
]


@pytest.mark.parametrize("apis,marker,json_path", [pytest.param(a, m, p, id=n) for n, a, m, p in SEMANTIC])
def test_invalid_snapshot_names_place_and_path(gateways, apis, marker, json_path):
    text = json.dumps(snapshot(apis()), indent=2)
    _, line, _, msg = _start_with_bad_snapshot(gateways, text)
    assert json_path in msg, msg
    assert line == _line_of(text, marker), (msg, text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else None)


def test_bad_revision(gateways):
    s = snapshot([])
    s["revision"] = -1
    text = json.dumps(s, indent=2)
    _, line, _, msg = _start_with_bad_snapshot(gateways, text)
    assert "revision" in msg and line == _line_of(text, '"revision"'), msg


def test_missing_required_fields(gateways):
    s = snapshot([api("a", "a", "http://127.0.0.1:1")])
    del s["apis"][0]["id"]
    _, _, _, msg = _start_with_bad_snapshot(gateways, json.dumps(s, indent=2))
    assert "apis[0]" in msg, msg


def test_duplicate_api_routes(gateways):
    s = snapshot([api("a", "same", "http://127.0.0.1:1"), api("b", "same", "http://127.0.0.1:2")])
    _, _, _, msg = _start_with_bad_snapshot(gateways, json.dumps(s, indent=2))
    assert "apis[" in msg, msg


def test_unknown_fields_are_ignored(gateways, backends):
    echo = backends.echo()
    s = snapshot([api("a", "", echo.url(), futureField={"x": 1})], futureTopLevel=[1, 2, 3])
    gw = gateways(s)
    assert gw.request("GET", "/x").status == 200
