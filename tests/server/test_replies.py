"""Replies: an annotation that answers another, in threads of any depth, with its thread's
visibility; the thread under an annotation, reply counts, and the replies to you."""

from __future__ import annotations

import threading
import uuid

import pytest


def reply(client, reader, parent_id, note="I agree.", **over):
    body = {"id": str(uuid.uuid4()), "reply_to": parent_id, "note": note} | over
    return client.post("/api/annotations", json=body, headers=reader.headers)


def made_reply(client, reader, parent_id, note="I agree.", **over) -> dict:
    res = reply(client, reader, parent_id, note, **over)
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def ids(res) -> list[str]:
    assert res.status_code == 200, res.get_json()
    return [a["id"] for a in res.get_json()["items"]]


def test_a_reply_is_on_its_parents_post_with_its_visibility_and_no_passage(client, alice, bob,
                                                                            create):
    parent = create(alice, visibility="public")
    made = made_reply(client, bob, parent["id"], "Yes, and *more*.")
    assert made["reply_to"] == parent["id"]
    assert made["post"] == parent["post"]
    assert made["visibility"] == "public"
    assert (made["selectors"], made["quote"], made["user"]) == ([], "", "bob")
    assert made["note_html"] == "<p>Yes, and <em>more</em>.</p>"
    assert made["reply_count"] == 0
    got = client.get(f"/api/annotations/{parent['id']}", headers=alice.headers).get_json()
    assert (got["reply_to"], got["reply_count"]) == (None, 1)


def test_threads_of_any_depth_listed_flat_in_thread_order(client, alice, bob, create):
    top = create(alice, visibility="public")
    first = made_reply(client, bob, top["id"], "first")
    second = made_reply(client, alice, top["id"], "second")
    deeper = made_reply(client, alice, first["id"], "under first")
    deepest = made_reply(client, bob, deeper["id"], "under that")
    res = client.get(f"/api/annotations/{top['id']}/replies", headers=bob.headers)
    assert ids(res) == [first["id"], deeper["id"], deepest["id"], second["id"]]
    items = res.get_json()["items"]
    assert [a["reply_to"] for a in items] == [top["id"], first["id"], deeper["id"], top["id"]]
    assert [a["reply_count"] for a in items] == [2, 1, 0, 0]
    assert deepest["visibility"] == "public"
    assert ids(client.get(f"/api/annotations/{first['id']}/replies")) == [deeper["id"],
                                                                           deepest["id"]]
    assert client.get(f"/api/annotations/{top['id']}").get_json()["reply_count"] == 4


def test_the_query_gives_annotations_that_answer_nothing_unless_asked(client, alice, bob,
                                                                       create):
    top = create(alice, visibility="public")
    answer = made_reply(client, bob, top["id"])
    q = {"site": "blog.example.org", "post_id": "42"}
    assert ids(client.get("/api/annotations", query_string=q)) == [top["id"]]
    assert client.get("/api/annotations", query_string=q).get_json()["total"] == 1
    both = client.get("/api/annotations", query_string=q | {"replies": "include"})
    assert sorted(ids(both)) == sorted([top["id"], answer["id"]])
    assert both.get_json()["total"] == 2
    assert ids(client.get("/api/annotations", query_string=q | {"replies": "only"})) == [
        answer["id"]]
    assert ids(client.get("/api/annotations", query_string={"user": "bob"})) == []
    assert ids(client.get("/api/annotations", query_string={"user": "bob",
                                                            "replies": "only"})) == [answer["id"]]
    # Replies are not highlights: a post counts what a page shows.
    post = client.get(f"/api/posts/{top['post']['id']}").get_json()
    assert post["annotation_count"] == 1


