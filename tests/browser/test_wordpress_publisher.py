"""Publisher mode on the real WordPress (Debian's 6.1, the `wordpress` fixture) with the plugin
installed, in Chromium: the site registered so that any signed-in reader writes from the embed.

- On a phone (conftest.PHONE: touch, 390 × 844) a reader signs in through the pop-up, selects a
  passage by touch and writes a public note with the embed's toolbar and editor: stored on the
  server keyed to the WordPress post, painted, still there after a reload.
- A moderator hides a flagged public note on the moderation page: it goes from a visitor's open
  page without a reload, while its author's page keeps it.
- Under pre-moderation a note written from the embed is not shown to a visitor until a moderator
  approves it on the moderation page; then it is painted on the visitor's open page.

One WordPress, one server and one Chromium serve the whole module; Firefox runs the same
stories in firefox/wp-publisher-flow.mjs (last test).
"""

from __future__ import annotations

import json
import re

import pytest
from browser_helpers import (
    CHROMIUM,
    EMBED_PAINTED_JS,
    FIREFOX,
    PASSWORD,
    Accessible,
    run_firefox_flow,
    wait_until,
)
from test_embed_signin_popup import admitted
from test_phone import TOUCH_SELECT_JS, article_start, tap
from wordpress_site import install_postil_plugin

from conftest import PHONE

MODERATOR = "wpmod"
NOTED = "the tide leaves small pools among the rocks"
FLAGGED = "a crab the size of a thumbnail guards each pool"
WAITING = "the gulls come down once the water is gone"
SHORE = [
    f"Twice a day {NOTED}, and each is a world of its own.",
    f"Look closely and {FLAGGED}, claws raised at anything that moves.",
    f"When the sea is far out {WAITING}, and the pools go quiet.",
]
LIVE_WAIT = 15


class Touch(Accessible):
    """The accessibility tree (closed shadow roots included), acted on as a finger would."""

    def box(self, role: str, name: re.Pattern) -> dict:
        node = wait_until(lambda: self.find(role, name), timeout=10,
                          message=f"{role} {name.pattern}")
        quad = self.cdp.send("DOM.getBoxModel",
                             {"backendNodeId": node["backendDOMNodeId"]})["model"]["content"]
        return {"x": sum(quad[0::2]) / 4, "y": sum(quad[1::2]) / 4, "node": node}

    def tap(self, role: str, name: re.Pattern) -> None:
        at = self.box(role, name)
        self.page.touchscreen.tap(at["x"], at["y"])

    def focus(self, role: str, name: re.Pattern) -> None:
        node = wait_until(lambda: self.find(role, name), timeout=10,
                          message=f"{role} {name.pattern}")
        self.cdp.send("DOM.focus", {"backendNodeId": node["backendDOMNodeId"]})


@pytest.fixture(scope="module")
def moderator_token(server):
    server.cli("user", "add", MODERATOR, "--password-stdin", stdin=PASSWORD + "\n")
    status, data = server.api("POST", "/api/tokens",
                              body={"username": MODERATOR, "password": PASSWORD})
    assert status == 201, data
    return data["token"]


@pytest.fixture(scope="module")
def publisher(wordpress, server, moderator_token, tmp_path_factory):
    """The session's WordPress registered as a site where any signed-in reader writes, public
    notes post-moderated by MODERATOR, and the plugin installed from its zip and activated."""
    server.cli("site", "add", wordpress.url, "--embed", "signed-in", "--moderation", "post",
               "--moderator", MODERATOR, "--name", "Postil test blog")
    plugin = install_postil_plugin(wordpress, server.url, tmp_path_factory.mktemp("wp-plugin"))
    # Registered from the shell, another process: the server admits the origin within seconds.
    wait_until(lambda: admitted(server, wordpress.url), timeout=15, interval=0.5,
               message="the site's origin admitted")
    yield wordpress
    wordpress.set_option("postil_server", None)
    wordpress.activate_plugin(plugin, active=False)
    server.cli("site", "remove", wordpress.site)


@pytest.fixture(scope="module")
def chromium(playwright_session):
    launched = playwright_session.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
    yield launched
    launched.close()


@pytest.fixture
def contexts(chromium):
    """New browser contexts (each a reader of its own) for one test, closed after it."""
    made = []

    def new(**options):
        context = chromium.new_context(**(options or {"viewport": {"width": 1100,
                                                                     "height": 800}}))
        made.append(context)
        return context

    yield new
    for context in made:
        context.close()


