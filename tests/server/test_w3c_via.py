"""Protocol 6.1 `via`, and `Slug`: what a server that mints its own IRIs keeps of the client's.

An `id` the server does not keep is recorded as `via`, shown wherever the annotation is (GET,
containers, pages, exports) to those who may see it, and kept through a native export/import.
A `Slug` is used when it is free; when it is taken, by anyone, a fresh IRI is minted exactly as
when no Slug was sent.
"""

from __future__ import annotations

import json
import uuid

import pytest
from test_w3c_protocol import ALL, HOST, IRIS, doc, ld, path

from postil import db
from postil.models import Post

CLIENT_ID = "https://notes.example.net/anno/17"


def post(client, reader, **over):
    res = client.post(ALL, json=doc(**over), headers=ld(reader))
    assert res.status_code == 201, res.get_json()
    return res


def test_an_id_the_server_does_not_keep_becomes_via(client, alice):
    res = post(client, alice, id=CLIENT_ID)
    iri = res.headers["Location"]
    assert iri != CLIENT_ID
    assert res.get_json()["id"] == iri
    assert res.get_json()["via"] == CLIENT_ID
    assert client.get(path(iri), headers=alice.headers).get_json()["via"] == CLIENT_ID


def test_a_canonical_post_with_another_id_keeps_that_id_as_via(client, alice):
    canonical = uuid.uuid4()
    res = post(client, alice, id=CLIENT_ID, canonical=f"urn:uuid:{canonical}")
    assert res.headers["Location"] == f"{HOST}/w3c/annotations/{canonical}"
    assert res.get_json()["via"] == CLIENT_ID


def test_no_via_without_an_id_or_when_the_id_is_the_one_kept(client, alice):
    assert "via" not in post(client, alice).get_json()
    canonical = uuid.uuid4()
    kept = f"{HOST}/w3c/annotations/{canonical}"
    res = post(client, alice, id=kept, canonical=f"urn:uuid:{canonical}")
    assert res.headers["Location"] == kept
    assert "via" not in res.get_json()


def test_an_overlong_id_is_a_clear_400_and_nothing_is_stored(client, alice):
    res = client.post(ALL, json=doc(id="https://x.example/" + "a" * 3000), headers=ld(alice))
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == "id"
    assert client.get(ALL, headers=alice.headers).get_json()["total"] == 0


def test_via_survives_a_put(client, alice):
    res = post(client, alice, id=CLIENT_ID)
    iri = res.headers["Location"]
    put = client.put(path(iri), json=doc(id=iri, motivation="highlighting", body=[]),
                     headers=ld(alice, **{"If-Match": res.headers["ETag"]}))
    assert put.status_code == 200, put.get_json()
    assert "body" not in put.get_json()
    assert put.get_json()["via"] == CLIENT_ID


@pytest.mark.parametrize("visibility", ["private", "public"])
def test_via_is_shown_only_with_the_annotation(client, alice, bob, anon, visibility):
    iri = post(client, alice, id=CLIENT_ID, **{
        "https://postil.dev/ns#visibility": visibility}).headers["Location"]
    for reader in (alice, bob, anon):
        sees = reader is alice or visibility == "public"
        one = client.get(path(iri), headers=reader.headers)
        assert one.status_code == (200 if sees else 404), reader.name
        assert (one.get_json().get("via") == CLIENT_ID) == sees
        listed = client.get(ALL, headers=reader.headers).get_json()
        items = listed.get("first", {}).get("items", [])
        assert [i.get("via") for i in items] == ([CLIENT_ID] if sees else []), reader.name
        page = client.get(f"{ALL}?iris=0&page=0", headers=reader.headers)
        if sees:
            assert page.get_json()["items"][0]["via"] == CLIENT_ID
        else:
            assert CLIENT_ID not in page.get_data(as_text=True)
        iris = client.get(ALL, headers={**reader.headers, "Prefer": IRIS}).get_json()
        assert CLIENT_ID not in json.dumps(iris)  # IRIs only: `via` is in the description


def test_the_api_leaves_via_out(client, alice):
    iri = post(client, alice, id=CLIENT_ID).headers["Location"]
    native = client.get(f"/api/annotations/{iri.rsplit('/', 1)[1]}", headers=alice.headers)
    assert native.status_code == 200
    assert "via" not in native.get_json()


