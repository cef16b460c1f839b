"""Replies in Chromium, two readers in two browser profiles: bob answers alice's public note from
the sidebar's reply box; alice, her sidebar open, sees his reply in the thread under her note
without a reload (and writes a reply to it, one level deeper), her Postil button's badge counts
one unread reply, the notebook's "Replies to you" lists it with the passage it answers and
showing it clears the badge; bob deleting his reply leaves a "Deleted" line above hers after a
reload. The reply box is a frame of the extension's own: a page script listening for keys on its
window hears none of the reply's. Firefox runs the reply box through firefox/replies-flow.mjs."""

from __future__ import annotations

from browser_helpers import (
    EXTENSION,
    FIREFOX,
    PASSWORD,
    POST_101,
    RECORD_KEYS_JS,
    in_reply_box,
    items,
    open_sidebar,
    reply_box,
    run_firefox_flow,
    wait_painted,
    wait_until,
)

PHRASE = "Barnacles and limpets tolerate long spells in the air"


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
        reply_box(her_item, "Your reply to alice")
        mine.keyboard.type("Half a thought")

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
        page.keyboard.type("Draft")
        page.keyboard.press("Escape")
        reply_button = item.get_by_role("button", name="Reply to annotation: Barnacles")
        reply_button.wait_for(timeout=5000)
        assert not item.locator("iframe.reply-frame").count()
        reply_button.click()
        frame, box = reply_box(item, "Your reply to alice")
        assert box.input_value() == ""
        page.keyboard.type("Limpets: they grind a scar to fit.")
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
        assert not item.locator("iframe.reply-frame").count()

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
        her_item.locator("iframe.reply-frame").wait_for(state="detached", timeout=5000)
        wait_until(lambda: badge(alice) == "1", message="alice's badge to say 1")

        # She answers bob's reply: one level deeper, in the same thread.
        # Sent with Ctrl+Enter.
        rows.first.get_by_role("button", name="Reply to bob").click()
        reply_box(her_item, "Your reply to bob")
        mine.keyboard.type("Thank you!")
        mine.keyboard.press("Control+Enter")
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
