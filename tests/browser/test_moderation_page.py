"""The moderation page of a registered site, in Chromium: a moderator signs in on it, approves
a pre-moderated note (which only then appears for another reader), and hides a note another
reader flagged (which then disappears for them); the log lists both. And the embed on a
registered site's page paints a pre-moderated note for a visitor only once it is approved, and
no longer once it is hidden."""

from __future__ import annotations

import uuid

import pytest
from browser_helpers import CHROMIUM, PASSWORD, POST_102, wait_until

SITE = "moderated.example.org"
POST = {"site": SITE, "post_id": 9, "url": f"https://{SITE}/?p=9", "title": "A moderated post"}


@pytest.fixture
def moderated_site(server):
    server.cli("user", "add", "mona", "--password-stdin", stdin=PASSWORD + "\n")
    server.cli("site", "add", f"https://{SITE}/", "--moderation", "pre", "--moderator", "mona")
    yield
    server.cli("site", "remove", SITE)


def visible_to(server, token, uid) -> bool:
    return server.api("GET", f"/api/annotations/{uid}", token)[0] == 200


def test_a_moderator_approves_and_hides_notes_on_the_page(server, tokens, moderated_site,
                                                          playwright_driver):
    status, made = server.api("POST", "/api/annotations", tokens["bob"], body={
        "id": str(uuid.uuid4()), "post": POST, "quote": "a moderated passage",
        "note": "Bob's pending thought", "visibility": "public"})
    assert status == 201 and made["moderation"] == "pending"
    uid = made["id"]
    assert not visible_to(server, tokens["alice"], uid)

    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM)
    try:
        page = browser.new_page()
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"{server.url}/sites/{SITE}/moderation")
        page.fill("input[name=username]", "mona")
        page.fill("input[name=password]", PASSWORD)
        page.click("#signin button[type=submit]")
        page.wait_for_selector("#desk:not([hidden])")
        page.click("#queues button[data-queue=pending]")
        item = page.locator(f'#queue li[data-id="{uid}"]')
        item.wait_for()
        assert "Bob's pending thought" in item.inner_text()
        page.fill("#reason", "on topic")
        item.get_by_role("button", name="Approve").click()
        wait_until(lambda: visible_to(server, tokens["alice"], uid))
        page.locator("#queue li.empty").wait_for()

        # Alice flags it; the moderator hides it from the flagged queue.
        status, _ = server.api("POST", f"/api/annotations/{uid}/flags", tokens["alice"],
                               body={"reason": "spam", "note": "an advert"})
        assert status == 201
        page.click("#queues button[data-queue=flagged]")
        item = page.locator(f'#queue li[data-id="{uid}"]')
        item.wait_for()
        assert "alice: spam — an advert" in item.inner_text()
        item.get_by_role("button", name="Hide").click()
        wait_until(lambda: not visible_to(server, tokens["alice"], uid))
        page.locator(f'#queue li[data-id="{uid}"][data-state="hidden"]').wait_for()
        mine = server.api("GET", f"/api/annotations/{uid}", tokens["bob"])[1]
        assert mine["moderation"] == "hidden"  # its author still sees it, marked
        log = page.locator("#log li")
        wait_until(lambda: log.count() == 2)
        assert "mona hide" in log.nth(0).inner_text()
        assert "mona approve" in log.nth(1).inner_text() and "on topic" in log.nth(1).inner_text()
        assert problems == []
    finally:
        browser.close()


@pytest.fixture
def embedding(server, blog):
    from test_embed_page import EmbeddingSite

    site = EmbeddingSite(server, blog)
    server.cli("user", "add", "moe", "--password-stdin", stdin=PASSWORD + "\n")
    server.cli("site", "add", f"{site.url}/sample", "--moderation", "pre", "--moderator", "moe",
               "--embed", "read-only")
    yield site
    server.cli("site", "remove", site.site)
    site.close()


def test_the_embed_paints_a_pre_moderated_note_only_once_approved_and_not_once_hidden(
        server, tokens, embedding, playwright_driver):
    from test_embed_page import EMBED_PAINTED_JS, PRIVATE, PUBLIC, bob_writes

    bob_writes(server, embedding, tokens, PUBLIC, "public", "bob's note")
    mine = server.api("GET", "/api/annotations", tokens["bob"],
                      query={"site": embedding.site, "post_id": "102"})[1]["items"]
    assert [a["moderation"] for a in mine] == ["pending"]
    uid = mine[0]["id"]
    moe = server.api("POST", "/api/tokens", body={"username": "moe",
                                                  "password": PASSWORD})[1]["token"]
    status, shown = server.api("POST", "/api/annotations", moe, body={
        "post": {"site": embedding.site, "post_id": 102}, "quote": PRIVATE, "note": "moe's",
        "visibility": "public", "color": "green",
        "selectors": [{"type": "TextQuoteSelector", "exact": PRIVATE, "prefix": "",
                       "suffix": ""}]})
    assert status == 201 and "moderation" not in shown

    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM)
    try:
        page = browser.new_page()

        def painted_after_load() -> dict:
            page.goto(f"{embedding.url}{POST_102}")
            wait_until(lambda: page.evaluate(EMBED_PAINTED_JS).get("postil-embed-green")
                       == [PRIVATE], timeout=15, message="the moderator's note painted")
            return page.evaluate(EMBED_PAINTED_JS)

        assert painted_after_load().get("postil-embed-pink", []) == []  # pending: not shown
        assert server.api("POST", f"/api/annotations/{uid}/moderation", moe,
                          body={"action": "approve"})[0] == 200
        assert painted_after_load().get("postil-embed-pink") == [PUBLIC]
        assert server.api("POST", f"/api/annotations/{uid}/moderation", moe,
                          body={"action": "hide", "reason": "spam"})[0] == 200
        assert painted_after_load().get("postil-embed-pink", []) == []
    finally:
        browser.close()
        server.api("DELETE", f"/api/annotations/{shown['id']}", moe)
