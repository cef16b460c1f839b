"""Replies in Chromium, two readers in two browser profiles: bob answers alice's public note from
the sidebar's reply box; alice, her sidebar open, sees his reply in the thread under her note
without a reload (and writes a reply to it, one level deeper), her Postil button's badge counts
one unread reply, the notebook's "Replies to you" lists it with the passage it answers and
showing it clears the badge; bob deleting his reply leaves a "Deleted" line above hers after a
reload. The reply box is a frame of the extension's own: a page script listening for keys on its
window hears none of the reply's. Firefox runs the reply box through firefox/replies-flow.mjs.
A deleted note that replies answer stays listed as its thread's tombstone (deleted here, live
from elsewhere, and after a reload), a page note too (live: the event's reply count tells); a
screenshot of a thread with its reply box open (test-artifacts/sidebar-thread-light.png) and
what a reader sees in it."""

from __future__ import annotations

from browser_helpers import (
    EXTENSION,
    FIREFOX,
    IN_VIEW_JS,
    PASSWORD,
    POST_101,
    RECORD_KEYS_JS,
    REPLY_FRAME,
    in_reply_box,
    items,
    open_sidebar,
    painted,
    reply_box,
    run_firefox_flow,
    wait_painted,
    wait_ready,
    wait_until,
)

PHRASE = "Barnacles and limpets tolerate long spells in the air"


def type_in(box, text: str) -> None:
    """Type `text` key by key into the reply box (which reply_box found has the keyboard), with
    an end: a key whose event the frame's renderer never acknowledges fails the test in seconds
    instead of holding it (page.keyboard has no timeout)."""
    box.press_sequentially(text, timeout=10000)


def badge(ext) -> str:
    return ext.control().evaluate("() => chrome.action.getBadgeText({})")


def thread_rows(page, item):
    return item.locator("li.reply")


