"""A registered site's moderation as readers meet it on the page, in the sidebar shared by the
extension and the embed.

Chromium, the extension: on a post of a site that pre-moderates public notes, the author sees
their note marked "Waiting for approval" in the sidebar and painted muted; another reader sees
nothing of it; a moderator approves it and the mark goes from the author's open page as the note
appears on the reader's, without a reload. The reader flags it from the sidebar's small form
with a reason and words of their own, is thanked, and the moderators' queue holds that flag; a
second flag after a reload is told "already". The moderator hides it: the author's open page
marks it "Hidden by a moderator", the reader's drops it. A flag the server cannot take (it is
away) is told in the form, which keeps what was written. Nobody is offered to flag their own
note.
Chromium, the embed: an anonymous visitor's Flag asks them to sign in; a reader signed in
through the embed's session flags a note (the flag goes from the site's origin, CORS); the
site's moderator sees the note still waiting marked as its author does, and no Flag.
Firefox (firefox/marks-flow.mjs): the author's mark, the reader's blindness, the live approval
and a flag, in two Firefox instances with the extension.
"""

from __future__ import annotations

import json
import re
import uuid
from types import SimpleNamespace

import pytest
from browser_helpers import (
    EMBED_PAINTED_JS,
    EXTENSION,
    FIREFOX,
    PASSWORD,
    POST_101,
    POST_102,
    Accessible,
    items,
    open_sidebar,
    painted,
    run_firefox_flow,
    wait_painted,
    wait_until,
)

PHRASE = "Barnacles and limpets tolerate long spells in the air"
OTHER = "Soft seaweeds and most anemones prefer the lower pools"
LIVE_WAIT = 20
WITHHELD_JS = """(name) => [...(CSS.highlights.get(name) ?? [])].map((r) => r.toString())"""


def ok(answer, status: int = 200):
    assert answer[0] == status, answer
    return answer[1]


@pytest.fixture
def premoderated(server):
    """The blog's site registered, pre-moderated, with a moderator of its own (a new user)."""
    name = f"mod{uuid.uuid4().hex[:6]}"
    server.cli("user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    token = ok(server.api("POST", "/api/tokens", body={"username": name, "password": PASSWORD}),
               201)["token"]
    server.cli("site", "add", f"{server.blog_url}/sample", "--moderation", "pre",
               "--moderator", name)
    yield SimpleNamespace(name=name, token=token, key=server.blog_site)
    server.cli("site", "remove", server.blog_site)


def public_note(server, token: str, quote: str, note: str, *, site: str, url: str,
                post_id: int = 101, color: str = "blue") -> dict:
    return ok(server.api("POST", "/api/annotations", token, body={
        "post": {"site": site, "post_id": post_id, "url": url}, "quote": quote, "note": note,
        "color": color, "visibility": "public",
        "selectors": [{"type": "TextQuoteSelector", "exact": quote, "prefix": "", "suffix": ""}]}),
        201)


def approve(server, moderator: str, uid: str) -> None:
    ok(server.api("POST", f"/api/annotations/{uid}/moderation", moderator,
                  body={"action": "approve"}))


def flags_in_queue(server, moderator: str, site: str, uid: str) -> list[dict]:
    queue = ok(server.api("GET", f"/api/sites/{site}/moderation", moderator,
                          query={"queue": "flagged"}))
    return [f for item in queue["items"] if item["id"] == uid for f in item["flags"]]


def sidebar_item(page, note: str):
    return items(page).filter(has_text=note)