def test_a_reply_cannot_set_its_own_visibility(client, alice, bob, create):
    top = create(alice, visibility="public")
    refused = reply(client, bob, top["id"], visibility="private")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["field"] == "visibility"
    assert "visibility of the annotation it answers" in refused.get_json()["error"]["message"]
    sent_back = made_reply(client, bob, top["id"], visibility="public")  # what it would be
    patched = client.patch(f"/api/annotations/{sent_back['id']}", json={"visibility": "private"},
                           headers=bob.headers)
    assert patched.status_code == 400
    assert "change it on the annotation that starts the thread" in patched.get_json()[
        "error"]["message"]
    same = client.patch(f"/api/annotations/{sent_back['id']}",
                        json={"visibility": "public", "note": "edited"}, headers=bob.headers)
    assert same.status_code == 200
    assert (same.get_json()["note"], same.get_json()["visibility"]) == ("edited", "public")


def test_the_thread_follows_its_first_annotations_visibility(client, alice, bob, anon, create):
    top = create(alice, visibility="public")
    first = made_reply(client, alice, top["id"], "a second thought")
    second = made_reply(client, alice, first["id"], "and a third")
    res = client.patch(f"/api/annotations/{top['id']}", json={"visibility": "private"},
                       headers=alice.headers)
    assert res.status_code == 200
    assert res.get_json()["reply_count"] == 2
    for reader in (anon, bob):
        assert client.get(f"/api/annotations/{second['id']}",
                          headers=reader.headers).status_code == 404
    own = client.get(f"/api/annotations/{first['id']}", headers=alice.headers).get_json()
    assert own["visibility"] == "private"
    assert own["version"] == first["version"] + 1
    client.patch(f"/api/annotations/{top['id']}", json={"visibility": "public"},
                 headers=alice.headers)
    assert ids(client.get(f"/api/annotations/{top['id']}/replies")) == [first["id"],
                                                                        second["id"]]


def test_a_thread_others_replied_to_keeps_who_may_see_it(client, alice, bob, anon, create):
    """Bob wrote for the readers the thread had: alice may not publish his reply elsewhere,
    nor cut him off from his own thread."""
    top = create(alice, visibility="public")
    answer = made_reply(client, bob, top["id"], "bob says")
    for visibility in ("private", "public"):
        res = client.patch(f"/api/annotations/{top['id']}",
                           json={"visibility": visibility, "note": "changed"},
                           headers=alice.headers)
        if visibility == "public":
            assert res.status_code == 200  # the same visibility: not a move
            continue
        assert res.status_code == 409
        assert "others have replied" in res.get_json()["error"]["message"]
        assert client.get(f"/api/annotations/{top['id']}").get_json()["visibility"] == "public"
        assert client.get(f"/api/annotations/{answer['id']}").status_code == 200
    # Once bob's reply is gone (deleted), the thread is hers alone again.
    assert client.delete(f"/api/annotations/{answer['id']}", headers=bob.headers).status_code \
        == 204
    assert client.patch(f"/api/annotations/{top['id']}", json={"visibility": "private"},
                        headers=alice.headers).status_code == 200


def test_replying_to_what_you_may_not_see_is_a_404_like_replying_to_nothing(client, alice, bob,
                                                                              create):
    private = create(alice, visibility="private")
    hidden = reply(client, bob, private["id"])
    missing = reply(client, bob, str(uuid.uuid4()))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()
    own = made_reply(client, alice, private["id"], "note to self")
    assert own["visibility"] == "private"
    assert client.get(f"/api/annotations/{private['id']}/replies",
                      headers=bob.headers).status_code == 404


