"""A post's fields never tell a reader about annotations they cannot see (issue 12, point 6).

`PUT /api/posts` answers alike for a post nobody named and one only other readers' private
annotations named (status, `created`, times, id, fields); a post's `created`, `updated` and
`modified_gmt` come only from what the viewer may see. Viewers: the private annotation's
owner, another user, and an anonymous reader.
"""

from __future__ import annotations

import copy
import time

from test_posts import FIXTURE, SUBSITE

WP_KEY = {"site": SUBSITE, "post_id": 1334}
PRIVATE_MODIFIED = "2026-09-09T09:09:09"
FRESH = copy.deepcopy(FIXTURE) | {"id": 1335, "_links": {"self": [{
    "href": "https://d3.harvard.edu/future-proof-with-ai/wp-json/wp/v2/posts/1335"}]}}


def later() -> None:
    """Let the clock pass a millisecond, the resolution of the times the API shows."""
    time.sleep(0.005)


def post_as(client, reader, post_pk):
    res = client.get(f"/api/posts/{post_pk}", headers=reader.headers)
    return res.get_json() if res.status_code == 200 else res.status_code


def answer(res) -> dict:
    """What an editor observes of a PUT, with the values that differ between any two PUTs
    (the times and the id) replaced by whether they say "new"."""
    body = res.get_json()
    return {"status": res.status_code, "keys": sorted(body),
            "headers": sorted({k for k, _ in res.headers}),
            "fields": {k: v for k, v in body.items()
                       if k not in ("id", "created", "updated", "post_id", "url", "title")}}


def test_registering_a_post_only_private_annotations_named_answers_as_a_new_one(
        client, alice, bob, anon, create):
    # One post only Alice's private annotation named (with a modified_gmt of its page).
    made = create(alice, post=WP_KEY | {"modified_gmt": PRIVATE_MODIFIED})
    hidden_pk = made["post"]["id"]
    newest_before = create(alice, post={"site": "other.example", "post_id": 1})["post"]["id"]
    later()
    started = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 1))

    existing = client.put("/api/posts", json=FIXTURE, headers=bob.headers)
    fresh = client.put("/api/posts", json=FRESH, headers=bob.headers)

    assert answer(existing) == answer(fresh)
    assert existing.status_code == 201
    body = existing.get_json()
    assert body["created"] == body["updated"] >= started
    assert body["created"] > made["created"]
    assert body["id"] > newest_before  # numbered as a new post, not as the one Alice's made
    assert body["modified_gmt"] == FIXTURE["modified_gmt"] != PRIVATE_MODIFIED
    assert body["annotation_count"] == 0

    # Registered, it is listed to everyone (the editor asked for it), with WordPress's fields;
    # Alice's annotation moved with it and is still hers alone.
    for reader in (alice, bob, anon):
        listed = client.get("/api/posts", headers=reader.headers).get_json()["items"]
        assert body["id"] in [p["id"] for p in listed]
    assert post_as(client, alice, body["id"])["annotation_count"] == 1
    assert post_as(client, bob, body["id"])["annotation_count"] == 0
    assert post_as(client, alice, body["id"])["modified_gmt"] == PRIVATE_MODIFIED
    assert post_as(client, alice, hidden_pk) == 404
    mine = client.get(f"/api/annotations/{made['id']}", headers=alice.headers).get_json()
    assert mine["post"]["id"] == body["id"]

    # The same PUT again is an update of what the editor knows.
    again = client.put("/api/posts", json=FIXTURE, headers=bob.headers)
    assert again.status_code == 200
    assert again.get_json()["created"] == body["created"]


def test_registering_a_post_the_editor_knows_keeps_its_number(client, alice, create):
    made = create(alice, post=WP_KEY)
    res = client.put("/api/posts", json=FIXTURE, headers=alice.headers)
    assert res.status_code == 200
    assert res.get_json()["id"] == made["post"]["id"]


def test_a_posts_times_and_modified_gmt_come_only_from_what_the_viewer_sees(
        client, alice, bob, make_user, anon, create):
    carol = make_user("carol")
    key = {"site": "blog.example.org", "post_id": 5}
    first = create(alice, post=key | {"modified_gmt": "2026-01-01T00:00:00"})
    post_pk = first["post"]["id"]
    later()
    # The owner, alone on it: the post is dated by her own annotations, her modified_gmt.
    own = post_as(client, alice, post_pk)
    assert (own["created"], own["modified_gmt"]) == (first["created"], "2026-01-01T00:00:00")
    assert post_as(client, bob, post_pk) == post_as(client, anon, post_pk) == 404

    shared = create(bob, post=key, visibility="public")
    later()
    seen = {name: post_as(client, reader, post_pk)
            for name, reader in (("alice", alice), ("bob", bob), ("anon", anon))}
    for name, post in seen.items():
        # Everyone: the post is as old as it has been everyone's, never Alice's first note.
        assert post["created"] > first["created"], name
        assert post["created"] <= shared["created"], name
    assert seen["bob"]["modified_gmt"] is seen["anon"]["modified_gmt"] is None
    assert seen["alice"]["modified_gmt"] == "2026-01-01T00:00:00"

    # Another reader's private annotation changes nothing anyone else is shown.
    create(carol, post=key | {"modified_gmt": "2026-03-03T00:00:00",
                              "url": "https://blog.example.org/?p=5&preview=true",
                              "title": "Carol's draft"})
    for name, reader in (("bob", bob), ("anon", anon)):
        assert post_as(client, reader, post_pk) == seen[name], name
    after = post_as(client, alice, post_pk)
    assert after["modified_gmt"] != "2026-03-03T00:00:00"
    assert after["updated"] == seen["alice"]["updated"]
    assert post_as(client, carol, post_pk)["modified_gmt"] == "2026-03-03T00:00:00"


def test_a_post_becomes_everyones_when_an_annotation_on_it_is_made_public(
        client, alice, bob, anon, create):
    made = create(alice, post={"site": "blog.example.org", "post_id": 6,
                               "modified_gmt": "2026-02-02T00:00:00"})
    later()
    res = client.patch(f"/api/annotations/{made['id']}", json={"visibility": "public"},
                       headers=alice.headers)
    assert res.status_code == 200
    for reader in (bob, anon):
        post = post_as(client, reader, made["post"]["id"])
        assert post["created"] == post["updated"] == res.get_json()["updated"]
        assert post["modified_gmt"] is None  # the page's, given privately, stays hers