def painted(page) -> dict:
    return page.evaluate(EMBED_PAINTED_JS)


COLOURS = ("yellow", "green", "blue", "pink", "purple")


def painted_quotes(page) -> list[str]:
    """The passages painted in a colour (not the "noted" marks or a flash)."""
    shown = painted(page)
    return sorted(q for c in COLOURS for q in shown.get(f"postil-embed-{c}", []))


def open_post(context, link: str, errors: list):
    page = context.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(link)
    page.wait_for_function("() => globalThis.__postilEmbed === true")
    return page


def signed_in_as(page, server, token: str, user: str) -> None:
    """What the pop-up leaves in the tab (session.js: sessionStorage), for pages whose reader
    signed in before; the pop-up itself is the first test's."""
    page.add_init_script(f"sessionStorage.setItem({json.dumps('postil-embed-session:' + server)},"
                         f" {json.dumps(json.dumps({'token': token, 'user': {'name': user}}))})")


def write(server, token, wordpress, post, quote, note, color="blue") -> dict:
    status, data = server.api("POST", "/api/annotations", token, body={
        "post": {"site": wordpress.site, "post_id": post["id"], "url": post["link"]},
        "quote": quote, "note": note, "visibility": "public", "color": color,
        "selectors": [{"type": "TextQuoteSelector", "exact": quote, "prefix": "", "suffix": ""}]})
    assert status == 201, data
    return data


def select_and_note(page, ax: Touch, phrase: str, note: str) -> None:
    """Select `phrase` as a finger does (a tap on the text, a long-press, a handle), then Add
    note in the embed's toolbar, type the note, choose Public and Save, all by touch and keys."""
    tap(page, article_start(page))
    assert page.evaluate(TOUCH_SELECT_JS, phrase), "phrase not on the page"
    ax.tap("button", re.compile(r"^Add note$"))
    wait_until(lambda: ax.find("textbox", re.compile(r"^Note")), timeout=10,
               message="the note editor")
    page.keyboard.type(note)
    ax.focus("combobox", re.compile(r"^Visibility$"))
    page.keyboard.press("End")  # the last choice: Public
    wait_until(lambda: ax.find("combobox", re.compile(r"^Visibility$"))["value"]["value"]
               .startswith("Public"), timeout=5, message="Public chosen")
    ax.tap("button", re.compile(r"^Save$"))


def moderation_page(context, server, key: str):
    """The site's moderation page, signed in as its moderator."""
    page = context.new_page()
    page.goto(f"{server.url}/sites/{key}/moderation")
    page.fill("input[name=username]", MODERATOR)
    page.fill("input[name=password]", PASSWORD)
    page.click("#signin button[type=submit]")
    page.wait_for_selector("#desk:not([hidden])")
    return page


def test_on_a_phone_a_reader_signs_in_in_the_pop_up_and_notes_a_passage_selected_by_touch(
        publisher, server, tokens, contexts, artifacts):
    post = publisher.publish("Rock pools", SHORE)
    errors = []
    page = open_post(contexts(**PHONE), post["link"], errors)
    assert page.evaluate("() => innerWidth") == 390
    ax = Touch(page)
    ax.tap("button", re.compile(r"^Postil: 0 notes on this page$"))
    with page.expect_popup() as opened:
        ax.tap("button", re.compile(r"^Sign in$"))
    popup = opened.value
    popup.wait_for_load_state()
    assert "Postil test blog" in popup.text_content("main")
    popup.get_by_label("Username").fill("bob")
    popup.get_by_label("Password").fill(PASSWORD)
    popup.get_by_role("button", name="Sign in").click()
    wait_until(lambda: "Signed in as bob" in ax.text(), timeout=15, message="signed in",
               show=ax.text)
    ax.tap("button", re.compile(r"^Close Postil sidebar$"))

    select_and_note(page, ax, NOTED, "pools like small worlds")
    wait_until(lambda: painted_quotes(page) == [NOTED], timeout=LIVE_WAIT,
               message="the note painted", show=lambda: (painted(page), errors))
    page.screenshot(path=str(artifacts / "wordpress-phone-note.png"))
    # Stored on the server, keyed to the WordPress post, as the reader wrote it.
    items = server.annotations(None, site=publisher.site, post_id=post["id"])["items"]
    assert [(a["quote"], a["note"], a["user"], a["visibility"]) for a in items] == [
        (NOTED, "pools like small worlds", "bob", "public")], items

    page.reload()
    page.wait_for_function("() => globalThis.__postilEmbed === true")
    wait_until(lambda: painted_quotes(page) == [NOTED], timeout=LIVE_WAIT,
               message="the note painted after a reload")
    assert not errors, errors


