"""Live updates in real Chromium, two readers in two browser profiles: what one reader (or another
device, through the API) does to an annotation the other may see shows on the other's open page
without a reload — painted, repainted, unpainted — and a private one never does; the page keeps
following after the server restarts and after the extension's service worker is stopped.

Waits are generous and nothing here is timed: bench/streams.py measures how fast events travel."""

from __future__ import annotations

import pytest
from browser_helpers import (
    PASSWORD,
    POST_101,
    highlight,
    items,
    open_sidebar,
    painted,
    wait_painted,
    wait_until,
)

TIDE = "Twice a day the tide covers the pool and twice a day it leaves"
SHORE = "Walk down a rocky shore at low tide"
SECRET = "the anemones sit open like small flowers"
LIVE_WAIT = 30  # seconds: a restart or a woken worker may add several backoff steps


@pytest.fixture
def bob(open_profile, tmp_path, tokens):
    ext = open_profile(tmp_path / "bob")
    ext.sign_in("bob", tokens["bob"])
    yield ext
    ext.context.close()
    assert not ext.errors, f"page errors in bob's browser: {ext.errors}"


def make(server, token, phrase, *, color="yellow", visibility="public", post_id=101, note=""):
    status, data = server.api("POST", "/api/annotations", token, body={
        "post": {"site": server.blog_site, "post_id": post_id},
        "quote": phrase, "note": note, "color": color, "visibility": visibility,
        "selectors": [{"type": "TextQuoteSelector", "exact": phrase}]})
    assert status == 201, data
    return data["id"]


def count_loads(ext):
    """Have every page of this browser count its loads of the annotations (the content script
    reports each one to the page under the extension's debugAnchoringTimings flag)."""
    ext.worker.evaluate("() => chrome.storage.local.set({debugAnchoringTimings: true})")
    ext.context.add_init_script("""window.postilLoads = 0;
        window.addEventListener('message', (e) => {
          if (e.data && e.data.postilDebug === 'anchoring') window.postilLoads += 1; });""")


def loads(page) -> int:
    return page.evaluate("() => window.postilLoads")


def not_painted(page, phrase) -> bool:
    return all(phrase not in found for found in painted(page).values())


def mark_page(page):
    """A value in the page's own window: a reload would lose it."""
    page.evaluate("() => { window.notReloaded = true; }")


def still_the_same_page(page) -> bool:
    return page.evaluate("() => window.notReloaded === true")


def test_another_readers_public_highlight_appears_changes_and_goes_live(alice, bob, server,
                                                                        tokens):
    alice.worker.evaluate("""(server) => chrome.storage.local.set(
        {settings: {server, defaultVisibility: 'public'}})""", server.url)
    theirs = bob.open(POST_101)
    mark_page(theirs)
    open_sidebar(bob, theirs)

    # Alice highlights in her browser: painted on Bob's open page.
    mine = alice.open(POST_101)
    highlight(mine, TIDE, "pink")
    wait_painted(theirs, "pink", TIDE, timeout=LIVE_WAIT)
    wait_until(lambda: items(theirs).count() == 1, message="Bob's sidebar to list it")
    [stored] = server.annotations(tokens["alice"], site=server.blog_site, post_id=101)["items"]

    # Alice edits it on another device: Bob's page repaints it and shows the note.
    status, data = server.api("PATCH", f"/api/annotations/{stored['id']}", tokens["alice"],
                              body={"color": "green", "note": "Read this twice"})
    assert status == 200, data
    wait_painted(theirs, "green", TIDE, timeout=LIVE_WAIT)
    assert TIDE not in painted(theirs)["pink"]
    wait_until(lambda: "Read this twice" in items(theirs).first.inner_text(),
               message="the note in Bob's sidebar")

    # Alice's own page hears her change from the other device as well, as one annotation.
    wait_painted(mine, "green", TIDE, timeout=LIVE_WAIT)
    open_sidebar(alice, mine)
    wait_until(lambda: items(mine).count() == 1, message="one item on Alice's page")

    # Deleted on the other device: unpainted on both pages.
    status, _ = server.api("DELETE", f"/api/annotations/{stored['id']}", tokens["alice"])
    assert status == 204
    wait_until(lambda: not_painted(theirs, TIDE), timeout=LIVE_WAIT, message="unpainted for Bob")
    wait_until(lambda: items(theirs).count() == 0, message="Bob's sidebar emptied")
    wait_until(lambda: not_painted(mine, TIDE), timeout=LIVE_WAIT, message="unpainted for Alice")
    assert still_the_same_page(theirs)


def test_a_private_annotation_never_reaches_another_reader(alice, bob, server, tokens):
    theirs = bob.open(POST_101)
    mark_page(theirs)
    mine = alice.open(POST_101)
    make(server, tokens["alice"], SECRET, color="purple", visibility="private")
    # Alice sees her private one on her page, live (it came from "another device").
    wait_painted(mine, "purple", SECRET, timeout=LIVE_WAIT)
    # A public one made after it reaches Bob: the private one, before it, never does.
    make(server, tokens["alice"], SHORE, color="blue")
    wait_painted(theirs, "blue", SHORE, timeout=LIVE_WAIT)
    assert not_painted(theirs, SECRET)
    open_sidebar(bob, theirs)
    assert SECRET not in theirs.locator("postil-ui .sidebar").inner_text()
    cached = bob.storage().get("cache", {})
    assert SECRET not in str(cached) and SHORE in str(cached)
    assert still_the_same_page(theirs)


