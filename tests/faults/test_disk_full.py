"""Disk full while writing last-known-good (issue 9, part 2): a feed-mode gateway whose state
directory is a 64 KiB tmpfs (the suite runs as root; the mount is removed at the end). Once
the filesystem is full, a new revision is served from memory, the write of its
last-known-good fails and says so, the old file stays whole (a restart without the feed
serves it), and once there is room again the next revision is persisted."""

import json
import os
import subprocess

import pytest

from faultlib import Load, record_result
from harness import TIME_SCALE, wait_until
from regions_harness import FakeFeed, FeedGateway, write_token
from snapshots import api, snapshot

TOKEN = "GatewayKey westus&202612240000&dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ=="


@pytest.fixture
def small_fs(tmp_path):
    path = tmp_path / "state"
    path.mkdir()
    if os.geteuid() != 0:
        pytest.fail("the disk-full case mounts a tmpfs: run the fault suite as root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(path)], check=True)
    yield str(path)
    subprocess.run(["umount", "-l", str(path)], check=False)


def snap(backend, revision, padding=0):
    s = snapshot([api("echo", "", backend.url())], revision=revision)
    s["namedValues"] = [{"id": "pad%d" % k, "name": "pad%d" % k, "displayName": "pad%d" % k,
                         "value": "p" * 4000} for k in range(padding // 4000)]
    return s


def lkg_revision(state):
    with open(os.path.join(state, "last-known-good.json"), "rb") as f:
        return json.loads(f.readline())["revision"]


def fill(state):
    """Fills the filesystem; returns the filler's path."""
    path = os.path.join(state, "filler")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 1024)
    except OSError:
        pass
    finally:
        os.close(fd)
    return path


@pytest.mark.timeout_s(90)
def test_disk_full_while_writing_last_known_good(meridian_bin, tmp_path, backends, small_fs):
    echo = backends.echo("A")
    token = write_token(str(tmp_path / "westus.token"), TOKEN)
    feed = FakeFeed(TOKEN, "westus")
    started = []

    def unit(name):
        gw = FeedGateway(meridian_bin, tmp_path, config_url=feed.url, token_file=token,
                         state_dir=small_fs, region="West US", name=name)
        started.append(gw)
        gw.start(wait=None)
        gw.wait_metric_ready()
        return gw
    try:
        feed.publish(snap(echo, 1))
        gw = unit("full")
        wait_until(lambda: gw.revision() == 1, 10 * TIME_SCALE, message="revision 1")
        wait_until(lambda: os.path.exists(os.path.join(small_fs, "last-known-good.json")),
                   5 * TIME_SCALE, message="last-known-good written")
        load = Load(gw.port, threads=2, method="GET")
        try:
            filler = fill(small_fs)
            feed.publish(snap(echo, 2, padding=20000))  # does not fit any more
            wait_until(lambda: gw.revision() == 2, 10 * TIME_SCALE, message="revision 2 served")
            wait_until(lambda: "cannot persist the last-known-good" in gw.stderr(), 5 * TIME_SCALE,
                       message="the failed write logged")
            assert lkg_revision(small_fs) == 1, "the old last-known-good is untouched"
            leftovers = [n for n in os.listdir(small_fs) if n.endswith(".tmp")]
            assert leftovers == [], "a failed write leaves no temporary file: %s" % leftovers
            load.wait_ok_since(0, 50)
        finally:
            load.finish()
        assert load.failed == [] and load.answered == [], (load.failed[:3], load.answered[:3])
        assert gw.stop() == 0

        # No feed: the restarted unit serves the old last-known-good, whole.
        feed.stop()
        gw2 = unit("restarted")
        wait_until(lambda: gw2.status_code() == 200, 10 * TIME_SCALE, message="serving from disk")
        assert gw2.revision() == 1 and gw2.source() == "last-known-good"
        assert gw2.request("GET", "/x").status == 200
        assert gw2.stop() == 0

        # Room again: the next revision is persisted.
        os.unlink(filler)
        feed2 = FakeFeed(TOKEN, "westus", port=feed.port)
        feed2.publish(snap(echo, 3, padding=20000))
        gw3 = unit("recovered")
        wait_until(lambda: gw3.revision() == 3, 10 * TIME_SCALE, message="revision 3")
        wait_until(lambda: lkg_revision(small_fs) == 3, 5 * TIME_SCALE, message="revision 3 persisted")
        feed2.stop()
    finally:
        problems = []
        for gw in started:
            problems += gw.finish()
    assert not problems, "\n".join(problems)
    record_result("disk full (64 KiB tmpfs) while writing last-known-good",
                  requests=load.summary(), served_revision_in_memory=2, lkg_kept_revision=1,
                  restart_served_from_lkg=True, persisted_after_space_freed=3)