def test_a_reply_from_the_sidebar_reaches_the_author_with_a_badge_and_the_notebook(
        open_profile, server, tokens, tmp_path):
    status, note = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": {"site": server.blog_site, "post_id": 101, "url": f"{server.blog_url}{POST_101}"},
        "quote": PHRASE, "note": "Which shells close tightest?",
        "visibility": "public", "color": "green",
        "selectors": [{"type": "TextQuoteSelector", "exact": PHRASE, "prefix": "", "suffix": ""}]})
    assert status == 201, note
    alice = open_profile(tmp_path / "alice")
    bob = open_profile(tmp_path / "bob")
    # Every wait of this test has an end: a step that never comes fails it in seconds.
    for reader in (alice, bob):
        reader.context.set_default_timeout(10000)
    try:
        alice.sign_in("alice", tokens["alice"])
        bob.sign_in("bob", tokens["bob"])

        # alice reads the post with her sidebar open: her note has no replies yet.
        mine = alice.open(POST_101)
        wait_painted(mine, "green", PHRASE)
        open_sidebar(alice, mine)
        her_item = items(mine).filter(has_text="Which shells close tightest?")
        reply_to_her = her_item.get_by_role("button", name="Reply to annotation: Barnacles")
        reply_to_her.wait_for(timeout=10000)
        assert thread_rows(mine, her_item).count() == 0
        assert badge(alice) == ""
        # She starts a reply of her own, which the thread's redraw below must not lose.
        reply_to_her.click()
        _, her_box = reply_box(her_item, "Your reply to alice")
        type_in(her_box, "Half a thought")

        # bob sees alice's note and answers it from the sidebar.
        page = bob.open(POST_101)
        wait_painted(page, "green", PHRASE)
        open_sidebar(bob, page)
        item = items(page).filter(has_text="Which shells close tightest?")
        # A page script recording every key event its window hears (as a session-replay script
        # would) hears none of the reply typed.
        page.evaluate(RECORD_KEYS_JS)
        item.get_by_role("button", name="Reply to annotation: Barnacles").click()
        frame, box = reply_box(item, "Your reply to alice")
        # Escape cancels (the box goes, its Reply button comes back); opened again, it is empty.
        type_in(box, "Draft")
        box.press("Escape", timeout=10000)
        reply_button = item.get_by_role("button", name="Reply to annotation: Barnacles")
        reply_button.wait_for(timeout=5000)
        assert not item.locator(REPLY_FRAME).count()
        reply_button.click()
        frame, box = reply_box(item, "Your reply to alice")
        assert box.input_value() == ""
        type_in(box, "Limpets: they grind a scar to fit.")
        assert frame.get_by_role("button", name="Cancel").is_visible()
        in_reply_box(item, frame, "Send").click()
        reply = thread_rows(page, item).filter(has_text="Limpets: they grind a scar to fit.")
        reply.wait_for(timeout=10000)
        # Sent, and never painted: a reply has no passage.
        thread = f"/api/annotations/{note['id']}/replies"
        wait_until(lambda: server.api("GET", thread, tokens["alice"])[1]["total"] == 1,
                   message="the reply on the server")
        wait_until(lambda: not reply.locator(".badge").count(), message="the reply synced")
        assert items(page).count() == 1
        heard = page.evaluate("() => window.heard")
        assert not [e for e in heard if e.split(":", 1)[1] in set("LimpetsDraf")], heard
        assert not item.locator(REPLY_FRAME).count()

        # alice, without a reload (the live stream): the thread shows it under her note, and
        # her button's badge counts one unread reply.
        rows = thread_rows(mine, her_item)
        rows.first.wait_for(timeout=10000)
        assert rows.count() == 1
        first = rows.first.inner_text()
        assert "bob" in first and "Limpets: they grind a scar to fit." in first
        assert rows.first.get_attribute("data-depth") == "1"
        # Her draft came through the redraw, the keyboard still in it; Cancel drops it.
        frame, box = reply_box(her_item, "Your reply to alice")
        wait_until(lambda: box.input_value() == "Half a thought", timeout=5,
                   message="the draft kept")
        in_reply_box(her_item, frame, "Cancel").click()
        her_item.locator(REPLY_FRAME).wait_for(state="detached", timeout=5000)
        wait_until(lambda: badge(alice) == "1", message="alice's badge to say 1")

        # She answers bob's reply: one level deeper, in the same thread.
        # Sent with Ctrl+Enter.
        rows.first.get_by_role("button", name="Reply to bob").click()
        _, box = reply_box(her_item, "Your reply to bob")
        type_in(box, "Thank you!")
        box.press("Control+Enter", timeout=10000)
        deeper = rows.filter(has_text="Thank you!")
        deeper.wait_for(timeout=10000)
        assert deeper.get_attribute("data-depth") == "2"
        wait_until(lambda: not deeper.locator(".badge").count(), message="alice's reply synced")

        # The notebook lists the reply to her, with her passage, and showing it marks it read.
        notebook = alice.context.new_page()
        notebook.goto(f"chrome-extension://{alice.extension_id}/src/notebook/notebook.html")
        notebook.get_by_role("tab", name="Replies to you (1)").click()
        listed = notebook.locator("#replies-list > li")
        listed.first.wait_for(timeout=10000)
        assert listed.count() == 1
        text = listed.first.inner_text()
        assert "bob" in text and "Limpets: they grind a scar to fit." in text and PHRASE in text
        assert "Thank you" not in text  # her own reply is not one to her
        link = listed.first.get_by_role("link", name="Open the post")
        assert link.get_attribute("href").endswith(POST_101)
        wait_until(lambda: badge(alice) == "", message="the badge to clear")
        wait_until(lambda: server.api("GET", "/api/me/replies", tokens["alice"])[1]["unread"] == 0,
                   message="the server to have it read")

        # bob deletes his reply: alice's answer to it stays, under a "Deleted" line.
        bobs = server.api("GET", thread, tokens["bob"])[1]["items"]
        assert [r["user"] for r in bobs] == ["bob", "alice"]
        assert server.api("DELETE", f"/api/annotations/{bobs[0]['id']}", tokens["bob"])[0] == 204
        mine.reload()
        wait_painted(mine, "green", PHRASE)
        open_sidebar(alice, mine)
        wait_until(lambda: thread_rows(mine, her_item).count() == 2
                   and thread_rows(mine, her_item).first.inner_text().strip() == "Deleted",
                   message="the tombstone in the thread")
        assert thread_rows(mine, her_item).nth(1).get_attribute("data-depth") == "2"
        assert "Thank you!" in thread_rows(mine, her_item).nth(1).inner_text()
        assert not thread_rows(mine, her_item).first.get_by_role("button").count()

        assert not alice.errors and not bob.errors, (alice.errors, bob.errors)
    finally:
        alice.context.close()
        bob.context.close()
        # Replies outlive the session's cleanup of each reader's top-level annotations.
        for name in ("alice", "bob"):
            for item in server.annotations(tokens[name], user=name, replies="only")["items"]:
                server.api("DELETE", f"/api/annotations/{item['id']}", tokens[name])


