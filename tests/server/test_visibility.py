"""Who sees what: private by default, public for anyone, and another user's private annotation
does not exist for you on any path (404, never a 403 that would confirm it)."""

from __future__ import annotations

import pytest

WORD = "zanzibarian"  # a word that appears only in the annotation under test
TAG = "only-here"
QUOTE = "a passage nobody else marked"
POST = {"site": "quiet.example.net", "post_id": 77,
        "url": "https://quiet.example.net/a-quiet-post/", "title": "A quiet post"}


def _query(client, reader, uid, _post_pk, **params) -> str:
    res = client.get("/api/annotations", query_string=params, headers=reader.headers)
    assert res.status_code == 200
    body = res.get_json()
    seen = uid in [a["id"] for a in body["items"]]
    # The total must tell no more than the items: this is the only annotation there is.
    assert body["total"] == (1 if seen else 0)
    return "seen" if seen else "hidden"


def _popular(client, reader, uid, post_pk) -> str:
    res = client.get(f"/api/posts/{post_pk}/popular", headers=reader.headers)
    if res.status_code != 200:
        return str(res.status_code)
    items = res.get_json()["items"]
    return "counted" if items == [{"quote": QUOTE, "count": 1}] else "not counted"


def _posts_list(client, reader, uid, post_pk) -> str:
    res = client.get("/api/posts", headers=reader.headers)
    body = res.get_json()
    match = [p for p in body["items"] if p["id"] == post_pk]
    assert body["total"] == len(match)
    return f"listed({match[0]['annotation_count']})" if match else "unlisted"


def _post_get(client, reader, uid, post_pk) -> str:
    res = client.get(f"/api/posts/{post_pk}", headers=reader.headers)
    if res.status_code != 200:
        return str(res.status_code)
    return f"200({res.get_json()['annotation_count']})"


def _tombstone(client, reader, uid, post_pk, owner) -> str:
    assert client.delete(f"/api/annotations/{uid}", headers=owner.headers).status_code == 204
    return _query(client, reader, uid, post_pk, include_deleted="1")


ENDPOINTS = {
    "read": lambda c, r, uid, pid, owner: str(
        c.get(f"/api/annotations/{uid}", headers=r.headers).status_code),
    "patch": lambda c, r, uid, pid, owner: str(
        c.patch(f"/api/annotations/{uid}", json={"note": "changed"},
                headers=r.headers).status_code),
    "delete": lambda c, r, uid, pid, owner: str(
        c.delete(f"/api/annotations/{uid}", headers=r.headers).status_code),
    "query": lambda c, r, uid, pid, owner: _query(c, r, uid, pid),
    "query user=": lambda c, r, uid, pid, owner: _query(c, r, uid, pid, user="alice"),
    "query q=": lambda c, r, uid, pid, owner: _query(c, r, uid, pid, q=WORD),
    "query tag=": lambda c, r, uid, pid, owner: _query(c, r, uid, pid, tag=TAG),
    "query post=": lambda c, r, uid, pid, owner: _query(c, r, uid, pid, site=POST["site"],
                                                       post_id=str(POST["post_id"])),
    "tombstone": lambda c, r, uid, pid, owner: _tombstone(c, r, uid, pid, owner),
    "popular": lambda c, r, uid, pid, owner: _popular(c, r, uid, pid),
    "posts list": lambda c, r, uid, pid, owner: _posts_list(c, r, uid, pid),
    "post get": lambda c, r, uid, pid, owner: _post_get(c, r, uid, pid),
}

# What each viewer gets, written out: (viewer, visibility) -> endpoint -> outcome.
# Writes are the owner's alone: a public annotation is 403 to others, and an anonymous writer
# is asked to sign in (401) before anything is looked up.
EXPECTED = {
    ("owner", "private"): {
        "read": "200", "patch": "200", "delete": "204", "query": "seen", "query user=": "seen",
        "query q=": "seen", "query tag=": "seen", "query post=": "seen", "tombstone": "seen",
        "popular": "not counted", "posts list": "listed(1)", "post get": "200(1)"},
    ("owner", "public"): {
        "read": "200", "patch": "200", "delete": "204", "query": "seen", "query user=": "seen",
        "query q=": "seen", "query tag=": "seen", "query post=": "seen", "tombstone": "seen",
        "popular": "counted", "posts list": "listed(1)", "post get": "200(1)"},
    ("other", "private"): {
        "read": "404", "patch": "404", "delete": "404", "query": "hidden",
        "query user=": "hidden", "query q=": "hidden", "query tag=": "hidden",
        "query post=": "hidden", "tombstone": "hidden",
        "popular": "404", "posts list": "unlisted", "post get": "404"},
    ("other", "public"): {
        "read": "200", "patch": "403", "delete": "403", "query": "seen", "query user=": "seen",
        "query q=": "seen", "query tag=": "seen", "query post=": "seen", "tombstone": "seen",
        "popular": "counted", "posts list": "listed(1)", "post get": "200(1)"},
    ("anonymous", "private"): {
        "read": "404", "patch": "401", "delete": "401", "query": "hidden",
        "query user=": "hidden", "query q=": "hidden", "query tag=": "hidden",
        "query post=": "hidden", "tombstone": "hidden",
        "popular": "404", "posts list": "unlisted", "post get": "404"},
    ("anonymous", "public"): {
        "read": "200", "patch": "401", "delete": "401", "query": "seen", "query user=": "seen",
        "query q=": "seen", "query tag=": "seen", "query post=": "seen", "tombstone": "seen",
        "popular": "counted", "posts list": "listed(1)", "post get": "200(1)"},
}

