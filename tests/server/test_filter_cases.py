"""The query filters of GET /api/annotations against the shared table in
tests/fixtures/filter-cases.json, which the extension's offline filter for queued notes runs too
(tests/extension/background/filters.test.mjs)."""

import json
from pathlib import Path

import pytest

TABLE = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "filter-cases.json")
                   .read_text(encoding="utf-8"))
CASES = TABLE["cases"]


@pytest.fixture
def made(client, alice, create):
    """The table's annotations, made by alice; name -> id."""
    ids = {}
    for a in TABLE["annotations"]:
        made = create(alice, post=a["post"], quote=a["quote"], note=a["note"], color=a["color"],
                      visibility=a["visibility"], tags=a["tags"],
                      selectors=[{"type": "TextQuoteSelector", "exact": a["quote"]}])
        ids[made["id"]] = a["name"]
    return ids


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_filter_case(client, alice, made, case):
    res = client.get("/api/annotations", query_string={**case["query"], "user": alice.name},
                     headers=alice.headers)
    assert res.status_code == 200, res.get_json()
    assert sorted(made[item["id"]] for item in res.get_json()["items"]) == sorted(case["matches"])
