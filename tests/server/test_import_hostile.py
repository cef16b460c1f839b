"""POST /api/import against hostile and broken files, at sizes a test can afford.

The full sizes (a 20 MB body, a 1.6 MB JSON-LD list) and their times and memory are measured by
bench/imports_hostile.py; here each shape is sent small, with the item cap lowered to match,
and the test checks what a user would notice: the status, that nothing was stored, that the
answer is bounded, and that an import renders its notes outside the write lock.
"""

from __future__ import annotations

import json

import pytest

from conftest import annotation_body
from postil import db, export_api, imports, jsonio, parse

CAP = 50
ANNOTATION = {"type": "Annotation", "target": "https://a.example/"}


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(export_api, "MAX_IMPORT_ITEMS", CAP)


def native(*items) -> dict:
    return {"format": "postil-export", "format_version": 1, "annotations": list(items)}


def send(client, reader, doc):
    raw = doc if isinstance(doc, str) else json.dumps(doc)
    return client.post("/api/import", data=raw,
                       headers=reader.headers | {"Content-Type": "application/json"})


def mine(client, reader) -> list[dict]:
    res = client.get("/api/export?format=json", headers=reader.headers)
    assert res.status_code == 200
    return res.get_json()["annotations"]


def counting(monkeypatch, module, name) -> list:
    """Replace module.name by a wrapper that records each call; return the record."""
    calls = []
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


# ---------------------------------------------------------------- more entries than the cap

def test_a_native_file_of_zeros_over_the_cap_is_413_before_any_item_is_built(
        client, alice, small_cap, monkeypatch):
    built = counting(monkeypatch, imports, "native_item")
    res = send(client, alice, native(*[0] * (CAP * 20)))
    assert res.status_code == 413
    assert res.get_json()["error"]["code"] == "payload_too_large"
    assert str(CAP) in res.get_json()["error"]["message"]
    assert built == [], "the entries were counted, not read one by one into items"
    assert mine(client, alice) == []


def test_a_jsonld_list_padded_with_zeros_over_the_cap_is_413_before_any_item_is_read(
        client, alice, small_cap, monkeypatch):
    read = counting(monkeypatch, imports.w3c_model, "from_jsonld")
    res = send(client, alice, [ANNOTATION, *[0] * (CAP * 20)])
    assert res.status_code == 413
    assert read == [], "the walk stopped at the cap, before reading the annotation"
    assert mine(client, alice) == []


@pytest.mark.parametrize("filler", ["{}", "[]", '"a"', "1.5"])
def test_a_body_of_more_json_values_than_an_import_may_hold_is_413_before_parsing(
        client, alice, monkeypatch, filler):
    monkeypatch.setattr(export_api, "MAX_IMPORT_VALUES", 1_000)
    parsed = counting(monkeypatch, jsonio, "loads")
    res = send(client, alice, "[" + ",".join([filler] * 1_500) + "]")
    assert parsed == [], "refused from the raw body: parsed, such a body costs 30x its size"
    assert res.status_code == 413
    assert res.get_json()["error"]["code"] == "payload_too_large"
    assert mine(client, alice) == []


def test_an_export_as_large_as_an_import_may_be_fits_the_json_value_budget(app, client, alice,
                                                                          create):
    for n in range(20):
        create(alice, note=f"note {n}, with a comma", tags=["a", "b"])
    body = client.get("/api/export?format=json", headers=alice.headers).get_data()
    values_per_byte = sum(map(body.count, (b",", b"[", b"{"))) / len(body)
    assert values_per_byte * app.config["MAX_IMPORT_BYTES"] < export_api.MAX_IMPORT_VALUES / 1.5
    assert send(client, alice, body.decode()).get_json()["unchanged"] == 20


def test_entries_over_the_cap_are_counted_inside_nested_pages_too(client, alice, small_cap):
    page = {"type": "AnnotationPage", "items": [ANNOTATION] * 10}
    doc = {"@context": "http://www.w3.org/ns/anno.jsonld", "@graph": [page] * 6}
    assert send(client, alice, doc).status_code == 413
    assert mine(client, alice) == []


