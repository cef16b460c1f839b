"""Flags cannot be turned against a site's moderators, on SQLite and PostgreSQL: an author
flagging their own note is refused (it tells the moderators nothing), a barred reader's flags are
refused as their public notes are, and one reader's flags on a site's notes are held to the
site's hourly limit (`public_per_hour`), counted from the stored rows so that every server
process agrees. Each refusal is a clear 4xx and leaves the queue as it was."""

from __future__ import annotations

from test_moderation_visibility import register_site

SITE = "quiet.example.net"
POST = {"site": SITE, "post_id": 77, "url": "https://quiet.example.net/a-quiet-post/",
        "title": "A quiet post"}


def flag(client, who, uid, reason="spam"):
    return client.post(f"/api/annotations/{uid}/flags", headers=who.headers,
                       json={"reason": reason})


def flagged(client, moderator) -> dict[str, list[str]]:
    items = client.get(f"/api/sites/{SITE}/moderation", headers=moderator.headers,
                       query_string={"queue": "flagged"}).get_json()["items"]
    return {a["id"]: [f["user"] for f in a["flags"]] for a in items}


def test_an_author_cannot_flag_their_own_note(client, app, create, alice, bob, make_user):
    mona = make_user("mona")
    register_site(app, moderation="post")
    mine = create(alice, post=POST, visibility="public", note="my own words")
    res = flag(client, alice, mine["id"])
    assert res.status_code == 400, res.get_json()
    assert res.get_json()["error"]["code"] == "own_annotation"
    assert flagged(client, mona) == {}
    # Anyone else still may.
    assert flag(client, bob, mine["id"]).status_code == 201
    assert flagged(client, mona) == {mine["id"]: ["bob"]}


def test_a_barred_reader_cannot_flag_on_the_site(client, app, create, alice, bob, make_user):
    mona = make_user("mona")
    register_site(app, moderation="post")
    made = create(alice, post=POST, visibility="public")
    assert client.put(f"/api/sites/{SITE}/bars/bob", headers=mona.headers,
                      json={"reason": "flooding"}).status_code == 200
    res = flag(client, bob, made["id"])
    assert res.status_code == 403, res.get_json()
    assert res.get_json()["error"]["code"] == "barred"
    assert flagged(client, mona) == {}
    # The bar lifted, the flag is taken.
    assert client.delete(f"/api/sites/{SITE}/bars/bob", headers=mona.headers).status_code == 204
    assert flag(client, bob, made["id"]).status_code == 201


def test_flags_are_held_to_the_site_s_hourly_limit(client, app, create, alice, bob, make_user):
    mona, nina, carol = make_user("mona"), make_user("nina"), make_user("carol")
    register_site(app, moderation="post", per_hour=2, moderators=("mona", "nina"))
    # Written by a moderator, whom the limit does not hold.
    notes = [create(mona, post=POST, visibility="public", note=f"note {i}") for i in range(3)]
    assert flag(client, bob, notes[0]["id"]).status_code == 201
    assert flag(client, bob, notes[1]["id"]).status_code == 201
    res = flag(client, bob, notes[2]["id"])
    assert res.status_code == 429, res.get_json()
    assert res.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(res.headers["Retry-After"]) <= 3600
    assert notes[2]["id"] not in flagged(client, mona)
    # Another reader's flags are theirs to count, and the moderators are not limited.
    assert flag(client, carol, notes[2]["id"]).status_code == 201
    assert flagged(client, mona)[notes[2]["id"]] == ["carol"]
    for note in notes:
        assert flag(client, nina, note["id"]).status_code == 201
