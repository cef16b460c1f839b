"""Replies in a group's thread: a reply is in its thread's group, seen by the group's members
alone; leaving the group takes the thread out of sight; moving the thread moves its replies."""

from __future__ import annotations

import pytest
from test_groups import invite, join, make_group


@pytest.fixture
def carol(make_user):
    return make_user("carol")


@pytest.fixture
def circle(client, alice, bob):
    """alice's group with bob in it, and a group annotation of alice's there."""
    gid = make_group(client, alice)
    assert join(client, bob, invite(client, alice, gid)) == 200
    res = client.post("/api/annotations", headers=alice.headers, json={
        "post": {"site": "blog.example.org", "post_id": 42}, "note": "for the circle",
        "visibility": "group", "group": gid})
    assert res.status_code == 201, res.get_json()
    return gid, res.get_json()


def test_a_reply_in_a_group_thread_is_in_the_group_and_for_its_members_alone(
        client, alice, bob, carol, anon, circle):
    gid, top = circle
    res = client.post("/api/annotations", json={"reply_to": top["id"], "note": "a member's"},
                      headers=bob.headers)
    assert res.status_code == 201, res.get_json()
    made = res.get_json()
    assert (made["visibility"], made["group"], made["group_name"]) == ("group", gid,
                                                                      "Close readers")
    # A member sending back what the thread has is fine; another visibility is refused.
    again = client.post("/api/annotations", headers=bob.headers, json={
        "reply_to": top["id"], "note": "sent back", "visibility": "group", "group": gid})
    assert again.status_code == 201, again.get_json()
    public = client.post("/api/annotations", headers=bob.headers, json={
        "reply_to": top["id"], "note": "to everyone?", "visibility": "public"})
    assert public.status_code == 400
    for outsider in (carol, anon):
        assert client.get(f"/api/annotations/{made['id']}",
                          headers=outsider.headers).status_code == 404
        assert client.get(f"/api/annotations/{top['id']}/replies",
                          headers=outsider.headers).status_code == 404
    refused = client.post("/api/annotations", json={"reply_to": top["id"], "note": "me too"},
                          headers=carol.headers)
    nothing = client.post("/api/annotations", headers=carol.headers, json={
        "reply_to": "00000000-0000-4000-8000-00000000abcd", "note": "me too"})
    assert refused.status_code == nothing.status_code == 404
    assert refused.get_json() == nothing.get_json()
    mine = client.get("/api/me/replies", headers=alice.headers).get_json()
    assert mine["total"] == 2 and mine["unread"] == 2
    # Leaving the group takes the thread away at once, replies to you included.
    assert client.delete(f"/api/groups/{gid}/members/bob", headers=bob.headers).status_code \
        == 204
    assert client.get(f"/api/annotations/{made['id']}", headers=bob.headers).status_code == 200
    assert client.get(f"/api/annotations/{top['id']}/replies",
                      headers=bob.headers).status_code == 404


def test_moving_the_thread_moves_its_replies(client, alice, bob, carol, circle):
    gid, top = circle
    made = client.post("/api/annotations", headers=alice.headers, json={
        "reply_to": top["id"], "note": "on second thought"}).get_json()
    res = client.patch(f"/api/annotations/{top['id']}", json={"visibility": "public"},
                       headers=alice.headers)
    assert res.status_code == 200
    seen = client.get(f"/api/annotations/{made['id']}", headers=carol.headers).get_json()
    assert (seen["visibility"], seen["group"]) == ("public", None)
    other = make_group(client, alice, name="Another circle")
    res = client.patch(f"/api/annotations/{top['id']}",
                       json={"visibility": "group", "group": other}, headers=alice.headers)
    assert res.status_code == 200
    assert client.get(f"/api/annotations/{made['id']}", headers=carol.headers).status_code \
        == 404
    own = client.get(f"/api/annotations/{made['id']}", headers=alice.headers).get_json()
    assert (own["visibility"], own["group"]) == ("group", other)
    # Once a member has replied, the thread stays in its group.
    client.post("/api/annotations", json={"reply_to": top["id"], "note": "a member's"},
                headers=alice.headers)
    assert join(client, bob, invite(client, alice, other)) == 200
    assert client.post("/api/annotations", json={"reply_to": top["id"], "note": "a member's"},
                       headers=bob.headers).status_code == 201
    assert client.patch(f"/api/annotations/{top['id']}", json={"visibility": "public"},
                        headers=alice.headers).status_code == 409


