"""No existence oracles through annotation ids: another reader's private annotation takes no id.

Ids are unique per author and among shared annotations (docs/api.md, "Annotation ids"). The
matrix: what Bob holds the id through (nothing, his own, Alice's public, Alice's private, Alice's
deleted private) × how he creates with it (native create, W3C create with `canonical`, W3C
`Slug`, import). For "Alice's private" and "Alice's deleted private" every answer must be the
one a free id gets (status, headers, body shape, the id itself), and afterwards each of them
sees their own under that id.
"""

from __future__ import annotations

import uuid

import pytest
from test_import import import_, native
from test_w3c_protocol import ALL, NS, doc, ld, path

from conftest import annotation_body

API = "/api/annotations"
# Bob's creates name another post than Alice's annotation: a post's row id is not at stake here.
BOBS_POST = {"site": "bob.example", "post_id": 7, "url": "https://bob.example/?p=7"}
HOLDERS = ["free", "own", "others_public", "others_private", "others_deleted_private"]
CHANNELS = ["native", "w3c_canonical", "w3c_slug", "import"]


def hold(client, alice, bob, holder: str) -> str:
    """Make the id `holder` says exist; return it."""
    uid = str(uuid.uuid4())
    owner = bob if holder == "own" else alice
    visibility = "public" if holder == "others_public" else "private"
    if holder != "free":
        res = client.post(API, json=annotation_body(id=uid, visibility=visibility,
                                                    note="the holder's"),
                          headers=owner.headers)
        assert res.status_code == 201
    if holder == "others_deleted_private":
        assert client.delete(f"{API}/{uid}", headers=alice.headers).status_code == 204
    return uid


def create_with(client, bob, channel: str, uid: str) -> dict:
    """Create as Bob through `channel` with `uid`; return what he can observe of the answer."""
    if channel == "native":
        res = client.post(API, json=annotation_body(id=uid, post=BOBS_POST, note="bob's"),
                          headers=bob.headers)
        body = res.get_json()
        named = body.get("id") if res.status_code < 300 else None
    elif channel in ("w3c_canonical", "w3c_slug"):
        extra = {"canonical": f"urn:uuid:{uid}"} if channel == "w3c_canonical" else {}
        headers = ld(bob, Slug=uid) if channel == "w3c_slug" else ld(bob)
        target = doc()["target"] | {"source": BOBS_POST["url"],
                                    NS + "post": {NS + "site": "bob.example", NS + "postId": 7}}
        res = client.post(ALL, json=doc(target=target, **extra), headers=headers)
        body = res.get_json()
        named = res.headers.get("Location", "").rsplit("/", 1)[-1] or None
    else:
        res = client.post("/api/import", json=native(annotation_body(id=uid, post=BOBS_POST)),
                          headers=bob.headers)
        body = res.get_json()
        named = uid if body.get("created") == 1 else None
    return {"status": res.status_code, "headers": sorted({k for k, _ in res.headers}),
            "shape": _shape(body), "named": named, "body": body}


def _shape(value):
    """The JSON's structure without its values (times and ids differ between creates)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return type(value).__name__


def observed(answer: dict, uid: str) -> dict:
    """The answer with the id it named replaced, so a free id's answer and another compare."""
    return {k: v for k, v in answer.items() if k not in ("named", "body")} | {
        "named_the_id": answer["named"] == uid}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("holder", HOLDERS)
def test_an_id_only_someone_elses_private_annotation_has_is_free(client, alice, bob, channel,
                                                                   holder):
    free = create_with(client, bob, channel, str(uuid.uuid4()))
    assert free["named"] is not None
    uid = hold(client, alice, bob, holder)
    answer = create_with(client, bob, channel, uid)

    if holder in ("free", "others_private", "others_deleted_private"):
        assert observed(answer, uid) == observed(free, free["named"])
        assert answer["named"] == uid
    elif channel == "w3c_slug":
        # A Slug naming an annotation Bob sees is a hint not taken: a fresh IRI, as without one.
        assert answer["status"] == free["status"] == 201
        assert answer["named"] not in (uid, None)
    elif holder == "own":
        # A retry: his stored annotation, unchanged.
        if channel == "import":
            assert (answer["body"]["created"], answer["body"]["unchanged"]) == (0, 1)
        else:
            assert answer["status"] == 200 and answer["named"] == uid
    elif channel == "import":  # others_public: Bob sees it, so being told tells him nothing
        assert answer["body"]["created"] == 0 and answer["body"]["failed"]
    else:
        assert answer["status"] == 409
        assert answer["body"]["error"]["code"] == "conflict"

    if holder in ("others_private", "others_deleted_private"):
        # Each owner sees their own under the id.
        mine = client.get(f"{API}/{uid}", headers=bob.headers)
        assert mine.status_code == 200 and mine.get_json()["user"] == "bob"
        hers = client.get(f"{API}/{uid}", headers=alice.headers)
        if holder == "others_private":
            assert hers.status_code == 200 and hers.get_json()["note"] == "the holder's"
        else:
            assert hers.status_code == 410
        assert client.get(path(f"/w3c/annotations/{uid}"),
                          headers=bob.headers).get_json()["creator"]["nickname"] == "bob"


