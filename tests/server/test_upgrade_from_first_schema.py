"""Upgrading a database made by the first schema (migration 0001 alone) to today's, with data.

The rows are written as the first schema allowed them: users with password hashes, API tokens,
a registered post and one known only from annotations, annotations with tags, private and
public. After every later migration, the API must serve each as before: to its author, to
another reader (public only) and to nobody signed in (public only), found by tag and by words,
and both users still signed in by their token and able to sign in by password. It runs on SQLite
and PostgreSQL, and once more through `postil backup` and `postil restore`, which must bring an
old backup up to today's schema.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime

import pytest
from playhouse.migrations import Runner
from werkzeug.security import generate_password_hash

from postil import cli, create_app, db
from postil.models import TOKEN_PREFIX, hash_token

NOW = int(time.time() * 1_000_000)
PASSWORD = "long enough pw"
TOKENS = {1: TOKEN_PREFIX + "a" * 43, 2: TOKEN_PREFIX + "b" * 43}
USERS = {1: "alice", 2: "bob"}
POSTS = [  # id, site, post_id, url, title, registered, content
    (1, "blog.example.org", 42, "https://blog.example.org/2026/05/on-margins/", "On margins",
     True, "<p>Readers have always written notes in the margin.</p>"),
    (2, "blog.example.org", 7, "https://blog.example.org/?p=7", "Seven", False, ""),
]
SELECTORS = [{"type": "TextQuoteSelector", "exact": "notes in the margin",
              "prefix": "Readers have always written ", "suffix": "."},
             {"type": "TextPositionSelector", "start": 28, "end": 47}]
ANNOTATIONS = [  # pk, uid, post, user, visibility, color, tags, note, note_html
    (1, "00000000-0000-4000-8000-000000000001", 1, 1, "private", "yellow",
     ["history", "margins"], "Alice's *marginalia*", "<p>Alice's <em>marginalia</em></p>"),
    (2, "00000000-0000-4000-8000-000000000002", 1, 1, "public", "green", ["shared"],
     "for everyone", "<p>for everyone</p>"),
    (3, "00000000-0000-4000-8000-000000000003", 2, 2, "private", "blue", ["bobs"],
     "Bob's secret", "<p>Bob's secret</p>"),
    (4, "00000000-0000-4000-8000-000000000004", 2, 2, "public", "pink", [], "", ""),
]


def fill_first_schema(database) -> None:
    p = database.param

    def sql(query, params=()):
        return database.execute_sql(query.replace("?", p), list(params))

    for uid, name in USERS.items():
        sql('INSERT INTO "user" (id, name, password_hash, created_us) VALUES (?, ?, ?, ?)',
            [uid, name, generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
             NOW - 10_000_000 + uid])
        sql("INSERT INTO token (user_id, token_hash, label, created_us) VALUES (?, ?, 'cli', ?)",
            [uid, hash_token(TOKENS[uid]), NOW - 5_000_000])
    for pid, site, post_id, url, title, registered, content in POSTS:
        sql("INSERT INTO post (id, site, post_id, url, title, guid, type, slug, content_html, "
            "text, registered, created_us, updated_us) "
            "VALUES (?, ?, ?, ?, ?, '', 'post', '', ?, ?, ?, ?, ?)",
            [pid, site, post_id, url, title, content, "Readers have always written notes in "
             "the margin." if content else "", registered, NOW - 9_000_000, NOW - 9_000_000])
    for pk, uid, post, user, visibility, color, tags, note, html in ANNOTATIONS:
        at = NOW - 8_000_000 + pk
        sql("INSERT INTO annotation (pk, uid, post_id, user_id, quote, selectors, note, "
            "note_html, color, tags, tags_text, visibility, deleted, created_us, updated_us, "
            "version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [pk, uid, post, user, "notes in the margin", json.dumps(SELECTORS), note, html,
             color, json.dumps(tags), " ".join(tags), visibility, False, at, at])
        for tag in tags:
            sql("INSERT INTO annotation_tag (annotation_id, name) VALUES (?, ?)", [pk, tag])
    if isinstance(database, db.PostgresqlDatabase):  # ids given above: move the sequences on
        for table, pk in (("user", "id"), ("token", "id"), ("post", "id"),
                          ("annotation", "pk"), ("annotation_tag", "id")):
            sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), "
                f"(SELECT max({pk}) FROM \"{table}\"))")


def iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def first_schema_database(url: str) -> None:
    database = db.open_database(url)
    with database.connection_context():
        Runner(database, db.MIGRATIONS_DIR).up("0001_initial")
        fill_first_schema(database)
    database.close()
    database.close_all()


def later_migrations() -> list[str]:
    return sorted(name[:-3] for name in os.listdir(db.MIGRATIONS_DIR)
                  if name[:4].isdigit() and name.endswith(".py") and name[:4] != "0001")


def assert_served_as_before(url: str) -> None:
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SAMPLE": False,
                      "OPEN_SIGNUP": False, "CORS_ORIGINS": []})
    client = app.test_client()
    headers = {uid: {"Authorization": f"Bearer {token}"} for uid, token in TOKENS.items()}
    try:
        for uid, name in USERS.items():
            assert client.get("/api/me", headers=headers[uid]).get_json()["user"]["name"] == name
            signed_in = client.post("/api/tokens", json={"username": name, "password": PASSWORD})
            assert signed_in.status_code == 201, signed_in.get_json()

        for pk, aid, post, user, visibility, color, tags, note, html in ANNOTATIONS:
            got = client.get(f"/api/annotations/{aid}", headers=headers[user])
            assert got.status_code == 200, got.get_json()
            body = got.get_json()
            site, post_id, url_of_post = POSTS[post - 1][1], POSTS[post - 1][2], POSTS[post - 1][3]
            at = iso(NOW - 8_000_000 + pk)
            assert {k: body[k] for k in ("user", "quote", "selectors", "note", "note_html",
                                         "color", "tags", "visibility", "created", "updated",
                                         "deleted")} == {
                "user": USERS[user], "quote": "notes in the margin", "selectors": SELECTORS,
                "note": note, "note_html": html, "color": color, "tags": tags,
                "visibility": visibility, "created": at, "updated": at, "deleted": False}
            assert (body["post"]["site"], body["post"]["post_id"], body["post"]["url"]) == (
                site, post_id, url_of_post)
            other = headers[3 - user]
            for viewer in (other, {}):  # another reader, and nobody signed in
                seen = client.get(f"/api/annotations/{aid}", headers=viewer)
                assert seen.status_code == (200 if visibility == "public" else 404), (aid, viewer)

        def ids(query: str, viewer: dict) -> set[str]:
            return {a["id"] for a in client.get(f"/api/annotations?{query}",
                                                headers=viewer).get_json()["items"]}

        first, second, third, fourth = (a[1] for a in ANNOTATIONS)
        assert ids("tag=history", headers[1]) == {first}
        assert ids("tag=history", headers[2]) == set()
        assert ids("q=marginalia", headers[1]) == {first}
        assert ids("q=marginalia", headers[2]) == ids("q=marginalia", {}) == set()
        assert ids("q=secret", headers[2]) == {third}
        assert ids("q=everyone", {}) == {second}

        post = client.get("/api/posts/1").get_json()
        assert (post["site"], post["post_id"], post["title"]) == ("blog.example.org", 42,
                                                                  "On margins")
        assert post["text"] == "Readers have always written notes in the margin."
        assert client.get("/api/posts/2").get_json()["post_id"] == 7
        # New writes go on from the old rows: ids, tags and all.
        made = client.post("/api/annotations", headers=headers[1], json={
            "post": {"site": "blog.example.org", "post_id": 42}, "note": "after the upgrade",
            "tags": ["history"]})
        assert made.status_code == 201, made.get_json()
        assert ids("tag=history", headers[1]) == {first, made.get_json()["id"]}
        assert fourth in ids("", {})
    finally:
        if not db.database.is_closed():
            db.database.close()
        db.database.obj.close_all()


def test_a_database_of_the_first_schema_upgrades_with_every_row_served_as_before(
        empty_database):
    first_schema_database(empty_database)
    database = db.open_database(empty_database)
    applied = db.upgrade(database)
    database.close_all()
    assert applied == later_migrations()
    assert_served_as_before(empty_database)


@pytest.fixture(params=["sqlite", "postgres"])
def old_and_new(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}", f"sqlite:///{tmp_path / 'new.db'}"
    make = request.getfixturevalue("new_pg_url")
    return make(), make()


def test_restoring_a_backup_of_the_first_schema_brings_it_up_to_today(old_and_new, tmp_path,
                                                                      monkeypatch, capsys):
    old, new = old_and_new
    first_schema_database(old)
    monkeypatch.setenv("POSTIL_DATABASE_URL", old)
    cli.main(["backup", str(tmp_path / "old.backup")])
    monkeypatch.setenv("POSTIL_DATABASE_URL", new)
    cli.main(["restore", str(tmp_path / "old.backup")])
    said = capsys.readouterr().out.splitlines()[-1]
    assert "2 users, 4 annotations, 2 posts" in said
    assert said.endswith("applied " + ", ".join(later_migrations()))
    assert_served_as_before(new)
