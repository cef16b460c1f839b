"""Post identification (DESIGN §1) in Chromium: extension/src/post-key/index.js.

Two tables drive it, and the Firefox runner reads the same two:
- fixtures/post-key/pages.json: fixture pages (one per signal, AMP, ?rest_route=, multisite, Link
  header…) with the URL they are read at and the key a reader's notes must be filed under;
- tests/fixtures/post-key-cases.json: normaliseSite / normaliseUrl cases shared with the server's
  postil.postkey, so both sides file a page under the same key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HERE = Path(__file__).parent
PAGES = json.loads((HERE / "fixtures" / "post-key" / "pages.json").read_text())
SHARED_CASES = json.loads((HERE.parent / "fixtures" / "post-key-cases.json").read_text())

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("case", PAGES, ids=[case["name"] for case in PAGES])
def test_fixture_page_is_filed_under_its_post(harness, case):
    key = harness.evaluate("identifyFixture", case)
    assert set(key) == {"site", "post_id", "url", "key_url", "signal", "canonical", "title"}
    got = {name: key[name] for name in case["expected"]}
    assert got == case["expected"]


@pytest.mark.parametrize("case", SHARED_CASES, ids=[case["name"] for case in SHARED_CASES])
def test_normalisers_agree_with_the_shared_table(harness, case):
    got = harness.evaluate("([fn, input]) => postKey[fn](input)", [case["function"], case["input"]])
    assert got == case["expected"]


def test_live_document_read_in_place(chromium, repo_server):
    """The module reads the document it runs in: links, body class, title, its own URL."""
    page = chromium.new_page()
    try:
        page.goto(f"{repo_server}/tests/anchoring/fixtures/post-key/multisite.html")
        page.add_script_tag(
            type="module",
            content="import * as m from '/extension/src/post-key/index.js'; window.postKey = m;",
        )
        page.wait_for_function("window.postKey !== undefined")
        key = page.evaluate("postKey.identifyPost(document)")
    finally:
        page.close()
    assert (key["site"], key["post_id"], key["signal"]) == (
        "d3.harvard.edu/future-proof-with-ai", 1334, "rest-link")
    assert key["url"] == f"{repo_server}/tests/anchoring/fixtures/post-key/multisite.html"


LINK_HEADERS = [
    ('<https://a.example/wp-json/>; rel="https://api.w.org/"',
     [{"href": "https://a.example/wp-json/", "rel": ["https://api.w.org/"], "type": ""}]),
    ('<https://a.example/?p=1>; rel=shortlink, <https://a.example/x,y>; rel="alternate canonical"; '
     'type="Application/JSON"',
     [{"href": "https://a.example/?p=1", "rel": ["shortlink"], "type": ""},
      {"href": "https://a.example/x,y", "rel": ["alternate", "canonical"],
       "type": "application/json"}]),
    ('<https://a.example/>; title="a; b, c"; rel="next"; rel="ignored"',
     [{"href": "https://a.example/", "rel": ["next"], "type": ""}]),
    ("", []),
]


@pytest.mark.parametrize(("header", "links"), LINK_HEADERS)
def test_link_header_parsing(harness, header, links):
    assert harness.evaluate("h => postKey.parseLinkHeader(h)", header) == links