def test_the_author_sees_the_wait_a_reader_sees_nothing_until_approved_then_flags_it(
        open_profile, server, tokens, premoderated, tmp_path, artifacts):
    url = f"{server.blog_url}{POST_101}"
    bobs = public_note(server, tokens["bob"], PHRASE, "Bob's tide note", site=server.blog_site,
                       url=url)
    assert bobs["moderation"] == "pending"
    own = public_note(server, tokens["alice"], OTHER, "Alice's own note", site=server.blog_site,
                      url=url, color="green")
    approve(server, premoderated.token, own["id"])

    bob = open_profile(tmp_path / "bob")
    alice = open_profile(tmp_path / "alice")
    try:
        bob.sign_in("bob", tokens["bob"])
        alice.sign_in("alice", tokens["alice"])
        page = bob.open(POST_101)
        wait_painted(page, "blue", PHRASE)
        open_sidebar(bob, page)
        mine = sidebar_item(page, "Bob's tide note")
        wait_until(lambda: "Waiting for approval" in mine.inner_text(), timeout=10,
                   message="the author's note marked waiting", show=mine.inner_text)
        assert "Only you and the site's moderators see this note" in mine.inner_text()
        assert "withheld" in mine.get_attribute("class")
        # Painted muted as well as in its colour (the muted style wins: paint.js).
        assert page.evaluate(WITHHELD_JS, "postil-withheld") == [PHRASE]
        assert mine.get_by_role("button", name=re.compile("^Flag")).count() == 0
        page.screenshot(path=str(artifacts / "moderation-marks-pending-light.png"))
        # The sidebar's dark theme (chosen for dark pages) with the same item.
        page.evaluate("""() => {
          document.body.style.background = '#111'; document.body.style.color = '#eee';
          document.querySelector('postil-ui').shadowRoot.querySelector('.root').classList.add('dark');
        }""")
        page.screenshot(path=str(artifacts / "moderation-marks-pending-dark.png"))
        page.evaluate("""() => {
          document.body.style.background = ''; document.body.style.color = '';
          document.querySelector('postil-ui').shadowRoot.querySelector('.root').classList.remove('dark');
        }""")
        page.evaluate("() => { window.notReloaded = true; }")

        other = alice.open(POST_101)
        wait_painted(other, "green", OTHER)
        open_sidebar(alice, other)
        hers = sidebar_item(other, "Alice's own note")
        hers.wait_for(timeout=10000)
        # Bob's waiting note does not exist for her: not listed, not painted.
        assert sidebar_item(other, "Bob's tide note").count() == 0
        assert PHRASE not in str(painted(other))
        # Her own public note is not hers to flag.
        assert hers.get_by_role("button", name=re.compile("^Flag")).count() == 0
        other.evaluate("() => { window.notReloaded = true; }")

        approve(server, premoderated.token, bobs["id"])
        wait_until(lambda: "Waiting for approval" not in mine.inner_text()
                   and page.evaluate(WITHHELD_JS, "postil-withheld") == [], timeout=LIVE_WAIT,
                   message="the mark gone from the author's page",
                   show=lambda: (mine.inner_text(), page.evaluate(WITHHELD_JS, "postil-withheld")))
        assert "withheld" not in mine.get_attribute("class")
        assert painted(page)["blue"] == [PHRASE]
        wait_painted(other, "blue", PHRASE, timeout=LIVE_WAIT)
        theirs = sidebar_item(other, "Bob's tide note")
        theirs.wait_for(timeout=10000)
        assert page.evaluate("() => window.notReloaded") is True
        assert other.evaluate("() => window.notReloaded") is True

        # Alice flags Bob's note: a reason and words of her own, then thanks.
        theirs.get_by_role("button", name=re.compile("^Flag for the site's moderators")).click()
        form = theirs.locator("form.flag-form")
        form.wait_for(timeout=5000)
        assert form.get_by_role("radio").count() == 5
        form.get_by_label("Off topic").check()
        form.get_by_label(re.compile("What is wrong")).fill("About barnacles, not this post")
        other.screenshot(path=str(artifacts / "moderation-flag-form.png"))
        form.get_by_role("button", name="Send flag").click()
        wait_until(lambda: "Flagged — thanks" in theirs.inner_text(), timeout=10,
                   message="the flag thanked", show=theirs.inner_text)
        assert theirs.get_by_role("button", name=re.compile("^Flag")).count() == 0
        assert [(f["user"], f["reason"], f["note"]) for f in flags_in_queue(
            server, premoderated.token, premoderated.key, bobs["id"])] == [
            ("alice", "off-topic", "About barnacles, not this post")]

        # After a reload the button is back; the server says she flagged it already.
        other.reload()
        wait_painted(other, "blue", PHRASE)
        open_sidebar(alice, other)
        theirs = sidebar_item(other, "Bob's tide note")
        theirs.get_by_role("button", name=re.compile("^Flag for the site's moderators")).click()
        theirs.get_by_label("Spam or advertising").check()
        theirs.get_by_role("button", name="Send flag").click()
        wait_until(lambda: "You flagged this note already." in theirs.inner_text(), timeout=10,
                   message="told it was flagged already", show=theirs.inner_text)
        assert len(flags_in_queue(server, premoderated.token, premoderated.key, bobs["id"])) == 1

        # The moderator hides it: marked so on the author's open page, gone from the reader's.
        ok(server.api("POST", f"/api/annotations/{bobs['id']}/moderation", premoderated.token,
                      body={"action": "hide", "reason": "off topic"}))
        wait_until(lambda: "Hidden by a moderator" in mine.inner_text()
                   and page.evaluate(WITHHELD_JS, "postil-withheld") == [PHRASE],
                   timeout=LIVE_WAIT, message="the author's note marked hidden",
                   show=mine.inner_text)
        assert "A moderator of this site hid this note" in mine.inner_text()
        wait_until(lambda: sidebar_item(other, "Bob's tide note").count() == 0
                   and PHRASE not in str(painted(other)), timeout=LIVE_WAIT,
                   message="the hidden note gone from the reader's page")
        mine.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "moderation-marks-hidden-light.png"))
        assert page.evaluate("() => window.notReloaded") is True
    finally:
        bob.context.close()
        alice.context.close()
    assert not bob.errors and not alice.errors, (bob.errors, alice.errors)


