"""The offline queue in real Chromium: nothing the reader made is lost while the server is down or
the service worker is stopped, nothing is created twice, and a change the server refuses for good
is shown instead of retried forever."""

from __future__ import annotations

import re

from browser_helpers import (
    EDITOR_FRAME,
    POST_101,
    POST_102,
    items,
    note_editor,
    open_sidebar,
    painted,
    select,
    wait_painted,
    wait_until,
)

FIRST = "Twice a day the tide covers the pool and twice a day it leaves"
SECOND = "Walk down a rocky shore at low tide"


def total(server, token, post_id):
    return server.annotations(token, site=server.blog_site, post_id=post_id,
                              limit=0)["total"]


def queued(ext):
    return ext.storage().get("queue", [])


def highlight_twice_offline(ext, server):
    server.stop()
    page = ext.open(POST_101)
    select(page, FIRST)
    page.get_by_role("button", name="Highlight yellow").click()
    select(page, SECOND)
    page.get_by_role("button", name="Highlight pink").click()
    wait_painted(page, "yellow", FIRST)
    wait_painted(page, "pink", SECOND)
    assert [op["kind"] for op in wait_until(lambda: len(queued(ext)) == 2 and queued(ext),
                                            message="two queued creates")] == ["create", "create"]
    return page


def test_highlights_made_offline_arrive_exactly_once(alice, server, tokens):
    page = highlight_twice_offline(alice, server)
    open_sidebar(alice, page)
    assert page.locator("postil-ui .badge", has_text="Not synced yet").count() == 2
    assert "Server unreachable" in page.locator("postil-ui .sidebar .status").inner_text()

    # Still offline: a reload shows the queued highlights from local state.
    page.reload()
    wait_painted(page, "yellow", FIRST)
    wait_painted(page, "pink", SECOND)

    server.start()
    page.reload()  # Any successful request tells the background the server is back.
    wait_until(lambda: total(server, tokens["alice"], 101) == 2, timeout=30,
               message="two on the server")
    wait_until(lambda: not queued(alice), message="an empty queue")
    stored = server.annotations(tokens["alice"], site=server.blog_site, post_id=101)
    assert sorted((a["quote"], a["color"]) for a in stored["items"]) == [
        (FIRST, "yellow"), (SECOND, "pink")]
    # Retries of the same ids never made more.
    page.reload()
    wait_painted(page, "pink", SECOND)
    assert total(server, tokens["alice"], 101) == 2


def test_a_stopped_service_worker_loses_nothing(alice, server, tokens):
    page = highlight_twice_offline(alice, server)
    states = []
    cdp = alice.context.new_cdp_session(alice.control())
    cdp.on("ServiceWorker.workerVersionUpdated",
           lambda event: states.extend(v["runningStatus"] for v in event["versions"]))
    control = alice.control()

    def seen(*wanted):
        # Playwright's sync API hands out CDP events only while one of its calls is running;
        # a plain sleep would never see them.
        control.wait_for_timeout(100)
        return set(wanted) & set(states)

    cdp.send("ServiceWorker.enable")
    cdp.send("ServiceWorker.stopAllWorkers")
    wait_until(lambda: seen("stopping", "stopped"), timeout=10, message="the worker to stop")

    states.clear()
    server.start()
    page.close()
    # The page's first message starts a new worker, which has none of the old one's memory:
    # only storage.local carried the queue.
    fresh = alice.open(POST_101)
    wait_until(lambda: seen("running"), timeout=10, message="a new worker")
    wait_until(lambda: total(server, tokens["alice"], 101) == 2, timeout=30,
               message="two on the server")
    wait_until(lambda: not queued(alice), message="an empty queue")
    fresh.reload()
    wait_painted(fresh, "yellow", FIRST)
    wait_painted(fresh, "pink", SECOND)
    open_sidebar(alice, fresh)
    wait_until(lambda: fresh.locator("postil-ui .badge").count() == 0, message="no pending badges")
    assert total(server, tokens["alice"], 101) == 2


