"""The embed on a blog's page: a visitor without the extension sees the post's public notes
painted and can open the sidebar, read-only; with the extension too, only the extension paints
(in Chromium and, through firefox/embed-extension-flow.mjs, in Firefox).

The page is the sample blog's own post, served by a site on another origin than the annotation
server's, with the one tag a site adds, `<script src="SERVER/embed.js" async>`, and the two
sources its strict Content-Security-Policy must then allow: the server for scripts and for
connections; the server admits that origin to `/api/` (POSTIL_CORS_ORIGINS). The embed's UI is
in a closed shadow root, so the test reads and clicks it through the accessibility tree, as
assistive technology does, not through the DOM.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from browser_helpers import (
    EMBED_PAINTED_JS,
    EXTENSION,
    FIREFOX,
    PASSWORD,
    POST_102,
    Accessible,
    painted,
    run_firefox_flow,
    wait_painted,
    wait_until,
)

PUBLIC = "Bakers learn to read the dough rather than the clock"
PRIVATE = "A warm, wet starter favours the milder lactic flavour"


class EmbeddingSite:
    """A site on its own origin (127.0.0.1 on the port the server admits for CORS) whose pages
    are the sample blog's, with the embed's tag added as a site adds it, and its strict policy
    allowing the server for scripts and connections."""

    def __init__(self, server, blog) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        tag = f'<script src="{server.url}/embed.js" async></script></head>'
        self.url = f"http://127.0.0.1:{server.embedding_port}"
        self.site = f"127.0.0.1:{server.embedding_port}/sample"
        here = self.url

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 — the name http.server calls
                try:
                    with urllib.request.urlopen(blog.url + self.path, timeout=10) as response:
                        data = response.read()
                        kind = response.headers.get("Content-Type", "")
                        policy = response.headers.get("Content-Security-Policy")
                except urllib.error.HTTPError as err:
                    self.send_error(err.code)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                if kind.startswith("text/html"):
                    # The blog's pages, as this site's own: their links name this origin.
                    data = data.decode().replace(blog.url, here).replace("</head>", tag, 1).encode()
                    policy = policy.replace("script-src 'self'", f"script-src 'self' {server.url}")
                    policy = f"{policy}; connect-src {server.url}"
                    self.send_header("Content-Security-Policy", policy)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", server.embedding_port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def site(server, blog):
    embedding = EmbeddingSite(server, blog)
    yield embedding
    embedding.close()


def bob_writes(server, site, tokens, quote: str, visibility: str, note: str,
               color: str = "pink") -> dict:
    post = {"site": site.site, "post_id": 102, "url": f"{site.url}{POST_102}", "title": "Sourdough"}
    status, data = server.api("POST", "/api/annotations", tokens["bob"], body={
        "post": post, "quote": quote, "note": note, "visibility": visibility, "color": color,
        "selectors": [{"type": "TextQuoteSelector", "exact": quote, "prefix": "", "suffix": ""}]})
    assert status == 201, data
    return data


def test_a_visitor_without_the_extension_sees_the_public_notes_painted_and_listed(
        visitor, server, site, tokens):
    bob_writes(server, site, tokens, PUBLIC, "public", "bob's public note")
    bob_writes(server, site, tokens, PRIVATE, "private", "bob's secret")
    page = visitor.new_page()
    errors, console = [], []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{site.url}{POST_102}")
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-pink") == [PUBLIC],
               timeout=15, message="the public note painted",
               show=lambda: (page.evaluate(EMBED_PAINTED_JS), errors, console))
    shown = page.evaluate(EMBED_PAINTED_JS)
    assert all(PRIVATE not in ranges for ranges in shown.values())
    # The UI is the page modules' own, in a closed shadow root the page's scripts cannot walk.
    assert page.evaluate("() => document.querySelector('postil-ui').shadowRoot") is None
    # The sidebar, opened with the embed's own button, lists the public note, read-only.
    ax = Accessible(page)
    ax.click("button", re.compile(r"^Postil: 1 note on this page$"))
    wait_until(lambda: "bob's public note" in ax.text(), timeout=10, message="sidebar listed")
    text = ax.text()
    # (The private passage is in the article's own text; its note is nowhere.)
    assert "bob's secret" not in text
    assert "Public notes on this page, read only." in text
    names = [str(n.get("name", {}).get("value", "")) for n in ax.nodes()
             if n.get("role", {}).get("value") == "button"]
    assert not [n for n in names if re.match(r"^(Edit|Delete|Reply to) ", n)], names
    # Selecting text offers no toolbar: nothing is written from the embed yet.
    page.get_by_text(PUBLIC).first.click(click_count=3)
    time.sleep(0.3)
    assert ax.find("toolbar", re.compile("Postil")) is None
    assert not errors, errors


def test_with_the_extension_too_the_page_is_painted_once_by_the_extension(
        alice, server, site, tokens):
    bob_writes(server, site, tokens, PUBLIC, "public", "bob's public note")
    page = alice.context.new_page()
    page.on("pageerror", lambda err: alice.errors.append(str(err)))
    page.goto(f"{site.url}{POST_102}")
    wait_painted(page, "pink", PUBLIC)
    # The embed ran (its script loaded) and yielded: no highlights of its own, no second UI.
    wait_until(lambda: page.evaluate("() => globalThis.__postilEmbed === true"), timeout=10,
               message="the embed loaded")
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    assert page.evaluate(EMBED_PAINTED_JS) == {}
    assert page.locator("postil-ui").count() == 1
    assert painted(page)["pink"] == [PUBLIC]


def test_the_embed_takes_its_paint_and_ui_away_when_the_extension_marks_the_page_later(
        visitor, server, site, tokens):
    bob_writes(server, site, tokens, PUBLIC, "public", "bob's public note")
    page = visitor.new_page()
    page.goto(f"{site.url}{POST_102}")
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-pink") == [PUBLIC],
               timeout=15, message="the public note painted by the embed")
    assert page.locator("postil-ui").count() == 1
    # As the extension's content script does when it starts after the embed (content/hosts.js);
    # here the page sets it, which only makes its own embed step aside.
    page.evaluate("() => document.documentElement.setAttribute('data-postil-extension', '')")

    def gone() -> bool:
        return page.evaluate(EMBED_PAINTED_JS) == {} and page.locator("postil-ui").count() == 0

    wait_until(gone, timeout=10, message="the embed gone",
               show=lambda: (page.evaluate(EMBED_PAINTED_JS), page.locator("postil-ui").count()))


LIVE = "The two groups do different jobs"
THIRD = "Feeding it fresh flour every day keeps that community lively"
LIVE_WAIT = 15


def test_the_open_embed_follows_public_notes_made_edited_and_deleted_elsewhere(
        visitor, server, site, tokens):
    bob_writes(server, site, tokens, PUBLIC, "public", "bob's public note")
    page = visitor.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{site.url}{POST_102}")
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-pink") == [PUBLIC],
               timeout=15, message="the public note painted by the embed")
    page.evaluate("() => { window.sameDocument = true; }")
    ax = Accessible(page)

    # Bob, elsewhere, makes a public note and a private one: the public one appears, no reload.
    made = bob_writes(server, site, tokens, LIVE, "public", "two jobs", color="blue")
    bob_writes(server, site, tokens, PRIVATE, "private", "bob's secret", color="green")
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-blue") == [LIVE],
               timeout=LIVE_WAIT, message="the new public note painted",
               show=lambda: (page.evaluate(EMBED_PAINTED_JS), errors))
    wait_until(lambda: ax.find("button", re.compile(r"^Postil: 2 notes on this page$")),
               timeout=10, message="the button counts two")

    # Edited: repainted in its new colour, its new note in the sidebar.
    status, data = server.api("PATCH", f"/api/annotations/{made['id']}", tokens["bob"],
                              body={"color": "green", "note": "two jobs, edited"})
    assert status == 200, data
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-green") == [LIVE],
               timeout=LIVE_WAIT, message="repainted green",
               show=lambda: page.evaluate(EMBED_PAINTED_JS))
    ax.click("button", re.compile(r"^Postil: 2 notes on this page$"))
    wait_until(lambda: "two jobs, edited" in ax.text(), timeout=10, message="the edit listed")

    # Made private: gone for the visitor; and deleted, the other one goes too.
    status, data = server.api("PATCH", f"/api/annotations/{made['id']}", tokens["bob"],
                              body={"visibility": "private"})
    assert status == 200, data
    wait_until(lambda: LIVE not in str(page.evaluate(EMBED_PAINTED_JS)), timeout=LIVE_WAIT,
               message="the note made private unpainted")
    [first] = [item for item in server.annotations(tokens["bob"], site=site.site, post_id=102)
               ["items"] if item["quote"] == PUBLIC]
    status, _ = server.api("DELETE", f"/api/annotations/{first['id']}", tokens["bob"])
    assert status == 204
    wait_until(lambda: not any(page.evaluate(EMBED_PAINTED_JS).values()), timeout=LIVE_WAIT,
               message="the deleted note unpainted", show=lambda: page.evaluate(EMBED_PAINTED_JS))
    wait_until(lambda: "two jobs, edited" not in ax.text() and "bob's public note" not in ax.text(),
               timeout=10, message="the sidebar emptied")
    shown = page.evaluate(EMBED_PAINTED_JS)
    assert all(PRIVATE not in ranges for ranges in shown.values())
    assert "bob's secret" not in ax.text()
    # All of it without a reload.
    assert page.evaluate("() => window.sameDocument") is True
    assert not errors, errors


def test_the_embed_resumes_its_stream_where_it_was_after_the_server_restarts(
        visitor, server, site, tokens):
    bob_writes(server, site, tokens, PUBLIC, "public", "bob's public note")
    page = visitor.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/api/" in r.url else None)
    page.goto(f"{site.url}{POST_102}")
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-pink") == [PUBLIC],
               timeout=15, message="the public note painted by the embed")
    # One event heard: the embed knows where the stream is.
    bob_writes(server, site, tokens, LIVE, "public", "two jobs", color="blue")
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-blue") == [LIVE],
               timeout=LIVE_WAIT, message="the live note painted")
    lists = [u for u in requests if "/api/annotations?" in u]
    server.stop()
    server.start()
    # Made while the embed is still waiting to reconnect: the stream brings it on its return.
    bob_writes(server, site, tokens, THIRD, "public", "a third", color="green")
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-green") == [THIRD],
               timeout=LIVE_WAIT + 15, message="the note made during the reconnect painted")
    resumed = [u for u in requests if "/api/stream?" in u][1:]
    assert resumed and all("last_event_id=" in u for u in resumed), resumed
    # Resumed, not reloaded: the list was not read again.
    assert [u for u in requests if "/api/annotations?" in u] == lists


def test_the_embed_stops_following_the_stream_when_it_yields_to_the_extension(
        visitor, server, site, tokens):
    bob_writes(server, site, tokens, PUBLIC, "public", "bob's public note")
    page = visitor.new_page()
    streams = []
    page.on("request", lambda r: streams.append(r) if "/api/stream" in r.url else None)
    page.goto(f"{site.url}{POST_102}")
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-pink") == [PUBLIC],
               timeout=15, message="the public note painted by the embed")
    wait_until(lambda: streams, timeout=10, message="the embed following the stream")
    # Anonymous: no token, no cookie goes with it.
    assert "authorization" not in streams[0].headers
    finished = []
    page.on("requestfailed", lambda r: finished.append(r) if "/api/stream" in r.url else None)
    page.on("requestfinished", lambda r: finished.append(r) if "/api/stream" in r.url else None)
    page.evaluate("() => document.documentElement.setAttribute('data-postil-extension', '')")
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS) == {}, timeout=10, message="yielded")
    wait_until(lambda: finished, timeout=10, message="the stream closed")
    opened = len(streams)
    bob_writes(server, site, tokens, LIVE, "public", "two jobs", color="blue")
    page.wait_for_timeout(1500)
    # Nothing painted again, no stream opened again.
    assert page.evaluate(EMBED_PAINTED_JS) == {}
    assert len(streams) == opened


def test_firefox_a_visitor_without_the_extension_sees_the_public_notes_painted(
        node_driver, server, site, tokens):
    bob_writes(server, site, tokens, PUBLIC, "public", "bob's public note")
    bob_writes(server, site, tokens, PRIVATE, "private", "bob's secret")
    live = {"post": {"site": site.site, "post_id": 102, "url": f"{site.url}{POST_102}"},
            "quote": LIVE, "note": "two jobs", "visibility": "public", "color": "blue",
            "selectors": [{"type": "TextQuoteSelector", "exact": LIVE, "prefix": "", "suffix": ""}]}
    result = run_firefox_flow(node_driver, "embed-flow.mjs", {
        "POSTIL_PAGE": f"{site.url}{POST_102}", "POSTIL_PUBLIC_QUOTE": PUBLIC,
        "POSTIL_FIREFOX": FIREFOX, "POSTIL_LIVE_NOTE": json.dumps(
            {"api": server.url, "token": tokens["bob"], "body": live})})
    assert result["painted"]["postil-embed-pink"] == [PUBLIC]
    assert all(PRIVATE not in ranges for ranges in result["painted"].values())
    assert result["shadowRoot"] is None
    assert result["hosts"] == 1
    # Made through the API while the page was open: painted without a reload.
    assert result["live"]["postil-embed-blue"] == [LIVE]
    assert result["sameDocument"] is True
    assert result["errors"] == []


def test_firefox_with_the_extension_too_the_page_is_painted_once_by_the_extension(
        node_driver, server, site, tokens):
    bob_writes(server, site, tokens, PUBLIC, "public", "bob's public note")
    result = run_firefox_flow(node_driver, "embed-extension-flow.mjs", {
        "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url,
        "POSTIL_PAGE": f"{site.url}{POST_102}", "POSTIL_USER": "alice",
        "POSTIL_PASSWORD": PASSWORD, "POSTIL_PUBLIC_QUOTE": PUBLIC, "POSTIL_FIREFOX": FIREFOX})
    assert result["embedLoaded"] is True
    assert result["extensionPainted"].count(PUBLIC) == 1
    assert result["embedPainted"] == {}
    assert result["hosts"] == 1
    assert result["errors"] == []


def test_the_sample_blog_with_embed_1_shows_its_public_notes_to_a_visitor(visitor, server,
                                                                          tokens):
    # As docs/embedding.md says to try it: the server's own sample blog, its own embed.
    own = SimpleNamespace(site=server.site, url=server.url)
    bob_writes(server, own, tokens, PUBLIC, "public", "bob's public note")
    page = visitor.new_page()
    page.goto(f"{server.url}/sample/?p=102&embed=1")
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-pink") == [PUBLIC],
               timeout=15, message="the public note painted by the sample's embed")