def test_a_refused_flag_is_told_in_the_form(open_profile, server, tokens, premoderated,
                                            tmp_path):
    url = f"{server.blog_url}{POST_101}"
    bobs = public_note(server, tokens["bob"], PHRASE, "Bob's tide note", site=server.blog_site,
                       url=url)
    approve(server, premoderated.token, bobs["id"])
    alice = open_profile(tmp_path / "alice")
    try:
        alice.sign_in("alice", tokens["alice"])
        page = alice.open(POST_101)
        wait_painted(page, "blue", PHRASE)
        open_sidebar(alice, page)
        theirs = sidebar_item(page, "Bob's tide note")
        flag = theirs.get_by_role("button", name=re.compile("^Flag for the site's moderators"))
        flag.click()
        # Escape closes the form (not the sidebar), the keyboard back on Flag.
        theirs.get_by_label("Abusive or hateful").focus()
        page.keyboard.press("Escape")
        wait_until(lambda: theirs.locator("form.flag-form").count() == 0, timeout=5,
                   message="the form closed")
        assert page.locator("postil-ui .sidebar").is_visible()
        assert flag.evaluate("(b) => b.getRootNode().activeElement === b")
        flag.click()
        # "Something else" needs words: the form says so and sends nothing.
        theirs.get_by_label("Something else").check()
        theirs.get_by_role("button", name="Send flag").click()
        alert = theirs.get_by_role("alert")
        alert.wait_for(timeout=5000)
        assert "Say in a few words what is wrong" in alert.inner_text()
        # The server is away: said so in the form, which keeps what she wrote to send again.
        theirs.get_by_label(re.compile("What is wrong")).fill("It is an advert")
        server.stop()
        try:
            theirs.get_by_role("button", name="Send flag").click()
            wait_until(lambda: "Could not flag this note" in theirs.inner_text(), timeout=15,
                       message="the failure shown", show=theirs.inner_text)
            assert "Cannot reach the server" in theirs.get_by_role("alert").inner_text()
            assert theirs.get_by_label(re.compile("What is wrong")).input_value() == \
                "It is an advert"
        finally:
            server.start()
        theirs.get_by_role("button", name="Send flag").click()
        wait_until(lambda: "Flagged — thanks" in theirs.inner_text(), timeout=15,
                   message="sent once the server is back", show=theirs.inner_text)
        assert [(f["reason"], f["note"]) for f in flags_in_queue(
            server, premoderated.token, premoderated.key, bobs["id"])] == [
            ("other", "It is an advert")]
    finally:
        alice.context.close()


@pytest.fixture
def embedding(server, blog):
    from test_embed_page import EmbeddingSite

    site = EmbeddingSite(server, blog)
    name = f"mod{uuid.uuid4().hex[:6]}"
    server.cli("user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    server.cli("site", "add", f"{site.url}/sample", "--moderation", "pre", "--moderator", name,
               "--embed", "signed-in")
    site.moderator = name
    yield site
    server.cli("site", "remove", site.site)
    site.close()


def embed_session(server, site, username: str) -> str:
    """A session as the embed's sign-in pop-up hands it to the site's page."""
    return ok(server.api("POST", "/embed/signin", body={"username": username,
                                                       "password": PASSWORD},
                         query={"origin": site.url}), 201)["token"]


def signed_in_page(visitor, server, site, username: str):
    """A new tab of the site with the embed's session kept as the pop-up leaves it."""
    token = embed_session(server, site, username)
    page = visitor.new_page()
    key = json.dumps(f"postil-embed-session:{server.url}")
    kept = json.dumps(json.dumps({"token": token, "user": {"name": username}}))
    page.add_init_script(f"sessionStorage.setItem({key}, {kept});")
    return page


