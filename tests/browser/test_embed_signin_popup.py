"""The embed's sign-in pop-up in Chromium: a page of a registered site opens the server's
`/embed/signin`, the reader signs in there, and the page receives the session's token by
postMessage; a page of an unregistered origin receives nothing, whether it asks for its own
origin (no form at all) or names the registered site's (the message goes to that origin only).
Where the server lets anyone make an account, the reader signs up in the pop-up instead, and the
page receives the new account's token the same way.
Then the embed itself on a site where anyone signed in writes: its sidebar's Sign in, the
reader's own note painted beside the public one, kept through a reload (the tab's
sessionStorage), a highlight made with the embed's toolbar, Sign out.

The two sites are tiny servers of their own, each on its own origin, with a strict policy; their
page opens the pop-up as the embed does and keeps every message from the server's origin.
"""

from __future__ import annotations

import re
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from browser_helpers import CHROMIUM, PASSWORD, POST_102, SELECT_JS, wait_until
from test_embed_page import EMBED_PAINTED_JS, PRIVATE, PUBLIC, Accessible, EmbeddingSite, bob_writes

from conftest import LiveServer, free_port

OPENER = """<!doctype html><html><head><meta charset="utf-8"><title>A blog</title>
<script src="/opener.js"></script></head><body><h1>A blog post</h1>
<button id="open" type="button">Sign in</button></body></html>"""

# ASKS is the origin the page asks the pop-up for: its own ("self"), or another one's.
OPENER_JS = """
window.received = [];
addEventListener("message", (event) => {
  if (event.origin === SERVER) window.received.push(event.data);
});
addEventListener("DOMContentLoaded", () => {
  document.getElementById("open").addEventListener("click", () => {
    const origin = ASKS === "self" ? location.origin : ASKS;
    window.open(`${SERVER}/embed/signin?origin=${encodeURIComponent(origin)}`, "postil-signin",
                "popup,width=440,height=600");
  });
});
"""


class Site:
    """A site's page on its own origin that opens the sign-in pop-up."""

    def __init__(self, server_url: str, asks: str = "self") -> None:
        script = (OPENER_JS.replace("SERVER", repr(server_url)).replace("ASKS", repr(asks))
                  .encode())
        page = OPENER.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 — the name http.server calls
                body, kind = (script, "text/javascript") if self.path == "/opener.js" else (
                    page, "text/html; charset=utf-8")
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Security-Policy",
                                 "default-src 'none'; script-src 'self'")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def browser(playwright_driver):
    launched = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
    yield launched.new_context(viewport={"width": 1000, "height": 700})
    launched.close()


@pytest.fixture
def registered(server):
    site = Site(server.url)
    key = f"127.0.0.1:{site.port}"
    server.cli("site", "add", site.url, "--embed", "--name", "The Test Blog")
    yield site
    server.cli("site", "remove", key)
    site.close()


def open_popup(page):
    with page.expect_popup() as opened:
        page.click("#open")
    popup = opened.value
    popup.wait_for_load_state()
    return popup


def sign_in(popup, name: str = "alice") -> None:
    popup.get_by_label("Username").fill(name)
    popup.get_by_label("Password").fill(PASSWORD)
    popup.get_by_role("button", name="Sign in").click()


def test_a_registered_site_receives_the_token_from_the_pop_up(browser, server, registered,
                                                              tokens):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(registered.url)
    popup = open_popup(page)
    popup_errors = []
    popup.on("pageerror", lambda err: popup_errors.append(str(err)))
    assert "The Test Blog" in popup.text_content("main")
    sign_in(popup)
    wait_until(lambda: page.evaluate("window.received.length") == 1, timeout=10,
               message="the token handed to the page")
    message = page.evaluate("window.received[0]")
    assert message["type"] == "postil-signed-in" and message["user"]["name"] == "alice"
    status, me = server.api("GET", "/api/me", message["token"])
    assert status == 200 and me["user"]["name"] == "alice"
    # Alice's sessions, as she sees them signed in elsewhere: the embed's is among them (the
    # embed's session itself may not list them: 403 embed_session).
    status, refused = server.api("GET", "/api/tokens", message["token"])
    assert status == 403 and refused["error"]["code"] == "embed_session"
    status, sessions = server.api("GET", "/api/tokens", tokens["alice"])
    assert f"embed on 127.0.0.1:{registered.port}" in [s["label"] for s in sessions["items"]]
    # The pop-up closes itself once it has handed the token over.
    if not popup.is_closed():
        popup.wait_for_event("close", timeout=10_000)
    assert not errors and not popup_errors
    server.api("DELETE", "/api/tokens/current", message["token"])