def test_one_id_under_two_authors_is_one_annotation_to_each_reader(client, alice, bob, anon):
    """Alice's private annotation and Bob's public one share an id (Bob chose it while Alice's
    was private): Alice sees hers alone under it on every path, everyone else sees Bob's."""
    uid = hold(client, alice, bob, "others_private")
    res = client.post(API, json=annotation_body(id=uid, visibility="public", note="bob's"),
                      headers=bob.headers)
    assert res.status_code == 201

    def notes(reader, query=""):
        items = client.get(f"{API}?include_deleted=1{query}",
                           headers=reader.headers).get_json()["items"]
        return [(a["id"], a["note"]) for a in items]

    assert notes(alice) == [(uid, "the holder's")]
    assert notes(alice, "&updated_since=2000-01-01") == [(uid, "the holder's")]
    assert notes(bob) == notes(anon) == [(uid, "bob's")]
    assert client.get("/api/posts/1", headers=alice.headers).get_json()["annotation_count"] == 1
    exported = client.get("/api/export?format=json", headers=alice.headers).get_json()
    assert [a["note"] for a in exported["annotations"]] == ["the holder's"]
    container = client.get(ALL, headers=alice.headers).get_json()
    assert container["total"] == 1

    # Alice cannot share hers under the id Bob's has (his is public: she learns nothing);
    # deleting and changing hers leave Bob's alone.
    widen = client.patch(f"{API}/{uid}", json={"visibility": "public"}, headers=alice.headers)
    assert widen.status_code == 409
    assert client.patch(f"{API}/{uid}", json={"note": "edited"},
                        headers=alice.headers).status_code == 200
    assert client.delete(f"{API}/{uid}", headers=alice.headers).status_code == 204
    assert client.get(f"{API}/{uid}", headers=alice.headers).status_code == 410
    assert client.get(f"{API}/{uid}", headers=anon.headers).get_json()["note"] == "bob's"
    assert client.get(f"{API}/{uid}", headers=bob.headers).get_json()["version"] == 1


def test_sharing_a_private_annotation_whose_id_only_private_ones_share_is_allowed(
        client, alice, bob):
    uid = hold(client, alice, bob, "others_private")
    client.post(API, json=annotation_body(id=uid, note="bob's"), headers=bob.headers)
    res = client.patch(f"{API}/{uid}", json={"visibility": "public"}, headers=bob.headers)
    assert res.status_code == 200
    assert client.get(f"{API}/{uid}", headers=alice.headers).get_json()["note"] == "the holder's"


def test_an_import_with_ids_of_someone_elses_private_annotations_imports_them_all(
        client, alice, bob):
    """Bob imports a file holding the ids of Alice's private annotations (say, one she gave him
    to read): every item is created, as if the ids were free, and Alice's stay hers."""
    ids = [hold(client, alice, bob, "others_private") for _ in range(3)]
    doc_ = native(*[annotation_body(id=uid, post=BOBS_POST, note=f"copy {i}")
                    for i, uid in enumerate(ids)])
    summary = import_(client, bob, doc_).get_json()
    assert (summary["created"], summary["unchanged"], summary["failed"]) == (3, 0, [])
    again = import_(client, bob, doc_).get_json()
    assert (again["created"], again["unchanged"]) == (0, 3)
    for uid in ids:
        assert client.get(f"{API}/{uid}", headers=alice.headers).get_json()["note"] \
            == "the holder's"
        assert client.get(f"{API}/{uid}", headers=bob.headers).get_json()["user"] == "bob"
