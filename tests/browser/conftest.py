"""Fixtures for the real-browser tests: a live `postil serve` on a free port with a fresh database,
users made with the `postil` CLI, and Chromium with the unpacked extension, already pointed at the
server and signed in.

Chromium is Debian's /usr/bin/chromium driven by Playwright (never a downloaded browser). Where it
or Playwright is missing the tests skip with the reason; the root conftest turns those skips into
failures under POSTIL_STRICT=1.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import wordpress_site
from browser_helpers import (
    CHROMIUM,
    EXTENSION,
    FIREFOX,
    FIREFOX_DIR,
    PASSWORD,
    ROOT,
    wait_ready,
)

ARTIFACTS = ROOT / "test-artifacts"
USERS = ("alice", "bob")



def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _postil_cli() -> list[str]:
    exe = shutil.which("postil", path=str(Path(sys.executable).parent)) or shutil.which("postil")
    return [exe] if exe else [sys.executable, "-m", "postil.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A `postil serve` subprocess that can stop and start again on the same port and data."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "POSTIL_DATA_DIR": str(data_dir)}
        self.env.pop("POSTIL_DATABASE_URL", None)
        self.proc: subprocess.Popen | None = None
        self.log = data_dir / "serve.log"
        # The post key of the sample blog this server also serves (see server/postil/sample/).
        self.site = f"127.0.0.1:{self.port}/sample"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run([*_postil_cli(), *args], input=stdin, env=self.env, text=True,
                              capture_output=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"postil {' '.join(args)} failed: {done.stderr or done.stdout}")
        return done.stdout

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [*_postil_cli(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postil serve exited: {self.log.read_text()}")
            try:
                urllib.request.urlopen(f"{self.url}/openapi.json", timeout=1).read()
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"postil serve did not answer: {self.log.read_text()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def api(self, method: str, path: str, token: str | None = None, body=None, query=None):
        """Call the HTTP API; return (status, parsed JSON or None)."""
        url = f"{self.url}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as err:
            text = err.read().decode()
            return err.code, (json.loads(text) if text else None)

    def annotations(self, token: str, **query):
        status, data = self.api("GET", "/api/annotations", token, query={"limit": 200, **query})
        assert status == 200, data
        return data


def _require_browser_tools():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: browser tests need Debian's chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("Playwright (Python) is not installed: pip install -e '.[test]'")


@pytest.fixture(scope="session")
def server(tmp_path_factory, blog):
    """The annotation server the extension talks to, with users alice and bob."""
    _require_browser_tools()
    live = LiveServer(tmp_path_factory.mktemp("postil-data"))
    # A site including the server's embed (/embed.js) on this port (test_embed_page.py) reads
    # /api/ from its own origin, which the server must admit.
    live.embedding_port = free_port()
    live.env["POSTIL_CORS_ORIGINS"] = f"http://127.0.0.1:{live.embedding_port}"
    live.blog_site = blog.site
    live.blog_url = blog.url
    for name in USERS:
        live.cli("user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def blog(tmp_path_factory):
    """A second server standing in for the WordPress site, so pages still load while the
    annotation server is stopped (as a real blog would)."""
    _require_browser_tools()
    live = LiveServer(tmp_path_factory.mktemp("blog-data"))
    live.start()
    yield live
    live.stop()


class SinglePageSite:
    """Pages whose scripts change the post shown without a page load, on 127.0.0.1: every path
    under /endless/ answers spa/endless.html (a theme loading the next story below the first),
    every other one spa/index.html (a headless front end: the article the address names)."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        folder = Path(__file__).parent / "spa"
        pages = {name: (folder / name).read_bytes() for name in ("index.html", "endless.html")}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 — the name http.server calls
                found = not self.path.startswith("/favicon")
                html = pages["endless.html" if self.path.startswith("/endless/") else "index.html"]
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(html) if found else 0))
                self.end_headers()
                if found:
                    self.wfile.write(html)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.site = f"127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def spa_site():
    site = SinglePageSite()
    yield site
    site.close()


@pytest.fixture(scope="session")
def wordpress(tmp_path_factory):
    """A real WordPress (Debian's 6.1 on MariaDB, served by `php -S`) with pretty permalinks, for
    the session (so for one xdist worker); see wordpress_site.py. Tests publish their own posts
    with `wordpress.publish(...)` and edit them with `wordpress.update(...)`."""
    reason = wordpress_site.missing()
    if reason:
        pytest.skip(f"no real WordPress here: {reason}")
    workdir = tmp_path_factory.mktemp("wordpress")
    site = None
    try:
        site = wordpress_site.WordPressSite(workdir, os.environ.get("PYTEST_XDIST_WORKER", "main"))
        site.start()
    except BaseException as err:
        if site is not None:
            site.stop()
        if isinstance(err, wordpress_site.Unavailable):
            pytest.skip(f"no real WordPress here: {err}")
        raise
    print(f"\nWordPress set up at {site.url} in {site.seconds:.1f} s")
    yield site
    site.stop()


@pytest.fixture(scope="session")
def tokens(server):
    out = {}
    for name in USERS:
        body = {"username": name, "password": PASSWORD}
        status, data = server.api("POST", "/api/tokens", body=body)
        assert status == 201, data
        out[name] = data["token"]
    return out


@pytest.fixture
def playwright_driver(request):
    _require_browser_tools()
    return request.getfixturevalue("playwright_session")


