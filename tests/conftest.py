"""Shared test policy: on a developer machine a missing Chromium, Firefox or PostgreSQL skips the
tests that need it, with the reason; with POSTIL_STRICT=1 (CI sets it) every skip is a failure."""

import os
import runpy
from pathlib import Path

import pytest

STRICT = os.environ.get("POSTIL_STRICT") == "1"
BUILD_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "build_extension.py"


def _share_url_builders() -> None:
    """Let every app of the run share Werkzeug's URL-building functions instead of compiling
    them again: a test process builds an app per test (thousands), and compiling the builders
    of its ~75 routes (Python source generated and `compile()`d, twice a route) was two thirds
    of `create_app`'s CPU time. A builder is a pure function of the route's parsed parts and
    defaults, called with the rule it builds for, so rules whose parts are equal can share it;
    routes whose defaults fill a part of the path (none of ours) compile as before. If
    Werkzeug's internals differ from what this expects, nothing is changed."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "shared", False):
        return
    built: dict = {}

    def shared_builder(self, append_unknown: bool = True):
        try:
            trace = tuple(self._trace)
            defaults = self.defaults or {}
            if any(dynamic and part in defaults for dynamic, part in trace):
                return compile_builder(self, append_unknown)
            key = (trace, tuple(defaults), append_unknown)
        except (AttributeError, TypeError):
            return compile_builder(self, append_unknown)
        builder = built.get(key)
        if builder is None:
            builder = built[key] = compile_builder(self, append_unknown)
        return builder

    shared_builder.shared = True
    Rule._compile_builder = shared_builder


_share_url_builders()


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
