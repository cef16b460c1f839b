"""Moderation of public notes on a registered site's posts, on SQLite and PostgreSQL: pre-
moderation and approval, flags, hiding and unhiding (the live stream included), bars, the
hourly limit, the queue and the log; everyone but the site's moderators is refused and changes
nothing."""

from __future__ import annotations

import pytest
from test_moderation_visibility import register_site

from postil import db
from postil.models import User
from postil.store import changes

POST = {"site": "quiet.example.net", "post_id": 77,
        "url": "https://quiet.example.net/a-quiet-post/", "title": "A quiet post"}
OTHER_POST = {"site": "elsewhere.example.com", "post_id": 5}
SITE = "quiet.example.net"


@pytest.fixture
def mona(make_user):
    return make_user("mona")


@pytest.fixture
def pre(app, mona):
    register_site(app, moderation="pre")


@pytest.fixture
def post_moderated(app, mona):
    register_site(app, moderation="post")


def act(client, who, uid, action, reason=""):
    return client.post(f"/api/annotations/{uid}/moderation", headers=who.headers,
                       json={"action": action, "reason": reason})


def seen_by(client, reader, uid) -> bool:
    return client.get(f"/api/annotations/{uid}", headers=reader.headers).status_code == 200


def listed_for(client, reader) -> list[str]:
    res = client.get("/api/annotations", headers=reader.headers,
                     query_string={"site": SITE, "post_id": "77"})
    return [a["id"] for a in res.get_json()["items"]]


def queue(client, who, which):
    return client.get(f"/api/sites/{SITE}/moderation", headers=who.headers,
                      query_string={"queue": which})


def log_of(client, who):
    return client.get(f"/api/sites/{SITE}/moderation/log", headers=who.headers).get_json()["items"]


def test_a_pre_moderated_note_appears_for_others_only_after_approval(client, pre, create,
                                                                       alice, bob, mona, anon):
    made = create(alice, post=POST, visibility="public")
    assert (made["moderation"], made["hidden"]) == ("pending", True)
    assert not seen_by(client, bob, made["id"]) and not seen_by(client, anon, made["id"])
    assert listed_for(client, bob) == [] and listed_for(client, alice) == [made["id"]]
    assert [a["id"] for a in queue(client, mona, "pending").get_json()["items"]] == [made["id"]]

    # Nobody but the site's moderators approves; refused, nothing changes.
    assert act(client, bob, made["id"], "approve").status_code == 404
    assert act(client, alice, made["id"], "approve").get_json()["error"]["code"] == \
        "not_site_moderator"
    assert act(client, mona, made["id"], "publish").status_code == 400
    assert not seen_by(client, bob, made["id"])
    # Flagging one you cannot see is answered as for an id nobody holds.
    flagged = client.post(f"/api/annotations/{made['id']}/flags", headers=bob.headers,
                          json={"reason": "spam"})
    missing = client.post("/api/annotations/00000000-0000-4000-8000-000000000000/flags",
                          headers=bob.headers, json={"reason": "spam"})
    assert flagged.status_code == 404 and flagged.get_json() == missing.get_json()

    approved = act(client, mona, made["id"], "approve", "fine").get_json()
    assert "moderation" not in approved and approved["hidden"] is False
    assert listed_for(client, bob) == [made["id"]] and seen_by(client, anon, made["id"])
    assert queue(client, mona, "pending").get_json()["items"] == []
    assert act(client, mona, made["id"], "approve").status_code == 409
    entry = log_of(client, mona)[0]
    assert (entry["action"], entry["moderator"], entry["annotation"], entry["user"],
            entry["reason"]) == ("approve", "mona", made["id"], "alice", "fine")


def test_moderators_write_at_once_and_unregistered_sites_are_not_moderated(client, pre,
                                                                           create, mona, bob):
    assert "moderation" not in create(mona, post=POST, visibility="public")
    made = create(bob, post=OTHER_POST, visibility="public")
    assert "moderation" not in made
    assert client.post(f"/api/annotations/{made['id']}/flags", headers=mona.headers,
                       json={"reason": "spam"}).get_json()["error"]["code"] == "not_moderated"


def test_a_reply_under_a_pending_note_waits_with_it(client, pre, create, alice, bob, mona):
    made = create(alice, post=POST, visibility="public")
    reply = client.post("/api/annotations", headers=alice.headers, json={
        "id": "6f1e0c8e-1111-4a2b-9c3d-000000000001", "reply_to": made["id"],
        "note": "and more"}).get_json()
    assert reply["moderation"] == "pending" and not seen_by(client, bob, reply["id"])
    # Approving the reply alone would show it under a note others cannot see.
    assert act(client, mona, reply["id"], "approve").status_code == 409
    assert act(client, mona, made["id"], "approve").status_code == 200
    assert seen_by(client, bob, reply["id"])