def test_firefox_sends_a_reply_from_the_sidebar_reply_box(node_driver, server, blog, tokens):
    status, note = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": {"site": server.blog_site, "post_id": 101, "url": f"{server.blog_url}{POST_101}"},
        "quote": PHRASE, "note": "Which shells close tightest?", "visibility": "public",
        "selectors": [{"type": "TextQuoteSelector", "exact": PHRASE, "prefix": "", "suffix": ""}]})
    assert status == 201, note
    try:
        result = run_firefox_flow(node_driver, "replies-flow.mjs", {
            "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url,
            "POSTIL_BLOG": blog.url,
            "POSTIL_POST": POST_101, "POSTIL_USER": "bob", "POSTIL_PASSWORD": PASSWORD,
            "POSTIL_FIREFOX": FIREFOX, "POSTIL_REPLY": "Limpets, from Firefox."})
        assert result["box"] == {"title": "Postil reply to alice", "focused": True,
                                 "textareaInPage": False}
        assert result["rows"] == [
            {"depth": "1", "text": "Limpets, from Firefox.", "author": "bob (you)"}]
        assert result["boxOpen"] is False
        # Typed in the frame: the page's capture listeners heard none of the reply's keys.
        assert result["pageHeard"] == []
        assert result["errors"] == []
        thread = server.api("GET", f"/api/annotations/{note['id']}/replies", tokens["alice"])[1]
        assert [(r["user"], r["note"], r["reply_to"]) for r in thread["items"]] == [
            ("bob", "Limpets, from Firefox.", note["id"])]
        assert server.api("GET", "/api/me/replies", tokens["alice"])[1]["unread"] == 1
    finally:
        for item in server.annotations(tokens["bob"], user="bob", replies="only")["items"]:
            server.api("DELETE", f"/api/annotations/{item['id']}", tokens["bob"])


TIDE = "Twice a day the tide covers the pool and twice a day it leaves"
CRABS = "Shore crabs kept in a laboratory tank, far from any tide"


def note_on(server, token, phrase: str, note: str, color: str = "green") -> dict:
    status, made = server.api("POST", "/api/annotations", token, body={
        "post": {"site": server.blog_site, "post_id": 101, "url": f"{server.blog_url}{POST_101}"},
        "quote": phrase, "note": note, "visibility": "public", "color": color,
        "selectors": [{"type": "TextQuoteSelector", "exact": phrase, "prefix": "", "suffix": ""}]})
    assert status == 201, made
    return made


def reply_to(server, token, parent: dict, note: str) -> dict:
    status, made = server.api("POST", "/api/annotations", token,
                              body={"reply_to": parent["id"], "note": note})
    assert status == 201, made
    return made


def forget_replies(server, tokens) -> None:
    """Replies outlive the session's cleanup of each reader's top-level annotations."""
    for name, token in tokens.items():
        for item in server.annotations(token, user=name, replies="only")["items"]:
            server.api("DELETE", f"/api/annotations/{item['id']}", token)


