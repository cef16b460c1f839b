"""The moderation page of a registered site, in Chromium: a moderator signs in on it, approves
a pre-moderated note (which only then appears for another reader), and hides a note another
reader flagged (which then disappears for them); the log lists both."""

from __future__ import annotations

import uuid

import pytest
from browser_helpers import CHROMIUM, PASSWORD, wait_until

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