def test_a_moderator_hides_a_flagged_note_and_it_goes_from_a_visitors_open_page(
        publisher, server, tokens, contexts, artifacts):
    post = publisher.publish("Crabs", SHORE)
    flagged = write(server, tokens["bob"], publisher, post, FLAGGED, "tiny guards", "pink")
    write(server, tokens["bob"], publisher, post, NOTED, "small worlds", "green")
    errors = []
    # Visitor B, signed out; reader A (bob, the author), signed in on the site in their tab.
    visitor = open_post(contexts(), post["link"], errors)
    author_context = contexts()
    author = author_context.new_page()
    signed_in_as(author, server.url, tokens["bob"], "bob")
    author.on("pageerror", lambda err: errors.append(str(err)))
    author.goto(post["link"])
    for page in (visitor, author):
        wait_until(lambda page=page: painted_quotes(page) == sorted([NOTED, FLAGGED]),
                   timeout=LIVE_WAIT, message="both public notes painted")
    visitor.evaluate("() => { window.notReloaded = true; }")
    author.evaluate("() => { window.notReloaded = true; }")

    # Someone flags it (the API: the sidebar's flag button is another page's test).
    status, _ = server.api("POST", f"/api/annotations/{flagged['id']}/flags", tokens["alice"],
                           body={"reason": "spam", "note": "an advert for crab pots"})
    assert status == 201
    desk = moderation_page(contexts(), server, publisher.site)
    desk.click("#queues button[data-queue=flagged]")
    item = desk.locator(f'#queue li[data-id="{flagged["id"]}"]')
    item.wait_for()
    assert "alice: spam — an advert for crab pots" in item.inner_text()
    assert "tiny guards" in item.inner_text()
    item.get_by_role("button", name="Hide").click()
    desk.locator(f'#queue li[data-id="{flagged["id"]}"][data-state="hidden"]').wait_for()
    desk.screenshot(path=str(artifacts / "wordpress-moderation-hidden.png"))

    # Gone from the visitor's open page, without a reload (the embed's live stream).
    wait_until(lambda: painted_quotes(visitor) == [NOTED], timeout=LIVE_WAIT,
               message="the hidden note gone from the visitor's page",
               show=lambda: painted(visitor))
    assert visitor.evaluate("() => window.notReloaded") is True
    # Its author still has it, on their open page and after a reload, and the server says hidden.
    author.wait_for_timeout(500)
    assert painted_quotes(author) == sorted([NOTED, FLAGGED])
    author.reload()
    wait_until(lambda: painted_quotes(author) == sorted([NOTED, FLAGGED]), timeout=LIVE_WAIT,
               message="the author's page after a reload", show=lambda: painted(author))
    mine = server.api("GET", f"/api/annotations/{flagged['id']}", tokens["bob"])[1]
    assert mine["moderation"] == "hidden"
    # And a visitor arriving now never sees it.
    late = open_post(contexts(), post["link"], errors)
    wait_until(lambda: painted_quotes(late) == [NOTED], timeout=LIVE_WAIT,
               message="a new visitor's page")
    assert not errors, errors


