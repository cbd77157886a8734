"""Fixtures of the fault-injection suite (issue 9, part 2): the end-to-end suite's harness
(tests/e2e: processes on 127.0.0.1, ephemeral ports, everything killed at the end, sanitizer
reports fail the test) plus faultlib's load generator and killable backend process.

Each test prints one `FAULT-RESULT {json}` line (what was injected, what the clients saw,
what was checked) and appends it to $MERIDIAN_FAULTS_RESULTS when set: docs/reliability.md
quotes these figures."""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(HERE, "..", "e2e")
sys.path.insert(0, E2E)

# The e2e suite's conftest (test time bound, meridian_bin, backends, gateways fixtures),
# loaded under another name so that both directories can be collected in one run.
_spec = importlib.util.spec_from_file_location("e2e_conftest", os.path.join(E2E, "conftest.py"))
_e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_e2e)

pytest_configure = _e2e.pytest_configure
pytest_runtest_call = _e2e.pytest_runtest_call
meridian_bin = _e2e.meridian_bin
backends = _e2e.backends
gateways = _e2e.gateways