def test_a_wrong_password_says_so_in_the_pop_up_and_hands_nothing(browser, server, registered):
    page = browser.new_page()
    page.goto(registered.url)
    popup = open_popup(page)
    popup.get_by_label("Username").fill("alice")
    popup.get_by_label("Password").fill("not the password")
    popup.get_by_role("button", name="Sign in").click()
    wait_until(lambda: "wrong username or password" in popup.text_content("#status"),
               timeout=10, message="the error shown")
    assert page.evaluate("window.received") == []


def test_an_unregistered_origin_gets_no_form_and_no_token(browser, server, registered):
    stranger = Site(server.url)
    try:
        page = browser.new_page()
        page.goto(stranger.url)
        popup = open_popup(page)
        assert popup.get_by_role("heading", name="No sign-in here").is_visible()
        assert popup.locator("form").count() == 0
        assert "is not the origin of a site registered" in popup.text_content("main")
        page.wait_for_timeout(300)
        assert page.evaluate("window.received") == []
    finally:
        stranger.close()


def test_a_page_naming_a_registered_sites_origin_receives_nothing(browser, server, registered):
    # A page elsewhere opens the pop-up for the registered site, hoping for its token: the
    # browser delivers the message to that origin only, and this page is not it.
    impostor = Site(server.url, asks=registered.url)
    try:
        page = browser.new_page()
        page.goto(impostor.url)
        popup = open_popup(page)
        sign_in(popup)
        wait_until(lambda: "Signed in as alice" in popup.text_content("#status"), timeout=10,
                   message="the pop-up signed in")
        page.wait_for_timeout(500)
        assert page.evaluate("window.received") == []
    finally:
        impostor.close()


def admitted(server, origin: str) -> bool:
    """Whether the server's CORS admits `origin` to read annotations (a preflight, as a page's)."""
    req = urllib.request.Request(f"{server.url}/api/annotations", method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    with urllib.request.urlopen(req, timeout=5) as response:
        return response.headers.get("Access-Control-Allow-Origin") == origin


@pytest.fixture
def writing_site(server, blog):
    """The sample blog's pages with the embed, on an origin registered only as a site whose
    readers write (not in POSTIL_CORS_ORIGINS: the site's CORS is the server's site policy)."""
    site = EmbeddingSite(SimpleNamespace(url=server.url, embedding_port=free_port()), blog)
    server.cli("site", "add", f"{site.url}/sample", "--embed", "signed-in", "--origin", site.url)
    # Registered from the shell, another process: the server admits it within 10 seconds.
    wait_until(lambda: admitted(server, site.url), timeout=15, interval=0.5,
               message="the site's origin admitted")
    yield site
    server.cli("site", "remove", site.site)
    site.close()


MINE = "time becomes the most important ingredient"


def test_a_reader_signs_in_from_the_embed_sees_their_own_notes_and_highlights(
        browser, server, writing_site, tokens):

    site = writing_site
    bob_writes(server, site, tokens, PUBLIC, "public", "bob's public note")
    bob_writes(server, site, tokens, PRIVATE, "private", "bob's own note")
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{site.url}{POST_102}")

    def shown():
        return sorted(page.evaluate(EMBED_PAINTED_JS).get("postil-embed-pink", []))

    wait_until(lambda: shown() == [PUBLIC], timeout=15, message="the public note painted")
    ax = Accessible(page)
    ax.click("button", re.compile(r"^Postil: 1 note on this page$"))
    wait_until(lambda: "Sign in to see your own" in ax.text(), timeout=10,
               message="the sidebar offers to sign in")
    with page.expect_popup() as opened:
        ax.click("button", re.compile(r"^Sign in$"))
    popup = opened.value
    popup.wait_for_load_state()
    sign_in(popup, "bob")
    wait_until(lambda: shown() == sorted([PUBLIC, PRIVATE]), timeout=15,
               message="bob's own note painted too", show=lambda: (shown(), ax.text()))
    wait_until(lambda: "bob's own note" in ax.text(), timeout=10, message="listed")
    assert "Signed in as bob" in ax.text()
    status, sessions = server.api("GET", "/api/tokens", tokens["bob"])
    assert f"embed on {site.site}" in [s["label"] for s in sessions["items"]]

    # The tab keeps the reader signed in: the site's next page (here, the same one again).
    page.reload()
    wait_until(lambda: shown() == sorted([PUBLIC, PRIVATE]), timeout=15,
               message="still signed in after a reload")

    # Where anyone signed in writes, the reader highlights from the embed's own toolbar: sent
    # from the site's page, with the token the pop-up handed over.
    ax = Accessible(page)
    assert page.evaluate(SELECT_JS, {"phrase": MINE, "wholePage": False})
    ax.click("button", re.compile(r"^Highlight green$"))
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-green") == [MINE],
               timeout=15, message="the reader's highlight painted")
    mine = server.annotations(tokens["bob"], site=site.site, post_id=102)["items"]
    assert [(a["quote"], a["color"], a["visibility"]) for a in mine if a["quote"] == MINE] == [
        (MINE, "green", "private")]

    ax.click("button", re.compile(r"^Postil: 3 notes on this page$"))
    ax.click("button", re.compile(r"^Sign out$"))
    wait_until(lambda: shown() == [PUBLIC], timeout=15, message="signed out: public only")
    status, sessions = server.api("GET", "/api/tokens", tokens["bob"])
    assert f"embed on {site.site}" not in [s["label"] for s in sessions["items"]]
    assert not errors, errors


