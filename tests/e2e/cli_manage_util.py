"""Running the management subcommands of the CLI (`meridian api|product|...|apply|export`)
against a real `meridian manage` (manage_harness.Manage): the environment points the CLI
at the server with its admin key, and a sanitizer report on the CLI's stderr fails."""

import os
import re
import subprocess

from harness import SANITIZER_MARKERS, TIME_SCALE


class Cli:
    def __init__(self, binary, manage):
        self.binary = binary
        self.manage = manage
        self.env = dict(os.environ)
        self.env.pop("MERIDIAN_TOKEN", None)
        self.env["MERIDIAN_ENDPOINT"] = "http://127.0.0.1:%d" % manage.port
        self.env["MERIDIAN_KEY_FILE"] = os.path.join(manage.data_dir, "admin-key.json")

    def run(self, *args, stdin=None, env=None, expect=0):
        """Runs `meridian ARGS`; asserts the exit code (None: any) and returns
        (code, stdout, stderr)."""
        e = dict(self.env)
        e.update(env or {})
        e = {k: v for k, v in e.items() if v is not None}
        p = subprocess.run([self.binary] + list(args), input=stdin, capture_output=True,
                           text=True, env=e, timeout=60 * TIME_SCALE)
        for marker in SANITIZER_MARKERS:
            assert marker not in p.stderr, p.stderr
        if expect is not None:
            assert p.returncode == expect, "meridian %s -> %d\nstdout:\n%s\nstderr:\n%s" % (
                " ".join(args), p.returncode, p.stdout, p.stderr)
        return p.returncode, p.stdout, p.stderr

    def out(self, *args, **kw):
        return self.run(*args, **kw)[1]

    def err(self, *args, expect=1, **kw):
        return self.run(*args, expect=expect, **kw)[2]


def table(text):
    """Rows of a table printed by a list command (header first), split on 2+ blanks."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.strip().splitlines()]
