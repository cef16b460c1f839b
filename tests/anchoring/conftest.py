"""Real-browser fixtures for the anchoring and post-key modules.

The repository is served over http on 127.0.0.1 from a thread (ES modules do not load from
file://), Debian's Chromium is driven by Playwright, and every test runs in
tests/anchoring/harness.html, which imports the modules the way the extension does.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without logging every request into the test output."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def repo_server() -> Iterator[str]:
    """Serve the repository root on a free port; yield its base URL."""
    handler = functools.partial(QuietHandler, directory=str(REPO))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def chromium(request):
    """Launch headless Debian Chromium once for the session."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium to run the browser tests")
    playwright = request.getfixturevalue("playwright_session")
    browser = playwright.chromium.launch(headless=True, executable_path=CHROMIUM,
                                         args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session")
def harness(chromium, repo_server):
    """The harness page with both modules loaded, shared by the tests of a session."""
    page = chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{repo_server}/tests/anchoring/harness.html")
    page.wait_for_function("window.harnessReady === true", timeout=10_000)
    assert not errors, f"the harness page failed to load: {errors}"
    yield page
    page.close()