def test_a_deleted_note_with_replies_stays_in_the_sidebar_as_its_threads_tombstone(
        alice, server, tokens, artifacts):
    note = note_on(server, tokens["alice"], PHRASE, "Which shells close tightest?")
    bobs = reply_to(server, tokens["bob"], note, "Limpets: they grind a scar to fit.")
    reply_to(server, tokens["alice"], bobs, "Thank you!")
    note_on(server, tokens["alice"], CRABS, "Twelve and a half hours", color="blue")
    other = note_on(server, tokens["alice"], TIDE, "Twice daily", color="pink")
    reply_to(server, tokens["bob"], other, "And the moon decides when.")
    try:
        page = alice.open(POST_101)
        page.context.set_default_timeout(10000)
        wait_painted(page, "green", PHRASE)
        wait_painted(page, "pink", TIDE)
        open_sidebar(alice, page)
        item = items(page).filter(has_text="Which shells close tightest?")
        wait_until(lambda: thread_rows(page, item).count() == 2, message="the thread loaded")

        # alice deletes her note from the sidebar (Delete, then Confirm delete).
        delete = item.get_by_role("button", name="Delete annotation: Barnacles")
        delete.click()
        delete.click()
        tomb = items(page).filter(has_text="Deleted note")
        tomb.wait_for(timeout=10000)
        assert "Which shells close tightest?" not in tomb.inner_text()
        # Her passage is no longer highlighted, but the thread stays under where it was.
        wait_until(lambda: PHRASE not in painted(page)["green"], message="the passage unpainted")
        rows = thread_rows(page, tomb)
        assert rows.count() == 2
        assert "Limpets: they grind a scar to fit." in rows.nth(0).inner_text()
        assert rows.nth(1).get_attribute("data-depth") == "2"
        # Nothing to edit, delete or answer in what is gone; its replies may still be answered.
        assert not tomb.get_by_role("button", name="Edit annotation: Barnacles").count()
        assert not tomb.get_by_role("button", name="Delete annotation: Barnacles").count()
        assert not tomb.get_by_role("button", name="Reply to annotation: Barnacles").count()
        assert rows.nth(0).get_by_role("button", name="Reply to bob").count() == 1
        # The sidebar shows the delete at once; it reaches the server through the queue.
        path = f"/api/annotations/{note['id']}"
        wait_until(lambda: server.api("GET", path, tokens["alice"])[0] == 410,
                   message="the delete on the server")
        # A note nothing answers goes from the list altogether.
        lonely_item = items(page).filter(has_text="Twelve and a half hours")
        lonely_item.get_by_role("button", name="Delete annotation: Shore crabs").click()
        lonely_item.get_by_role("button", name="Delete annotation: Shore crabs").click()
        lonely_item.wait_for(state="detached", timeout=10000)

        # Deleted on another device (the API) while the page is open: the same, live.
        assert server.api("DELETE", f"/api/annotations/{other['id']}", tokens["alice"])[0] == 204
        wait_until(lambda: items(page).filter(has_text="Deleted note").count() == 2,
                   message="the live tombstone")
        wait_until(lambda: TIDE not in painted(page)["pink"], message="the tide unpainted")
        live_tomb = items(page).filter(has_text="And the moon decides when.")
        assert "Twice daily" not in live_tomb.inner_text()
        assert "Deleted note" in live_tomb.inner_text()

        # After a reload, from the server: both tombstones, each with its thread, nothing else.
        page.reload()
        wait_ready(page)
        open_sidebar(alice, page)
        wait_until(lambda: items(page).count() == 2
                   and items(page).filter(has_text="Deleted note").count() == 2
                   and thread_rows(page, items(page).nth(0)).count() == 1
                   and thread_rows(page, items(page).nth(1)).count() == 2,
                   message="the two tombstones and their threads after a reload",
                   show=lambda: [(i.inner_text(), thread_rows(page, i).count())
                                 for i in items(page).all()])
        # In the page's order: the tide's passage comes before the barnacles'.
        assert "And the moon decides when." in items(page).nth(0).inner_text()
        assert "Limpets" in items(page).nth(1).inner_text()
        assert PHRASE not in painted(page)["green"] and TIDE not in painted(page)["pink"]
        assert "Twelve and a half hours" not in page.locator("postil-ui .sidebar").inner_text()
        page.screenshot(path=str(artifacts / "sidebar-tombstone-light.png"))
    finally:
        forget_replies(server, tokens)


