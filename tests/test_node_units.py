"""The extension's pure modules under Node's own test runner: tests/extension/ mirrors
extension/src/ (kept out of extension/ so the folder the browsers load holds no test code) and
runs the shared case tables of tests/fixtures/ on the JavaScript side. One pytest test runs them
all, so `pytest` (and CI) fails with Node's report when any of them does."""

import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).parent / "extension"


def test_the_extensions_node_unit_tests_pass():
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed: the extension's unit tests need Node 20")
    files = sorted(str(p) for p in UNITS.rglob("*.test.mjs"))
    assert files, "no Node unit tests found"
    done = subprocess.run([node, "--test", "--test-reporter=tap", *files], capture_output=True,
                          text=True, timeout=300)
    failures = [line for line in done.stdout.splitlines() if line.lstrip().startswith("not ok")]
    assert done.returncode == 0, "\n".join(failures) + "\n\n" + done.stdout[-6000:] + done.stderr
