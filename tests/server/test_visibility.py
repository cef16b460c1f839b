"""Who sees what: private by default, a group's members for a group annotation, public for
anyone; an annotation you may not see does not exist for you on any path (404, never a 403 that
would confirm it), and leaving a group takes its annotations out of sight at once."""

from __future__ import annotations

import io
import zipfile
from functools import partial

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


def _export(client, reader, uid, post_pk, fmt) -> str:
    """Export alice's annotations in `fmt` as the reader; say whether the annotation is in it."""
    res = client.get(f"/api/export?format={fmt}&user=alice", headers=reader.headers)
    assert res.status_code == 200, res.get_data(as_text=True)
    return "seen" if WORD in _text_of(res) else "hidden"


def _text_of(res) -> str:
    if res.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(res.get_data())) as archive:
            return " ".join(archive.read(n).decode("utf-8", "replace")
                            for n in archive.namelist())
    return res.get_data(as_text=True)


def _account_export(client, reader, uid, post_pk) -> str:
    res = client.get("/api/me/export", headers=reader.headers)
    if res.status_code != 200:
        return str(res.status_code)
    return "seen" if WORD in _text_of(res) else "hidden"


def _w3c_container(client, reader, path) -> str:
    res = client.get(path, headers=reader.headers)
    if res.status_code != 200:
        return str(res.status_code)
    body = res.get_json()
    seen = WORD in res.get_data(as_text=True)
    assert body["total"] == (1 if seen else 0)  # the total tells no more than the items
    return "seen" if seen else "hidden"


def _export_as(fmt, client, reader, uid, post_pk, owner) -> str:
    return _export(client, reader, uid, post_pk, fmt)


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
    "query group=": lambda c, r, uid, pid, owner: _query(c, r, uid, pid, group=owner.gid),
    "tombstone": lambda c, r, uid, pid, owner: _tombstone(c, r, uid, pid, owner),
    "popular": lambda c, r, uid, pid, owner: _popular(c, r, uid, pid),
    "posts list": lambda c, r, uid, pid, owner: _posts_list(c, r, uid, pid),
    "post get": lambda c, r, uid, pid, owner: _post_get(c, r, uid, pid),
    **{f"export {fmt}": partial(_export_as, fmt)
       for fmt in ("json", "jsonld", "markdown", "csv", "html", "zip")},
    "account export": lambda c, r, uid, pid, owner: _account_export(c, r, uid, pid),
    "w3c read": lambda c, r, uid, pid, owner: str(
        c.get(f"/w3c/annotations/{uid}", headers=r.headers).status_code),
    "w3c all": lambda c, r, uid, pid, owner: _w3c_container(c, r, "/w3c/annotations/"),
    "w3c post": lambda c, r, uid, pid, owner: _w3c_container(c, r, f"/w3c/posts/{pid}/"),
}

SEEN_EVERYWHERE = {
    "read": "200", "query": "seen", "query user=": "seen", "query q=": "seen",
    "query tag=": "seen", "query post=": "seen", "tombstone": "seen",
    "posts list": "listed(1)", "post get": "200(1)",
    "export json": "seen", "export jsonld": "seen", "export markdown": "seen",
    "export csv": "seen", "export html": "seen", "export zip": "seen",
    "w3c read": "200", "w3c all": "seen", "w3c post": "seen"}
SEEN_NOWHERE = {
    "read": "404", "patch": "404", "delete": "404", "query": "hidden",
    "query user=": "hidden", "query q=": "hidden", "query tag=": "hidden",
    "query post=": "hidden", "query group=": "hidden", "tombstone": "hidden",
    "popular": "404", "posts list": "unlisted", "post get": "404",
    "export json": "hidden", "export jsonld": "hidden", "export markdown": "hidden",
    "export csv": "hidden", "export html": "hidden", "export zip": "hidden",
    "account export": "hidden", "w3c read": "404", "w3c all": "hidden", "w3c post": "404"}
OWNER_WRITES = {"patch": "200", "delete": "204", "account export": "seen"}
# Another signed-in reader who may see it may not change it (403) and never has it in their
# own account's export; an anonymous writer is asked to sign in (401) before any lookup.
READER_WRITES = {"patch": "403", "delete": "403", "account export": "hidden"}
ANONYMOUS_WRITES = {"patch": "401", "delete": "401", "account export": "401"}

