"""Shared test policy: on a developer machine a missing Chromium, Firefox or PostgreSQL skips the
tests that need it, with the reason; with POSTIL_STRICT=1 (CI sets it) every skip is a failure."""

import os
import runpy
from pathlib import Path

import pytest

STRICT = os.environ.get("POSTIL_STRICT") == "1"
BUILD_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "build_extension.py"


def pytest_sessionstart(session):
    """Build the extension's page script from the sources under test (it is not committed)."""
    if runpy.run_path(str(BUILD_SCRIPT))["main"]([]) != 0:
        raise pytest.UsageError("the extension's page script did not build; see above")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under POSTIL_STRICT=1, which forbids skips: {reason}"


@pytest.fixture(scope="session")
def playwright_session():
    """Start the one Playwright driver of the run, when a test first needs a browser.

    A thread can hold only one sync Playwright, so every folder's browser fixtures share this.
    """
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    yield driver
    driver.stop()
