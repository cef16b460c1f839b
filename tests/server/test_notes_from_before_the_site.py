"""A public note written on a post before its site was registered is the site's to moderate
when its author rewords it: a barred author cannot reword it (`403 barred`), and under
pre-moderation the new words wait for approval, as for a note written since. Before, such notes
carried no site, so rewording them was a way around both. On SQLite and PostgreSQL."""

from __future__ import annotations

from test_moderation_visibility import register_site

SITE = "quiet.example.net"
POST = {"site": SITE, "post_id": 77, "url": "https://quiet.example.net/a-quiet-post/",
        "title": "A quiet post"}


def shown_to(client, reader) -> list[str]:
    res = client.get("/api/annotations", headers=reader.headers,
                     query_string={"site": SITE, "post_id": "77"})
    return [a["note"] for a in res.get_json()["items"]]


def test_a_barred_author_cannot_reword_a_note_older_than_the_site(client, app, create, alice,
                                                                  bob, make_user):
    mona = make_user("mona")
    old = create(alice, post=POST, visibility="public", note="Written early.")
    register_site(app, moderation="post")
    assert client.put(f"/api/sites/{SITE}/bars/alice", headers=mona.headers,
                      json={}).status_code == 200
    res = client.patch(f"/api/annotations/{old['id']}", headers=alice.headers,
                       json={"note": "Cheap pills at spam.example"})
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "barred"
    assert shown_to(client, bob) == ["Written early."]


def test_a_note_older_than_the_site_reworded_waits_for_approval(client, app, create, alice,
                                                                bob, make_user):
    mona = make_user("mona")
    old = create(alice, post=POST, visibility="public", note="Written early.")
    register_site(app, moderation="pre")
    res = client.patch(f"/api/annotations/{old['id']}", headers=alice.headers,
                       json={"note": "Cheap pills at spam.example"})
    assert res.status_code == 200 and res.get_json()["moderation"] == "pending"
    assert shown_to(client, bob) == []
    pending = client.get(f"/api/sites/{SITE}/moderation", headers=mona.headers,
                         query_string={"queue": "pending"}).get_json()["items"]
    assert [a["id"] for a in pending] == [old["id"]]
    assert client.post(f"/api/annotations/{old['id']}/moderation", headers=mona.headers,
                       json={"action": "approve"}).status_code == 200
    assert shown_to(client, bob) == ["Cheap pills at spam.example"]
