"""The manifest loads in both browsers: `web-ext lint` (Mozilla's linter, from
tools/web-ext/package.json) reports no errors, and the permissions stay the least that work."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from browser_helpers import EXTENSION, ROOT

LINT_TOOLS = ROOT / "tools" / "web-ext"


def test_web_ext_lint_reports_no_errors():
    npm = shutil.which("npm")
    npx = shutil.which("npx")
    if not npm or not npx:
        pytest.skip("npm/npx are not installed: web-ext lint needs Node")
    if not (LINT_TOOLS / "node_modules" / "web-ext").exists():
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=LINT_TOOLS,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"npm ci failed in tools/web-ext/: {done.stderr[-500:]}")
    done = subprocess.run(
        [npx, "web-ext", "lint", "--source-dir", str(EXTENSION), "--output", "json"],
        cwd=LINT_TOOLS, capture_output=True, text=True, timeout=180)
    start = done.stdout.find("{")
    report = json.loads(done.stdout[start:])
    assert report["summary"]["errors"] == 0, report["errors"]


def test_permissions_are_the_least_that_work():
    manifest = json.loads((EXTENSION / "manifest.json").read_text())
    assert manifest["manifest_version"] == 3
    assert sorted(manifest["permissions"]) == ["alarms", "storage"]
    # The server is reached with CORS from the background, so it needs no host permission.
    assert "host_permissions" not in manifest
    assert manifest["background"]["service_worker"] == manifest["background"]["scripts"][0]
    assert manifest["browser_specific_settings"]["gecko"]["id"]
