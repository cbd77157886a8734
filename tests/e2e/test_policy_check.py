"""`meridian policy check FILE...` (docs/cli.md): compiles policy documents offline and
prints one line per file, or the first error as FILE:LINE:COL: message."""

import os
import subprocess

from test_cli import run_cli

CONFORMANCE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "conformance")
CANONICAL = os.path.join(CONFORMANCE, "policy-snippets", "Route-requests-to-regional-backend-instances.xml")


def conformance_files():
    files = []
    for sub in ("policy-snippets", "policy-toolkit"):
        d = os.path.join(CONFORMANCE, sub)
        assert os.path.isdir(d), "the conformance documents are missing: %s" % d
        files += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".xml"))
    assert len(files) >= 118, len(files)
    return files


def test_canonical_example_compiles_verbatim(meridian_bin):
    code, out, err = run_cli(meridian_bin, ["policy", "check", CANONICAL])
    assert code == 0, err
    assert out.startswith(CANONICAL + ": ok: inbound 1, backend 1"), out


def test_error_names_file_line_and_column(meridian_bin, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text('<policies>\n  <inbound>\n    <set-headr name="x"/>\n  </inbound>\n</policies>\n')
    good = tmp_path / "good.xml"
    good.write_text('<policies><inbound><set-header name="x" exists-action="override">'
                    '<value>@(context.Deployment.Region)</value></set-header></inbound></policies>')
    code, out, err = run_cli(meridian_bin, ["policy", "check", str(good), str(bad)])
    assert code == 1
    assert "%s: ok:" % good in out
    assert "%s:3:5: unknown policy <set-headr>" % bad in err, err


def test_raw_expressions_with_quotes_are_accepted(meridian_bin, tmp_path):
    doc = tmp_path / "raw.xml"
    doc.write_text('<policies><inbound><choose>'
                   '<when condition="@("West US".Equals(context.Deployment.Region))">'
                   '<set-backend-service base-url="http://127.0.0.1:1/" /></when>'
                   '</choose></inbound><backend><base /></backend></policies>')
    code, out, err = run_cli(meridian_bin, ["policy", "check", str(doc)])
    assert code == 0, err


def test_fragment_and_named_values_use_placeholders(meridian_bin, tmp_path):
    frag = tmp_path / "frag.xml"
    frag.write_text('<fragment><set-header name="k" exists-action="override">'
                    '<value>{{api-key}}</value></set-header></fragment>')
    code, out, err = run_cli(meridian_bin, ["policy", "check", str(frag)])
    assert code == 0, err
    assert "fragment, 1 statements" in out and "1 named-value references" in out, out


def test_missing_file_and_usage(meridian_bin, tmp_path):
    code, out, err = run_cli(meridian_bin, ["policy", "check", str(tmp_path / "nope.xml")])
    assert code == 1 and "cannot read" in err
    assert run_cli(meridian_bin, ["policy"])[0] == 2
    assert run_cli(meridian_bin, ["policy", "frobnicate"])[0] == 2
    assert run_cli(meridian_bin, ["policy", "check"])[0] == 2


def test_conformance_documents(meridian_bin):
    """Every public document gets an answer; at least 90 % compile (issue 3)."""
    files = conformance_files()
    p = subprocess.run([meridian_bin, "policy", "check"] + files, capture_output=True, timeout=60)
    out = p.stdout.decode()
    err = p.stderr.decode()
    ok = out.count(": ok:")
    failed = [l for l in err.splitlines() if l.strip()]
    assert ok + len(failed) == len(files), (ok, failed)
    print("policy check: %d/%d conformance documents compile" % (ok, len(files)))
    assert ok >= 0.9 * len(files), failed
