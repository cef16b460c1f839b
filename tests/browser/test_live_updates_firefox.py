"""Live updates in Firefox ESR (the extension's background is an event page there), driven by
tests/browser/firefox/live-flow.mjs: another reader's public highlight appears on the open page,
changes and goes without a reload, their private one never shows, and the page keeps following
after the server restarts mid-stream (this side restarts it when the script asks)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import uuid

from browser_helpers import EXTENSION, FIREFOX, FIREFOX_DIR, PASSWORD


def test_firefox_follows_another_readers_changes_live(node_driver, server, blog, tmp_path):
    restarted = tmp_path / "restarted"
    env = {**os.environ, "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url,
           "POSTIL_BLOG": blog.url, "POSTIL_USER": "alice", "POSTIL_OTHER_USER": "bob",
           "POSTIL_PASSWORD": PASSWORD, "POSTIL_FIREFOX": FIREFOX,
           "POSTIL_RESTARTED": str(restarted)}
    proc = subprocess.Popen([node_driver, "live-flow.mjs"], cwd=FIREFOX_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stderr: list[str] = []
    threading.Thread(target=lambda: stderr.extend(proc.stderr), daemon=True).start()
    timer = threading.Timer(240, proc.kill)
    timer.start()
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.strip() == "RESTART":
                server.stop()
                server.start()
                restarted.touch()
        proc.wait()
    finally:
        timer.cancel()
    results = [line for line in lines if line.startswith("{")]
    said = "".join(lines) + "\n" + "".join(stderr)[-2000:]
    assert results, f"no result from the Firefox script:\n{said}"
    result = json.loads(results[-1])
    assert result["ok"], result.get("error")
    assert result["signedIn"].startswith("Signed in as alice")
    assert result["created"] and result["edited"] and result["noteShown"] and result["deleted"]
    assert result["publicAfterPrivate"] is True
    assert result["privateShown"] is False
    assert result["afterRestart"] is True
    assert result["sameDocument"] is True
    assert result["errors"] == []


def test_firefox_keeps_following_after_the_event_page_is_terminated(node_driver, server, blog):
    """Firefox runs the background as an event page; started with a short idle timeout, it
    terminates it while the page follows a post (the script checks it did), and changes made
    after still arrive, with the page's list read once: resumed, nothing read again."""
    env = {**os.environ, "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url,
           "POSTIL_BLOG": blog.url, "POSTIL_USER": "bob", "POSTIL_OTHER_USER": "alice",
           "POSTIL_PASSWORD": PASSWORD, "POSTIL_FIREFOX": FIREFOX}
    done = subprocess.run([node_driver, "live-suspend-flow.mjs"], cwd=FIREFOX_DIR, env=env,
                          capture_output=True, text=True, timeout=240)
    results = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert results, f"no result from the Firefox script:\n{done.stdout}\n{done.stderr[-2000:]}"
    result = json.loads(results[-1])
    assert result["ok"], result.get("error")
    assert result["before"] and result["marked"]
    # Firefox did terminate the event page that followed the stream.
    assert result["terminated"] and result["stillTerminated"]
    assert result["created"] and result["edited"] and result["noteShown"] and result["deleted"]
    # One annotation left, listed once: nothing lost, nothing doubled.
    assert len(result["items"]) == 1 and "After the pause" in result["items"][0]
    # The page read its list once, before: every change after came through the resumed stream.
    assert result["loadsBefore"] == 1 and result["loads"] == 1
    assert result["sameDocument"] is True
    assert result["errors"] == []


def test_firefox_reads_together_live_a_group_a_reply_and_leaving(node_driver, server, blog,
                                                                 tokens):
    """Two readers in two Firefox instances: a group's highlight is painted live for its member
    and never for the outsider, a reply appears under its passage, a page note deleted with a
    reply stays as its thread's tombstone, and leaving the group takes the group's highlight off
    the page on the next event (group-live-flow.mjs)."""
    outsider = f"olive{uuid.uuid4().hex[:6]}"
    server.cli("user", "add", outsider, "--password-stdin", stdin=PASSWORD + "\n")
    status, group = server.api("POST", "/api/groups", tokens["alice"],
                               body={"name": f"Tide readers {outsider}", "description": ""})
    assert status == 201, group
    status, invite = server.api("POST", f"/api/groups/{group['id']}/invites", tokens["alice"],
                                body={})
    assert status == 201, invite
    status, _ = server.api("POST", f"/api/invites/{invite['token']}/accept", tokens["bob"])
    assert status == 200, _
    env = {**os.environ, "POSTIL_EXTENSION": str(EXTENSION), "POSTIL_SERVER": server.url,
           "POSTIL_BLOG": blog.url, "POSTIL_MEMBER": "bob", "POSTIL_OUTSIDER": outsider,
           "POSTIL_WRITER": "alice", "POSTIL_PASSWORD": PASSWORD, "POSTIL_FIREFOX": FIREFOX,
           "POSTIL_GROUP": group["id"]}
    try:
        done = subprocess.run([node_driver, "group-live-flow.mjs"], cwd=FIREFOX_DIR, env=env,
                              capture_output=True, text=True, timeout=300)
    finally:
        for name in ("alice", "bob"):  # replies outlive the session's cleanup
            for item in server.annotations(tokens[name], user=name, replies="only")["items"]:
                server.api("DELETE", f"/api/annotations/{item['id']}", tokens[name])
    results = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert results, f"no result from the Firefox script:\n{done.stdout}\n{done.stderr[-2000:]}"
    result = json.loads(results[-1])
    assert result["ok"], result.get("error")
    assert result["signedIn"][0].startswith("Signed in as bob")
    assert result["signedIn"][1].startswith(f"Signed in as {outsider}")
    assert result["paintedForMember"] is True and result["publicForOutsider"] is True
    assert result["groupForOutsider"] is False
    assert any("The moon sets the hour." in row for row in result["thread"]["replies"])
    assert "Deleted note" in result["pageNoteTombstone"]
    assert result["goneAfterLeaving"] is True and result["publicStays"] is True
    assert result["sameDocuments"] is True
    assert result["errors"] == []