def test_the_page_keeps_following_after_the_server_restarts(bob, server, tokens):
    count_loads(bob)
    theirs = bob.open(POST_101)
    mark_page(theirs)
    make(server, tokens["alice"], TIDE, color="yellow")
    wait_painted(theirs, "yellow", TIDE, timeout=LIVE_WAIT)
    # The page read its list once: the stream, opened with it, brought the rest.
    assert loads(theirs) == 1

    server.stop()
    server.start()
    make(server, tokens["alice"], SHORE, color="green")
    wait_painted(theirs, "green", SHORE, timeout=LIVE_WAIT)
    # Resumed from the last event (Last-Event-ID), not by reading the list again.
    assert loads(theirs) == 1
    assert still_the_same_page(theirs)


def test_the_page_keeps_following_after_the_service_worker_is_stopped(bob, server, tokens):
    count_loads(bob)
    theirs = bob.open(POST_101)
    mark_page(theirs)
    make(server, tokens["alice"], TIDE, color="yellow")
    wait_painted(theirs, "yellow", TIDE, timeout=LIVE_WAIT)

    states = []
    control = bob.control()
    cdp = bob.context.new_cdp_session(control)
    cdp.on("ServiceWorker.workerVersionUpdated",
           lambda event: states.extend(v["runningStatus"] for v in event["versions"]))

    def seen(*wanted):
        control.wait_for_timeout(100)  # Playwright hands out CDP events only during its calls
        return set(wanted) & set(states)

    cdp.send("ServiceWorker.enable")
    cdp.send("ServiceWorker.stopAllWorkers")
    wait_until(lambda: seen("stopping", "stopped"), timeout=10, message="the worker to stop")
    # Made while no worker runs: the page's port wakes a new one, which resumes the stream
    # where the stopped one left it, and this change arrives.
    shore = make(server, tokens["alice"], SHORE, color="green")
    wait_painted(theirs, "green", SHORE, timeout=LIVE_WAIT)
    status, data = server.api("PATCH", f"/api/annotations/{shore}", tokens["alice"],
                              body={"color": "blue"})
    assert status == 200, data
    wait_painted(theirs, "blue", SHORE, timeout=LIVE_WAIT)
    # The new worker resumed the stream from the id the stopped one kept in storage.session:
    # the page never had to read its list again.
    assert loads(theirs) == 1
    assert still_the_same_page(theirs)


def test_a_group_highlight_reaches_members_only_and_leaving_takes_it_away(alice, bob, server,
                                                                          tokens, open_profile,
                                                                          tmp_path):
    carol_token = a_reader(server, "carol-live")
    carol = open_profile(tmp_path / "carol")
    try:
        carol.sign_in("carol-live", carol_token)
        status, group = server.api("POST", "/api/groups", tokens["alice"],
                                   body={"name": "Tide readers", "description": ""})
        assert status == 201, group
        status, invite = server.api("POST", f"/api/groups/{group['id']}/invites", tokens["alice"],
                                    body={})
        assert status == 201, invite
        status, _ = server.api("POST", f"/api/invites/{invite['token']}/accept", tokens["bob"])
        assert status in (200, 201), _

        members_page = bob.open(POST_101)
        mark_page(members_page)
        outsiders_page = carol.open(POST_101)
        status, made = server.api("POST", "/api/annotations", tokens["alice"], body={
            "post": {"site": server.blog_site, "post_id": 101}, "quote": TIDE, "color": "green",
            "visibility": "group", "group": group["id"],
            "selectors": [{"type": "TextQuoteSelector", "exact": TIDE}]})
        assert status == 201, made
        wait_painted(members_page, "green", TIDE, timeout=LIVE_WAIT)
        # A public one after it reaches the non-member; the group's one, before it, never does.
        make(server, tokens["alice"], SHORE, color="blue")
        wait_painted(outsiders_page, "blue", SHORE, timeout=LIVE_WAIT)
        assert not_painted(outsiders_page, TIDE)

        # Bob leaves the group: his open page drops its annotation at once.
        status, _ = server.api("DELETE", f"/api/groups/{group['id']}/members/bob", tokens["bob"])
        assert status == 204, _
        wait_until(lambda: not_painted(members_page, TIDE), timeout=LIVE_WAIT,
                   message="the group's highlight gone from the former member's page")
        assert SHORE in painted(members_page)["blue"]
        assert still_the_same_page(members_page)
    finally:
        carol.context.close()
    assert not carol.errors, carol.errors


def a_reader(server, name: str) -> str:
    """A third reader, made with the CLI as the fixtures make alice and bob; their token."""
    status, _ = server.api("POST", "/api/tokens", body={"username": name, "password": PASSWORD})
    if status != 201:
        server.cli("user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    status, data = server.api("POST", "/api/tokens", body={"username": name, "password": PASSWORD})
    assert status == 201, data
    return data["token"]
