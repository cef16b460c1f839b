"""Protective headers on every answer, and absolute links only from a host the server answers to.

Every HTML page the server serves has a Content-Security-Policy that runs no inline script;
JSON, files and errors carry one that allows nothing. A request whose `Host` is not in the
allowed list is a 400 JSON error before any view runs; with POSTIL_PUBLIC_URL every link is
built from it, whatever the request said.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest

from postil import create_app
from postil.config import allowed_hosts

NOTHING = "default-src 'none'; frame-ancestors 'none'"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.8"


def make_client(tmp_path, **config):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'postil.db'}", "TESTING": True,
                      "SAMPLE": True, **config})
    return app.test_client()


@pytest.fixture
def site(tmp_path):
    return make_client(tmp_path)


def policy(res) -> dict[str, str]:
    """The response's CSP as {directive: sources}."""
    parts = (p.strip().split(None, 1) for p in res.headers["Content-Security-Policy"].split(";"))
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts if p and p[0]}


def assert_always(res) -> None:
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "no-referrer"
    assert res.headers["X-Frame-Options"] == "DENY"
    assert policy(res)["frame-ancestors"] == "'none'"


class Inline(HTMLParser):
    """What of a page would run or style inline: script bodies, handlers, style elements/attrs."""

    def __init__(self, page: str):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script":
            self._in_script = "src" not in names
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}" for name in names if name.startswith("on")]
        if "style" in names:
            self.found.append(f"{tag} style=")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline script {data.strip()[:40]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


SAMPLE_PAGES = ["/sample/", "/sample/?p=101", "/sample/?p=101&late=1", "/sample/?p=102&theme=dark",
                "/sample/elsewhere/"]


@pytest.mark.parametrize("path", SAMPLE_PAGES)
def test_sample_pages_run_only_their_own_files(site, path):
    res = site.get(path)
    assert res.status_code == 200 and res.mimetype == "text/html"
    assert_always(res)
    csp = policy(res)
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["base-uri"] == "'none'" and csp["form-action"] == "'none'"
    assert Inline(res.get_data(as_text=True)).found == []


def test_the_sample_post_page_has_every_slug_url_protected(site):
    slugs = [p["slug"] for p in site.get("/sample/wp-json/wp/v2/posts").get_json()]
    for slug in slugs:
        res = site.get(f"/sample/{slug}/")
        assert res.status_code == 200
        assert policy(res)["script-src"] == "'self'"


def test_the_late_content_still_arrives_from_a_file(site):
    page = site.get("/sample/?p=101&late=1").get_data(as_text=True)
    src = re.search(r'<script src="([^"]+)"', page).group(1)
    script = site.get(src)
    assert script.status_code == 200 and script.mimetype in ("text/javascript",
                                                              "application/javascript")
    assert "late-content" in script.get_data(as_text=True)
    assert_always(script)


def test_the_home_page_runs_no_script(site):
    res = site.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert res.mimetype == "text/html"
    assert_always(res)
    csp = policy(res)
    assert csp["default-src"] == "'none'" and "script-src" not in csp
    assert [f for f in Inline(res.get_data(as_text=True)).found if f != "<style>"] == []


@pytest.mark.parametrize("path, status", [
    ("/api", 200), ("/openapi.json", 200), ("/w3c/annotations/", 200),
    ("/sample/wp-json/", 200), ("/sample/wp-json/wp/v2/posts/101", 200),
    ("/api/annotations/00000000-0000-4000-8000-000000000000", 404),
    ("/api/nowhere", 404), ("/sample/?p=999", 404), ("/api/me", 401),
    ("/favicon.ico", 200), ("/sample/static/post.css", 200),
])
def test_json_files_and_errors_allow_nothing(site, path, status):
    res = site.get(path, headers={"Accept": "application/json"})
    assert res.status_code == status
    assert_always(res)
    assert res.headers["Content-Security-Policy"] == NOTHING


def test_a_method_error_and_a_server_error_carry_the_headers_too(tmp_path):
    client = make_client(tmp_path)

    @client.application.get("/boom")
    def boom():
        raise RuntimeError("boom")

    res = client.delete("/api")
    assert res.status_code == 405 and res.headers["Content-Security-Policy"] == NOTHING
    res = client.get("/boom")
    assert res.status_code == 500 and res.get_json()["error"]["code"] == "internal_error"
    assert_always(res)
    assert res.headers["Content-Security-Policy"] == NOTHING


# --- hosts -------------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000",
                                  "LOCALHOST", "localhost."])
def test_the_local_names_are_answered(site, host):
    res = site.get("/api", headers={"Host": host})
    assert res.status_code == 200
    assert res.get_json()["openapi"] == f"http://{host.lower()}/openapi.json"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "localhost.evil.example",
                                  "127.0.0.2", "localhost/x", "a@localhost", "local host", ""])
@pytest.mark.parametrize("path", ["/api", "/", "/sample/", "/w3c/annotations/", "/api/nowhere"])
def test_a_forged_host_is_refused_before_any_link_is_made(site, host, path):
    res = site.get(path, headers={"Host": host})
    assert res.status_code == 400
    error = res.get_json()["error"]
    assert error["code"] == "unknown_host"
    assert "POSTIL_ALLOWED_HOSTS" in error["message"]
    assert_always(res)
    assert res.headers["Content-Security-Policy"] == NOTHING
    assert "evil" not in res.headers.get("Location", "")


def test_a_forged_host_cannot_write(site):
    res = site.post("/api/users", json={"name": "mallory", "password": "x" * 12},
                    headers={"Host": "evil.example"})
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "unknown_host"