def test_under_pre_moderation_a_note_from_the_embed_shows_only_once_approved(
        publisher, server, tokens, contexts):
    server.cli("site", "set", publisher.site, "--moderation", "pre")
    try:
        post = publisher.publish("Gulls", SHORE)
        errors = []
        visitor = open_post(contexts(), post["link"], errors)
        page = contexts(**PHONE).new_page()
        signed_in_as(page, server.url, tokens["bob"], "bob")
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(post["link"])
        page.wait_for_function("() => globalThis.__postilEmbed === true")
        ax = Touch(page)
        wait_until(lambda: ax.find("button", re.compile(r"^Postil: ")), timeout=10,
                   message="the embed's button")
        select_and_note(page, ax, WAITING, "gulls wait for low tide")
        # Written and kept for its author (awaiting approval), stored as pending.
        wait_until(lambda: painted_quotes(page) == [WAITING], timeout=LIVE_WAIT,
                   message="the author's note painted for them")
        [mine] = server.annotations(tokens["bob"], site=publisher.site,
                                    post_id=post["id"])["items"]
        assert (mine["quote"], mine["visibility"], mine["moderation"]) == (
            WAITING, "public", "pending")
        # Not for visitor B: not on the open page, not on a fresh one.
        visitor.wait_for_timeout(1000)
        assert painted_quotes(visitor) == []
        assert server.annotations(None, site=publisher.site, post_id=post["id"])["total"] == 0
        visitor.evaluate("() => { window.notReloaded = true; }")

        desk = moderation_page(contexts(), server, publisher.site)
        desk.click("#queues button[data-queue=pending]")
        item = desk.locator(f'#queue li[data-id="{mine["id"]}"]')
        item.wait_for()
        assert "gulls wait for low tide" in item.inner_text()
        item.get_by_role("button", name="Approve").click()
        desk.locator("#queue li.empty").wait_for()

        # Approved: painted on the visitor's open page, without a reload.
        wait_until(lambda: painted_quotes(visitor) == [WAITING], timeout=LIVE_WAIT,
                   message="the approved note painted for the visitor",
                   show=lambda: painted(visitor))
        assert visitor.evaluate("() => window.notReloaded") is True
        assert not errors, errors
    finally:
        server.cli("site", "set", publisher.site, "--moderation", "post")


def test_firefox_a_phone_reader_signs_in_and_writes_and_the_moderator_approves_and_hides(
        publisher, node_driver, server, tokens, moderator_token):
    server.cli("site", "set", publisher.site, "--moderation", "pre")
    try:
        post = publisher.publish("Low tide", SHORE)
        flagged = write(server, tokens["bob"], publisher, post, FLAGGED, "tiny guards", "pink")
        other = write(server, tokens["bob"], publisher, post, NOTED, "small worlds", "green")
        for made in (flagged, other):
            assert server.api("POST", f"/api/annotations/{made['id']}/moderation",
                              moderator_token, body={"action": "approve"})[0] == 200
        assert server.api("POST", f"/api/annotations/{flagged['id']}/flags", tokens["alice"],
                          body={"reason": "spam"})[0] == 201
        result = run_firefox_flow(node_driver, "wp-publisher-flow.mjs", {
            "POSTIL_SERVER": server.url, "POSTIL_SITE": publisher.site,
            "POSTIL_POST_URL": post["link"], "POSTIL_USER": "bob", "POSTIL_PASSWORD": PASSWORD,
            "POSTIL_MODERATOR": MODERATOR, "POSTIL_QUOTE": WAITING,
            "POSTIL_NOTE": "gulls wait for low tide", "POSTIL_FLAGGED_QUOTE": FLAGGED,
            "POSTIL_FLAGGED_NOTE": "tiny guards", "POSTIL_FIREFOX": FIREFOX})
    finally:
        server.cli("site", "set", publisher.site, "--moderation", "post")
    assert result["viewport"]["width"] == 390
    assert "Postil test blog" in result["popupFor"]
    assert result["visibility"] == "public"
    everything = sorted([NOTED, FLAGGED, WAITING])
    assert result["writerPainted"] == everything
    assert result["writerAfterReload"] == everything
    # Stored keyed to the WordPress post, by the reader, as written (approved since).
    mine = [a for a in server.annotations(tokens["bob"], site=publisher.site,
                                          post_id=post["id"])["items"] if a["quote"] == WAITING]
    assert [(a["note"], a["visibility"], a.get("moderation")) for a in mine] == [
        ("gulls wait for low tide", "public", None)], mine
    assert result["approved"]["id"] == mine[0]["id"]
    # The visitor: not before the approval, then at once; the hidden note gone, live.
    assert result["visitorBefore"] == sorted([NOTED, FLAGGED])
    assert result["visitorApproved"] == everything
    assert result["hidden"]["id"] == flagged["id"] and "alice: spam" in result["hidden"]["shown"]
    assert result["visitorHidden"] == sorted([NOTED, WAITING])
    assert result["writerHidden"] == everything  # its author keeps it
    assert result["notReloaded"] is True
    assert server.api("GET", f"/api/annotations/{flagged['id']}", tokens["bob"])[1][
        "moderation"] == "hidden"
    assert result["errors"] == []