def reply(client, reader, to, note="a reply"):
    res = client.post("/api/annotations", json={"reply_to": to, "note": note},
                      headers=reader.headers)
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def test_hiding_an_annotation_hides_the_thread_below_it_from_plain_members(
        client, alice, bob, carol, circle):
    gid, top = circle
    assert join(client, carol, invite(client, alice, gid)) == 200
    carols = reply(client, carol, top["id"], "carol answers")
    alices = reply(client, alice, carols["id"], "alice answers carol")
    seen = lambda: {a["id"] for a in client.get(  # noqa: E731
        f"/api/annotations?group={gid}&replies=include", headers=bob.headers).get_json()["items"]}
    assert seen() == {top["id"], carols["id"], alices["id"]}
    assert client.put(f"/api/annotations/{top['id']}/hidden",
                      headers=alice.headers).status_code == 200
    # To bob, a plain member, the whole thread is gone: reading, listing, replying.
    for one in (top, carols, alices):
        assert client.get(f"/api/annotations/{one['id']}", headers=bob.headers).status_code \
            == 404
    assert seen() == set()
    assert client.get(f"/api/annotations?group={gid}&replies=only",
                      headers=bob.headers).get_json()["items"] == []
    assert client.post("/api/annotations", json={"reply_to": alices["id"], "note": "hm"},
                       headers=bob.headers).status_code == 404
    # Its versions moved on, so a syncing client of the moderator's replaces its copies.
    now = client.get(f"/api/annotations/{alices['id']}", headers=alice.headers).get_json()
    assert (now["hidden"], now["version"]) == (True, alices["version"] + 1)
    # Each author still sees their own; a new reply under the hidden one is hidden too.
    assert client.get(f"/api/annotations/{carols['id']}",
                      headers=carol.headers).get_json()["hidden"] is True
    later = reply(client, carol, carols["id"], "carol again")
    assert later["hidden"] is True
    assert client.get(f"/api/annotations/{later['id']}", headers=bob.headers).status_code == 404
    # A reply cannot be shown alone while the thread above it is hidden.
    res = client.delete(f"/api/annotations/{carols['id']}/hidden", headers=alice.headers)
    assert res.status_code == 409
    assert client.get(f"/api/annotations/{carols['id']}", headers=bob.headers).status_code \
        == 404
    # Showing it shows the thread again.
    assert client.delete(f"/api/annotations/{top['id']}/hidden",
                         headers=alice.headers).status_code == 200
    assert seen() == {top["id"], carols["id"], alices["id"], later["id"]}


def test_hiding_a_reply_hides_its_own_replies_and_leaves_the_rest(client, alice, bob, carol,
                                                                  circle):
    gid, top = circle
    assert join(client, carol, invite(client, alice, gid)) == 200
    carols = reply(client, carol, top["id"], "carol answers")
    below = reply(client, carol, carols["id"], "and goes on")
    assert client.put(f"/api/annotations/{carols['id']}/hidden",
                      headers=alice.headers).status_code == 200
    listed = client.get(f"/api/annotations/{top['id']}/replies", headers=bob.headers)
    assert [a["id"] for a in listed.get_json()["items"]] == []
    assert client.get(f"/api/annotations/{below['id']}", headers=bob.headers).status_code \
        == 404
    assert client.get(f"/api/annotations/{top['id']}", headers=bob.headers).status_code == 200
    # Showing the top annotation, which was never hidden, shows none of it.
    assert client.delete(f"/api/annotations/{top['id']}/hidden",
                         headers=alice.headers).status_code == 200
    assert client.get(f"/api/annotations/{below['id']}", headers=bob.headers).status_code \
        == 404