def test_a_pending_note_stays_public_and_a_private_one_made_public_waits(client, pre, create,
                                                                         alice, bob):
    made = create(alice, post=POST, visibility="public")
    res = client.patch(f"/api/annotations/{made['id']}", headers=alice.headers,
                       json={"visibility": "private"})
    assert res.status_code == 409 and "approval" in res.get_json()["error"]["message"]
    assert client.patch(f"/api/annotations/{made['id']}", headers=alice.headers,
                        json={"note": "edited"}).status_code == 200
    private = create(alice, post=POST, visibility="private")
    moved = client.patch(f"/api/annotations/{private['id']}", headers=alice.headers,
                         json={"visibility": "public"}).get_json()
    assert moved["moderation"] == "pending" and not seen_by(client, bob, private["id"])


def test_flags_reach_the_queue_once_per_reader_and_reveal_nothing(client, post_moderated,
                                                                  create, alice, bob, mona,
                                                                  make_user, anon):
    carol = make_user("carol")
    made = create(alice, post=POST, visibility="public")
    assert "moderation" not in made
    url = f"/api/annotations/{made['id']}/flags"
    assert client.post(url, headers=anon.headers, json={"reason": "spam"}).status_code == 401
    for bad in ({"reason": "boring"}, {"reason": "other"}, {"reason": "spam", "x": 1},
                {"reason": "spam", "note": 5}, ["spam"]):
        res = client.post(url, headers=bob.headers, json=bad)
        assert res.status_code == 400, bad
    res = client.post(url, headers=bob.headers, json={"reason": "spam", "note": "an ad"})
    assert res.status_code == 201 and res.get_json()["reason"] == "spam"
    assert client.post(url, headers=bob.headers, json={"reason": "abuse"}).status_code == 409
    assert client.post(url, headers=carol.headers,
                       json={"reason": "other", "note": "rude"}).status_code == 201
    private = create(alice, post=POST, visibility="private")
    missing = client.post("/api/annotations/00000000-0000-4000-8000-000000000000/flags",
                          headers=bob.headers, json={"reason": "spam"})
    hidden = client.post(f"/api/annotations/{private['id']}/flags", headers=bob.headers,
                         json={"reason": "spam"})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()

    items = queue(client, mona, "flagged").get_json()["items"]
    assert [a["id"] for a in items] == [made["id"]]
    assert [(f["user"], f["reason"], f["note"]) for f in items[0]["flags"]] == [
        ("bob", "spam", "an ad"), ("carol", "other", "rude")]
    assert [a["id"] for a in queue(client, mona, "recent").get_json()["items"]] == [made["id"]]
    # The queue is the site's moderators' alone.
    assert queue(client, bob, "flagged").status_code == 403
    assert queue(client, anon, "flagged").status_code == 401
    assert queue(client, mona, "everything").status_code == 400
    assert client.get("/api/sites/nowhere.example/moderation",
                      headers=mona.headers).status_code == 404
    assert client.get(f"/api/sites/{SITE}/moderation/log",
                      headers=bob.headers).status_code == 403


def test_hiding_removes_a_note_from_others_streams_and_unhiding_brings_it_back(
        app, client, post_moderated, create, alice, bob, mona):
    made = create(alice, post=POST, visibility="public")

    def events_for(name, after):
        with app.app_context():
            db.database.connect(reuse_if_open=True)
            viewer = User.get(User.name == name)
            events, reached, _ = changes.Reader(viewer).read(after)
            db.database.close()
        return [(e.kind, e.uid or (e.annotation.uid if e.annotation else None))
                for e in events], reached

    _, start = events_for("bob", 0)
    hidden = act(client, mona, made["id"], "hide", "spam").get_json()
    assert hidden["moderation"] == "hidden"
    assert not seen_by(client, bob, made["id"]) and listed_for(client, bob) == []
    mine = client.get(f"/api/annotations/{made['id']}", headers=alice.headers).get_json()
    assert mine["moderation"] == "hidden"  # its author still sees it, marked
    got, after_hide = events_for("bob", start)
    assert got == [("removed", made["id"])]
    assert [k for k, _ in events_for("alice", start)[0]] == ["annotation"]
    assert act(client, mona, made["id"], "hide").status_code == 409
    # The author cannot undo the hiding by moving it away and back.
    assert client.patch(f"/api/annotations/{made['id']}", headers=alice.headers,
                        json={"visibility": "private"}).status_code == 409

    assert act(client, mona, made["id"], "unhide", "on reflection").status_code == 200
    assert seen_by(client, bob, made["id"])
    got, _ = events_for("bob", after_hide)
    assert got == [("annotation", made["id"])]
    assert [e["action"] for e in log_of(client, mona)] == ["unhide", "hide"]


