"""Defects found in the pre-release review, in real Chromium: each test failed before its fix."""

from __future__ import annotations

import time
import uuid

from browser_helpers import POST_101, wait_ready, wait_until


def landed_create(ext, server, token):
    """A create that reached the server while its answer was lost (a timeout, a dropped
    connection): the server stored it, the queue still holds it, tried once, waiting to retry."""
    uid = str(uuid.uuid4())
    post = {"site": server.blog_site, "post_id": 101, "url": f"{server.blog_url}{POST_101}",
            "title": "Tide pools"}
    body = {"id": uid, "post": post, "quote": "", "selectors": [], "note": "first",
            "color": "yellow", "tags": [], "visibility": "private"}
    status, _ = server.api("POST", "/api/annotations", token, body)
    assert status == 201
    op = {"seq": f"review-{uid}", "kind": "create", "id": uid, "post": post, "body": body,
          "user": "alice", "attempts": 1, "nextAt": int(time.time() * 1000) + 600_000,
          "lastError": {"kind": "transient", "status": 0, "code": "timeout",
                        "message": "the server did not answer in time"}}
    ext.control().evaluate("(op) => chrome.storage.local.set({queue: [op]})", op)
    return uid, post


def send(ext, message):
    return ext.control().evaluate("(m) => chrome.runtime.sendMessage(m)", message)


def test_an_edit_of_a_create_whose_answer_was_lost_reaches_the_server(alice, server, tokens):
    uid, post = landed_create(alice, server, tokens["alice"])
    assert send(alice, {"type": "annotation/update", "id": uid, "post": post,
                        "changes": {"note": "edited"}})["ok"]
    send(alice, {"type": "queue/sync-now"})
    wait_until(lambda: not alice.storage().get("queue"), message="an empty queue")
    status, stored = server.api("GET", f"/api/annotations/{uid}", tokens["alice"])
    # Folded into the create, the edit went out as a create the server already had: a no-op.
    assert stored["note"] == "edited"


def test_a_delete_of_a_create_whose_answer_was_lost_reaches_the_server(alice, server, tokens):
    uid, post = landed_create(alice, server, tokens["alice"])
    assert send(alice, {"type": "annotation/delete", "id": uid, "post": post})["ok"]
    send(alice, {"type": "queue/sync-now"})
    wait_until(lambda: not alice.storage().get("queue"), message="an empty queue")
    # Cancelling the create instead left the annotation on the server for good.
    status, _ = server.api("GET", f"/api/annotations/{uid}", tokens["alice"])
    assert status == 410


def test_a_page_cannot_claim_another_sites_post_to_read_its_annotations(alice, server, tokens):
    uid = str(uuid.uuid4())
    post = {"site": server.blog_site, "post_id": 101, "url": f"{server.blog_url}{POST_101}",
            "title": "Tide pools"}
    body = {"id": uid, "post": post, "quote": "", "selectors": [],
            "note": "alice's private note", "visibility": "private"}
    assert server.api("POST", "/api/annotations", tokens["alice"], body)[0] == 201
    home = f"{server.blog_url}/sample"
    html = (f'<!doctype html><html><head><title>Elsewhere</title>'
            f'<link rel="https://api.w.org/" href="{home}/wp-json/">'
            f'<link rel="shortlink" href="{home}/?p=101">'
            f'<link rel="canonical" href="{server.blog_url}{POST_101}"></head>'
            f'<body><p>Nothing to see here.</p></body></html>')
    page = alice.context.new_page()
    page.route("http://elsewhere.test/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=html))
    page.goto("http://elsewhere.test/page")
    wait_ready(page)
    # The sidebar's shadow root is open: the page's own scripts read whatever it shows.
    shown = page.evaluate("() => document.querySelector('postil-ui').shadowRoot.textContent")
    assert "alice's private note" not in shown
