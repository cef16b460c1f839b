"""POST /api/import: the three formats, idempotency, the summary, limits and bad input."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from conftest import annotation_body

GOLDEN = Path(__file__).parent / "golden"


def hypothesis_export() -> dict:
    return json.loads((GOLDEN / "hypothesis-export.json").read_text(encoding="utf-8"))


def native(*items: dict) -> dict:
    return {"format": "postil-export", "format_version": 1, "exported_at": "2026-11-29T00:00:00Z",
            "annotations": list(items)}


def import_(client, reader, doc, query: str = ""):
    return client.post(f"/api/import{query}", json=doc, headers=reader.headers)


def mine(client, reader) -> list[dict]:
    """Return the reader's annotations oldest first (the export's own order is by post)."""
    res = client.get("/api/export?format=json", headers=reader.headers)
    assert res.status_code == 200
    return sorted(res.get_json()["annotations"], key=lambda a: a["created"])


def test_hypothesis_export_imports_its_supported_fields(client, alice):
    res = import_(client, alice, hypothesis_export())
    assert res.status_code == 200
    summary = res.get_json()
    assert summary["format"] == "hypothesis"
    assert (summary["created"], summary["unchanged"]) == (5, 0)
    assert [f["index"] for f in summary["failed"]] == [4]
    assert "uri" in summary["failed"][0]["error"]

    everything = mine(client, alice)
    # A Hypothesis reply (its `references`) is a reply to the annotation it names, in its
    # thread's visibility.
    (answer,) = [a for a in everything if a["reply_to"]]
    first, lede, page_note, plain = [a for a in everything if not a["reply_to"]]
    assert answer["reply_to"] == first["id"]
    assert (answer["note"], answer["visibility"], answer["post"]) == (
        "I agree", "public", first["post"])
    assert first["post"] | {"id": 0} == {"id": 0, "site": "blog.example.org", "post_id": 42,
                                         "url": "https://blog.example.org/?p=42",
                                         "title": "On margins"}
    assert first["quote"] == "notes in the margin"
    assert first["note"] == "Margins, *again*." and first["note_html"] == \
        "<p>Margins, <em>again</em>.</p>"
    assert first["tags"] == ["history", "margins"] and first["visibility"] == "public"
    assert (first["created"], first["updated"]) == ("2024-03-01T09:00:00.000Z",
                                                     "2024-03-01T09:05:00.000Z")
    assert [s["type"] for s in first["selectors"]] == ["RangeSelector", "TextPositionSelector",
                                                       "TextQuoteSelector"]
    assert first["selectors"][0] == {
        "type": "RangeSelector",
        "startSelector": {"type": "XPathSelector", "value": "/main[1]/article[1]/p[2]"},
        "endSelector": {"type": "XPathSelector", "value": "/main[1]/article[1]/p[2]"},
        "startOffset": 29, "endOffset": 48}

    assert lede["visibility"] == "private" and lede["quote"] == "the lede"
    assert [s["type"] for s in lede["selectors"]] == ["TextQuoteSelector"], "PDF page dropped"
    # Not WordPress: keyed by the normalised URL, so both URLs of the story are one post.
    assert lede["post"]["post_id"] is None and lede["post"]["site"] == "news.example"
    assert page_note["post"]["id"] == lede["post"]["id"]
    assert page_note["selectors"] == [] and page_note["quote"] == ""
    assert page_note["updated"] == "2024-03-04T08:00:00.000Z"
    assert plain["post"]["site"] == "example.net" and plain["post"]["post_id"] == 7


def test_a_hypothesis_highlight_joins_the_post_the_extension_made(client, alice, create):
    made = create(alice)
    import_(client, alice, hypothesis_export())
    first = next(a for a in mine(client, alice) if a["quote"] == "notes in the margin"
                 and a["id"] != made["id"])
    assert first["post"]["id"] == made["post"]["id"]


@pytest.mark.parametrize("doc", [
    pytest.param(hypothesis_export, id="hypothesis"),
    pytest.param(lambda: native(annotation_body(), annotation_body()), id="native"),
    pytest.param(lambda: [annotation_body()], id="native-list"),
])
def test_importing_the_same_file_twice_creates_nothing_new(client, alice, doc):
    doc = doc()
    first = import_(client, alice, doc).get_json()
    count = len(mine(client, alice))
    second = import_(client, alice, doc).get_json()
    assert second["created"] == 0 and second["unchanged"] == first["created"]
    assert second["failed"] == first["failed"]
    assert len(mine(client, alice)) == count


def test_jsonld_without_postil_ids_is_idempotent_too(client, alice):
    page = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationPage",
            "id": "http://example.org/page1", "items": [
                {"id": "http://example.org/anno1", "type": "Annotation",
                 "created": "2020-01-02T03:04:05Z",
                 "body": {"type": "TextualBody", "value": "A comment", "purpose": "commenting"},
                 "target": {"source": "https://blog.example.org/?p=42",
                            "selector": {"type": "TextQuoteSelector", "exact": "margin"}}},
                {"id": "http://example.org/anno2", "type": "Annotation",
                 "target": "https://news.example/x"},
                {"id": "http://example.org/anno3", "type": "Annotation", "target": []},
            ]}
    summary = import_(client, alice, page).get_json()
    assert (summary["format"], summary["created"]) == ("jsonld", 2)
    assert [f["index"] for f in summary["failed"]] == [2]
    assert "target" in summary["failed"][0]["error"]
    again = import_(client, alice, page).get_json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    comment = mine(client, alice)[0]
    assert comment["note"] == "A comment" and comment["created"] == "2020-01-02T03:04:05.000Z"


def test_valid_items_are_kept_and_each_invalid_one_says_why(client, alice):
    good = annotation_body()
    doc = native(good,
                 annotation_body(color="mauve"),
                 {"quote": "no post"},
                 annotation_body(id="not-a-uuid"),
                 "a string",
                 annotation_body(deleted=True),
                 annotation_body(created="last tuesday"),
                 annotation_body(selectors=[{"type": "TextPositionSelector", "start": 9,
                                             "end": 2}]))
    res = import_(client, alice, doc)
    assert res.status_code == 200
    summary = res.get_json()
    assert (summary["created"], summary["unchanged"]) == (1, 0)
    reasons = {f["index"]: f["error"] for f in summary["failed"]}
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6, 7]
    assert "color" in reasons[1] and "post" in reasons[2] and "id" in reasons[3]
    assert "object" in reasons[4] and "deleted" in reasons[5] and "created" in reasons[6]
    assert "start" in reasons[7]
    assert [a["id"] for a in mine(client, alice)] == [good["id"]]


def test_an_id_shared_by_someone_else_is_a_failed_item(client, alice, bob, create):
    # Alice can see Bob's, so the refusal tells her nothing; an id only someone else's private
    # annotation has is free for her (tests/server/test_id_oracles.py).
    theirs = create(bob, visibility="public", note="bob's note")
    res = import_(client, alice, native(annotation_body(id=theirs["id"], note="hijack")))
    summary = res.get_json()
    assert summary["created"] == 0 and summary["failed"][0]["index"] == 0
    assert "someone else" in summary["failed"][0]["error"]
    stored = client.get(f"/api/annotations/{theirs['id']}", headers=bob.headers).get_json()
    assert stored["note"] == "bob's note"
    assert mine(client, alice) == []


def test_an_id_you_own_is_unchanged_even_if_the_file_differs(client, alice, create):
    made = create(alice, note="original")
    doc = native(annotation_body(id=made["id"], note="other"))
    summary = import_(client, alice, doc).get_json()
    assert (summary["created"], summary["unchanged"]) == (0, 1)
    assert mine(client, alice)[0]["note"] == "original"


def test_imports_may_be_larger_than_ordinary_requests(client, app, alice):
    note = "x" * 40_000
    doc = native(*(annotation_body(note=note) for _ in range(40)))
    assert len(json.dumps(doc)) > app.config["MAX_CONTENT_LENGTH"]
    assert client.post("/api/annotations", json=doc, headers=alice.headers).status_code == 413
    summary = import_(client, alice, doc).get_json()
    assert summary["created"] == 40


def test_an_import_over_the_size_limit_is_413_and_changes_nothing(client, app, alice):
    app.config["MAX_IMPORT_BYTES"] = 2_000
    res = import_(client, alice, native(*(annotation_body() for _ in range(10))))
    assert res.status_code == 413
    assert res.get_json()["error"]["code"] == "payload_too_large"
    assert mine(client, alice) == []


def test_too_many_items_is_413(client, alice, monkeypatch):
    from postil import export_api

    monkeypatch.setattr(export_api, "MAX_IMPORT_ITEMS", 2)
    res = import_(client, alice, native(*(annotation_body() for _ in range(3))))
    assert res.status_code == 413
    assert mine(client, alice) == []


@pytest.mark.parametrize("send, status, code", [
    (lambda c, h: c.post("/api/import", data="{not json", headers=h | {
        "Content-Type": "application/json"}), 400, "invalid_json"),
    (lambda c, h: c.post("/api/import", data="a,b\n1,2", headers=h | {
        "Content-Type": "text/csv"}), 415, "unsupported_media_type"),
    (lambda c, h: c.post("/api/import", json={"hello": "world"}, headers=h), 400,
     "unsupported_import"),
    (lambda c, h: c.post("/api/import", json=42, headers=h), 400, "unsupported_import"),
    (lambda c, h: c.post("/api/import", json={"format": "postil-export", "annotations": 3},
                         headers=h), 400, "unsupported_import"),
    (lambda c, h: c.post("/api/import?format=evernote", json=[], headers=h), 400,
     "validation_error"),
    (lambda c, h: c.post("/api/import?dry_run=1", json=[], headers=h), 400, "validation_error"),
    (lambda c, h: c.post("/api/import", json=[annotation_body()]), 401, "unauthorized"),
    (lambda c, h: c.get("/api/import", headers=h), 405, "method_not_allowed"),
])
def test_bad_input_is_a_4xx_in_the_error_shape_and_changes_nothing(client, alice, send, status,
                                                                    code):
    res = send(client, alice.headers)
    assert res.status_code == status
    body = res.get_json()
    assert body["error"]["code"] == code and body["error"]["message"]
    assert mine(client, alice) == []


def test_format_can_be_forced(client, alice):
    res = import_(client, alice, [annotation_body()], "?format=hypothesis")
    summary = res.get_json()
    assert summary["format"] == "hypothesis" and summary["created"] == 0
    assert "uri" in summary["failed"][0]["error"]


def test_hypothesis_ids_map_to_stable_uuids(client, alice):
    import_(client, alice, hypothesis_export())
    ids = [a["id"] for a in mine(client, alice)]
    assert all(uuid.UUID(i).version == 5 for i in ids)


def test_large_imports_commit_in_batches(client, alice, monkeypatch):
    from postil import export_api

    monkeypatch.setattr(export_api, "IMPORT_BATCH", 2)
    doc = native(*(annotation_body() for _ in range(4)), annotation_body(color="mauve"),
                 annotation_body())
    summary = import_(client, alice, doc).get_json()
    assert (summary["created"], [f["index"] for f in summary["failed"]]) == (5, [4])
    assert len(mine(client, alice)) == 5


def test_jsonld_collections_with_embedded_pages_are_read_page_by_page(client, alice):
    def anno(n: int) -> dict:
        return {"id": f"http://example.org/anno{n}", "type": "Annotation",
                "bodyValue": f"note {n}", "target": "https://news.example/x"}

    doc = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection",
           "id": "http://example.org/c", "total": 3, "first": {
               "type": "AnnotationPage", "items": [anno(1), anno(2)],
               "next": {"type": "AnnotationPage", "items": [anno(3)]}}}
    summary = import_(client, alice, doc).get_json()
    assert (summary["format"], summary["created"], summary["failed"]) == ("jsonld", 3, [])
    assert sorted(a["note"] for a in mine(client, alice)) == ["note 1", "note 2", "note 3"]


def test_a_collection_whose_pages_are_only_linked_is_refused(client, alice):
    doc = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection",
           "id": "http://example.org/c", "total": 3, "first": "http://example.org/c?page=1"}
    res = import_(client, alice, doc)
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "unsupported_import"
    assert "pages" in res.get_json()["error"]["message"]


# ---------------------------------------------------------------- times and versions out of range

@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                                  "1969-12-31T23:59:59Z"])
def test_an_imported_time_that_cannot_be_shown_is_refused_not_stored(client, alice, bob, when):
    item = annotation_body(visibility="public", created=when, updated=when)
    res = client.post("/api/import", json=native(item), headers=alice.headers)
    assert res.status_code == 200
    assert res.get_json()["created"] == 0
    assert len(res.get_json()["failed"]) == 1
    # Such a row, stored, would break every read that includes it: here everyone's public list.
    assert client.get("/api/annotations", headers=bob.headers).status_code == 200
    assert client.get("/api/annotations", headers=bob.headers).get_json()["total"] == 0


def test_imported_annotations_before_1970_never_break_paging(client, alice):
    items = [annotation_body(created="1969-06-01T00:00:00Z"),
             annotation_body(created="1969-07-01T00:00:00Z")]
    client.post("/api/import", json=native(*items), headers=alice.headers)
    first = client.get("/api/annotations?limit=1", headers=alice.headers).get_json()
    if first["next_cursor"]:
        res = client.get(f"/api/annotations?limit=1&cursor={first['next_cursor']}",
                         headers=alice.headers)
        assert res.status_code == 200, res.get_json()


def test_an_imported_version_leaves_room_to_edit_and_delete(client, alice):
    item = annotation_body(version=2**31 - 1)
    res = client.post("/api/import", json=native(item), headers=alice.headers)
    assert res.status_code == 200
    if res.get_json()["created"]:
        uid = item["id"]
        res = client.patch(f"/api/annotations/{uid}", json={"note": "edited"},
                           headers=alice.headers)
        assert res.status_code == 200, res.get_json()
        assert client.delete(f"/api/annotations/{uid}", headers=alice.headers).status_code == 204
    else:
        assert len(res.get_json()["failed"]) == 1