@pytest.mark.parametrize("make", [
    pytest.param(lambda n: native(*[0] * n), id="native"),
    pytest.param(lambda n: [ANNOTATION, *[0] * (n - 1)], id="jsonld"),
    pytest.param(lambda n: {"export_date": "x", "rows": [None] * n}, id="hypothesis"),
])
def test_non_objects_up_to_the_cap_are_failed_items_and_the_answer_is_bounded(
        client, alice, small_cap, make):
    res = send(client, alice, make(CAP))
    assert res.status_code == 200
    summary = res.get_json()
    assert summary["created"] + len(summary["failed"]) == CAP
    assert all("object" in f["error"] for f in summary["failed"])
    assert len(res.get_data()) < CAP * 200
    assert len(mine(client, alice)) == summary["created"]


def test_the_walk_keeps_the_files_order_through_graphs_pages_and_lists():
    def anno(n):
        return {"type": "Annotation", "id": f"http://x.example/{n}", "bodyValue": str(n),
                "target": "https://a.example/"}

    doc = [anno(1), [anno(2), [anno(3)]], {"@graph": [
        {"type": "AnnotationCollection", "first": {
            "type": "AnnotationPage", "items": [anno(4), anno(5)],
            "next": {"type": "AnnotationPage", "items": [anno(6)]}}},
        anno(7)], "@included": [anno(8)]}]
    _, items = imports.parse(doc)
    assert [item.body["note"] for item in items] == [str(n) for n in range(1, 9)]


# ---------------------------------------------------------------- rendering outside the write

def test_notes_are_rendered_before_the_write_not_inside_it(client, alice, monkeypatch):
    during_write = []
    real = parse.render_note

    def render(note):
        during_write.append(db.database.in_transaction())
        return real(note)

    monkeypatch.setattr(parse, "render_note", render)
    doc = native(*(annotation_body(note=f"note *{n}*") for n in range(5)))
    summary = send(client, alice, doc).get_json()
    assert summary["created"] == 5
    assert during_write == [False] * 5
    assert sorted(a["note_html"] for a in mine(client, alice)) == [
        f"<p>note <em>{n}</em></p>" for n in range(5)]


def test_importing_the_same_file_again_renders_no_note(client, alice, monkeypatch):
    doc = native(*(annotation_body(note=f"note *{n}*") for n in range(5)))
    assert send(client, alice, doc).get_json()["created"] == 5
    renders = counting(monkeypatch, parse, "render_note")
    again = send(client, alice, doc).get_json()
    assert (again["created"], again["unchanged"], again["failed"]) == (0, 5, [])
    assert renders == []


def test_a_new_note_in_a_file_sent_again_is_rendered_and_stored(client, alice, monkeypatch):
    old = annotation_body(note="old")
    assert send(client, alice, native(old)).get_json()["created"] == 1
    renders = counting(monkeypatch, parse, "render_note")
    new = annotation_body(note="brand *new*")
    summary = send(client, alice, native(old, new)).get_json()
    assert (summary["created"], summary["unchanged"]) == (1, 1)
    assert renders == [("brand *new*",)]
    notes = {a["id"]: a["note_html"] for a in mine(client, alice)}
    assert notes == {old["id"]: "<p>old</p>", new["id"]: "<p>brand <em>new</em></p>"}


def test_a_stored_note_is_not_lent_to_someone_elses_item(client, alice, bob, monkeypatch):
    item = annotation_body(note="shared *text*", visibility="public")
    assert send(client, alice, native(item)).get_json()["created"] == 1
    renders = counting(monkeypatch, parse, "render_note")
    send(client, bob, native(item | {"id": annotation_body()["id"]}))
    assert renders == [("shared *text*",)], "only the caller's own stored notes are reused"


# ---------------------------------------------------------------- malformed files

def hyp(**entry) -> dict:
    return {"export_date": "2026-01-01T00:00:00Z", "annotations": [
        {"uri": "https://a.example/?p=1", "text": "hi"} | entry]}


def ld(**entry) -> list:
    return [ANNOTATION | entry]


# Deeper than the JSON encoder recurses, yet not too deep for orjson to read the body.
DEEP = "[" * 1010 + "]" * 1010