def test_deleting_an_annotation_with_replies_leaves_a_tombstone_heading_the_thread(
        client, alice, bob, create):
    top = create(alice, visibility="public")
    answer = made_reply(client, bob, top["id"], "still here")
    assert client.delete(f"/api/annotations/{top['id']}", headers=alice.headers).status_code \
        == 204
    assert client.get(f"/api/annotations/{top['id']}").status_code == 404
    assert ids(client.get(f"/api/annotations/{top['id']}/replies")) == [answer["id"]]
    q = {"site": "blog.example.org", "post_id": "42", "replies": "include"}
    items = client.get("/api/annotations", query_string=q).get_json()["items"]
    head = next(a for a in items if a["id"] == top["id"])
    # The passage and the author stay, so the thread stays where it was; what was written goes.
    assert head["deleted"] is True
    assert (head["user"], head["quote"], head["selectors"]) == ("alice", top["quote"],
                                                                top["selectors"])
    assert (head["note"], head["note_html"], head["tags"]) == ("", "", [])
    assert head["reply_count"] == 1
    assert ids(client.get("/api/annotations", query_string=q | {"replies": "exclude"})) == []
    # Once nothing live answers it, it is an ordinary tombstone: the passage goes too.
    client.delete(f"/api/annotations/{answer['id']}", headers=bob.headers)
    assert ids(client.get("/api/annotations", query_string=q)) == []
    assert client.get(f"/api/annotations/{top['id']}/replies").status_code == 404
    synced = client.get("/api/annotations", query_string={
        "updated_since": "2000-01-01T00:00:00Z", "replies": "include"}).get_json()["items"]
    head = next(a for a in synced if a["id"] == top["id"])
    assert (head["deleted"], head["quote"], head["selectors"]) == (True, "", [])
    assert head["version"] == top["version"] + 2


def test_deleting_a_reply_without_replies_is_an_ordinary_delete(client, alice, bob, create):
    top = create(alice, visibility="public")
    answer = made_reply(client, bob, top["id"])
    assert client.delete(f"/api/annotations/{answer['id']}", headers=bob.headers).status_code \
        == 204
    assert ids(client.get(f"/api/annotations/{top['id']}/replies")) == []
    assert client.get(f"/api/annotations/{top['id']}").get_json()["reply_count"] == 0
    synced = client.get("/api/annotations", query_string={
        "updated_since": "2000-01-01T00:00:00Z", "replies": "only"}).get_json()["items"]
    assert [(a["id"], a["deleted"], a["note"]) for a in synced] == [(answer["id"], True, "")]


def test_replies_to_you_newest_first_with_an_unread_count_kept_on_the_server(
        client, alice, bob, create, make_user):
    carol = make_user("carol")
    top = create(alice, visibility="public")
    mine = made_reply(client, alice, top["id"], "my own reply is not to me")
    first = made_reply(client, bob, top["id"], "one")
    second = made_reply(client, carol, mine["id"], "two")
    made_reply(client, alice, first["id"], "alice answering bob")
    res = client.get("/api/me/replies", headers=alice.headers)
    body = res.get_json()
    assert ids(res) == [second["id"], first["id"]]
    assert (body["total"], body["unread"], body["read_until"]) == (2, 2, None)
    assert [a["unread"] for a in body["items"]] == [True, True]
    page = client.get("/api/me/replies", query_string={"limit": 1}, headers=alice.headers)
    assert ids(page) == [second["id"]]
    rest = client.get("/api/me/replies", headers=alice.headers, query_string={
        "limit": 1, "cursor": page.get_json()["next_cursor"]})
    assert ids(rest) == [first["id"]] and rest.get_json()["next_cursor"] is None
    read = client.post("/api/me/replies/read", json={"until": first["created"]},
                       headers=alice.headers)
    assert read.status_code == 200
    assert read.get_json()["unread"] == 1
    # Another device (another token) sees the same.
    again = client.post("/api/tokens", json={"username": "alice", "password": "correct horse"})
    other = {"Authorization": f"Bearer {again.get_json()['token']}"}
    body = client.get("/api/me/replies", headers=other).get_json()
    assert body["unread"] == 1
    assert [a["unread"] for a in body["items"]] == [True, False]
    # Never backwards; no body marks everything read now.
    client.post("/api/me/replies/read", json={"until": "2001-01-01T00:00:00Z"}, headers=other)
    assert client.get("/api/me/replies", headers=other).get_json()["unread"] == 1
    assert client.post("/api/me/replies/read", headers=other).get_json()["unread"] == 0
    assert client.get("/api/me/replies", headers=bob.headers).get_json()["total"] == 1


