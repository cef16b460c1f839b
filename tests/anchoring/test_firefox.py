"""The anchoring scenarios and post-key tables in Firefox ESR, through the Node runner.

firefox/run.mjs drives /usr/bin/firefox-esr with puppeteer-core and runs the very checks the
Chromium tests run; this test installs its npm dependencies when they are missing (npm ci from
the committed lockfile) and asserts that the run passed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

RUNNER_DIR = Path(__file__).with_name("firefox")
FIREFOX = "/usr/bin/firefox-esr"

pytestmark = pytest.mark.browser


def test_suites_pass_in_firefox():
    node = shutil.which("node")
    npm = shutil.which("npm")
    if not node or not npm:
        pytest.skip("node/npm not found: install Node.js 20+ to run the Firefox suite")
    if not os.path.exists(FIREFOX):
        pytest.skip(f"{FIREFOX} not found: install Debian's firefox-esr to run the Firefox suite")
    if not (RUNNER_DIR / "node_modules" / "puppeteer-core").is_dir():
        install = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=RUNNER_DIR,
            capture_output=True, text=True, timeout=300,
        )
        if install.returncode != 0:
            pytest.skip(f"npm ci in {RUNNER_DIR} failed, so puppeteer-core is missing:\n"
                        f"{install.stderr[-2000:]}")
    run = subprocess.run(
        [node, "run.mjs"], cwd=RUNNER_DIR, capture_output=True, text=True, timeout=180,
        env={**os.environ, "FIREFOX": FIREFOX},
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    assert "passed, 0 failed" in run.stdout, report
