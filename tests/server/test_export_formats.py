"""The pure export formatters and their helpers, without Flask or a database."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from postil.exports import FORMATS, common, csv_export, zip_export


def annotation(n: int = 1, post_id: int = 1, **over) -> dict:
    base = {"id": f"00000000-0000-4000-8000-{n:012d}",
            "post": {"id": post_id, "site": "blog.example.org", "post_id": 40 + post_id,
                     "url": f"https://blog.example.org/p{post_id}/", "title": f"Post {post_id}"},
            "user": "alice", "quote": "notes in the margin",
            "selectors": [{"type": "TextQuoteSelector", "exact": "notes in the margin",
                           "prefix": "Readers have always written ",
                           "suffix": " of the books they loved"}],
            "note": "a note", "note_html": "<p>a note</p>", "color": "yellow", "tags": ["t"],
            "visibility": "private", "created": "2026-11-01T10:00:00.000Z",
            "updated": "2026-11-01T10:00:00.000Z", "version": 1, "deleted": False}
    return base | over


def quote_only(exact: str, prefix: str | None = None, suffix: str | None = None) -> dict:
    selector = {"type": "TextQuoteSelector", "exact": exact}
    if prefix is not None:
        selector["prefix"] = prefix
    if suffix is not None:
        selector["suffix"] = suffix
    return annotation(quote=exact, selectors=[selector])


# The passage links the extension's notebook gives too (notebook/passage.js runs this table in
# Node, and a Chromium test opens some of them on a page).
FRAGMENT_CASES = json.loads((Path(__file__).resolve().parent.parent / "fixtures"
                             / "text-fragment-cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", FRAGMENT_CASES, ids=[c["name"] for c in FRAGMENT_CASES])
def test_passage_links_follow_the_shared_table(case):
    assert common.passage_url(case["annotation"]) == case["expected"]


def test_text_fragments_name_the_passage():
    assert common.text_fragment(annotation()) == (
        ":~:text=have%20always%20written-,notes%20in%20the%20margin,-of%20the%20books%20they")
    assert common.text_fragment(annotation(quote="", selectors=[])) is None


@pytest.mark.parametrize("text, escaped", [
    ("*not emphasis* _nor_ `code`", r"\*not emphasis\* \_nor\_ \`code\`"),
    ("#not-a-tag [not](a link) <b>", r"\#not-a-tag \[not\](a link) \<b\>"),
    ("- not a list\n1. nor this\n+ nor", "\\- not a list\n1\\. nor this\n\\+ nor"),
    ("$5 and ==marks== ~~x~~ a|b", r"\$5 and \=\=marks\=\= \~\~x\~\~ a\|b"),
    ("plain words stay", "plain words stay"),
])
def test_markdown_shows_quotes_as_typed(text, escaped):
    assert common.md_text(text) == escaped


@pytest.mark.parametrize("title, name", [
    ("The AI Race Goes Global", "The AI Race Goes Global"),
    ('a/b\\c:d*e?f"g<h>i|j', "a b c d e f g h i j"),
    ("Tags #and ^blocks [links]", "Tags and blocks links"),
    ("  dots at the end...  ", "dots at the end"),
    ("CON", "_CON"),
    ("nul.txt", "_nul.txt"),
    ("line\nbreak\ttab\x00nul", "line break tab nul"),
    ("x" * 200, "x" * 80),
    ("Café ﬁnal", "Café ﬁnal"),
])
def test_file_names_are_safe_everywhere(title, name):
    assert common.safe_filename(title) == name


def test_a_post_without_a_usable_title_is_named_by_its_slug_or_key():
    assert common.post_file_stem({"title": "???", "url": "https://x.org/2026/hello-world/",
                                  "site": "x.org", "post_id": 3}) == "hello world"
    assert common.post_file_stem({"title": "", "url": "https://x.org/?p=3", "site": "x.org",
                                  "post_id": 3}) == "x.org 3"


@pytest.mark.parametrize("cell, shown", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("  =1", "'  =1"), ("a=1", "a=1"), ("", ""),
    (None, ""), (42, 42), ("plain", "plain"),
])
def test_csv_cells_are_never_formulas(cell, shown):
    assert csv_export.inert(cell) == shown


def test_yaml_scalars_escape_what_yaml_forbids():
    assert zip_export.yaml_scalar("a\u0085b\u2028c") == '"a\\u0085b\\u2028c"'
    assert zip_export.yaml_scalar(None) == "null" and zip_export.yaml_scalar(7) == "7"


def test_zip_streams_a_file_per_post_in_many_chunks():
    items = [annotation(n, post_id=1 + n // 50, note="word " * 200) for n in range(200)]
    chunks = list(FORMATS["zip"].write(items, exported_at="2026-11-29T00:00:00Z"))
    assert sum(1 for c in chunks if c) >= 4, "written as it goes, not at the end"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert len(archive.namelist()) == 4 and archive.testzip() is None
    assert archive.namelist()[0] == "Postil/Post 1.md"


def test_same_titles_get_distinct_file_names():
    items = [annotation(1, post_id=1), annotation(2, post_id=2)]
    items[1]["post"]["title"] = "post 1"
    chunks = FORMATS["zip"].write(items, exported_at="2026-11-29T00:00:00Z")
    names = zipfile.ZipFile(io.BytesIO(b"".join(chunks))).namelist()
    assert names == ["Postil/Post 1.md", "Postil/post 1 (2).md"]


@pytest.mark.parametrize("title, shown", [
    ("invoice\u202egpj.md", "invoicegpj.md"),
    ("\u202aleft\u202c \u202bright\u202c \u202dover\u202c", "left right over"),
    ("\u2066iso\u2069 \u2067r\u2069 \u2068fs\u2069", "iso r fs"),
    ("marks\u200e\u200f and \u061carabic", "marks and arabic"),
    ("zero\u200bwidth\ufeff", "zerowidth"),
    ("line\u2028para\u2029end\x85", "line para end"),
])
def test_zip_entry_names_carry_no_bidi_controls_or_invisible_characters(title, shown):
    items = [annotation(1)]
    items[0]["post"]["title"] = title
    chunks = FORMATS["zip"].write(items, exported_at="2026-11-29T00:00:00Z")
    assert zipfile.ZipFile(io.BytesIO(b"".join(chunks))).namelist() == [f"Postil/{shown}.md"]


def test_an_empty_export_is_still_a_valid_file_in_every_format():
    options = {"exported_at": "2026-11-29T00:00:00Z", "collection_iri": "https://h/c",
               "annotation_iri": lambda a: "https://h/a"}
    for name, fmt in FORMATS.items():
        chunks = list(fmt.write(iter(()), **options))
        data = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        if name == "zip":
            assert zipfile.ZipFile(io.BytesIO(data)).namelist() == []
        elif name in ("json", "jsonld"):
            doc = json.loads(data)
            assert doc.get("annotations", []) == [] and doc.get("total", 0) == 0
        else:
            assert data, name