@pytest.mark.parametrize("path, method, body, status", [
    ("/api/me/replies", "get", None, 401),
    ("/api/me/replies/read", "post", None, 401),
])
def test_replies_to_you_are_for_a_signed_in_reader(client, path, method, body, status):
    assert getattr(client, method)(path, json=body).status_code == status


def test_a_deleted_accounts_public_annotation_keeps_heading_its_thread(client, alice, bob,
                                                                       create, make_user):
    leaver = make_user("leaver", "leaving for good")
    top = create(leaver, visibility="public")
    answer = made_reply(client, bob, top["id"], "bob's answer stays")
    made_reply(client, leaver, answer["id"], "the leaver's reply goes")
    assert client.post("/api/me/replies/read", headers=leaver.headers).status_code == 200
    res = client.delete("/api/me", json={"password": "leaving for good",
                                         "public_annotations": "delete"}, headers=leaver.headers)
    assert res.status_code == 204
    thread = client.get(f"/api/annotations/{top['id']}/replies", headers=alice.headers)
    assert ids(thread) == [answer["id"]]
    q = {"site": "blog.example.org", "post_id": "42", "replies": "include"}
    head = next(a for a in client.get("/api/annotations", query_string=q).get_json()["items"]
                if a["id"] == top["id"])
    assert (head["deleted"], head["user"], head["note"]) == (True, None, "")
    assert head["selectors"] == top["selectors"] and head["reply_count"] == 1


def test_replies_made_while_the_thread_changes_visibility_end_in_step(app, alice, create):
    """Replies and visibility changes at once, from two clients: every reply ends with the
    visibility its thread has, none lost. (On PostgreSQL a reply locks its thread's first row
    while it is written; this run checks the end state, and need not catch every interleaving.)"""
    top = create(alice, visibility="public")
    errors = []

    def toggle():
        c = app.test_client()
        for i in range(15):
            res = c.patch(f"/api/annotations/{top['id']}", headers=alice.headers,
                          json={"visibility": "private" if i % 2 == 0 else "public"})
            if res.status_code != 200:
                errors.append(res.get_json())

    def answer():
        c = app.test_client()
        parent = top["id"]
        for i in range(15):
            res = c.post("/api/annotations", headers=alice.headers,
                         json={"reply_to": parent, "note": f"reply {i}"})
            if res.status_code != 201:
                errors.append(res.get_json())
            else:
                parent = res.get_json()["id"] if i % 3 == 0 else parent

    threads = [threading.Thread(target=toggle), threading.Thread(target=answer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    client = app.test_client()
    final = client.get(f"/api/annotations/{top['id']}", headers=alice.headers).get_json()
    replies = client.get(f"/api/annotations/{top['id']}/replies",
                         headers=alice.headers).get_json()["items"]
    assert len(replies) == final["reply_count"] == 15
    assert {a["visibility"] for a in replies} == {final["visibility"]}


def test_a_tombstone_heads_a_thread_only_for_who_sees_a_live_reply_below_it(client, alice, bob,
                                                                            create):
    from test_groups import invite, join, make_group

    gid = make_group(client, alice)
    assert join(client, bob, invite(client, alice, gid)) == 200
    res = client.post("/api/annotations", headers=bob.headers, json={
        "post": {"site": "blog.example.org", "post_id": 42}, "quote": "a passage",
        "note": "for the circle", "visibility": "group", "group": gid})
    top = res.get_json()
    answer = made_reply(client, alice, top["id"], "alice's, soon out of bob's sight")
    assert client.delete(f"/api/groups/{gid}/members/bob", headers=bob.headers).status_code \
        == 204
    assert client.delete(f"/api/annotations/{top['id']}", headers=bob.headers).status_code \
        == 204
    q = {"site": "blog.example.org", "post_id": "42", "replies": "include"}
    # Bob sees no live reply below his tombstone (alice's is the group's): nothing heads a
    # thread for him.
    assert client.get("/api/annotations", query_string=q, headers=bob.headers).get_json() \
        == {"total": 0, "items": [], "next_cursor": None}
    assert answer["id"] in ids(client.get("/api/annotations", query_string=q,
                                          headers=alice.headers))