@pytest.fixture(autouse=True)
def running_server(request):
    """Tests that stop the server must leave it running for the next one."""
    yield
    if "server" in request.fixturenames:
        live = request.getfixturevalue("server")
        if live.proc is None:
            live.start()


class ExtensionBrowser:
    """A Chromium profile with the unpacked extension, plus helpers to drive the page UI."""

    def __init__(self, context, server: LiveServer, blog: LiveServer):
        self.context = context
        self.server = server
        self.blog = blog
        self.worker = context.service_workers[0] if context.service_workers else \
            context.wait_for_event("serviceworker", timeout=15000)
        self.extension_id = self.worker.url.split("/")[2]
        self.errors: list[str] = []

    def sign_in(self, user: str, token: str) -> None:
        """Store what the options page stores after signing in (that flow has its own test)."""
        self.worker.evaluate(
            """([server, token, user]) => chrome.storage.local.set({
                 settings: {server}, auth: {server, token, user}})""",
            [self.server.url, token, user])

    def open(self, path: str):
        page = self.context.new_page()
        page.on("pageerror", lambda err: self.errors.append(str(err)))
        page.goto(self.blog.url + path)
        wait_ready(page)
        return page

    def control(self):
        """An extension page to reach chrome.* from. Not the worker: Playwright's handle on a
        service worker hangs once that worker has been stopped and started again."""
        if getattr(self, "_control", None) is None or self._control.is_closed():
            self._control = self.context.new_page()
            self._control.goto(f"chrome-extension://{self.extension_id}/src/popup/popup.html")
        return self._control

    def storage(self) -> dict:
        return self.control().evaluate("() => chrome.storage.local.get(null)")

    def current_worker(self):
        workers = [w for w in self.context.service_workers if self.extension_id in w.url]
        if workers:
            return workers[-1]
        return self.context.wait_for_event("serviceworker", timeout=15000)


# A phone held upright, as the phone tests emulate it: its viewport in CSS pixels, touch, and a
# mobile browser's viewport rules (the page's meta viewport is honoured).
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "has_touch": True,
         "is_mobile": True}


def launch(playwright_driver, profile: Path, device: dict | None = None):
    return playwright_driver.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True,
        **(device or {"viewport": {"width": 1280, "height": 800}}),
        args=[f"--disable-extensions-except={EXTENSION}", f"--load-extension={EXTENSION}",
              "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"])


def close_first_run_options(context, timeout: float = 10) -> None:
    """Wait for the options page a fresh install opens by itself (nobody is signed in yet) and
    close it, so that it cannot take over a page a test is navigating."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for page in context.pages:
            if page.url.endswith("/src/options/options.html"):
                page.close()
                return
        # Waiting through Playwright (not time.sleep) lets it take in the browser's events.
        context.pages[0].wait_for_timeout(50)
    raise AssertionError("a fresh install did not open the options page")


@pytest.fixture
def open_profile(playwright_driver, server, blog):
    """Start Chromium with the extension on a profile folder (the same folder again is a browser
    restart); the caller closes `.context`."""

    def start(profile: Path, first_run: bool = True, open_shadow_root: bool = True,
              device: dict | None = None) -> ExtensionBrowser:
        ext = ExtensionBrowser(launch(playwright_driver, profile, device), server, blog)
        if first_run:
            close_first_run_options(ext.context)
            if open_shadow_root:
                # Playwright's locators cannot enter the UI's shadow root while it is closed, as
                # it is for readers; the extension opens it when its own storage asks.
                ext.worker.evaluate("() => chrome.storage.local.set({debugOpenShadowRoot: true})")
        return ext

    return start


@pytest.fixture
def browser(open_profile, tmp_path):
    ext = open_profile(tmp_path / "profile")
    yield ext
    ext.context.close()
    assert not ext.errors, f"page errors: {ext.errors}"


@pytest.fixture
def phone(open_profile, tmp_path):
    """Chromium with the extension, emulating a phone held upright (PHONE)."""
    ext = open_profile(tmp_path / "phone-profile", device=PHONE)
    yield ext
    ext.context.close()
    assert not ext.errors, f"page errors: {ext.errors}"


@pytest.fixture
def alice(browser, tokens):
    browser.sign_in("alice", tokens["alice"])
    return browser


@pytest.fixture
def visitor(playwright_driver):
    """Chromium without the extension: a reader on a phone-less desktop who installed nothing."""
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    browser.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def clean_annotations(request):
    """Start every test with no live annotations (the server is shared by the session)."""
    if "server" not in request.fixturenames:
        return
    server = request.getfixturevalue("server")
    tokens = request.getfixturevalue("tokens")
    for name, token in tokens.items():
        while items := server.annotations(token, user=name, limit=200)["items"]:
            for item in items:
                status, _ = server.api("DELETE", f"/api/annotations/{item['id']}", token)
                assert status == 204


@pytest.fixture(scope="session")
def node_driver():
    """The `node` that runs the Firefox scripts in firefox/, with puppeteer-core installed."""
    node = shutil.which("node")
    if not Path(FIREFOX).exists():
        pytest.skip(f"Firefox not found at {FIREFOX}: the Firefox tests need Debian's firefox-esr")
    if not node:
        pytest.skip("node is not installed: the Firefox tests run puppeteer-core scripts")
    if not (FIREFOX_DIR / "node_modules" / "puppeteer-core").exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("npm is not installed: cannot install puppeteer-core for the Firefox tests")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FIREFOX_DIR,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"npm ci failed in {FIREFOX_DIR}: {done.stderr[-500:]}")
    return node
