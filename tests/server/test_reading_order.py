"""Every export lists annotations by post, posts most recently annotated first, each post's in
reading order: tests/fixtures/order-cases.json (which the extension's notebook runs too) and two
posts annotated out of document order, through every format."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from postil import db, parse, store
from postil.models import User
from postil.reading_order import reading_key

CASES = json.loads((Path(__file__).parents[1] / "fixtures" / "order-cases.json")
                   .read_text(encoding="utf-8"))["cases"]
FORMATS = ("json", "jsonld", "csv", "markdown", "html", "zip")


def token(annotation: dict) -> str:
    # A word no other annotation's text contains, written as the note, found in every format.
    return "mark" + annotation["id"].rsplit("-", 1)[1].lstrip("0") + "z"


def import_item(annotation: dict, post_id: int, minute: int) -> dict:
    quote = next((s["exact"] for s in annotation["selectors"]
                  if s["type"] == "TextQuoteSelector"), "")
    return {"id": annotation["id"], "quote": quote, "selectors": annotation["selectors"],
            "note": token(annotation),
            "created": annotation["created"].replace("T10:00", f"T10:{minute:02d}"),
            "post": {"site": "blog.example.org", "post_id": post_id,
                     "url": f"https://blog.example.org/?p={post_id}", "title": f"Post {post_id}"}}


def import_cases(client, reader) -> list[dict]:
    # Case k is post k, annotated during minute k: the later cases are the posts annotated last.
    items = [import_item(a, k, k) for k, case in enumerate(CASES, 1) for a in case["annotations"]]
    res = client.post("/api/import", json={"annotations": items}, headers=reader.headers)
    assert res.get_json()["created"] == len(items), res.get_json()
    return items


def exported_tokens(client, reader, fmt: str, tokens: list[str]) -> list[str]:
    res = client.get(f"/api/export?format={fmt}", headers=reader.headers)
    assert res.status_code == 200, res.get_data(as_text=True)
    if fmt == "zip":
        archive = zipfile.ZipFile(io.BytesIO(res.get_data()))
        text = "".join(archive.read(name).decode() for name in archive.namelist())
    else:
        text = res.get_data(as_text=True)
    assert all(t in text for t in tokens), "every annotation is exported"
    return sorted(tokens, key=text.index)


def test_the_rule_orders_each_case_of_the_table():
    for case in CASES:
        for arrival in (case["annotations"], case["annotations"][::-1]):
            ordered = sorted(arrival, key=lambda a: reading_key(a["selectors"], a["created"],
                                                                a["id"]))
            assert [a["name"] for a in ordered] == case["order"], case["case"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_follows_the_case_table(client, alice, fmt):
    import_cases(client, alice)
    names = {token(a): a["name"] for case in CASES for a in case["annotations"]}
    got = exported_tokens(client, alice, fmt, list(names))
    expected = [name for case in reversed(CASES) for name in case["order"]]
    assert [names[t] for t in got] == expected


@pytest.mark.parametrize("batch", [1, 3, 4, 500])
def test_the_order_does_not_depend_on_the_batch_size(app, client, alice, batch):
    import_cases(client, alice)
    with app.app_context():
        db.database.connect(reuse_if_open=True)
        viewer = User.by_name("alice")
        ids = [a.uid for a in store.iterate_by_post(viewer, parse.Filters(user="alice"),
                                                    batch=batch)]
        db.database.close()
    names = {a["id"]: a["name"] for case in CASES for a in case["annotations"]}
    assert [names[i] for i in ids] == [name for case in reversed(CASES) for name in case["order"]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_posts_made_out_of_document_order_come_out_by_post_and_position(client, alice,
                                                                            create, fmt):
    def on(post_id: int, start: int, note: str = "", *, page_note: bool = False) -> str:
        post = {"site": "blog.example.org", "post_id": post_id,
                "url": f"https://blog.example.org/?p={post_id}", "title": f"Post {post_id}"}
        selectors = [] if page_note else [
            {"type": "TextQuoteSelector", "exact": f"passage at {start}"},
            {"type": "TextPositionSelector", "start": start, "end": start + 14}]
        create(alice, post=post, selectors=selectors,
               quote="" if page_note else f"passage at {start}", note=note)
        return note

    # Made in this order; post 2 has the newest annotation, so it comes first.
    a_late = on(1, 900, "markAlatez")
    b_note = on(2, 0, "markBnotez", page_note=True)
    b_late = on(2, 600, "markBlatez")
    a_early = on(1, 40, "markAearlyz")
    b_early = on(2, 15, "markBearlyz")
    tokens = [a_late, b_note, b_late, a_early, b_early]
    assert exported_tokens(client, alice, fmt, tokens) == [b_early, b_late, b_note, a_early,
                                                           a_late]


@pytest.mark.parametrize("param", ["sort=created", "order=desc"])
def test_an_export_has_one_order(client, alice, param):
    res = client.get(f"/api/export?format=json&{param}", headers=alice.headers)
    assert res.status_code == 400
    assert res.get_json()["error"]["field"] == param.split("=")[0]