def test_the_allowed_hosts_setting_admits_names_and_domains(tmp_path):
    client = make_client(tmp_path, ALLOWED_HOSTS=["notes.example.org", ".example.net"])
    for host, status in [("notes.example.org", 200), ("NOTES.example.org:443", 200),
                         ("example.net", 200), ("a.b.example.net", 200),
                         ("localhost", 400), ("other.example.org", 400), ("badexample.net", 400)]:
        assert client.get("/api", headers={"Host": host}).status_code == status, host


def test_any_host_can_be_allowed_but_not_a_malformed_one(tmp_path):
    client = make_client(tmp_path, ALLOWED_HOSTS=None)
    assert client.get("/api", headers={"Host": "anything.example"}).status_code == 200
    assert client.get("/api", headers={"Host": "a/b"}).status_code == 400


def test_the_public_url_decides_every_link(tmp_path):
    client = make_client(tmp_path, PUBLIC_URL="https://notes.example.org/postil",
                         ALLOWED_HOSTS=allowed_hosts("", "https://notes.example.org/postil",
                                                     "127.0.0.1"))
    for host in ("127.0.0.1:8000", "notes.example.org"):
        links = client.get("/", headers={"Host": host, "Accept": "application/json"}
                           ).get_json()["links"]
        assert links["api"] == "https://notes.example.org/postil/api"
        assert links["sample"] == "https://notes.example.org/postil/sample/"
        post = client.get("/sample/wp-json/wp/v2/posts/101", headers={"Host": host}).get_json()
        assert post["link"].startswith("https://notes.example.org/postil/sample/")
        page = client.get("/", headers={"Host": host, "Accept": BROWSER_ACCEPT})
        assert "<code>https://notes.example.org/postil</code>" in page.get_data(as_text=True)
    assert client.get("/api", headers={"Host": "evil.example"}).status_code == 400


def test_annotation_links_use_the_host_that_was_asked(client, alice):
    from conftest import annotation_body

    res = client.post("/api/annotations", json=annotation_body(), headers={
        **alice.headers, "Host": "127.0.0.1:8000"})
    assert res.status_code == 201
    assert res.get_json()["links"]["self"].startswith("http://127.0.0.1:8000/api/annotations/")
    forged = client.post("/api/annotations", json=annotation_body(), headers={
        **alice.headers, "Host": "evil.example"})
    assert forged.status_code == 400
    assert "evil" not in forged.get_data(as_text=True).replace("'evil.example'", "")


def test_the_default_allowed_hosts():
    assert allowed_hosts("", "", "127.0.0.1") == ["localhost", "127.0.0.1", "[::1]", "127.0.0.1"]
    assert allowed_hosts("", "https://Notes.Example.org:8443/p", "0.0.0.0") == \
        ["localhost", "127.0.0.1", "[::1]", "notes.example.org"]
    assert allowed_hosts("", "", "192.168.1.5") [-1] == "192.168.1.5"
    assert allowed_hosts("", "", "::") == ["localhost", "127.0.0.1", "[::1]"]
    assert allowed_hosts("", "", "fe80::1") [-1] == "[fe80::1]"
    assert allowed_hosts(" a.example , .b.example ", "https://c.example", "0.0.0.0") == \
        ["a.example", ".b.example"]
    assert allowed_hosts("a.example,*", "", "127.0.0.1") is None


# --- the command line: `postil serve --host` and `postil sample serve` -------------------------

POSTIL = str(Path(sys.executable).with_name("postil"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, host: str | None = None):
    """GET `url` (naming `host` in the Host header when given): (status, headers, body)."""
    req = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as res:
            return res.status, res.headers, res.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode()


@contextmanager
def serving(tmp_path, *args: str):
    env = {**os.environ, "POSTIL_DATA_DIR": str(tmp_path)}
    for name in ("POSTIL_DATABASE_URL", "POSTIL_HOST", "POSTIL_ALLOWED_HOSTS", "POSTIL_PUBLIC_URL"):
        env.pop(name, None)
    server = subprocess.Popen([POSTIL, *args], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        yield server
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()


def wait_answering(server, url: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            fetch(url)
            return
        except (urllib.error.URLError, ConnectionError):
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, f"{url} did not answer in 20 s"
            time.sleep(0.1)


def test_serve_answers_to_the_address_it_was_told_to_listen_on(tmp_path):
    port = free_port()
    base = f"http://127.0.0.2:{port}"
    with serving(tmp_path, "serve", "--host", "127.0.0.2", "--port", str(port)) as server:
        wait_answering(server, base + "/api")
        status, headers, body = fetch(base + "/api")
        assert status == 200 and json.loads(body)["openapi"] == base + "/openapi.json"
        assert headers["Content-Security-Policy"] == NOTHING
        status, _, body = fetch(base + "/api", host="evil.example")
        assert status == 400 and json.loads(body)["error"]["code"] == "unknown_host"


def test_the_sample_blog_served_alone_has_the_same_rules(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(tmp_path, "sample", "serve", "--port", str(port)) as server:
        wait_answering(server, base + "/sample/")
        status, headers, page = fetch(base + "/sample/?p=101")
        assert status == 200 and f'href="{base}/sample/wp-json/"' in page
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        status, headers, body = fetch(base + "/sample/?p=101", host="evil.example")
        assert status == 400 and json.loads(body)["error"]["code"] == "unknown_host"
        assert "evil.example/sample" not in body
