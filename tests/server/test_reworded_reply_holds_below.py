"""Under pre-moderation a reply whose author rewords it waits for approval again, and so does
what answers it below: a reply left shown under a withheld one would show others a thread with
a hole, and the withheld words quoted in the answer (as approving a reply under a withheld one
is refused). On SQLite and PostgreSQL."""

from __future__ import annotations

from test_moderation_visibility import register_site

SITE = "quiet.example.net"
POST = {"site": SITE, "post_id": 77, "url": "https://quiet.example.net/a-quiet-post/",
        "title": "A quiet post"}


def approve(client, mona, uid):
    res = client.post(f"/api/annotations/{uid}/moderation", headers=mona.headers,
                      json={"action": "approve"})
    assert res.status_code == 200, res.get_json()


def reply(client, who, parent, note):
    res = client.post("/api/annotations", headers=who.headers,
                      json={"reply_to": parent, "note": note})
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def thread_for(client, reader, uid) -> list[str]:
    res = client.get(f"/api/annotations/{uid}/replies", headers=reader.headers)
    return [r["note"] for r in res.get_json()["items"]]


def test_a_reworded_reply_holds_the_replies_below_it(client, app, create, alice, bob, anon,
                                                     make_user):
    mona, carol = make_user("mona"), make_user("carol")
    register_site(app, moderation="pre")
    first = create(alice, post=POST, visibility="public", note="A point.")
    approve(client, mona, first["id"])
    middle = reply(client, bob, first["id"], "I agree.")
    approve(client, mona, middle)
    below = reply(client, carol, middle, "So do I, with bob.")
    approve(client, mona, below)
    assert thread_for(client, anon, first["id"]) == ["I agree.", "So do I, with bob."]

    res = client.patch(f"/api/annotations/{middle}", headers=bob.headers,
                       json={"note": "Buy cheap pills."})
    assert res.status_code == 200 and res.get_json()["moderation"] == "pending"
    for reader in (anon, alice):
        assert thread_for(client, reader, first["id"]) == [], reader
        assert client.get(f"/api/annotations/{below}",
                          headers=reader.headers).status_code == 404
    # Its author still sees it, marked; approving the reworded reply shows both again.
    held = client.get(f"/api/annotations/{below}", headers=carol.headers).get_json()
    assert held["moderation"] == "pending"
    approve(client, mona, middle)
    assert thread_for(client, anon, first["id"]) == ["Buy cheap pills.", "So do I, with bob."]