def test_a_barred_user_writes_no_new_public_notes_on_the_site(client, post_moderated, create,
                                                              alice, bob, mona):
    before = create(bob, post=POST, visibility="public")
    url = f"/api/sites/{SITE}/bars/bob"
    assert client.put(url, headers=alice.headers, json={}).status_code == 403
    assert client.put(f"/api/sites/{SITE}/bars/nobody", headers=mona.headers,
                      json={}).status_code == 404
    assert client.put(f"/api/sites/{SITE}/bars/mona", headers=mona.headers,
                      json={}).status_code == 409
    assert client.put(url, headers=mona.headers, json={"reason": "ads"}).status_code == 200
    assert [b["user"] for b in client.get(f"/api/sites/{SITE}/bars",
                                          headers=mona.headers).get_json()["items"]] == ["bob"]
    from conftest import annotation_body

    res = client.post("/api/annotations", headers=bob.headers,
                      json=annotation_body(post=POST, visibility="public"))
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "barred"
    private = create(bob, post=POST, visibility="private")
    assert client.patch(f"/api/annotations/{private['id']}", headers=bob.headers,
                        json={"visibility": "public"}).status_code == 403
    create(bob, post=OTHER_POST, visibility="public")  # another site's posts: as ever
    assert seen_by(client, alice, before["id"])  # what he wrote before stays
    assert client.delete(url, headers=mona.headers, json={}).status_code == 204
    create(bob, post=POST, visibility="public")
    assert [e["action"] for e in log_of(client, mona)] == ["unbar", "bar"]


def test_the_hourly_limit_answers_429_with_retry_after(app, client, create, alice, bob, mona):
    register_site(app, per_hour=2, moderation="post")
    from conftest import annotation_body

    for _ in range(2):
        create(alice, post=POST, visibility="public")
    res = client.post("/api/annotations", headers=alice.headers,
                      json=annotation_body(post=POST, visibility="public"))
    assert res.status_code == 429
    assert res.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(res.headers["Retry-After"]) <= 3600
    create(alice, post=POST, visibility="private")  # private notes are not limited
    create(alice, post=OTHER_POST, visibility="public")  # nor other sites' posts
    create(bob, post=POST, visibility="public")  # and each reader has their own hour
    for _ in range(3):
        create(mona, post=POST, visibility="public")  # nor the site's moderators


def test_an_unregistered_sites_withheld_notes_stay_withheld(app, client, pre, create, alice,
                                                            bob, mona):
    made = create(alice, post=POST, visibility="public")
    assert seen_by(client, mona, made["id"])
    with app.app_context():
        from postil.store import sites

        db.database.connect(reuse_if_open=True)
        sites.remove_site(sites.SHELL, SITE)
        db.database.close()
    register_site(app, key="another.example.org", moderators=("mona",))
    assert not seen_by(client, bob, made["id"]) and not seen_by(client, mona, made["id"])
    assert seen_by(client, alice, made["id"])


def test_a_pending_note_moves_no_time_of_its_post_for_others(client, pre, create, alice, bob,
                                                             mona):
    shown = create(mona, post=POST, visibility="public")
    post_pk = shown["post"]["id"]
    before = client.get(f"/api/posts/{post_pk}", headers=bob.headers).get_json()
    made = create(alice, post={**POST, "title": "Renamed since"}, visibility="public",
                  note="waiting")
    after = client.get(f"/api/posts/{post_pk}", headers=bob.headers).get_json()
    assert after == before
    assert act(client, mona, made["id"], "approve").status_code == 200
    assert client.get(f"/api/posts/{post_pk}",
                      headers=bob.headers).get_json()["annotation_count"] == 2


def test_a_deleted_account_is_no_longer_named_in_the_log(client, post_moderated, create,
                                                         alice, bob, mona):
    made = create(bob, post=POST, visibility="public")
    assert client.post(f"/api/annotations/{made['id']}/flags", headers=alice.headers,
                       json={"reason": "spam"}).status_code == 201
    assert act(client, mona, made["id"], "hide", "spam").status_code == 200
    assert client.put(f"/api/sites/{SITE}/bars/bob", headers=mona.headers,
                      json={}).status_code == 200
    for reader in (alice, bob):
        res = client.delete("/api/me", headers=reader.headers,
                            json={"password": "correct horse", "public_annotations": "delete"})
        assert res.status_code in (200, 204), res.get_json()
    assert [(e["action"], e["moderator"], e["user"]) for e in log_of(client, mona)] == [
        ("bar", "mona", None), ("hide", "mona", None)]
    assert client.get(f"/api/sites/{SITE}/bars", headers=mona.headers).get_json()["items"] == []
