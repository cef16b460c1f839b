"""The extension signs in over https://, through docs/examples/nginx-postil.conf.

nginx (tests/deploy/nginx_proxy.py) terminates TLS with a self-signed certificate in front of
the browser tests' server. Chromium is started with `--ignore-certificate-errors`: the test is
about the extension speaking to an https:// server behind the proxy, not about installing a
test CA into a browser profile (tests/deploy verifies the same nginx against the certificate).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, EXTENSION, PASSWORD, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
from nginx_proxy import MISSING, available, nginx_in_front  # noqa: E402

pytestmark = pytest.mark.skipif(not available(), reason=MISSING)


def test_the_extension_signs_in_over_https(playwright_driver, server, tmp_path):
    with nginx_in_front(tmp_path, server.port) as proxy:
        context = playwright_driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
            args=[f"--disable-extensions-except={EXTENSION}", f"--load-extension={EXTENSION}",
                  "--ignore-certificate-errors", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        try:
            worker = context.service_workers[0] if context.service_workers else \
                context.wait_for_event("serviceworker", timeout=15000)
            extension_id = worker.url.split("/")[2]
            options = context.new_page()
            options.goto(f"chrome-extension://{extension_id}/src/options/options.html")
            status = options.locator("#signed-in")
            wait_until(lambda: "Not signed in" in status.inner_text(), message="status")
            options.get_by_label("Server URL").fill(proxy.url)
            options.get_by_label("Username").fill("alice")
            options.get_by_label("Password", exact=True).fill(PASSWORD)
            options.get_by_role("button", name="Sign in").click()
            sign_out = options.get_by_role("button", name="Sign out", exact=True)
            wait_until(lambda: sign_out.is_visible(), message="signed in over https")
            assert "Signed in as alice" in options.locator("main").inner_text()
            stored = options.evaluate("() => chrome.storage.local.get('auth')")
            assert stored["auth"]["server"] == proxy.url
            # The token the extension holds works through the proxy.
            assert stored["auth"]["token"]
        finally:
            context.close()
    # nginx logged the extension's sign-in request: it really went through the proxy.
    assert "POST /api/tokens" in (tmp_path / "access.log").read_text()