def test_an_edit_and_a_delete_made_offline_reach_the_server(alice, server, tokens):
    page = alice.open(POST_102)
    select(page, "time becomes the most important ingredient")
    page.get_by_role("button", name="Highlight blue").click()
    select(page, "Kitchen temperature can shift these timings by hours")
    page.get_by_role("button", name="Highlight green").click()
    wait_until(lambda: total(server, tokens["alice"], 102) == 2, message="two saved")
    open_sidebar(alice, page)
    wait_until(lambda: page.locator("postil-ui .badge").count() == 0, message="synced")

    server.stop()
    items(page).nth(0).get_by_role("button", name=re.compile("^Edit annotation")).click()
    editor = note_editor(page)
    editor.get_by_label("Note").fill("Written offline")
    editor.get_by_role("button", name="Save").click()
    page.locator(EDITOR_FRAME).wait_for(state="hidden", timeout=5000)
    delete = items(page).nth(1).get_by_role("button", name=re.compile("^Delete annotation"))
    delete.click()
    delete.click()
    wait_until(lambda: items(page).count() == 1, message="one item")
    # The sidebar drops the item at once; the edit's save may still be on its way to the queue.
    kinds = lambda: [op["kind"] for op in queued(alice)]  # noqa: E731
    wait_until(lambda: kinds() == ["update", "delete"], show=kinds,
               message="the edit, then the delete, queued in that order")

    server.start()
    page.reload()
    wait_until(lambda: total(server, tokens["alice"], 102) == 1, timeout=30, message="the delete")
    (left,) = server.annotations(tokens["alice"], site=server.blog_site, post_id=102)["items"]
    path = f"/api/annotations/{left['id']}"
    wait_until(lambda: server.api("GET", path, tokens["alice"])[1]["note"] == "Written offline",
               message="the edit")
    assert painted(page)["green"] == []


def test_a_refused_change_is_shown_not_retried_forever(alice, server, tokens):
    page = alice.open(POST_101)
    select(page, "Soft seaweeds and most anemones prefer the lower pools")
    page.get_by_role("button", name="Add note").click()
    editor = note_editor(page)
    editor.get_by_label("Note").fill("A note with a tag the server will refuse")
    editor.get_by_label("Tags (comma separated)").fill("x" * 100)
    editor.get_by_role("button", name="Save").click()
    # The next change is not stuck behind the refused one.
    select(page, "A pool you visit quietly for ten minutes")
    page.get_by_role("button", name="Highlight green").click()
    wait_until(lambda: total(server, tokens["alice"], 101) == 1, message="the good one saved")
    storage = wait_until(lambda: (s := alice.storage()).get("failed") and s, message="the refusal")
    assert storage["queue"] == []
    assert len(storage["failed"]) == 1 and storage["failed"][0]["error"]["status"] == 400

    open_sidebar(alice, page)
    wait_until(lambda: page.locator("postil-ui .banner").count() == 1, message="the banner")
    assert "refused" in page.locator("postil-ui .banner").inner_text()
    # The banner comes with the status, the badge with the list refreshed after the refusal:
    # two updates of the sidebar, which may land a moment apart.
    wait_until(lambda: page.locator("postil-ui .badge.error").count() == 1, message="the badge")
    page.locator("postil-ui .banner").get_by_role("button", name="Dismiss").click()
    wait_until(lambda: page.locator("postil-ui .banner").count() == 0, message="dismissed")
    assert not alice.storage().get("failed")
    wait_until(lambda: items(page).count() == 1, message="only the saved one listed")


def test_highlights_made_before_signing_in_are_sent_after_it(browser, server, tokens):
    browser.control().evaluate(
        "(server) => chrome.storage.local.set({settings: {server}})", server.url)
    page = browser.open(POST_102)
    assert "Not signed in" in page.locator("postil-ui .sidebar .status").text_content()
    phrase = "The starter itself, kept in the refrigerator between bakes"
    select(page, phrase)
    page.get_by_role("button", name="Highlight blue").click()
    wait_painted(page, "blue", phrase)
    assert [op["kind"] for op in queued(browser)] == ["create"]

    options = browser.context.new_page()
    options.goto(f"chrome-extension://{browser.extension_id}/src/options/options.html")
    options.get_by_label("Username").fill("alice")
    options.get_by_label("Password", exact=True).fill("correct-horse-battery")
    options.get_by_role("button", name="Sign in").click()
    wait_until(lambda: total(server, tokens["alice"], 102) == 1, message="sent after sign-in")
    (item,) = server.annotations(tokens["alice"], site=server.blog_site, post_id=102)["items"]
    assert item["quote"] == phrase and item["user"] == "alice"
    # The page hears about the sync and drops its "not signed in" state.
    wait_until(lambda: "Signed in as alice" in page.locator("postil-ui .sidebar .status")
               .text_content(), message="the page's status")


def test_a_browser_restart_loses_nothing(open_profile, server, tokens, tmp_path):
    profile = tmp_path / "profile"
    first = open_profile(profile)
    first.sign_in("alice", tokens["alice"])
    highlight_twice_offline(first, server)
    first.context.close()  # The browser quits with two highlights only in its queue.

    server.start()
    again = open_profile(profile, first_run=False)
    try:
        # Nothing opened: the background drains the stored queue as soon as it starts.
        wait_until(lambda: total(server, tokens["alice"], 101) == 2, timeout=30,
                   message="two on the server after the restart")
        wait_until(lambda: not queued(again), message="an empty queue")
        page = again.open(POST_101)
        wait_painted(page, "yellow", FIRST)
        wait_painted(page, "pink", SECOND)
        assert total(server, tokens["alice"], 101) == 2
        assert not again.errors, again.errors
    finally:
        again.context.close()