def test_the_embed_asks_a_visitor_to_sign_in_to_flag_a_reader_flags_a_moderator_sees_marks(
        visitor, server, tokens, embedding):
    from test_embed_page import PRIVATE, PUBLIC

    url = f"{embedding.url}{POST_102}"
    shown = public_note(server, tokens["bob"], PUBLIC, "bob's shown note", site=embedding.site,
                        url=url, post_id=102, color="pink")
    held = public_note(server, tokens["bob"], PRIVATE, "bob's held note", site=embedding.site,
                       url=url, post_id=102, color="green")
    moderator = ok(server.api("POST", "/api/tokens", body={"username": embedding.moderator,
                                                           "password": PASSWORD}), 201)["token"]
    approve(server, moderator, shown["id"])
    errors = []

    # Anonymous: the shown note only; its Flag asks to sign in first.
    page = visitor.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url)
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-pink") == [PUBLIC],
               timeout=15, message="the shown note painted")
    assert PRIVATE not in str(page.evaluate(EMBED_PAINTED_JS))
    ax = Accessible(page)
    ax.click("button", re.compile(r"^Postil: 1 note on this page$"))
    ax.click("button", re.compile(r"^Flag for the site's moderators: "))
    wait_until(lambda: "Sign in to flag this note" in ax.text(), timeout=10,
               message="asked to sign in")
    assert ax.find("button", re.compile(r"^Sign in$")) is not None

    # Alice, signed in through the embed, flags it from the site's page.
    page = signed_in_page(visitor, server, embedding, "alice")
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url)
    wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-pink") == [PUBLIC],
               timeout=15, message="alice's page painted")
    ax = Accessible(page)
    ax.click("button", re.compile(r"^Postil: 1 note on this page$"))
    ax.click("button", re.compile(r"^Flag for the site's moderators: "))
    ax.click("radio", re.compile(r"^Spam or advertising$"))
    ax.click("button", re.compile(r"^Send flag$"))
    wait_until(lambda: "Flagged — thanks" in ax.text(), timeout=10, message="the flag thanked",
               show=ax.text)
    assert [(f["user"], f["reason"]) for f in flags_in_queue(
        server, moderator, embedding.site, shown["id"])] == [("alice", "spam")]

    # The site's moderator, signed in through the embed, sees the held note marked.
    page = signed_in_page(visitor, server, embedding, embedding.moderator)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url)
    wait_until(lambda: page.evaluate(WITHHELD_JS, "postil-embed-withheld") == [PRIVATE],
               timeout=15, message="the held note painted muted for the moderator",
               show=lambda: page.evaluate(EMBED_PAINTED_JS))
    ax = Accessible(page)
    ax.click("button", re.compile(r"^Postil: 2 notes on this page$"))
    wait_until(lambda: "Waiting for approval" in ax.text(), timeout=10,
               message="the held note marked for the moderator")
    assert "Only its author and the site's moderators see this note" in ax.text()
    assert held["moderation"] == "pending"
    # A moderator acts on the moderation page: no Flag for them, on the shown note either.
    assert "bob's shown note" in ax.text()
    assert ax.find("button", re.compile(r"^Flag for ")) is None
    assert errors == []


def test_firefox_the_author_sees_the_wait_until_approved_and_a_reader_flags(
        node_driver, server, tokens, premoderated, artifacts):
    url = f"{server.blog_url}{POST_101}"
    bobs = public_note(server, tokens["bob"], PHRASE, "Bob's tide note", site=server.blog_site,
                       url=url)
    own = public_note(server, tokens["alice"], OTHER, "Alice's own note", site=server.blog_site,
                      url=url, color="green")
    approve(server, premoderated.token, own["id"])
    result = run_firefox_flow(node_driver, "marks-flow.mjs", {
        "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url, "POSTIL_PAGE": url,
        "POSTIL_AUTHOR": "bob", "POSTIL_READER": "alice", "POSTIL_PASSWORD": PASSWORD,
        "POSTIL_QUOTE": PHRASE, "POSTIL_NOTE": "Bob's tide note",
        "POSTIL_OWN_NOTE": "Alice's own note", "POSTIL_FLAG_NOTE": "Not about this post",
        "POSTIL_APPROVE": json.dumps({"api": server.url, "token": premoderated.token,
                                      "id": bobs["id"]}),
        "POSTIL_FIREFOX": FIREFOX,
        "POSTIL_SCREENSHOT": str(artifacts / "moderation-marks-firefox.png")})
    assert "Waiting for approval" in result["authorItem"]["text"]
    assert "withheld" in result["authorItem"]["classes"]
    assert not [b for b in result["authorItem"]["buttons"] if b.startswith("Flag")]
    assert result["authorWithheld"] == [PHRASE]
    assert result["readerSawPending"] is False
    assert "Waiting for approval" not in result["authorAfter"]["text"]
    assert [b for b in result["readerAfter"]["buttons"] if b.startswith("Flag for")]
    assert not [b for b in result["ownItem"]["buttons"] if b.startswith("Flag")]
    assert "Flagged — thanks" in result["flagged"]["text"]
    assert result["sameDocuments"] is True
    assert result["errors"] == []
    assert [(f["user"], f["reason"], f["note"]) for f in flags_in_queue(
        server, premoderated.token, premoderated.key, bobs["id"])] == [
        ("alice", "other", "Not about this post")]