def test_a_page_note_deleted_elsewhere_stays_as_its_threads_tombstone_live(alice, server,
                                                                           tokens, artifacts):
    """A note on the page as a whole has no passage for its tombstone to keep: the open page
    learns from the event's reply count that it still heads a thread. Listed before anyone
    answered it, replied to and deleted on other devices while the sidebar is open: it stays,
    as "Deleted note" with the reply under it, without a reload; it goes with its last reply."""
    post = {"site": server.blog_site, "post_id": 101, "url": f"{server.blog_url}{POST_101}"}
    status, page_note = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": post, "quote": "", "selectors": [], "note": "Where were these pools?",
        "visibility": "public"})
    assert status == 201, page_note
    status, lonely = server.api("POST", "/api/annotations", tokens["alice"], body={
        "post": post, "quote": "", "selectors": [], "note": "Nobody answers this one",
        "visibility": "public"})
    assert status == 201, lonely
    try:
        page = alice.open(POST_101)
        page.context.set_default_timeout(10000)
        open_sidebar(alice, page)
        item = items(page).filter(has_text="Where were these pools?")
        wait_until(lambda: item.count() == 1 and items(page).count() == 2,
                   message="both page notes listed, no replies yet")
        page.evaluate("() => { window.notReloaded = true; }")

        # bob answers from his browser: the thread appears under the note, live.
        bobs = reply_to(server, tokens["bob"], page_note, "On the north shore, past the slipway.")
        wait_until(lambda: thread_rows(page, item).count() == 1, message="bob's reply, live")

        # alice deletes both notes on another device.
        for note in (page_note, lonely):
            path = f"/api/annotations/{note['id']}"
            assert server.api("DELETE", path, tokens["alice"])[0] == 204
        # The one nothing answers goes; the one with a reply stays as its thread's tombstone.
        wait_until(lambda: items(page).filter(has_text="Nobody answers").count() == 0,
                   message="the note nobody answered gone")
        tomb = items(page).filter(has_text="Deleted note")
        wait_until(lambda: tomb.count() == 1, message="the page note's tombstone, live",
                   show=lambda: [i.inner_text() for i in items(page).all()])
        assert "Where were these pools?" not in tomb.inner_text()
        assert "On the north shore" in thread_rows(page, tomb).first.inner_text()
        assert items(page).count() == 1
        assert page.evaluate("() => window.notReloaded === true")
        page.screenshot(path=str(artifacts / "sidebar-page-note-tombstone.png"))

        # bob deletes his reply: the tombstone heads nothing now and goes too, live.
        assert server.api("DELETE", f"/api/annotations/{bobs['id']}", tokens["bob"])[0] == 204
        wait_until(lambda: items(page).count() == 0, message="the empty tombstone gone")
        assert page.evaluate("() => window.notReloaded === true")
    finally:
        forget_replies(server, tokens)


def test_a_thread_in_the_sidebar_reads_as_a_thread(alice, server, tokens, artifacts):
    note = note_on(server, tokens["alice"], PHRASE, "Which shells close tightest?")
    bobs = reply_to(server, tokens["bob"], note, "Limpets: they grind a scar to fit.")
    reply_to(server, tokens["alice"], bobs, "Thank you! And barnacles?")
    try:
        page = alice.open(POST_101)
        page.context.set_default_timeout(10000)
        wait_painted(page, "green", PHRASE)
        open_sidebar(alice, page)
        item = items(page).filter(has_text="Which shells close tightest?")
        rows = thread_rows(page, item)
        wait_until(lambda: rows.count() == 2, message="the thread loaded")
        item.get_by_role("button", name="Reply to annotation: Barnacles").click()
        frame, box = reply_box(item, "Your reply to alice")
        type_in(box, "Mussels too")
        wait_until(lambda: box.input_value(timeout=1000) == "Mussels too", timeout=5,
                   message="the draft in the box")
        in_reply_box(item, frame, "Send")  # drawn, still, where the pointer reaches it
        page.mouse.move(0, 0)
        page.screenshot(path=str(artifacts / "sidebar-thread-light.png"))

        # The reply to the reply sits further in than the reply it answers, which sits further
        # in than the note's own text; each says who wrote it.
        note_left = item.locator(".note").first.bounding_box()["x"]
        first, second = rows.nth(0).bounding_box(), rows.nth(1).bounding_box()
        bob_at = rows.nth(0).locator(".author").bounding_box()["x"]
        alice_at = rows.nth(1).locator(".author").bounding_box()["x"]
        assert note_left < bob_at < alice_at, (note_left, bob_at, alice_at)
        assert first["y"] < second["y"]
        assert rows.nth(0).locator(".author").inner_text() == "bob"
        assert rows.nth(1).locator(".author").inner_text() == "alice (you)"
        assert "Limpets: they grind a scar to fit." in rows.nth(0).inner_text()
        assert "Thank you! And barnacles?" in rows.nth(1).inner_text()
        # The box is below the thread, whole inside the sidebar's view, with the keyboard in it
        # and what was typed showing, and its Send and Cancel there to press.
        frame_box = item.locator(REPLY_FRAME).bounding_box()
        assert frame_box["y"] >= second["y"] + second["height"]
        assert item.locator(REPLY_FRAME).evaluate(IN_VIEW_JS)
        assert box.evaluate("(el) => el === document.activeElement")
        assert box.is_visible() and box.input_value() == "Mussels too"
        assert frame.get_by_role("button", name="Send").is_visible()
        assert frame.get_by_role("button", name="Cancel").is_visible()
    finally:
        forget_replies(server, tokens)
