"""Ways around the hourly limit, pre-moderation, bars and the "does not exist for you" rule that
a hostile reader tried (a review of publisher mode found each open): a W3C create with a client
id and an import are held to the limit; an approved note reworded under pre-moderation waits
again; a barred author cannot reword a shown note; a withheld note's id is free for others."""

from __future__ import annotations

import uuid

from test_import import import_, native
from test_moderation_visibility import register_site
from test_w3c_protocol import ALL, NS, doc, ld

from conftest import annotation_body

SITE = "quiet.example.net"
POST = {"site": SITE, "post_id": 77, "url": "https://quiet.example.net/a-quiet-post/",
        "title": "A quiet post"}


def shown_to(client, reader) -> list[str]:
    res = client.get("/api/annotations", headers=reader.headers,
                     query_string={"site": SITE, "post_id": "77"})
    return [a["note"] for a in res.get_json()["items"]]


def w3c_public(note: str, **over) -> dict:
    data = doc(**over)
    data["body"] = [{"type": "TextualBody", "value": note, "format": "text/markdown"}]
    data["target"]["source"] = POST["url"]
    data["target"][NS + "post"] = {NS + "site": SITE, NS + "postId": 77}
    data[NS + "visibility"] = "public"
    return data


def test_a_w3c_post_with_a_client_id_is_held_to_the_hourly_limit(client, app, alice, anon,
                                                                  make_user):
    make_user("mona")
    register_site(app, moderation="post", per_hour=2)
    # An `id` the server does not keep is recorded as `via`; the create must still be limited.
    made = [client.post(ALL, json=w3c_public(f"spam {n}", id=f"https://spam.example/a/{n}"),
                        headers=ld(alice)).status_code for n in range(4)]
    assert made == [201, 201, 429, 429]
    assert len(shown_to(client, anon)) == 2


def test_an_import_of_public_notes_is_held_to_the_hourly_limit(client, app, alice, anon,
                                                               make_user):
    make_user("mona")
    register_site(app, moderation="post", per_hour=2)
    items = [{"id": str(uuid.uuid4()), "post": POST, "visibility": "public",
              "note": f"spam {n}", "selectors": [{"type": "TextQuoteSelector", "exact": "x"}]}
             for n in range(5)]
    res = import_(client, alice, native(*items))
    assert res.status_code in (200, 429)
    # Under post-moderation whatever is imported is shown at once: one import must not put
    # more public notes on the site's posts than the site takes from a reader in an hour.
    assert len(shown_to(client, anon)) <= 2


def test_an_approved_note_edited_waits_for_approval_again(client, app, alice, bob, make_user,
                                                          create):
    mona = make_user("mona")
    register_site(app, moderation="pre")
    made = create(alice, post=POST, visibility="public", note="A fair point.")
    assert client.post(f"/api/annotations/{made['id']}/moderation", headers=mona.headers,
                       json={"action": "approve"}).status_code == 200
    assert shown_to(client, bob) == ["A fair point."]
    res = client.patch(f"/api/annotations/{made['id']}", headers=alice.headers,
                       json={"note": "Cheap pills at spam.example"})
    assert res.status_code == 200
    # Under pre-moderation nothing a moderator has not read may be shown to others.
    assert "Cheap pills at spam.example" not in shown_to(client, bob)


def test_a_barred_user_cannot_rewrite_a_shown_public_note(client, app, alice, bob, make_user,
                                                          create):
    mona = make_user("mona")
    register_site(app, moderation="post")
    made = create(alice, post=POST, visibility="public", note="A fair point.")
    assert client.put(f"/api/sites/{SITE}/bars/alice", headers=mona.headers,
                      json={"reason": "abuse"}).status_code == 200
    res = client.patch(f"/api/annotations/{made['id']}", headers=alice.headers,
                       json={"note": "abuse the moderators never read"})
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "barred"
    assert shown_to(client, bob) == ["A fair point."]


def test_a_pending_notes_id_is_as_free_for_others_as_an_unknown_id(client, app, alice, bob,
                                                                   make_user, create):
    make_user("mona")
    register_site(app, moderation="pre")
    pending = create(alice, post=POST, visibility="public")
    assert pending["moderation"] == "pending"
    unknown = client.post("/api/annotations", headers=bob.headers, json=annotation_body(
        post=POST, visibility="private"))
    taken = client.post("/api/annotations", headers=bob.headers, json=annotation_body(
        id=pending["id"], post=POST, visibility="private"))
    # A 409 here tells bob that a withheld note with this id exists.
    assert (taken.status_code, unknown.status_code) == (201, 201)