# Each of these answered 500 before; a broken entry is now that item's failure (naming the field
# at fault), and a broken file as a whole one 400.
MALFORMED_ITEMS = [
    ("hypothesis target is a number", hyp(target=5), "target"),
    ("hypothesis selector is a number", hyp(target=[{"selector": 5}]), "target.selector"),
    ("hypothesis selector type is an object",
     hyp(target=[{"selector": [{"type": {"a": 1}}]}], tags=5), "tags"),
    ("hypothesis uri with an unclosed IPv6 bracket", hyp(uri="https://[::1/?p=1"), "uri"),
    ("hypothesis post number of 5000 digits", hyp(uri="https://a.example/?p=" + "9" * 5000),
     "url"),
    ("hypothesis post number in superscript digits", hyp(uri="https://a.example/?p=\u00b2",
                                                         text=7), "note"),
    ("hypothesis id with a lone surrogate", '{"export_date": "x", "annotations": [{"id": '
     '"\\ud800", "uri": "https://a.example/", "text": "\\ud800"}]}', "note"),
    ("hypothesis entry nested too deeply",
     '{"export_date": "x", "annotations": [{"uri": "https://a.example/", "x": ' + DEEP + "}]}",
     "nested"),
    ("jsonld selector type is an object",
     ld(target={"source": "https://a.example/", "selector": {"type": {"a": 1}}}), "type"),
    ("jsonld via with a lone surrogate",
     '[{"type": "Annotation", "target": "https://a.example/", "via": "\\udc00"}]', "via"),
    ("jsonld type listing an object", ld(type=["Annotation", {}], bodyValue=5), "bodyValue"),
    ("jsonld entry nested too deeply",
     '[{"type": "Annotation", "target": "https://a.example/", "x": ' + DEEP + "}]", "nested"),
    ("jsonld range selector nested too deeply",
     '[{"type": "Annotation", "id": "https://x.example/1", "target": {"source": '
     '"https://a.example/", "selector": {"type": "RangeSelector", "startSelector": '
     + "{\"a\": " * 1010 + "1" + "}" * 1010
     + ', "endSelector": {}}}}]', "startSelector"),
]


@pytest.mark.parametrize("doc, field", [row[1:] for row in MALFORMED_ITEMS],
                         ids=[row[0] for row in MALFORMED_ITEMS])
def test_a_malformed_entry_is_a_failed_item_never_a_500(client, alice, doc, field):
    res = send(client, alice, doc)
    assert res.status_code == 200, res.get_data(as_text=True)[:300]
    summary = res.get_json()
    assert summary["created"] == 0
    assert [f["index"] for f in summary["failed"]] == [0]
    assert field in summary["failed"][0]["error"]
    assert mine(client, alice) == []


MALFORMED_FILES = [
    ("jsonld @graph is a number", {"@context": "http://www.w3.org/ns/anno.jsonld", "@graph": 5}),
    ("jsonld @included is a string", {"@context": "http://www.w3.org/ns/anno.jsonld",
                                      "@graph": [ANNOTATION], "@included": "nodes"}),
    ("jsonld page whose items are an object", {"type": "AnnotationPage", "items": {"a": 1}}),
    ("jsonld collection typed with an object", {"type": [{"a": 1}, "AnnotationCollection"],
                                                "total": 2, "first": "https://x.example/p1"}),
]


@pytest.mark.parametrize("doc", [row[1] for row in MALFORMED_FILES],
                         ids=[row[0] for row in MALFORMED_FILES])
def test_a_malformed_file_is_one_400_and_stores_nothing(client, alice, doc):
    res = send(client, alice, doc)
    assert res.status_code == 400, res.get_data(as_text=True)[:300]
    assert res.get_json()["error"]["code"] == "unsupported_import"
    assert mine(client, alice) == []


def test_good_items_beside_malformed_ones_are_still_imported(client, alice):
    doc = [ANNOTATION, ANNOTATION | {"target": {"source": "https://a.example/",
                                                "selector": {"type": []}}}, 0]
    summary = send(client, alice, doc).get_json()
    assert summary["created"] == 1
    assert [f["index"] for f in summary["failed"]] == [1, 2]