CASES = [(viewer, visibility, endpoint, outcome)
         for (viewer, visibility), row in EXPECTED.items()
         for endpoint, outcome in row.items()]


def test_the_table_covers_every_endpoint_for_every_viewer():
    for row in EXPECTED.values():
        assert set(row) == set(ENDPOINTS)


@pytest.mark.parametrize("viewer, visibility, endpoint, outcome", CASES,
                         ids=[f"{v}-{vis}-{e}" for v, vis, e, _ in CASES])
def test_visibility_matrix(client, alice, bob, anon, create, viewer, visibility, endpoint,
                           outcome):
    made = create(alice, post=POST, visibility=visibility, note=f"my {WORD} thought",
                  tags=[TAG], selectors=[{"type": "TextQuoteSelector", "exact": QUOTE}])
    reader = {"owner": alice, "other": bob, "anonymous": anon}[viewer]
    got = ENDPOINTS[endpoint](client, reader, made["id"], made["post"]["id"], alice)
    assert got == outcome

    # Whatever a non-owner tried, the owner's annotation is as it was.
    if viewer != "owner" and endpoint != "tombstone":
        after = client.get(f"/api/annotations/{made['id']}", headers=alice.headers)
        assert after.status_code == 200
        assert after.get_json()["note"] == made["note"]
        assert after.get_json()["version"] == 1


def test_a_404_for_a_hidden_annotation_looks_like_one_that_never_existed(client, alice, bob,
                                                                         create):
    made = create(alice)
    hidden = client.get(f"/api/annotations/{made['id']}", headers=bob.headers)
    missing = client.get("/api/annotations/00000000-0000-4000-8000-000000000000",
                         headers=bob.headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


def test_counts_include_only_what_the_reader_may_see(client, alice, bob, anon, create):
    create(alice, post=POST, visibility="private")
    create(alice, post=POST, visibility="private")
    made = create(bob, post=POST, visibility="public")
    create(bob, post=POST, visibility="private")
    post_pk = made["post"]["id"]
    expected = {"alice": 3, "bob": 2, "anonymous": 1}
    for reader in (alice, bob, anon):
        got = client.get(f"/api/posts/{post_pk}", headers=reader.headers).get_json()
        assert got["annotation_count"] == expected[reader.name], reader.name
        listed = client.get("/api/posts", headers=reader.headers).get_json()["items"]
        assert [p["annotation_count"] for p in listed] == [expected[reader.name]]
        total = client.get("/api/annotations?limit=0", headers=reader.headers).get_json()
        assert total["total"] == expected[reader.name]


def test_visibility_filter_cannot_reveal_others_private_ones(client, alice, bob, create):
    create(alice, visibility="private")
    res = client.get("/api/annotations?visibility=private&user=alice", headers=bob.headers)
    assert res.get_json() == {"total": 0, "items": [], "next_cursor": None}


def test_a_post_known_only_through_a_private_annotation_cannot_be_used_by_its_id(client, alice,
                                                                               bob, create):
    from conftest import annotation_body

    made = create(alice, post=POST, visibility="private")
    by_id = client.post("/api/annotations", json=annotation_body(post={"id": made["post"]["id"]}),
                        headers=bob.headers)
    no_such = client.post("/api/annotations", json=annotation_body(post={"id": 10**9}),
                          headers=bob.headers)
    assert by_id.status_code == no_such.status_code == 400
    assert POST["url"] not in by_id.get_data(as_text=True)
    assert by_id.get_json()["error"]["message"] == no_such.get_json()["error"]["message"]
    # The owner may, and so may anyone once the post is public knowledge.
    assert client.post("/api/annotations", json=annotation_body(post={"id": made["post"]["id"]}),
                       headers=alice.headers).status_code == 201


def test_making_an_annotation_private_again_hides_it(client, alice, bob, create):
    made = create(alice, visibility="public")
    assert client.get(f"/api/annotations/{made['id']}", headers=bob.headers).status_code == 200
    client.patch(f"/api/annotations/{made['id']}", json={"visibility": "private"},
                 headers=alice.headers)
    assert client.get(f"/api/annotations/{made['id']}", headers=bob.headers).status_code == 404
    assert client.get("/api/annotations", headers=bob.headers).get_json()["total"] == 0