def test_where_members_write_a_signed_in_stranger_only_reads_until_made_a_member(
        browser, server, blog, tokens):
    site = EmbeddingSite(SimpleNamespace(url=server.url, embedding_port=free_port()), blog)
    server.cli("site", "add", f"{site.url}/sample", "--embed", "members", "--origin", site.url)
    try:
        wait_until(lambda: admitted(server, site.url), timeout=15, interval=0.5,
                   message="the site's origin admitted")
        page = browser.new_page()
        page.goto(f"{site.url}{POST_102}")
        ax = Accessible(page)
        ax.click("button", re.compile(r"^Postil: \d+ notes? on this page$"))
        with page.expect_popup() as opened:
            ax.click("button", re.compile(r"^Sign in$"))
        popup = opened.value
        popup.wait_for_load_state()
        sign_in(popup, "bob")
        wait_until(lambda: "Signed in as bob" in ax.text(), timeout=15, message="signed in")
        assert page.evaluate(SELECT_JS, {"phrase": MINE, "wholePage": False})
        page.wait_for_timeout(400)
        assert ax.find("toolbar", re.compile("Postil")) is None

        server.cli("site", "add-member", site.site, "bob")
        page.reload()
        ax = Accessible(page)
        page.wait_for_function("() => globalThis.__postilEmbed === true")
        wait_until(lambda: page.evaluate(SELECT_JS, {"phrase": MINE, "wholePage": False})
                   and ax.find("toolbar", re.compile("Postil")) is not None, timeout=15,
                   message="the member's toolbar")
    finally:
        server.cli("site", "remove", site.site)
        site.close()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    """A second annotation server, one where anyone may make an account (POSTIL_OPEN_SIGNUP)."""
    live = LiveServer(tmp_path_factory.mktemp("postil-open-signup"))
    live.env["POSTIL_OPEN_SIGNUP"] = "1"
    live.start()
    yield live
    live.stop()


def test_where_the_server_allows_it_a_reader_signs_up_in_the_pop_up(browser, open_server):
    site = Site(open_server.url)
    open_server.cli("site", "add", site.url, "--embed", "--name", "The Open Blog")
    try:
        page = browser.new_page()
        page.goto(site.url)
        popup = open_popup(page)
        popup_errors = []
        popup.on("pageerror", lambda err: popup_errors.append(str(err)))
        assert popup.get_by_label("Choose a username").is_hidden()
        popup.get_by_role("button", name="No account? Sign up").click()
        popup.get_by_label("Choose a username").fill("newreader")
        popup.get_by_label("Choose a password").fill("a long new password")
        popup.get_by_role("button", name="Create the account and sign in").click()
        wait_until(lambda: page.evaluate("window.received.length") == 1, timeout=10,
                   message="the new account's token handed to the page")
        message = page.evaluate("window.received[0]")
        assert message["type"] == "postil-signed-in" and message["user"]["name"] == "newreader"
        status, me = open_server.api("GET", "/api/me", message["token"])
        assert status == 200 and me["user"]["name"] == "newreader"
        # The account is a real one: its password signs in anywhere, not only from the embed.
        status, _ = open_server.api("POST", "/api/tokens", body={
            "username": "newreader", "password": "a long new password"})
        assert status == 201
        assert not popup_errors
    finally:
        open_server.cli("site", "remove", f"127.0.0.1:{site.port}")
        site.close()