# What each viewer gets: (viewer, visibility) -> endpoint -> outcome. Viewers: the author
# ("owner", who also owns the group), a member of the group, a former member (joined, then
# left), another reader who was never in it, and nobody signed in. Popular passages count
# public annotations alone, for everyone; `group=` names the group alice made.
EXPECTED = {
    ("owner", "private"): {**SEEN_EVERYWHERE, **OWNER_WRITES, "popular": "not counted",
                           "query group=": "hidden"},
    ("owner", "group"): {**SEEN_EVERYWHERE, **OWNER_WRITES, "popular": "not counted",
                         "query group=": "seen"},
    ("owner", "public"): {**SEEN_EVERYWHERE, **OWNER_WRITES, "popular": "counted",
                          "query group=": "hidden"},
    ("member", "private"): SEEN_NOWHERE,
    ("member", "group"): {**SEEN_EVERYWHERE, **READER_WRITES, "popular": "not counted",
                          "query group=": "seen"},
    ("member", "public"): {**SEEN_EVERYWHERE, **READER_WRITES, "popular": "counted",
                           "query group=": "hidden"},
    ("former member", "private"): SEEN_NOWHERE,
    ("former member", "group"): SEEN_NOWHERE,
    ("former member", "public"): {**SEEN_EVERYWHERE, **READER_WRITES, "popular": "counted",
                                  "query group=": "hidden"},
    ("other", "private"): SEEN_NOWHERE,
    ("other", "group"): SEEN_NOWHERE,
    ("other", "public"): {**SEEN_EVERYWHERE, **READER_WRITES, "popular": "counted",
                          "query group=": "hidden"},
    ("anonymous", "private"): {**SEEN_NOWHERE, **ANONYMOUS_WRITES},
    ("anonymous", "group"): {**SEEN_NOWHERE, **ANONYMOUS_WRITES},
    ("anonymous", "public"): {**SEEN_EVERYWHERE, **ANONYMOUS_WRITES, "popular": "counted",
                              "query group=": "hidden"},
    # In the group, hidden by its owner (who wrote it): only its author and the group's
    # moderators see it; to a member it does not exist.
    ("owner", "group, hidden"): {**SEEN_EVERYWHERE, **OWNER_WRITES, "popular": "not counted",
                                 "query group=": "seen"},
    ("member", "group, hidden"): SEEN_NOWHERE,
    ("former member", "group, hidden"): SEEN_NOWHERE,
    ("other", "group, hidden"): SEEN_NOWHERE,
    ("anonymous", "group, hidden"): {**SEEN_NOWHERE, **ANONYMOUS_WRITES},
}

# Endpoints that change or delete the annotation get one of their own each; the rest of a
# viewer's row is asked of one annotation in one test (a cell per test cost CI a minute).
WRITES = ("patch", "delete", "tombstone")
ROWS = list(EXPECTED)
WRITE_CASES = [(viewer, visibility, endpoint, row[endpoint])
               for (viewer, visibility), row in EXPECTED.items() for endpoint in WRITES]


def outcomes(client, readers, viewer, made, owner, endpoints) -> dict[str, str]:
    """What `viewer` gets from each of `endpoints` for the annotation `made`; after each, the
    owner's annotation must be as it was (whatever a non-owner tried)."""
    got = {}
    for endpoint in endpoints:
        got[endpoint] = ENDPOINTS[endpoint](client, readers[viewer], made["id"],
                                            made["post"]["id"], owner)
        if viewer != "owner" and endpoint != "tombstone":
            after = client.get(f"/api/annotations/{made['id']}", headers=owner.headers)
            assert after.status_code == 200, endpoint
            assert after.get_json()["note"] == made["note"], endpoint
            assert after.get_json()["version"] == made["version"], endpoint
    return got


def test_the_table_covers_every_endpoint_for_every_viewer():
    for row in EXPECTED.values():
        assert set(row) == set(ENDPOINTS)


@pytest.fixture
def readers(client, alice, bob, make_user, anon):
    """alice's group with bob in it, carol who joined and left, and dave who never joined."""
    carol, dave = make_user("carol"), make_user("dave")
    gid = client.post("/api/groups", json={"name": "Close readers"},
                      headers=alice.headers).get_json()["id"]
    token = client.post(f"/api/groups/{gid}/invites", json={},
                        headers=alice.headers).get_json()["token"]
    for reader in (bob, carol):
        assert client.post(f"/api/invites/{token}/accept",
                           headers=reader.headers).status_code == 200
    assert client.delete(f"/api/groups/{gid}/members/carol",
                         headers=carol.headers).status_code == 204
    alice.gid = gid
    return {"owner": alice, "member": bob, "former member": carol, "other": dave,
            "anonymous": anon}


def annotate(client, readers, create, visibility: str) -> dict:
    """alice's annotation under test, of `visibility` ("group, hidden": in her group, hidden)."""
    alice = readers["owner"]
    hidden = visibility == "group, hidden"
    visibility = "group" if hidden else visibility
    group = {"group": alice.gid} if visibility == "group" else {}
    made = create(alice, post=POST, visibility=visibility, note=f"my {WORD} thought",
                  tags=[TAG], selectors=[{"type": "TextQuoteSelector", "exact": QUOTE}],
                  **group)
    if hidden:
        made = client.put(f"/api/annotations/{made['id']}/hidden",
                          headers=alice.headers).get_json()
    return made


@pytest.mark.parametrize("viewer, visibility", ROWS, ids=[f"{v}-{vis}" for v, vis in ROWS])
def test_visibility_matrix_reads(client, readers, create, viewer, visibility):
    made = annotate(client, readers, create, visibility)
    expected = {e: o for e, o in EXPECTED[(viewer, visibility)].items() if e not in WRITES}
    assert outcomes(client, readers, viewer, made, readers["owner"], expected) == expected


@pytest.mark.parametrize("viewer, visibility, endpoint, outcome", WRITE_CASES,
                         ids=[f"{v}-{vis}-{e}" for v, vis, e, _ in WRITE_CASES])
def test_visibility_matrix_writes(client, readers, create, viewer, visibility, endpoint,
                                  outcome):
    made = annotate(client, readers, create, visibility)
    assert outcomes(client, readers, viewer, made, readers["owner"], [endpoint]) == {
        endpoint: outcome}


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
