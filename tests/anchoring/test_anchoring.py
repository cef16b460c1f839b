"""Anchoring in Chromium: each scenario of suite/anchoring.js is one test.

The scenarios live in one JavaScript file so that Chromium (here) and Firefox (test_firefox.py)
run exactly the same checks; this file only lists them and reports what failed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SUITE = Path(__file__).with_name("suite") / "anchoring.js"
SCENARIOS = re.findall(r'^scenario\("((?:[^"\\]|\\.)*)"', SUITE.read_text(), re.MULTILINE)

pytestmark = pytest.mark.browser


def test_every_scenario_is_collected(harness):
    assert harness.evaluate("suite.listCases()") == SCENARIOS


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario(harness, name):
    result = harness.evaluate("name => suite.runCase(name)", name)
    assert result["ok"], result.get("error")
