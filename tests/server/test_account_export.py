"""`GET /api/me/export`: one zip of everything a reader made, as they would unpack and open it."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html.parser import HTMLParser

from postil.exports import FORMATS

OTHER_POST = {"site": "elsewhere.example", "post_id": 3, "url": "https://elsewhere.example/3/",
              "title": "Elsewhere"}


def unzip(res) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(res.get_data())) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def made_by_alice(client, alice, bob, create) -> dict[str, dict]:
    mine = {
        "private": create(alice, note="a private thought", tags=["mine"]),
        "public": create(alice, visibility="public", note="for everyone", post=OTHER_POST),
        "page note": create(alice, selectors=[], quote="", note="about the whole page"),
    }
    gone = create(alice, note="deleted before the export")
    assert client.delete(f"/api/annotations/{gone['id']}", headers=alice.headers).status_code \
        == 204
    create(bob, visibility="public", note="bob's public note")
    create(bob, note="bob's private note")
    return mine


def test_one_zip_holds_every_format_with_every_own_annotation_and_nobody_elses(
        client, alice, bob, create):
    mine = made_by_alice(client, alice, bob, create)
    res = client.get("/api/me/export", headers=alice.headers)
    assert res.status_code == 200 and res.mimetype == "application/zip"
    disposition = res.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="postil-alice-\d{4}-\d{2}-\d{2}\.zip"',
                        disposition)
    folder = disposition.split('"')[1].removesuffix(".zip")
    files = unzip(res)
    assert all(name.startswith(folder + "/") for name in files)
    files = {name.removeprefix(folder + "/"): data for name, data in files.items()}

    expected = {f"annotations/{name}.{spec.extension}" for name, spec in FORMATS.items()}
    expected.add("annotations/csv-readwise.csv")
    assert expected | {"README.txt", "profile.json", "posts.json"} == set(files)
    everything = b"\n".join(files.values()).decode(errors="replace")
    for theirs in ("bob's public note", "bob's private note", "deleted before the export"):
        assert theirs not in everything
    for _, data in unzip_inner(files["annotations/zip.zip"]).items():
        assert b"bob's" not in data

    ids = {a["id"] for a in mine.values()}
    native = json.loads(files["annotations/json.json"])
    assert {a["id"] for a in native["annotations"]} == ids
    assert {a["visibility"] for a in native["annotations"]} == {"private", "public"}

    ld = json.loads(files["annotations/jsonld.jsonld"])
    assert ld["total"] == 3
    assert {i["canonical"] for page in ld["@included"] for i in page["items"]} == {
        f"urn:uuid:{uid}" for uid in ids}

    rows = list(csv.DictReader(io.StringIO(files["annotations/csv.csv"].decode())))
    assert {r["id"] for r in rows} == ids
    readwise = list(csv.reader(io.StringIO(files["annotations/csv-readwise.csv"].decode())))
    assert readwise[0][0] == "Highlight" and len(readwise) == 4

    markdown = files["annotations/markdown.md"].decode()
    html = files["annotations/html.html"].decode()
    for annotation in mine.values():
        assert annotation["note"] in markdown and annotation["note"] in html
    tags = TagCounter()
    tags.feed(html)
    assert tags.opened["html"] == 1 and tags.opened["script"] == 0

    vault = unzip_inner(files["annotations/zip.zip"])
    assert len(vault) == 2 and all(name.endswith(".md") for name in vault)
    assert all(data.startswith(b"---\n") for data in vault.values())


def unzip_inner(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


class TagCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.opened: dict[str, int] = {"html": 0, "script": 0}

    def handle_starttag(self, tag, attrs) -> None:
        self.opened[tag] = self.opened.get(tag, 0) + 1


def test_the_profile_and_posts_say_who_and_where_without_secrets(client, alice, bob, create):
    made_by_alice(client, alice, bob, create)
    res = client.post("/api/tokens", json={"username": "alice", "password": "correct horse",
                                           "label": "laptop"})
    second_token = res.get_json()["token"]
    files = unzip(client.get("/api/me/export", headers=alice.headers))
    by_name = {name.split("/", 1)[1]: data for name, data in files.items()}
    profile = json.loads(by_name["profile.json"])
    assert profile["name"] == "alice" and profile["created"].endswith("Z")
    assert profile["annotations"] == {"private": 2, "public": 1}
    assert sorted(s["label"] for s in profile["sessions"]) == ["laptop", "test"]
    assert all({"id", "created", "last_used", "expires"} <= set(s) for s in profile["sessions"])
    everything = b"".join(files.values())
    for secret in (alice.token, second_token, "pst_"):
        assert secret.encode() not in everything

    posts = json.loads(by_name["posts.json"])
    assert sorted((p["site"], p["your_annotations"]) for p in posts) == [
        ("blog.example.org", 2), ("elsewhere.example", 1)]
    assert "bob" not in by_name["posts.json"].decode()


def test_an_empty_account_exports_an_archive_too(client, alice):
    files = unzip(client.get("/api/me/export", headers=alice.headers))
    by_name = {name.split("/", 1)[1]: data for name, data in files.items()}
    assert json.loads(by_name["posts.json"]) == []
    assert json.loads(by_name["annotations/json.json"])["annotations"] == []


def test_the_archive_streams_in_pieces(client, alice, create):
    for i in range(120):
        create(alice, note=f"note {i} " + "words " * 200,
               post={"site": "many.example", "post_id": i % 40 + 1})
    res = client.get("/api/me/export", headers=alice.headers, buffered=False)
    assert res.is_streamed
    pieces = list(res.response)
    assert len(pieces) > 10
    with zipfile.ZipFile(io.BytesIO(b"".join(pieces))) as archive:
        native = next(n for n in archive.namelist() if n.endswith("annotations/json.json"))
        assert len(json.loads(archive.read(native))["annotations"]) == 120


def test_exporting_everything_needs_a_sign_in(client):
    res = client.get("/api/me/export")
    assert res.status_code == 401 and res.get_json()["error"]["code"] == "unauthorized"


def test_the_posts_a_reader_registered_are_in_their_export_and_nobody_elses(client, alice, bob,
                                                                           create):
    from test_posts import FIXTURE
    from test_posts import SUBSITE as FIXTURE_SITE

    registered = client.put("/api/posts", json=FIXTURE, headers=alice.headers)
    assert registered.status_code == 201
    create(alice, post=OTHER_POST)  # annotated, not registered
    create(bob, post={"site": FIXTURE_SITE, "post_id": FIXTURE["id"]})  # annotated by Bob

    def posts_of(reader):
        files = unzip(client.get("/api/me/export", headers=reader.headers))
        by_name = {name.split("/", 1)[1]: data for name, data in files.items()}
        return sorted((p["id"], p["your_annotations"], p["you_registered"])
                      for p in json.loads(by_name["posts.json"]))

    wp_post = registered.get_json()["id"]
    other = [p for p in posts_of(alice) if p[0] != wp_post]
    assert posts_of(alice) == sorted([(wp_post, 0, True), *other])
    assert [p[1:] for p in other] == [(1, False)]
    # Bob annotated the post Alice registered: it is in his export, not as registered by him.
    assert posts_of(bob) == [(wp_post, 1, False)]

    # Registering it again changes nothing; Bob registering it too makes it his as well.
    assert client.put("/api/posts", json=FIXTURE, headers=alice.headers).status_code == 200
    assert client.put("/api/posts", json=FIXTURE, headers=bob.headers).status_code == 200
    assert posts_of(bob) == [(wp_post, 1, True)]
    assert posts_of(alice)[0] == (wp_post, 0, True)
