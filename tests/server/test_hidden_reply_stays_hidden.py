"""A reply a site's moderator hid stays hidden when its thread is hidden and shown again, or
held for approval and approved: acting on the annotation above it undid the moderator's own
hiding, so a spam reply came back as soon as its thread did (and a reworded note under
pre-moderation was a way to bring it back). Unhiding the reply itself still shows it. On SQLite
and PostgreSQL."""

from __future__ import annotations

from test_moderation_visibility import register_site

SITE = "quiet.example.net"
POST = {"site": SITE, "post_id": 77, "url": "https://quiet.example.net/a-quiet-post/",
        "title": "A quiet post"}


def act(client, mona, uid, action):
    res = client.post(f"/api/annotations/{uid}/moderation", headers=mona.headers,
                      json={"action": action})
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def reply(client, who, parent, note):
    res = client.post("/api/annotations", headers=who.headers,
                      json={"reply_to": parent, "note": note})
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def thread_for(client, reader, uid) -> list[str]:
    res = client.get(f"/api/annotations/{uid}/replies", headers=reader.headers)
    if res.status_code == 404:  # the thread's first annotation is withheld from them
        return []
    return [r["note"] for r in res.get_json()["items"]]


def test_unhiding_a_thread_leaves_a_reply_hidden_on_its_own_hidden(client, app, create, alice,
                                                                   bob, anon, make_user):
    mona, carol = make_user("mona"), make_user("carol")
    register_site(app, moderation="post")
    first = create(alice, post=POST, visibility="public", note="A point.")
    spam = reply(client, bob, first["id"], "Cheap pills.")
    below_spam = reply(client, carol, spam, "Stop it.")
    fair = reply(client, carol, first["id"], "Fair.")
    act(client, mona, spam, "hide")
    assert thread_for(client, anon, first["id"]) == ["Fair."]
    act(client, mona, first["id"], "hide")
    assert thread_for(client, anon, first["id"]) == []
    act(client, mona, first["id"], "unhide")
    assert thread_for(client, anon, first["id"]) == ["Fair."]
    assert client.get(f"/api/annotations/{below_spam}", headers=anon.headers).status_code == 404
    # The moderators still see it hidden, and unhiding it shows it with what answers it.
    held = client.get(f"/api/annotations/{spam}", headers=mona.headers).get_json()
    assert held["moderation"] == "hidden"
    act(client, mona, spam, "unhide")
    assert thread_for(client, anon, first["id"]) == ["Cheap pills.", "Stop it.", "Fair."]
    assert fair


def test_approving_a_reworded_note_leaves_a_hidden_reply_hidden(client, app, create, alice,
                                                                bob, anon, make_user):
    mona = make_user("mona")
    register_site(app, moderation="pre")
    first = create(alice, post=POST, visibility="public", note="A point.")
    act(client, mona, first["id"], "approve")
    spam = reply(client, bob, first["id"], "Cheap pills.")
    act(client, mona, spam, "approve")
    act(client, mona, spam, "hide")
    res = client.patch(f"/api/annotations/{first['id']}", headers=alice.headers,
                       json={"note": "A point, reworded."})
    assert res.status_code == 200 and res.get_json()["moderation"] == "pending"
    # Still hidden by the moderator, not waiting for approval with the thread.
    held = client.get(f"/api/annotations/{spam}", headers=mona.headers).get_json()
    assert held["moderation"] == "hidden"
    act(client, mona, first["id"], "approve")
    assert client.get(f"/api/annotations/{first['id']}", headers=anon.headers).status_code == 200
    assert thread_for(client, anon, first["id"]) == []
    assert client.get(f"/api/annotations/{spam}", headers=anon.headers).status_code == 404
