"""Replies in the W3C protocol (motivation replying, the parent's IRI as target) and in files:
every export carries threads, and the JSON and JSON-LD imports restore them, parents first."""

from __future__ import annotations

import json

from test_w3c_schemas import ANNOTATION, validate

PROFILE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
ANNO = "http://www.w3.org/ns/anno.jsonld"


def answer(client, reader, parent_id, note):
    res = client.post("/api/annotations", json={"reply_to": parent_id, "note": note},
                      headers=reader.headers)
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def test_a_w3c_reply_is_posted_to_the_container_with_the_parents_iri_as_target(
        client, alice, bob, create):
    top = create(alice, visibility="public")
    parent_iri = top["links"]["w3c"]
    res = client.post("/w3c/annotations/", headers={**bob.headers, "Content-Type": PROFILE},
                      data=json.dumps({"@context": ANNO, "type": "Annotation",
                                       "motivation": "replying",
                                       "body": {"type": "TextualBody", "value": "Indeed."},
                                       "target": parent_iri}))
    assert res.status_code == 201, res.get_json()
    doc = res.get_json()
    validate(ANNOTATION, doc)
    assert (doc["motivation"], doc["target"]) == ("replying", parent_iri)
    native = client.get(doc["id"].replace("/w3c/", "/api/")).get_json()
    assert (native["reply_to"], native["note"], native["visibility"]) == (top["id"], "Indeed.",
                                                                        "public")
    # The container lists it as it is, beside the annotation it answers.
    page = client.get("/w3c/annotations/?page=0").get_json()
    assert [(d["motivation"], d["target"] if d["motivation"] == "replying" else None)
            for d in page["items"]] == [("commenting", None), ("replying", parent_iri)]
    # A reply changes its text with PUT; its target stays.
    etag = client.get(doc["id"]).headers["ETag"]
    changed = client.put(doc["id"], headers={**bob.headers, "Content-Type": PROFILE,
                                              "If-Match": etag},
                         data=json.dumps({k: v for k, v in doc.items() if k != "body"}
                                         | {"bodyValue": "Indeed, twice."}))
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["target"] == parent_iri
    assert client.get(doc["id"].replace("/w3c/", "/api/")).get_json()["note"] == "Indeed, twice."
    moved = client.put(doc["id"], headers={**bob.headers, "Content-Type": PROFILE,
                                            "If-Match": changed.headers["ETag"]},
                       data=json.dumps(changed.get_json() | {"target": doc["id"]}))
    assert moved.status_code == 400
    assert "target" in moved.get_json()["error"]["message"]


def _shape(client, reader) -> dict:
    """Each of the reader's annotations by note: (the note of what it answers, deleted)."""
    rows = client.get("/api/export?format=json", headers=reader.headers).get_json()[
        "annotations"]
    notes = {a["id"]: a["note"] or a["quote"] for a in rows}
    return {a["note"] or a["quote"]: (notes.get(a["reply_to"]) if a["reply_to"] else None,
                                      a["deleted"]) for a in rows}


def test_exports_carry_threads_and_imports_restore_them_parents_first(client, alice, bob,
                                                                      make_user, create):
    top = create(alice, visibility="private", note="the passage's note")
    first = answer(client, alice, top["id"], "a first thought")
    answer(client, alice, first["id"], "a second thought, on the first")
    answer(client, alice, top["id"], "another thought")
    expected = {"the passage's note": (None, False),
                "a first thought": ("the passage's note", False),
                "a second thought, on the first": ("a first thought", False),
                "another thought": ("the passage's note", False)}
    assert _shape(client, alice) == expected

    markdown = client.get("/api/export?format=markdown", headers=alice.headers).get_data(
        as_text=True)
    assert ("- **alice** replied · " in markdown and "\n  a first thought\n" in markdown
            and "\n  - **alice** replied · " in markdown
            and "\n    a second thought, on the first\n" in markdown)
    assert markdown.index("a first thought") < markdown.index("a second thought") \
        < markdown.index("another thought")
    csv = client.get("/api/export?format=csv", headers=alice.headers).get_data(as_text=True)
    assert csv.splitlines()[0].endswith(",reply_to,deleted") and top["id"] in csv.split(
        "\n", 2)[2]
    html = client.get("/api/export?format=html", headers=alice.headers).get_data(as_text=True)
    assert html.count('class="annotation reply depth-1"') == 2
    assert html.count('class="annotation reply depth-2"') == 1

    for fmt, reader in (("json", bob), ("jsonld", make_user("carol"))):
        doc = client.get(f"/api/export?format={fmt}", headers=alice.headers).get_json()
        # Whatever the file's order: the replies first, here.
        if fmt == "json":
            doc["annotations"].reverse()
        else:
            doc["@included"][0]["items"].reverse()
        res = client.post("/api/import", json=doc, headers=reader.headers)
        assert res.get_json()["created"] == 4 and res.get_json()["failed"] == [], res.get_json()
        assert _shape(client, reader) == expected


def test_a_deleted_annotation_heading_a_thread_travels_as_a_tombstone(client, alice, bob,
                                                                       create):
    top = create(alice, visibility="private", note="to be deleted")
    answer(client, alice, top["id"], "the answer stays")
    client.delete(f"/api/annotations/{top['id']}", headers=alice.headers)
    doc = client.get("/api/export?format=json", headers=alice.headers).get_json()
    head = next(a for a in doc["annotations"] if a["id"] == top["id"])
    assert (head["deleted"], head["note"], head["quote"]) == (True, "", top["quote"])
    markdown = client.get("/api/export?format=markdown", headers=alice.headers).get_data(
        as_text=True)
    assert "deleted (its replies follow)" in markdown and "the answer stays" in markdown
    res = client.post("/api/import", json=doc, headers=bob.headers)
    assert (res.get_json()["created"], res.get_json()["failed"]) == (2, [])
    thread = client.get(f"/api/annotations/{top['id']}/replies", headers=bob.headers)
    assert [a["note"] for a in thread.get_json()["items"]] == ["the answer stays"]
    assert client.get(f"/api/annotations/{top['id']}", headers=bob.headers).status_code == 410


def test_a_reply_reads_as_turtle_with_its_parent_as_target(client, alice, create):
    top = create(alice, visibility="public")
    made = answer(client, alice, top["id"], "In Turtle too.")
    res = client.get(made["links"]["w3c"], headers={"Accept": "text/turtle"})
    assert res.status_code == 200
    text = res.get_data(as_text=True)
    assert "oa:replying" in text or "#replying>" in text
    assert f"<{top['links']['w3c']}>" in text


def test_a_deleted_reply_between_live_ones_travels_as_a_tombstone_too(client, alice, bob,
                                                                       create):
    top = create(alice, visibility="private", note="the start")
    middle = answer(client, alice, top["id"], "deleted later")
    last = answer(client, alice, middle["id"], "below the deleted one")
    client.delete(f"/api/annotations/{middle['id']}", headers=alice.headers)
    doc = client.get("/api/export?format=jsonld", headers=alice.headers).get_json()
    res = client.post("/api/import", json=doc, headers=bob.headers)
    assert (res.get_json()["created"], res.get_json()["failed"]) == (3, [])
    items = client.get(f"/api/annotations/{top['id']}/replies",
                       headers=bob.headers).get_json()["items"]
    assert [(a["id"], a["deleted"], a["note"]) for a in items] == [
        (middle["id"], True, ""), (last["id"], False, "below the deleted one")]