def test_native_export_and_import_keep_via(client, app, alice):
    post(client, alice, id=CLIENT_ID)
    post(client, alice)
    before = client.get("/api/export?format=json", headers=alice.headers).get_json()
    assert sorted(a.get("via", "") for a in before["annotations"]) == ["", CLIENT_ID]

    with app.app_context():
        db.database.connect(reuse_if_open=True)
        Post.delete().execute()  # a fresh server
        db.database.close()
    res = client.post("/api/import", json=before, headers=alice.headers)
    assert res.get_json() == {"format": "json", "created": 2, "unchanged": 0, "failed": []}
    after = client.get("/api/export?format=json", headers=alice.headers).get_json()
    assert [a.get("via") for a in after["annotations"]] == \
        [a.get("via") for a in before["annotations"]]
    ids = [a["id"] for a in after["annotations"] if a.get("via")]
    got = client.get(f"/w3c/annotations/{ids[0]}", headers=alice.headers).get_json()
    assert got["via"] == CLIENT_ID


def test_jsonld_export_carries_via_and_its_import_keeps_it(client, app, alice):
    post(client, alice, id=CLIENT_ID)
    exported = json.loads(client.get("/api/export?format=jsonld", headers=alice.headers).data)
    assert [i["via"] for i in exported["@included"][0]["items"]] == [CLIENT_ID]
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        Post.delete().execute()
        db.database.close()
    res = client.post("/api/import", json=exported, headers=alice.headers)
    assert res.get_json()["created"] == 1
    again = json.loads(client.get("/api/export?format=jsonld", headers=alice.headers).data)
    assert [i["via"] for i in again["@included"][0]["items"]] == [CLIENT_ID]


def test_an_import_with_a_via_that_is_not_a_string_is_refused_by_item(client, alice, create):
    made = create(alice)
    entry = {k: made[k] for k in ("id", "post", "quote", "selectors", "note", "color", "tags",
                                  "visibility")} | {"id": str(uuid.uuid4()), "via": 7}
    res = client.post("/api/import", json={"format": "postil-export", "annotations": [entry]},
                      headers=alice.headers)
    assert res.get_json()["created"] == 0
    assert "via" in res.get_json()["failed"][0]["error"]


# ---------------------------------------------------------------- Slug

def test_a_free_slug_is_used(client, alice):
    slug = str(uuid.uuid4())
    res = client.post(ALL, json=doc(), headers=ld(alice, Slug=slug))
    assert res.headers["Location"] == f"{HOST}/w3c/annotations/{slug}"


@pytest.mark.parametrize("visibility", ["private", "public"])
def test_a_slug_taken_for_the_client_gives_a_fresh_iri(client, alice, bob, anon, visibility):
    """Taken by an annotation the client sees (their own, or a shared one), the POST is
    answered as one without a Slug: the same status and headers, a fresh IRI. Taken only by
    someone else's private annotation, the Slug is free (tests/server/test_id_oracles.py)."""
    slug = str(uuid.uuid4())
    client.post(ALL, json=doc(**{"https://postil.dev/ns#visibility": visibility}),
                headers=ld(alice, Slug=slug))
    for reader in (alice, bob) if visibility == "public" else (alice,):
        taken = client.post(ALL, json=doc(), headers=ld(reader, Slug=slug))
        plain = client.post(ALL, json=doc(), headers=ld(reader))
        assert taken.status_code == plain.status_code == 201
        assert {k for k, _ in taken.headers} == {k for k, _ in plain.headers}
        assert slug not in taken.headers["Location"]
        assert "via" not in taken.get_json()
    anonymous = client.post(ALL, json=doc(), headers=ld(anon, Slug=slug))
    assert anonymous.status_code == 401


@pytest.mark.parametrize("owner", ["alice", "bob"])
def test_a_slug_taken_after_its_check_still_gives_a_fresh_iri(client, alice, bob, monkeypatch,
                                                              owner):
    """A concurrent create can take the Slug between the check and the write: the answer is
    still a new annotation at a fresh IRI, not a 409 or the other annotation."""
    from postil import store

    slug = str(uuid.uuid4())
    # Bob's is shared: a private one of his would not take the Slug for Alice at all.
    first = client.post(ALL, json=doc(**{"https://postil.dev/ns#visibility": "public"}),
                        headers=ld(alice if owner == "alice" else bob, Slug=slug))
    monkeypatch.setattr(store, "resolve", lambda viewer, uid: None)  # the check saw it free
    res = client.post(ALL, json=doc(id=CLIENT_ID), headers=ld(alice, Slug=slug))
    assert res.status_code == 201
    assert res.headers["Location"] not in (first.headers["Location"],)
    assert res.get_json()["via"] == CLIENT_ID
    assert client.get(path(first.headers["Location"]),
                      headers=(alice if owner == "alice" else bob).headers).status_code == 200
